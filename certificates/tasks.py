"""Celery tasks of the certificates app (the rendering work fills `render_certificate`)."""

from celery import shared_task


@shared_task
def render_certificate(certificate_id: int) -> None:
    """Render the certificate's PDF; replaced by the real task of the rendering work."""
