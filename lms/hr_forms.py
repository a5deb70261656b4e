"""The HR staff table's search and filters: every choice is limited to the viewer's scope."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Profession, TitleLevel
from accounts.forms import InstitutionTreeChoiceField
from lms.selectors.hr import (
    SORTS,
    STATUS_ORDER,
    HRViewer,
    StaffFilters,
    departments_in_scope,
    institutions_in_scope,
    status_label,
)

FIRST_YEAR, LAST_YEAR = 2000, 2100


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.institution.name} · {obj.name}"


class StaffFilterForm(forms.Form):
    OUTSIDE_SCOPE = _(
        "That institution or department is outside your scope; the filter was ignored."
    )

    q = forms.CharField(label=_("Name or e-mail"), required=False, max_length=100)
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=FIRST_YEAR, max_value=LAST_YEAR
    )
    institution = InstitutionTreeChoiceField(
        label=_("Institution (and everything under it)"), queryset=None, required=False
    )
    department = DepartmentChoiceField(label=_("Department"), queryset=None, required=False)
    profession = forms.ChoiceField(
        label=_("Profession"), required=False, choices=[("", "—"), *Profession.choices]
    )
    title_level = forms.ChoiceField(
        label=_("Title level"), required=False, choices=[("", "—"), *TitleLevel.choices]
    )
    status = forms.ChoiceField(label=_("Status"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)

    def __init__(self, *args, viewer: HRViewer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions_in_scope(viewer=viewer).order_by("path")
        self.fields["department"].queryset = (
            departments_in_scope(viewer=viewer)
            .select_related("institution")
            .order_by("institution__path", "name")
        )
        self.fields["status"].choices = [
            ("", "—"),
            *((status, status_label(status)) for status in STATUS_ORDER),
        ]
        sort_labels = {
            "name": _("Name (A–Z)"),
            "-name": _("Name (Z–A)"),
            "credits": _("Credits (fewest first)"),
            "-credits": _("Credits (most first)"),
            "hours": _("Study hours (fewest first)"),
            "-hours": _("Study hours (most first)"),
            "status": _("Status (worst first)"),
            "-status": _("Status (best first)"),
        }
        self.fields["sort"].choices = [(key, sort_labels[key]) for key in SORTS]

    @property
    def outside_scope(self) -> bool:
        return bool(self.is_bound and ({"institution", "department"} & self.errors.keys()))

    def filters(self) -> StaffFilters:
        """The valid filters (an invalid one, e.g. outside the scope, is left out)."""
        self.is_valid()
        data = self.cleaned_data
        return StaffFilters(
            search=(data.get("q") or "").strip(),
            institution=data.get("institution"),
            department=data.get("department"),
            profession=data.get("profession") or "",
            title_level=data.get("title_level") or "",
            status=data.get("status") or "",
            sort=data.get("sort") or "name",
        )
