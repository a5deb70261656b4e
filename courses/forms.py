from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.choices import Profession
from courses.choices import ContentLanguage, CreditClass, SubjectType


def _with_any(choices) -> list[tuple[str, str]]:
    return [("", _("Any")), *choices]


class CatalogueFilterForm(forms.Form):
    """Parses the catalogue's query string; every value is checked against its list."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=settings.SNOWLAND_SEARCH_MAX_LENGTH,
        error_messages={
            "max_length": _(
                "Search for at most %(limit_value)d characters (you typed %(show_value)d)."
            ),
        },
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    credit_class = forms.ChoiceField(
        label=_("Credit class"), required=False, choices=_with_any(CreditClass.choices)
    )
    subject_type = forms.ChoiceField(
        label=_("Subject type"), required=False, choices=_with_any(SubjectType.choices)
    )
    profession = forms.ChoiceField(
        label=_("For profession"), required=False, choices=_with_any(Profession.choices)
    )
    language = forms.ChoiceField(
        label=_("Language"), required=False, choices=_with_any(ContentLanguage.choices)
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _with_any((c.slug, c.name) for c in categories)
        for field in self.fields.values():
            field.error_messages["invalid_choice"] = _(
                "“%(value)s” is not one of the choices; the filter was ignored."
            )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())

    def valid_filters(self) -> dict[str, str]:
        """The values that passed validation; a bad one is reported and left out."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}
