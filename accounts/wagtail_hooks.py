from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from accounts.admin_forms import HRScopeAdminForm, InstitutionAdminForm
from accounts.models import Department, HRScope, Institution


class InstitutionViewSet(SnippetViewSet):
    model = Institution
    icon = "site"
    menu_label = _("Institutions")
    list_display = ["name", "kind", "code", "depth"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    ordering = ["path"]

    def get_form_class(self, for_update=False):
        return InstitutionAdminForm


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    menu_label = _("Departments")
    list_display = ["name", "institution", "head"]
    search_fields = ["name"]
    form_fields = ["institution", "name", "head"]


class HRScopeViewSet(SnippetViewSet):
    model = HRScope
    icon = "lock"
    menu_label = _("HR scopes")
    list_display = ["user", "institution", "created_at"]

    def get_form_class(self, for_update=False):
        return HRScopeAdminForm


class OrganisationGroup(SnippetViewSetGroup):
    menu_label = _("Organisation")
    menu_icon = "site"
    menu_order = 300
    items = (InstitutionViewSet, DepartmentViewSet, HRScopeViewSet)


register_snippet(OrganisationGroup)
