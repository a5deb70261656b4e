"""Reads of the transcript documents: only their owner (and superusers) may see one."""

from accounts.models import User
from certificates.models import TranscriptDocument


def transcript_document_for(*, user: User, pk: int) -> TranscriptDocument | None:
    """The document if this user may see it (its learner, or a superuser), else None."""
    if not user.is_authenticated or not user.is_active:
        return None
    document = TranscriptDocument.objects.filter(pk=pk).first()
    if document is None or not (document.learner_id == user.pk or user.is_superuser):
        return None
    return document
