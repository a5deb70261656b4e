"""Celery tasks of the certificates app: PDF renderings, never in a request.

Each takes an id, calls a service and owns its retries. Re-running one is harmless: the
services store a rendering by a conditional update of the PDF columns only. `acks_late`
with `reject_on_worker_lost` means a worker that dies mid-render leaves the message to
another worker; the time limits stop a rendering that hangs.
"""

import logging
from dataclasses import asdict
from datetime import timedelta

from celery import shared_task

from certificates.document_services import certificate_pdf_render, transcript_document_render
from certificates.services import completions_sweep

logger = logging.getLogger(__name__)

RENDER_TASK_OPTIONS = {
    "bind": True,
    "autoretry_for": (Exception,),
    "retry_backoff": 10,  # 10 s, 20 s, 40 s… with jitter
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 60,  # SoftTimeLimitExceeded is an Exception: retried like others
    "time_limit": 90,
}


def _run(task, label: str, object_id: int, service) -> None:
    try:
        service()
    except Exception:
        logger.exception(
            "Rendering %s %s failed (attempt %s of %s)",
            label,
            object_id,
            task.request.retries + 1,
            task.max_retries + 1,
        )
        if task.request.is_eager:
            # In-process (the embedded default): never fail the request that issued
            # the certificate; `issue_missing_certificates --render` queues it again.
            return
        raise


@shared_task(**RENDER_TASK_OPTIONS)
def render_certificate(self, certificate_id: int) -> None:
    """Render and store the certificate's PDF (certificates/<year>/<serial>.pdf)."""
    _run(
        self,
        "certificate",
        certificate_id,
        lambda: certificate_pdf_render(certificate_id=certificate_id),
    )


@shared_task(**RENDER_TASK_OPTIONS)
def render_transcript(self, document_id: int) -> None:
    """Render and store a learner's yearly transcript document."""
    _run(
        self,
        "transcript document",
        document_id,
        lambda: transcript_document_render(document_id=document_id),
    )


@shared_task(acks_late=True, soft_time_limit=240, time_limit=270)
def completion_sweep_task(older_than_seconds: int | None = None) -> dict[str, int]:
    """Run by beat every 5 minutes: credits, certificates and renderings that completions
    lost to a crash or a broker outage (docs/decisions/0012)."""
    options = (
        {} if older_than_seconds is None else {"older_than": timedelta(seconds=older_than_seconds)}
    )
    return asdict(completions_sweep(**options))
