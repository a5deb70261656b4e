from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.choices import Profession, TitleLevel
from accounts.models import Department, Institution, User
from accounts.selectors import departments_of, institution_choices_for_signup
from accounts.services import user_profile_update


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Institution) -> str:
        return f"{obj.name}（{obj.get_kind_display()}）"


class DepartmentChoiceField(forms.ModelChoiceField):
    """Lists the departments of one institution but accepts any existing department.

    Whether a department belongs to the chosen institution is a rule of
    `user_profile_update`; checking it here against the listed departments only would
    answer "not one of the available choices" instead of that rule's message (typically
    when someone changes institution and keeps the old department).
    """

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return Department.objects.get(pk=value)
        except (ValueError, TypeError, Department.DoesNotExist):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            ) from None


class SignupProfileForm(forms.Form):
    """Extra sign-up fields; allauth calls `signup` once the user row exists."""

    real_name = forms.CharField(
        label=_("Real name"),
        max_length=100,
        help_text=_("As on your ID card: it is printed on your certificates."),
    )
    profession = forms.ChoiceField(label=_("Profession"), choices=Profession.choices)
    title_level = forms.ChoiceField(label=_("Professional title level"), choices=TitleLevel.choices)
    institution = InstitutionChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        empty_label=_("Choose your institution"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institution_choices_for_signup()

    def clean_real_name(self) -> str:
        name = self.cleaned_data["real_name"].strip()
        if not name:
            raise forms.ValidationError(_("Enter your real name."))
        return name

    def signup(self, request, user: User) -> None:
        user_profile_update(
            user=user,
            real_name=self.cleaned_data["real_name"],
            profession=self.cleaned_data["profession"],
            title_level=self.cleaned_data["title_level"],
            institution=self.cleaned_data["institution"],
        )


class ProfileForm(forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=100)
    phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    profession = forms.ChoiceField(label=_("Profession"), choices=Profession.choices)
    title_level = forms.ChoiceField(label=_("Professional title level"), choices=TitleLevel.choices)
    licence_number = forms.CharField(
        label=_("Practising-licence number"),
        max_length=30,
        required=False,
        help_text=_("Optional. As printed on your practising certificate."),
    )
    institution = InstitutionChoiceField(
        label=_("Institution"), queryset=Institution.objects.none(), required=False
    )
    department = DepartmentChoiceField(
        label=_("Department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("After changing institution, save once to choose a department there."),
    )

    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        initial = {
            "real_name": user.real_name,
            "phone": user.phone,
            "profession": user.profession,
            "title_level": user.title_level,
            "licence_number": user.licence_number,
            "institution": user.institution_id,
            "department": user.department_id,
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["institution"].queryset = institution_choices_for_signup()
        # Only the departments of the institution the user is (or is becoming) part of.
        institution = self._chosen_institution()
        self.fields["department"].queryset = departments_of(institution=institution)

    def _chosen_institution(self) -> Institution | None:
        if self.is_bound:
            pk = self.data.get("institution")
            if pk and str(pk).isdigit():
                return Institution.objects.filter(pk=pk).first()
            return None
        return self.user.institution

    def save(self) -> User:
        data = self.cleaned_data
        try:
            return user_profile_update(
                user=self.user,
                real_name=data["real_name"].strip(),
                phone=data["phone"].strip(),
                profession=data["profession"],
                title_level=data["title_level"],
                licence_number=data["licence_number"].strip(),
                institution=data["institution"],
                department=data["department"],
            )
        except forms.ValidationError as error:
            self.add_error(None, error)
            raise


INDENT = "\u3000"  # an ideographic space


class InstitutionTreeChoiceField(forms.ModelChoiceField):
    """Institutions in a plain select, indented by depth so that the tree reads."""

    def label_from_instance(self, obj):
        return f"{INDENT * max(0, obj.depth - 1)}{obj.name}"
