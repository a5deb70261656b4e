"""Reactions to learning events; wired in LmsConfig.ready."""

from lms.services.credits import credit_award_for_completion


def award_credits_on_completion(sender, *, completion_id: int, **kwargs) -> None:
    credit_award_for_completion(completion_id=completion_id)
