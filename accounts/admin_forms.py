from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from accounts.forms import InstitutionTreeChoiceField
from accounts.models import Department, HRScope, Institution, User
from accounts.selectors import institutions_in_hr_scope, manages_whole_organisation
from accounts.services import (
    hr_scope_grant,
    institution_check_parent,
    institution_create,
    institution_update,
)


class InstitutionAdminForm(WagtailAdminModelForm):
    """Places an institution in the hierarchy; treebeard owns path and depth."""

    parent = forms.ModelChoiceField(
        label=_("Parent"),
        queryset=Institution.objects.order_by("path"),
        required=False,
        help_text=_("Leave empty only for the autonomous region at the top."),
    )

    class Meta:
        model = Institution
        fields = ["name", "kind", "code"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["parent"].initial = self.instance.get_parent()
            self.fields["parent"].queryset = Institution.objects.exclude(
                path__startswith=self.instance.path
            ).order_by("path")

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind:
            try:
                institution_check_parent(kind=kind, parent=cleaned.get("parent"))
            except forms.ValidationError as error:
                self.add_error("parent", error)
        return cleaned

    def save(self, commit=True):
        data = self.cleaned_data
        if self.instance.pk:
            return institution_update(
                institution=self.instance,
                name=data["name"],
                kind=data["kind"],
                code=data["code"],
                parent=data["parent"],
            )
        return institution_create(
            name=data["name"], kind=data["kind"], code=data["code"], parent=data["parent"]
        )


class HRScopeAdminForm(WagtailAdminModelForm):
    """Granting a scope also makes the person an HR officer (one service does both)."""

    class Meta:
        model = HRScope
        fields = ["user", "institution"]

    def save(self, commit=True):
        return hr_scope_grant(
            user=self.cleaned_data["user"], institution=self.cleaned_data["institution"]
        )


# -- Departments: each HR officer keeps to their HR scope ---------------------------------


# Who manages the whole organisation (site administrators; superusers hold every
# permission): they see and edit every department. Everyone else who may manage
# departments (HR officers) sees the departments of their HR scope only.
class DepartmentAdminForm(WagtailAdminModelForm):
    """A department of an institution in the user's reach: an HR officer picks among the
    institutions of their HR scope (a short select, checked again on save) and a head
    among the staff of those institutions; a site administrator among all."""

    class Meta:
        model = Department
        fields = ["institution", "name", "head"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.for_user
        if user is not None and manages_whole_organisation(user=user):
            return
        # Without a user (never so in the admin's views) nothing is in reach.
        in_scope = institutions_in_hr_scope(user=user) if user else Institution.objects.none()
        reachable = in_scope.order_by("path")
        old = self.fields["institution"]
        self.fields["institution"] = InstitutionTreeChoiceField(
            label=old.label, help_text=old.help_text, queryset=reachable
        )
        self.fields["head"].queryset = User.objects.filter(
            is_active=True, institution__in=in_scope
        ).order_by("real_name")
