"""Writes of the PDF renderings: storing a certificate's PDF, and the learner's yearly
transcript documents (requested, signed, rendered).

A PDF is a rendering of a record, never the record: storing one changes only the
`pdf`, `pdf_sha256` and `rendered_at` columns, by a conditional update, so re-running a
render can replace the file (byte-identical when nothing changed) but never the data.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import models, transaction
from django.utils import timezone, translation

from accounts.models import User
from certificates.models import Certificate, TranscriptDocument
from certificates.signing import active_key_id, canonical_bytes, sign_payload
from lms.selectors.transcript import learner_transcript

logger = logging.getLogger(__name__)

TRANSCRIPT_PAYLOAD_VERSION = 1


def _store_file(*, storage, name: str, data: bytes) -> str:
    """Write `data` under exactly `name`, replacing what was there; returns the name.

    On a local file system the new file replaces the old one atomically (a download
    never sees half a file); elsewhere the old file is deleted first.
    """
    try:
        path = Path(storage.path(name))
    except NotImplementedError:
        if storage.exists(name):
            storage.delete(name)
        return storage.save(name, ContentFile(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o640)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return name


def _store_rendering(
    *, model: type[models.Model], pk: int, rendered_at, name: str, data: bytes
) -> bool:
    """Store the PDF and its hash unless another rendering landed since `rendered_at`
    was read (then that one stands). True when this one was stored."""
    field = model._meta.get_field("pdf")
    with transaction.atomic():
        # Concurrent renderings of one record queue here (PostgreSQL); the update's
        # condition decides on SQLite, which has no row locks.
        model.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).first()
        if not model.objects.filter(pk=pk, rendered_at=rendered_at).exists():
            return False
        stored_name = _store_file(storage=field.storage, name=name, data=data)
        updated = model.objects.filter(pk=pk, rendered_at=rendered_at).update(
            pdf=stored_name,
            pdf_sha256=hashlib.sha256(data).hexdigest(),
            rendered_at=timezone.now(),
        )
        return updated == 1


def _render_and_store(
    *, model: type[models.Model], pk: int, render: Callable, name: Callable, related=()
) -> models.Model | None:
    record = model.objects.select_related(*related).filter(pk=pk).first()
    if record is None:
        logger.warning("No %s %s to render (deleted?)", model._meta.model_name, pk)
        return None
    data = render(record)
    if not _store_rendering(
        model=model, pk=pk, rendered_at=record.rendered_at, name=name(record), data=data
    ):
        logger.info("%s %s was rendered meanwhile; that rendering stands", model.__name__, pk)
    return model.objects.get(pk=pk)


def certificate_pdf_render(*, certificate_id: int) -> Certificate | None:
    """Render the certificate's PDF and store it as certificates/<year>/<serial>.pdf.

    Idempotent: the record's data is never touched, a second run replaces the file with
    the same bytes (rendering is deterministic) and refreshes `rendered_at`.
    """
    from certificates.rendering import certificate_pdf  # WeasyPrint: workers only

    return _render_and_store(
        model=Certificate,
        pk=certificate_id,
        render=lambda certificate: certificate_pdf(certificate=certificate),
        name=lambda c: f"certificates/{c.serial_year}/{c.serial_number}.pdf",
        related=("template__seal_image", "template__signature_image"),
    )


# --- transcripts -------------------------------------------------------------------------


def _amount(value) -> str:
    return format(value, "f")


def transcript_payload(*, learner: User, year: int, code: str) -> dict:
    """What a transcript document says and its signature seals: the year's ledger with
    its totals and compliance verdict, labels in the site language (a snapshot)."""
    with translation.override(settings.LANGUAGE_CODE):
        transcript = learner_transcript(learner=learner, year=year)
        report = transcript.compliance
        entries = []
        for item in transcript.entries:
            entry = item.entry
            entries.append(
                {
                    "recorded_at": timezone.localtime(entry.created_at).date().isoformat(),
                    "activity": entry.activity_title,
                    "organiser": entry.organiser,
                    "project_number": entry.cme_project_number,
                    "credit_class": entry.credit_class,
                    "subject_type": entry.subject_type,
                    "credits": _amount(entry.credits),
                    "study_hours": _amount(entry.study_hours),
                    "source": entry.source,
                    "source_label": str(entry.get_source_display()),
                    "state": (
                        "correction" if entry.reverses_id else ("reversed" if item.reversed else "")
                    ),
                }
            )
        checks = [
            {
                "code": check.code,
                "label": str(check.label),
                "unit": check.unit,
                "required": _amount(check.required),
                "earned": _amount(check.earned),
                "met": check.met,
            }
            for check in report.checks
        ]
        institution = learner.institution.name if learner.institution_id else ""
        return {
            "v": TRANSCRIPT_PAYLOAD_VERSION,
            "type": "transcript",
            "code": code,
            "learner": {
                "id": learner.pk,
                "name": learner.real_name or learner.get_full_name(),
                "institution": institution,
            },
            "year": year,
            "entries": entries,
            "totals": {
                "credits": _amount(transcript.net_credits),
                "study_hours": _amount(transcript.net_study_hours),
            },
            "status": report.status,
            "status_label": report.status_label,
            "checks": checks,
            "gaps": [str(gap) for gap in report.gaps],
            "rule_set": report.rule_set.name if report.rule_set else "",
            "generated_at": timezone.now().replace(microsecond=0),
            "key_id": active_key_id(),
        }


_VOLATILE = {"code", "generated_at", "key_id"}


def _same_content(first: dict, second: dict) -> bool:
    def strip(payload: dict) -> dict:
        return {key: value for key, value in payload.items() if key not in _VOLATILE}

    return strip(first) == strip(second)


def transcript_document_request(
    *, learner: User, year: int, requested_by: User | None = None
) -> TranscriptDocument:
    """A signed transcript document of the learner's year, rendered by a task after
    commit. Asking again while the ledger is unchanged returns the latest document
    (queued again if its PDF is still missing) instead of making another.

    `requested_by` is who asks (the learner when not given; an HR officer whose scope
    the caller has checked). Each requester gets their own document, so that every
    officer's request stays on record.
    """
    requester = requested_by or learner
    code = secrets.token_urlsafe(32)
    payload = transcript_payload(learner=learner, year=year, code=code)
    # Stored exactly as signed (dates as strings), so that it verifies as it is read back.
    signed_form = json.loads(canonical_bytes(payload))
    mine = models.Q(requested_by=requester)
    if requester.pk == learner.pk:
        mine |= models.Q(requested_by__isnull=True)  # made before requesters were recorded
    latest = (
        TranscriptDocument.objects.filter(mine, learner=learner, year=year)
        .order_by("-requested_at", "-pk")
        .first()
    )
    if latest is not None and _same_content(latest.payload, signed_form):
        if not latest.pdf:
            transaction.on_commit(lambda: _render_transcript_later(latest.pk), robust=True)
        return latest
    key_id, signature = sign_payload(payload)
    document = TranscriptDocument.objects.create(
        learner=learner,
        year=year,
        requested_by=requester,
        verification_code=code,
        payload=signed_form,
        key_id=key_id,
        signature=signature,
    )
    transaction.on_commit(lambda: _render_transcript_later(document.pk), robust=True)
    return document


def _render_transcript_later(document_id: int) -> None:
    from certificates.tasks import render_transcript

    render_transcript.delay(document_id)


def transcript_document_render(*, document_id: int) -> TranscriptDocument | None:
    """Render and store the transcript document's PDF (idempotent like certificates)."""
    from certificates.rendering import transcript_pdf  # WeasyPrint: workers only

    return _render_and_store(
        model=TranscriptDocument,
        pk=document_id,
        render=lambda document: transcript_pdf(document=document),
        name=lambda d: f"transcripts/{d.year}/transcript-{d.year}-{d.verification_code[:12]}.pdf",
    )
