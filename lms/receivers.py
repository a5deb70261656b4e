"""Reactions to learning events; wired in LmsConfig.ready."""

from django.utils import timezone

from lms.selectors.compliance_cache import (
    compliance_ledger_stamp_bump,
    compliance_rules_generation_bump,
)
from lms.services.credits import credit_award_for_completion
from lms.services.summaries import compliance_summary_refresh_on_commit

# A change of these decides which rule set judges a learner.
PROFILE_FIELDS = frozenset({"institution", "department", "profession", "title_level", "is_active"})


def award_credits_on_completion(sender, *, completion_id: int, **kwargs) -> None:
    credit_award_for_completion(completion_id=completion_id)


def refresh_summary_on_credit_entry(sender, *, instance, created: bool, **kwargs) -> None:
    """A new ledger entry (award, reversal, adjustment) changes its learner's year, and
    the current year too where a rolling window reaches back to it."""
    if not created or kwargs.get("raw"):
        return
    this_year = timezone.localdate().year
    years = {instance.year, this_year} if instance.year <= this_year else {instance.year}
    compliance_summary_refresh_on_commit(learner_id=instance.learner_id, years=years)


def refresh_summary_on_profile_change(sender, *, instance, created: bool, **kwargs) -> None:
    """Institution, title and profession choose the rule set: refresh the current year.
    Saves of other fields only (a login's last_login) do nothing."""
    update_fields = kwargs.get("update_fields")
    if kwargs.get("raw") or (update_fields is not None and not PROFILE_FIELDS & set(update_fields)):
        return
    compliance_summary_refresh_on_commit(learner_id=instance.pk, years={timezone.localdate().year})


def forget_compliance_of_ledger_change(sender, *, instance, **kwargs) -> None:
    """A credit entry added (or, behind the ledger's back, removed): the learner's
    cached standing is out of date. Fixture loads (raw) change the ledger too."""
    compliance_ledger_stamp_bump(learner_id=instance.learner_id)


def forget_compliance_of_rule_change(sender, **kwargs) -> None:
    """A rule set, a rule or an institution (its kind, its place in the tree) saved or
    deleted: any learner's cached standing may be out of date."""
    compliance_rules_generation_bump()
