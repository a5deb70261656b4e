from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, Institution, User
from courses.choices import CreditClass, SubjectType
from courses.models import CoursePage


class HeartbeatForm(forms.Form):
    """A heartbeat from a visible lesson page; the video part is optional."""

    lesson = forms.IntegerField(min_value=1)
    restart = forms.BooleanField(required=False)
    video_block = forms.CharField(required=False, max_length=64)
    video_start = forms.FloatField(required=False, min_value=0)
    video_end = forms.FloatField(required=False, min_value=0)
    video_duration = forms.FloatField(required=False, min_value=0)

    def clean(self):
        cleaned = super().clean()
        video = [cleaned.get(f"video_{k}") for k in ("start", "end", "duration")]
        if cleaned.get("video_block") and any(v is None for v in video):
            raise forms.ValidationError(_("A video report needs its start, end and length."))
        return cleaned


class CheckpointForm(forms.Form):
    lesson = forms.IntegerField(min_value=1)
    block = forms.CharField(max_length=64)
    answer = forms.TypedMultipleChoiceField(coerce=int, choices=[(i, i) for i in range(8)])


class AssignForm(forms.Form):
    """Assign a course to one person, a department or an institution subtree."""

    course = forms.ModelChoiceField(label=_("Course"), queryset=CoursePage.objects.none())
    person = forms.EmailField(label=_("One person (e-mail)"), required=False)
    department = forms.ModelChoiceField(
        label=_("A department"), queryset=Department.objects.none(), required=False
    )
    institution = forms.ModelChoiceField(
        label=_("An institution and everything under it"),
        queryset=Institution.objects.none(),
        required=False,
    )
    due_date = forms.DateField(
        label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("title")
        self.fields["institution"].queryset = institutions.order_by("path")
        self.fields["department"].queryset = Department.objects.filter(
            institution__in=institutions
        ).select_related("institution")
        self.institutions = institutions

    def clean(self):
        cleaned = super().clean()
        chosen = [f for f in ("person", "department", "institution") if cleaned.get(f)]
        if len(chosen) != 1:
            raise forms.ValidationError(
                _("Choose exactly one: a person, a department or an institution.")
            )
        if cleaned.get("person"):
            user = User.objects.filter(
                email__iexact=cleaned["person"], institution__in=self.institutions
            ).first()
            if user is None:
                self.add_error("person", _("No member of your institutions has this e-mail."))
            cleaned["person_user"] = user
        return cleaned


class CreditAdjustmentForm(forms.Form):
    """An officer's adjustment of a learner's credit record."""

    activity_title = forms.CharField(label=_("What it records"), max_length=255)
    year = forms.IntegerField(label=_("Year counted"), min_value=2000, max_value=2100)
    credit_class = forms.ChoiceField(label=_("Credit class"), choices=CreditClass.choices)
    subject_type = forms.ChoiceField(label=_("Subject type"), choices=SubjectType.choices)
    credits = forms.DecimalField(
        label=_("Credits"),
        max_digits=6,
        decimal_places=2,
        min_value=-25,
        max_value=25,
        help_text=_("Negative to take credits away."),
    )
    study_hours = forms.DecimalField(
        label=_("Study hours"), max_digits=7, decimal_places=2, min_value=-200, max_value=200
    )
    cme_project_number = forms.CharField(
        label=_("CME project number"), max_length=60, required=False
    )
    organiser = forms.CharField(label=_("Organiser"), max_length=200, required=False)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class CreditCorrectionForm(forms.Form):
    reason = forms.CharField(label=_("Reason for the correction"), max_length=500)
