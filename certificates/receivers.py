"""Reactions to learning events; wired in CertificatesConfig.ready."""

import logging

from certificates.services import certificate_issue
from certificates.verify_cache import verification_stamp_bump

logger = logging.getLogger(__name__)


def issue_certificate_on_completion(sender, *, completion_id: int, **kwargs) -> None:
    # A failure is logged and left to `issue_missing_certificates`: it must not stop
    # other listeners of the completion, nor undo what the learner earned.
    try:
        certificate_issue(completion_id=completion_id)
    except Exception:
        logger.exception("Issuing the certificate of completion %s failed", completion_id)


def forget_deleted_certificate(sender, *, instance, **kwargs) -> None:
    # The public page of a certificate deleted with its learner or enrolment must not
    # go on saying "valid" from the cache.
    verification_stamp_bump(code=instance.verification_code)
