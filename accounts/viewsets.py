"""The Wagtail admin's user screens, with the CME profile fields."""

from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

from accounts.errors import DepartmentOutsideInstitution

PROFILE_FIELDS = [
    "real_name",
    "phone",
    "profession",
    "title_level",
    "licence_number",
    "institution",
    "department",
]


class _ProfileFieldsMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Chinese names are not split into first and last name; the real name is the name.
        for name in ("first_name", "last_name"):
            self.fields[name].required = False
        self.fields["real_name"].required = True

    def clean(self):
        cleaned = super().clean()
        department, institution = cleaned.get("department"), cleaned.get("institution")
        if department is not None and department.institution_id != getattr(institution, "pk", None):
            self.add_error("department", DepartmentOutsideInstitution.MESSAGE)
        return cleaned


class StaffCreationForm(_ProfileFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | set(PROFILE_FIELDS)


class StaffEditForm(_ProfileFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | set(PROFILE_FIELDS)


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update=False):
        return StaffEditForm if for_update else StaffCreationForm
