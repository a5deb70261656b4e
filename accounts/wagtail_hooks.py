from functools import wraps

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from accounts.admin_choosers import PermissionCheckedChooserMixin
from accounts.admin_forms import DepartmentAdminForm, HRScopeAdminForm, InstitutionAdminForm
from accounts.models import Department, HRScope, Institution
from accounts.selectors import departments_for_admin
from accounts.services import LOG_API_KEY_CREATE, LOG_API_KEY_REVOKE
from accounts.viewsets import ApiKeyViewSet


class InstitutionViewSet(SnippetViewSet):
    # Public data: its chooser stays open (HR department forms and sign-up list them).
    # Only site administrators may change institutions, so no scope applies here.
    model = Institution
    icon = "site"
    menu_label = _("Institutions")
    list_display = ["name", "kind", "code", "depth"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]
    ordering = ["path"]

    def get_form_class(self, for_update=False):
        return InstitutionAdminForm


def _department_in_reach(view):
    """Answer 404 for a department outside the user's reach, before the view reads it:
    every view of the viewset that names a department (edit, copy, usage, history,
    delete, revisions...) is wrapped, so none can be forgotten."""

    @wraps(view)
    def scoped_view(request, *args, **kwargs):
        pk = kwargs.get("pk")  # an int: the viewset's URLs convert it
        if pk is not None and not departments_for_admin(user=request.user).filter(pk=pk).exists():
            raise Http404
        return view(request, *args, **kwargs)

    return scoped_view


class DepartmentViewSet(SnippetViewSet):
    """Departments, each HR officer's limited to their HR scope (the list, every view
    of one department, and the institutions the form offers); site administrators
    and superusers see all. The chooser stays open: departments are public."""

    model = Department
    icon = "group"
    menu_label = _("Departments")
    list_display = ["name", "institution", "head"]
    search_fields = ["name"]

    def get_form_class(self, for_update=False):
        return DepartmentAdminForm

    def get_queryset(self, request):
        return departments_for_admin(user=request.user)

    def construct_view(self, view_class, **kwargs):
        return _department_in_reach(super().construct_view(view_class, **kwargs))


class HRScopeViewSet(PermissionCheckedChooserMixin, SnippetViewSet):
    # Only site administrators may change HR scopes (no HR officer holds a permission on
    # them), and no form chooses a scope: the chooser is theirs alone.
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


@hooks.register("register_admin_viewset")
def register_api_keys():
    return ApiKeyViewSet()


class _ApiKeyFormatter(LogFormatter):
    """Names the key by its public prefix and institution (the log data holds no secret)."""

    template = ""

    def format_message(self, log_entry):
        data = log_entry.data or {}
        return self.template % {
            "prefix": data.get("prefix", ""),
            "name": data.get("name", ""),
            "institution": data.get("institution", ""),
        }


@hooks.register("register_log_actions")
def register_api_key_log_actions(actions):
    @actions.register_action(LOG_API_KEY_CREATE)
    class ApiKeyCreated(_ApiKeyFormatter):
        label = _("Create API key")
        template = _("API key %(prefix)s (%(name)s) created for %(institution)s")

    @actions.register_action(LOG_API_KEY_REVOKE)
    class ApiKeyRevoked(_ApiKeyFormatter):
        label = _("Revoke API key")
        template = _("API key %(prefix)s (%(name)s) of %(institution)s revoked")
