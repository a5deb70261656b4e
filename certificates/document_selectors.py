"""Reads of the transcript documents: their learner, HR officers whose scope covers the
learner, and superusers may see one; nobody else."""

from accounts.models import User
from certificates.models import TranscriptDocument
from lms.selectors.hr import hr_viewer, staff_member


def staff_member_for_transcript(*, user: User, user_id: int) -> User | None:
    """The person whose yearly file this HR officer (or superuser) may ask for: an
    active member of staff their scope covers; else None (so: a 404)."""
    viewer = hr_viewer(user=user)
    if viewer is None:
        return None
    return staff_member(viewer=viewer, user_id=user_id)


def transcript_document_for(*, user: User, pk: int) -> TranscriptDocument | None:
    """The document if this user may see it (its learner, an HR officer whose scope
    covers the learner, or a superuser), else None."""
    if not user.is_authenticated or not user.is_active:
        return None
    document = TranscriptDocument.objects.select_related("learner").filter(pk=pk).first()
    if document is None:
        return None
    if document.learner_id == user.pk or user.is_superuser:
        return document
    if staff_member_for_transcript(user=user, user_id=document.learner_id) is not None:
        return document
    return None
