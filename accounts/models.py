from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from accounts.choices import InstitutionKind, Profession, TitleLevel


class Institution(MP_Node):
    """A node of the region → city → county → facility hierarchy that scopes HR."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, choices=InstitutionKind.choices)
    code = models.CharField(
        _("institution code"),
        max_length=40,
        blank=True,
        help_text=_("Unified social credit code or the health commission's institution code."),
    )
    # No node_order_by: children are appended, so a node's path never changes when a
    # sibling is added, and path-prefix scopes stay valid. Lists sort by name instead.

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        constraints = [
            models.UniqueConstraint(
                fields=["code"], condition=~models.Q(code=""), name="institution_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="departments",
        verbose_name=_("institution"),
    )
    name = models.CharField(_("name"), max_length=100)
    head = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
        verbose_name=_("head of department"),
        help_text=_("Approves its staff's external activities where an approval chain asks."),
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["institution_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "name"], name="department_name_unique_per_institution"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if self.head_id and self.head.institution_id != self.institution_id:
            raise ValidationError(
                {"head": _("The head must work at the department's institution.")}
            )


class UserManager(DjangoUserManager):
    """Users log in with their e-mail address; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


licence_number_validator = RegexValidator(
    r"^[0-9A-Za-z-]{6,30}$",
    _("A licence number has 6 to 30 letters, digits or hyphens."),
)
phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 -]{5,19}$", _("Enter a phone number of digits, spaces or hyphens.")
)


class User(AbstractUser):
    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    real_name = models.CharField(
        _("real name"), max_length=100, help_text=_("As on your ID card and certificates.")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    profession = models.CharField(
        _("profession"), max_length=30, choices=Profession.choices, blank=True
    )
    title_level = models.CharField(
        _("professional title level"), max_length=30, choices=TitleLevel.choices, blank=True
    )
    licence_number = models.CharField(
        _("practising-licence number"),
        max_length=30,
        blank=True,
        validators=[licence_number_validator],
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("institution"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("department"),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [
            ("view_staff_records", _("Can view the records of staff in their scope")),
            ("assign_courses", _("Can assign courses to staff in their scope")),
        ]

    def __str__(self) -> str:
        return self.real_name or self.email

    def get_full_name(self) -> str:
        return self.real_name or super().get_full_name() or self.email

    def get_short_name(self) -> str:
        return self.real_name or self.email


class HRScope(models.Model):
    """Grants an HR officer the staff of one institution subtree."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="hr_scopes", verbose_name=_("officer")
    )
    institution = models.ForeignKey(
        Institution,
        on_delete=models.CASCADE,
        related_name="hr_scopes",
        verbose_name=_("institution subtree"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("HR scope")
        verbose_name_plural = _("HR scopes")
        constraints = [
            models.UniqueConstraint(fields=["user", "institution"], name="hr_scope_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.institution}"


# The HR API's keys live in their own module; imported here so Django finds the model.
from accounts.api_keys import ApiKey  # noqa: E402, F401
