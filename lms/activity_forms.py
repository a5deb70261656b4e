"""Forms of external activities: they parse input; the services decide what is valid."""

from django import forms
from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from courses.choices import CreditClass, SubjectType
from lms.errors import BulkApprovalRefused
from lms.models import ActivityDecision, ActivityKind, EvidenceFile, ExternalActivity
from lms.services import ActivityReport
from lms.services.external_activities import BULK_APPROVE_LIMIT

ACCEPTED_TYPES = "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"
REPORT_FIELDS = [
    "kind",
    "title",
    "organiser",
    "cme_project_number",
    "start_date",
    "end_date",
    "credit_class",
    "subject_type",
    "credits",
    "study_hours",
    "description",
]


def _label(name: str):
    return capfirst(ExternalActivity._meta.get_field(name).verbose_name)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list (possibly empty)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPTED_TYPES}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


def _evidence_help():
    return _("PDF, PNG or JPEG; at most %(size)s MB each and %(count)s files in all.") % {
        "size": f"{settings.SNOWLAND_EVIDENCE_MAX_BYTES / (1024 * 1024):g}",
        "count": settings.SNOWLAND_EVIDENCE_MAX_FILES,
    }


class ActivityForm(forms.Form):
    """A new report: the activity, how it counts, and the evidence."""

    kind = forms.ChoiceField(label=_label("kind"), choices=ActivityKind.choices)
    title = forms.CharField(label=_label("title"), max_length=255)
    organiser = forms.CharField(label=_label("organiser"), max_length=200)
    start_date = forms.DateField(
        label=_label("start_date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_label("end_date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The activity counts for the year it ended in."),
    )
    credit_class = forms.ChoiceField(label=_label("credit_class"), choices=CreditClass.choices)
    cme_project_number = forms.CharField(
        label=_label("cme_project_number"),
        max_length=60,
        required=False,
        help_text=_("Required for Class I: the number of the national or provincial project."),
    )
    subject_type = forms.ChoiceField(label=_label("subject_type"), choices=SubjectType.choices)
    credits = forms.DecimalField(
        label=_label("credits"),
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty to have them worked out from the study hours."),
    )
    study_hours = forms.DecimalField(
        label=_label("study_hours"),
        max_digits=7,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty to have them worked out from the credits."),
    )
    description = forms.CharField(
        label=_label("description"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What you did and learned, and how it was assessed."),
    )
    evidence = MultipleFileField(label=_("Evidence files"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].help_text = _evidence_help()

    def report(self) -> ActivityReport:
        data = self.cleaned_data
        return ActivityReport(**{name: data.get(name) for name in REPORT_FIELDS})


class ActivityEditForm(ActivityForm):
    """A claim returned for changes: its fields, and evidence to add or remove."""

    remove_evidence = forms.TypedMultipleChoiceField(
        label=_("Remove evidence"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, activity: ExternalActivity, evidence: list[EvidenceFile], **kw):
        kw.setdefault("initial", {name: getattr(activity, name) for name in REPORT_FIELDS})
        super().__init__(*args, **kw)
        self.fields["evidence"].label = _("Add evidence files")
        self.fields["remove_evidence"].choices = [(f.pk, f.original_name) for f in evidence]
        if not evidence:
            del self.fields["remove_evidence"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=ActivityDecision.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason or comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required to return or reject: the learner reads it."),
    )
    step = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


# -- Approving several claims at once ----------------------------------------------------


class BulkItemsField(forms.Field):
    """The selected claims, each posted as "<claim id>:<step it was seen at>"; cleans to
    a list of (id, step) pairs without duplicates, at most BULK_APPROVE_LIMIT."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": BulkApprovalRefused.NO_ITEMS,
        "invalid": _("The selection could not be read; select the claims again."),
        "too_many": BulkApprovalRefused.TOO_MANY,
    }

    def to_python(self, value) -> list[tuple[int, int]]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        pairs: dict[int, int] = {}
        for text in values:
            activity_id, colon, step = str(text).partition(":")
            if not (colon and activity_id.isdigit() and step.isdigit()):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            if len(activity_id) > 12 or len(step) > 3:
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            pairs.setdefault(int(activity_id), int(step))
        return list(pairs.items())

    def validate(self, value) -> None:
        super().validate(value)
        if len(value) > BULK_APPROVE_LIMIT:
            raise forms.ValidationError(
                self.error_messages["too_many"],
                code="too_many",
                params={"limit": BULK_APPROVE_LIMIT},
            )


class BulkSelectionForm(forms.Form):
    """What the queue posts: the ticked claims."""

    item = BulkItemsField()


class BulkApproveForm(forms.Form):
    """What the confirmation page posts besides the claims: the tick that confirms, and
    a comment."""

    confirmed = forms.BooleanField(
        label=_("I have reviewed each claim listed above and approve them all."),
        error_messages={
            "required": _("Tick the box to confirm that you have reviewed every claim listed.")
        },
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with each approval in the claim's history."),
    )
