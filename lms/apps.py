from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = _("Learning")

    def ready(self):
        from lms.receivers import award_credits_on_completion
        from lms.signals import course_completed

        course_completed.connect(award_credits_on_completion, dispatch_uid="lms.award_credits")
