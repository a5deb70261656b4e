from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Learning")

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_delete, post_save

        from accounts.models import Institution
        from lms.models import CreditEntry, RequirementRule, RequirementRuleSet
        from lms.receivers import (
            award_credits_on_completion,
            forget_compliance_of_ledger_change,
            forget_compliance_of_rule_change,
            refresh_summary_on_credit_entry,
            refresh_summary_on_profile_change,
        )
        from lms.signals import course_completed

        course_completed.connect(award_credits_on_completion, dispatch_uid="lms.award_credits")
        # The HR compliance summaries follow the ledger and the profiles (after commit).
        post_save.connect(
            refresh_summary_on_credit_entry, sender=CreditEntry, dispatch_uid="lms.summary_entry"
        )
        post_save.connect(
            refresh_summary_on_profile_change,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="lms.summary_profile",
        )
        # The learner's cached standing (lms.selectors.compliance_cache) follows the
        # ledger, and the rule sets with what their scopes read. Institution moves
        # (treebeard, raw SQL) happen only in accounts.services.institution_update,
        # after a save of the same node in the same transaction.
        for signal, name in ((post_save, "save"), (post_delete, "delete")):
            signal.connect(
                forget_compliance_of_ledger_change,
                sender=CreditEntry,
                dispatch_uid=f"lms.compliance_cache.entry.{name}",
            )
            for model in (RequirementRuleSet, RequirementRule, Institution):
                signal.connect(
                    forget_compliance_of_rule_change,
                    sender=model,
                    dispatch_uid=f"lms.compliance_cache.{model._meta.label}.{name}",
                )
