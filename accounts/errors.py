from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class InstitutionParentNotAllowed(ValidationError):
    MESSAGE = _("A %(kind)s cannot be placed under a %(parent_kind)s.")


class DepartmentOutsideInstitution(ValidationError):
    MESSAGE = _("The department does not belong to the selected institution.")
