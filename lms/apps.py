from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Learning")

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_save

        from lms.models import CreditEntry
        from lms.receivers import (
            award_credits_on_completion,
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
