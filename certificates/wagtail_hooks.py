from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.admin_url_finder import register_admin_url_finder
from wagtail.log_actions import LogFormatter

from certificates.models import Certificate
from certificates.services import LOG_ISSUE, LOG_REVOKE
from certificates.viewsets import CertificateAdminURLFinder, CertificatesMenu

# The viewset registers its finder when the admin's URLs load; registering it here too
# (Wagtail's URL finder loads the hooks first) makes it hold before that, e.g. in a task.
register_admin_url_finder(Certificate, CertificateAdminURLFinder)


@hooks.register("register_admin_viewset")
def register_certificates_menu():
    return CertificatesMenu()


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    actions.register_action(LOG_ISSUE, _("Issue certificate"), _("Certificate issued"))

    @actions.register_action(LOG_REVOKE)
    class RevokedFormatter(LogFormatter):
        label = _("Revoke certificate")

        def format_message(self, log_entry):
            reason = (log_entry.data or {}).get("reason", "")
            return _("Certificate revoked: %(reason)s") % {"reason": reason}
