from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "certificates"
    verbose_name = _("Certificates")

    def ready(self):
        from django.db.models.signals import post_delete

        import certificates.exports  # noqa: F401  (registers the certificates ZIP export)
        from certificates.models import Certificate
        from certificates.receivers import (
            forget_deleted_certificate,
            issue_certificate_on_completion,
        )
        from lms.signals import course_completed

        post_delete.connect(
            forget_deleted_certificate,
            sender=Certificate,
            dispatch_uid="certificates.forget_deleted_certificate",
        )
        course_completed.connect(
            issue_certificate_on_completion, dispatch_uid="certificates.issue_on_completion"
        )
