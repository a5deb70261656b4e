from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
)
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.admin_choosers import PermissionCheckedChooserMixin
from lms.admin_forms import ApprovalChainForm, RequirementRuleSetForm
from lms.models import ApprovalChain, RequirementRuleSet
from lms.tasks import compliance_summaries_refresh_year_task


class RequirementRuleSetViewSet(PermissionCheckedChooserMixin, SnippetViewSet):
    """The yearly CME requirements, as data that administrators maintain. No form
    chooses a rule set: its chooser answers only those who may change rule sets."""

    model = RequirementRuleSet
    icon = "tasks"
    menu_label = _("Credit requirements")
    menu_order = 220
    add_to_admin_menu = True
    list_display = ["name", "version", "effective_from", "effective_until", "priority", "active"]
    list_filter = ["active"]
    search_fields = ["name", "version"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("name"), FieldPanel("version")]),
                    FieldPanel("description"),
                    FieldRowPanel([FieldPanel("effective_from"), FieldPanel("effective_until")]),
                    FieldRowPanel([FieldPanel("priority"), FieldPanel("active")]),
                ],
                heading=_("Rule set"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("institution"),
                    FieldPanel("institution_kinds"),
                    FieldPanel("professions"),
                    FieldPanel("title_levels"),
                ],
                heading=_("Who it applies to"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [FieldPanel("study_hour_minutes"), FieldPanel("substitution_cap_percent")]
                    ),
                    FieldRowPanel(
                        [
                            FieldPanel("national_hours_per_credit"),
                            FieldPanel("provincial_hours_per_credit"),
                            FieldPanel("class_2_hours_per_credit"),
                        ]
                    ),
                    FieldPanel("project_credit_cap"),
                ],
                heading=_("How activities count"),
            ),
            InlinePanel(
                "rules",
                heading=_("Rules"),
                label=_("Rule"),
                min_num=1,
                panels=[
                    FieldRowPanel([FieldPanel("kind"), FieldPanel("credit_class")]),
                    FieldRowPanel([FieldPanel("minimum"), FieldPanel("maximum")]),
                    FieldRowPanel(
                        [FieldPanel("window_years"), FieldPanel("professional_share_percent")]
                    ),
                ],
            ),
        ],
        base_form_class=RequirementRuleSetForm,
    )


register_snippet(RequirementRuleSetViewSet)


class ApprovalChainViewSet(PermissionCheckedChooserMixin, SnippetViewSet):
    """Who approves the external activities that staff report, per institution. No form
    chooses a chain: its chooser answers only those who may change chains."""

    model = ApprovalChain
    icon = "list-ol"
    menu_label = _("Approval chains")
    menu_order = 225
    add_to_admin_menu = True
    list_display = ["institution", "updated_at"]
    edit_handler = ObjectList(
        [
            FieldPanel("institution"),
            InlinePanel(
                "steps",
                heading=_("Steps, in order"),
                label=_("Step"),
                min_num=1,
                panels=[FieldPanel("level")],
            ),
        ],
        base_form_class=ApprovalChainForm,
    )


register_snippet(ApprovalChainViewSet)


def _refresh_summaries_after_rule_set_change(request, instance_or_instances) -> None:
    """A rule set decides the summaries of everyone it may judge: recompute the
    current and the previous year after the change commits (a background task)."""
    instances = (
        instance_or_instances
        if isinstance(instance_or_instances, list | tuple)
        else [instance_or_instances]
    )
    if not any(isinstance(instance, RequirementRuleSet) for instance in instances):
        return
    this_year = timezone.localdate().year
    for year in (this_year - 1, this_year):
        transaction.on_commit(lambda year=year: compliance_summaries_refresh_year_task.delay(year))


for _hook in ("after_create_snippet", "after_edit_snippet", "after_delete_snippet"):
    hooks.register(_hook, _refresh_summaries_after_rule_set_change)
