from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from accounts.models import HRScope, Institution
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
