"""The Wagtail admin's user screens, with the CME profile fields, and the HR API's keys."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.widgets import AdminDateTimeInput
from wagtail.admin.widgets.button import HeaderButton
from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from accounts.api_keys import MANAGE_PERMISSION, ApiKeyStatus
from accounts.errors import DepartmentOutsideInstitution
from accounts.forms import InstitutionTreeChoiceField
from accounts.models import Institution
from accounts.selectors import api_keys_for_admin
from accounts.services import api_key_create, api_key_revoke

PROFILE_FIELDS = [
    "real_name",
    "phone",
    "profession",
    "title_level",
    "licence_number",
    "institution",
    "department",
]


class _ProfileFieldsMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Chinese names are not split into first and last name; the real name is the name.
        for name in ("first_name", "last_name"):
            self.fields[name].required = False
        self.fields["real_name"].required = True

    def clean(self):
        cleaned = super().clean()
        department, institution = cleaned.get("department"), cleaned.get("institution")
        if department is not None and department.institution_id != getattr(institution, "pk", None):
            self.add_error("department", DepartmentOutsideInstitution.MESSAGE)
        return cleaned


class StaffCreationForm(_ProfileFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | set(PROFILE_FIELDS)


class StaffEditForm(_ProfileFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | set(PROFILE_FIELDS)


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update=False):
        return StaffEditForm if for_update else StaffCreationForm


# -- API keys of the HR API (docs/decisions/0011-hr-api-django-ninja.md) -----------------


class ApiKeyCreateForm(forms.Form):
    institution = InstitutionTreeChoiceField(
        label=gettext_lazy("Institution"),
        queryset=Institution.objects.order_by("path"),
        help_text=gettext_lazy(
            "The key reads the staff of this institution and of every institution under it."
        ),
    )
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("Who uses the key, e.g. the hospital's HR system."),
    )
    expires_at = forms.DateTimeField(
        label=gettext_lazy("Expires at"),
        required=False,
        widget=AdminDateTimeInput,
        help_text=gettext_lazy("Optional. The key stops working at this moment."),
    )

    def clean_expires_at(self):
        expires_at = self.cleaned_data.get("expires_at")
        if expires_at is not None and expires_at <= timezone.now():
            raise forms.ValidationError(gettext_lazy("Choose a moment in the future."))
        return expires_at


class _ManageApiKeysMixin:
    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(MANAGE_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    is_index = False

    def get_breadcrumbs_items(self):
        index = {"url": reverse("api_keys:index"), "label": _("API keys")}
        if self.is_index:
            return [*self.breadcrumbs_items, {**index, "url": ""}]
        return [*self.breadcrumbs_items, index, {"url": "", "label": self.get_page_title()}]


class ApiKeyIndexView(_ManageApiKeysMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "accounts/admin/api_keys.html"
    page_title = gettext_lazy("API keys")
    is_index = True
    header_icon = "key"

    @cached_property
    def header_buttons(self):
        return [HeaderButton(_("New API key"), url=reverse("api_keys:add"), icon_name="plus")]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        keys = list(api_keys_for_admin())
        for key in keys:
            key.status = key.status_at(now)
            key.status_label = ApiKeyStatus(key.status).label
        context["keys"] = keys
        context["active"] = ApiKeyStatus.ACTIVE
        return context


class ApiKeyCreateView(_ManageApiKeysMixin, WagtailAdminTemplateMixin, FormView):
    """Make a key; the answer shows it in full, once (never cached, never stored)."""

    template_name = "accounts/admin/api_key_form.html"
    form_class = ApiKeyCreateForm
    page_title = gettext_lazy("New API key")
    header_icon = "key"

    def form_valid(self, form):
        key, plaintext = api_key_create(
            institution=form.cleaned_data["institution"],
            name=form.cleaned_data["name"],
            created_by=self.request.user,
            expires_at=form.cleaned_data["expires_at"],
        )
        self.page_title = _("API key created")
        response = TemplateResponse(
            self.request,
            "accounts/admin/api_key_created.html",
            self.get_context_data(form=form, key=key, plaintext=plaintext),
        )
        add_never_cache_headers(response)
        return response


class ApiKeyRevokeView(_ManageApiKeysMixin, WagtailAdminTemplateMixin, TemplateView):
    template_name = "accounts/admin/api_key_revoke.html"
    page_title = gettext_lazy("Revoke API key")
    header_icon = "key"

    def dispatch(self, request, *args, **kwargs):
        self.object = get_object_or_404(api_keys_for_admin(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return str(self.object)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["key"] = self.object
        return context

    def post(self, request, *args, **kwargs):
        if self.object.revoked_at is None:
            api_key_revoke(key=self.object, revoked_by=request.user)
            messages.success(
                request,
                _("API key %(prefix)s is revoked: it no longer opens the API.")
                % {"prefix": self.object.prefix},
            )
        return redirect("api_keys:index")


class ApiKeyViewSet(ViewSet):
    """Settings → API keys: for holders of `accounts.manage_api_keys` (site
    administrators and superusers). Keys are made and revoked, never edited."""

    name = "api_keys"
    url_prefix = "api-keys"
    icon = "key"
    menu_label = gettext_lazy("API keys")
    add_to_settings_menu = True

    @cached_property
    def menu_item_class(self):
        class ApiKeyMenuItem(MenuItem):
            def is_shown(self, request):
                return request.user.has_perm(MANAGE_PERMISSION)

        return ApiKeyMenuItem

    def get_urlpatterns(self):
        return [
            path("", ApiKeyIndexView.as_view(), name="index"),
            path("new/", ApiKeyCreateView.as_view(), name="add"),
            path("<int:pk>/revoke/", ApiKeyRevokeView.as_view(), name="revoke"),
        ]
