"""Snippet choosers that check the model's permissions.

Wagtail's snippet chooser (the modal behind a snippet field in an admin form, at
/admin/snippets/choose/<app>/<model>/) lists every object of its model to anyone who may
enter the admin: it checks no model permission. That is right for public lists (the
institutions, departments and course categories that sign-up and the catalogue show
anyway) and wrong for the rest: HR scopes (who is an officer of what), exam question
banks, the credit rule sets, approval chains and certificate templates.

`PermissionCheckedChooserMixin` goes on a `SnippetViewSet` whose chooser must not be
open; its chooser's views (choose, results, chosen, chosen-multiple, create) answer 403
to a user who holds none of `chooser_permissions` on the model. The default is "change":
a chooser fills a field of an admin form, and whoever may edit this kind of object is
whoever may need to pick one. No admin form of the project points at an HR scope, a
rule set, an approval chain, a question or a certificate template (certificate
templates choose their courses, not the other way round), so "change" is what each of
them uses; tests/test_authorisation_matrix.py holds the table.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import policy_registry
from wagtail.snippets.views.chooser import (
    ChooseResultsView,
    ChooseView,
    SnippetChooserViewSet,
    SnippetChosenMultipleView,
    SnippetChosenView,
    SnippetCreateView,
)

# Actions of the model's permission policy ("add", "change", "delete", "view").
DEFAULT_CHOOSER_PERMISSIONS: tuple[str, ...] = ("change",)


def user_may_choose(*, user, model, actions: tuple[str, ...]) -> bool:
    """Whether the user holds one of the actions on the model (superusers hold all)."""
    if not actions:
        return False
    policy = policy_registry.get_by_type(model) or ModelPermissionPolicy(model)
    return policy.user_has_any_permission(user, actions)


class _PermissionCheckedView:
    """Refuses (403) whoever holds none of `chooser_permissions` on the view's model,
    before anything is read."""

    chooser_permissions: tuple[str, ...] = DEFAULT_CHOOSER_PERMISSIONS

    def dispatch(self, request, *args, **kwargs):
        if not user_may_choose(
            user=request.user, model=self.model_class, actions=self.chooser_permissions
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class CheckedChooseView(_PermissionCheckedView, ChooseView):
    pass


class CheckedChooseResultsView(_PermissionCheckedView, ChooseResultsView):
    pass


class CheckedChosenView(_PermissionCheckedView, SnippetChosenView):
    pass


class CheckedChosenMultipleView(_PermissionCheckedView, SnippetChosenMultipleView):
    pass


class CheckedCreateView(_PermissionCheckedView, SnippetCreateView):
    pass


class PermissionCheckedChooserViewSet(SnippetChooserViewSet):
    """A snippet chooser whose every view checks `chooser_permissions` first."""

    chooser_permissions: tuple[str, ...] = DEFAULT_CHOOSER_PERMISSIONS
    choose_view_class = CheckedChooseView
    choose_results_view_class = CheckedChooseResultsView
    chosen_view_class = CheckedChosenView
    chosen_multiple_view_class = CheckedChosenMultipleView
    create_view_class = CheckedCreateView

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            chooser_permissions=tuple(self.chooser_permissions), **kwargs
        )


class PermissionCheckedChooserMixin:
    """For a `SnippetViewSet`: its chooser answers only holders of one of
    `chooser_permissions` (actions on the model; any one of them suffices)."""

    chooser_permissions: tuple[str, ...] = DEFAULT_CHOOSER_PERMISSIONS
    chooser_viewset_class = PermissionCheckedChooserViewSet

    @property
    def chooser_viewset(self):
        viewset = super().chooser_viewset
        viewset.chooser_permissions = tuple(self.chooser_permissions)
        return viewset
