"""The Wagtail admin's certificates: a read-only register, and revocation.

Certificates are issued by the platform, never added or edited by hand: the viewset
offers the list (search by serial or name, filter by status), the inspect view, the
history (issue and revocation, from Wagtail's audit log) and a revoke form.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy

from accounts.admin_choosers import PermissionCheckedChooserMixin
from certificates.forms import RevokeForm
from certificates.models import Certificate, CertificateStatus
from certificates.selectors import REVOKE_PERMISSION
from certificates.services import certificate_revoke
from certificates.template_admin import CertificateTemplateViewSet


def _may_revoke(user, certificate: Certificate) -> bool:
    return certificate.status == CertificateStatus.VALID and user.has_perm(REVOKE_PERMISSION)


class CertificateIndexView(IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("learner")


class CertificateInspectView(InspectView):
    def get_header_more_buttons(self):
        buttons = list(super().get_header_more_buttons())
        if _may_revoke(self.request.user, self.object):
            buttons.append(
                Button(
                    _("Revoke"),
                    url=reverse("certificate_admin:revoke", args=[self.object.pk]),
                    icon_name="warning",
                    priority=30,
                )
            )
        if self.object.pdf:
            buttons.append(
                Button(
                    _("Download PDF"),
                    url=reverse("certificates:pdf", args=[self.object.serial_number]),
                    icon_name="download",
                    priority=40,
                )
            )
        buttons.append(
            Button(
                _("Verification page"),
                url=reverse("verify:result", args=[self.object.verification_code]),
                icon_name="link-external",
                priority=50,
            )
        )
        return buttons


class CertificateHistoryView(HistoryView):
    # The register is read-only: whoever may view a certificate may see its history,
    # and the history leads back to the inspect view instead of an edit form.
    any_permission_required = ["add", "change", "delete", "view"]

    def get_edit_url(self, instance):
        return reverse("certificate_admin:inspect", args=[instance.pk])

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                label=_("Inspect"), url=self.get_edit_url(self.object), icon_name="info-circle"
            )
        ]


class CertificateRevokeView(WagtailAdminTemplateMixin, FormView):
    """Revoke one certificate, with a reason; its completion's credits are reversed."""

    template_name = "certificates/admin/revoke.html"
    form_class = RevokeForm
    page_title = gettext_lazy("Revoke certificate")
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(REVOKE_PERMISSION):
            raise PermissionDenied
        certificates = Certificate.objects.select_related("learner")
        self.object = get_object_or_404(certificates, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.object.serial_number

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("certificate_admin:index"), "label": _("Certificates")},
            {
                "url": reverse("certificate_admin:inspect", args=[self.object.pk]),
                "label": self.object.serial_number,
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["certificate"] = self.object
        return context

    def form_valid(self, form):
        try:
            certificate_revoke(
                certificate=self.object,
                acting_user=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Certificate %(serial)s is revoked.") % {"serial": self.object.serial_number},
        )
        return redirect("certificate_admin:inspect", self.object.pk)


class CertificateAdminURLFinder(ModelAdminURLFinder):
    """Where the admin links a certificate (the usage page of its learner, the history):
    its inspect view, for whoever may view certificates. Certificates have no edit
    view, so Wagtail's default finder (which reverses "edit") would fail."""

    edit_url_name = "certificate_admin:inspect"

    def get_edit_url(self, instance):
        policy = ModelPermissionPolicy(Certificate)
        if self.user is not None and not policy.user_has_any_permission(
            self.user, ["view", "change"]
        ):
            return None
        return self.construct_edit_url(instance)


class CertificateViewSet(ModelViewSet):
    model = Certificate
    name = "certificate_admin"
    url_prefix = "certificates"
    icon = "doc-full"
    menu_label = gettext_lazy("Issued certificates")
    menu_order = 100
    index_view_class = CertificateIndexView
    inspect_view_enabled = True
    inspect_view_class = CertificateInspectView
    history_view_class = CertificateHistoryView
    copy_view_enabled = False
    url_finder_class = CertificateAdminURLFinder
    list_display = [
        "serial_number",
        "learner_name",
        "course_title",
        Column("completed_on", label=gettext_lazy("completed on")),
        "status",
        "issued_at",
    ]
    list_filter = ["status"]
    search_fields = ["serial_number", "learner_name"]
    inspect_view_fields = [
        "serial_number",
        "status",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
        "learner",
        "learner_name",
        "learner_institution",
        "learner_title",
        "course_title",
        "cme_project_number",
        "credit_class",
        "credits",
        "study_hours",
        "subject_type",
        "organiser",
        "completed_on",
        "score",
        "issuer",
        "issued_at",
        "template",
        "key_id",
        "rendered_at",
        "pdf_sha256",
    ]

    def get_common_view_kwargs(self, **kwargs):
        # Read-only: no add, edit, copy, delete or usage screens.
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add", "edit", "delete", "copy", "usage"):
            view_kwargs.pop(f"{name}_url_name", None)
        return view_kwargs

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("inspect/<int:pk>/", self.inspect_view, name="inspect"),
            path("history/<int:pk>/", self.history_view, name="history"),
            path("history-results/<int:pk>/", self.history_results_view, name="history_results"),
            path("revoke/<int:pk>/", CertificateRevokeView.as_view(), name="revoke"),
        ]


class CertificateTemplateAdmin(PermissionCheckedChooserMixin, CertificateTemplateViewSet):
    """The templates' snippet viewset, whose chooser answers only those who may change
    templates (no admin form chooses a template: templates choose their courses)."""


class CertificatesMenu(ViewSetGroup):
    """The "Certificates" menu of the admin (certificate templates may join it)."""

    menu_label = gettext_lazy("Certificates")
    menu_icon = "doc-full"
    menu_order = 230
    items = (CertificateViewSet, CertificateTemplateAdmin)
