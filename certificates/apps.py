from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        import certificates.exports  # noqa: F401  (registers the certificates ZIP export)
        from certificates.receivers import issue_certificate_on_completion
        from lms.signals import course_completed

        course_completed.connect(
            issue_certificate_on_completion, dispatch_uid="certificates.issue_on_completion"
        )
