"""Wagtail admin forms of the learning app."""

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from accounts.choices import InstitutionKind, Profession, TitleLevel
from lms.compliance import RuleSpec, rule_set_errors
from lms.selectors.compliance import requirement_rule_set_conflicts
from lms.selectors.external_activities import approval_chain_errors


def _choice_list(label, choices) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick none to include everyone."),
    )


class RequirementRuleSetForm(WagtailAdminModelForm):
    """A rule set must be coherent in itself and never tie with another for anyone."""

    institution_kinds = _choice_list(_("Institution types"), InstitutionKind.choices)
    professions = _choice_list(_("Professions"), Profession.choices)
    title_levels = _choice_list(_("Title levels"), TitleLevel.choices)

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("rules")
        if formset is not None and formset.is_valid():
            rules = [
                RuleSpec(
                    kind=form.cleaned_data["kind"],
                    credit_class=form.cleaned_data.get("credit_class") or "",
                    minimum=form.cleaned_data.get("minimum"),
                    maximum=form.cleaned_data.get("maximum"),
                    window_years=form.cleaned_data.get("window_years"),
                    professional_share_percent=form.cleaned_data.get("professional_share_percent"),
                )
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
            if not rules:
                self.add_error(None, _("Add at least one rule."))
            for message in rule_set_errors(rules):
                self.add_error(None, message)
        if not self.errors:
            candidate = self.instance
            for name in (
                "active",
                "priority",
                "effective_from",
                "effective_until",
                "institution",
                "institution_kinds",
                "professions",
                "title_levels",
            ):
                setattr(candidate, name, cleaned.get(name))
            for other in requirement_rule_set_conflicts(rule_set=candidate):
                self.add_error(
                    "priority",
                    _(
                        "“%(other)s” could apply to the same people in the same period with "
                        "the same priority and an equally narrow scope. Give one of them a "
                        "higher priority, narrow a scope or end one period earlier."
                    )
                    % {"other": other},
                )
        return cleaned


class ApprovalChainForm(WagtailAdminModelForm):
    """A chain has at least one step and names each level at most once."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("steps")
        if formset is not None and formset.is_valid():
            levels = [
                form.cleaned_data["level"]
                for form in formset.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
            for message in approval_chain_errors(levels):
                self.add_error(None, message)
        return cleaned
