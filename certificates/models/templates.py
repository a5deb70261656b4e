"""Certificate templates, edited in the Wagtail admin: wording, issuer, seal, layout."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.models import PreviewableMixin

from certificates.placeholders import placeholder_errors
from courses.models import CoursePage

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Give a colour as #RRGGBB."))


class CertificateLayout(models.TextChoices):
    CLASSIC = "classic", _("Classic (landscape, framed)")
    PORTRAIT = "portrait", _("Portrait")


# The texts that may hold placeholders such as {learner_name} (certificates.placeholders).
PLACEHOLDER_FIELDS = ("title_zh", "title_bo", "title_en", "body_zh", "body_bo", "body_en")

ANOTHER_DEFAULT = _("“%(name)s” is the site default already: untick it there first.")
NO_LANGUAGE = _("Show at least one language.")


class CertificateTemplate(PreviewableMixin, ClusterableModel):
    name = models.CharField(_("name"), max_length=120)
    is_default = models.BooleanField(
        _("site default"),
        default=False,
        help_text=_("Used for every course that no other template names."),
    )
    courses = ParentalManyToManyField(
        CoursePage, blank=True, related_name="+", verbose_name=_("courses")
    )
    layout = models.CharField(
        _("layout"),
        max_length=20,
        choices=CertificateLayout.choices,
        default=CertificateLayout.CLASSIC,
    )
    primary_colour = models.CharField(
        _("main colour"), max_length=7, default="#9b1c1c", validators=[hex_colour]
    )
    show_chinese = models.BooleanField(_("show Chinese"), default=True)
    show_tibetan = models.BooleanField(_("show Tibetan"), default=True)
    show_english = models.BooleanField(_("show English"), default=False)
    title_zh = models.CharField(
        _("title (Chinese)"), max_length=100, default="继续医学教育学分证书"
    )
    title_bo = models.CharField(_("title (Tibetan)"), max_length=200, blank=True)
    title_en = models.CharField(
        _("title (English)"), max_length=200, default="Certificate of Continuing Medical Education"
    )
    body_zh = models.TextField(_("text (Chinese)"))
    body_bo = models.TextField(_("text (Tibetan)"), blank=True)
    body_en = models.TextField(_("text (English)"), blank=True)
    issuer_name = models.CharField(_("issuing organisation"), max_length=200)
    signatory = models.CharField(_("signatory"), max_length=100, blank=True)
    seal_image = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("seal"),
    )
    signature_image = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signature"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="certificate_template_one_default",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        """Field checks that the admin form shows beside each field; the rendering never
        fails on a bad template either (it shows what it cannot read as written)."""
        super().clean()
        errors: dict[str, list] = {}
        for name in PLACEHOLDER_FIELDS:
            messages = placeholder_errors(getattr(self, name))
            if messages:
                errors[name] = messages
        if not (self.show_chinese or self.show_tibetan or self.show_english):
            errors["show_chinese"] = [NO_LANGUAGE]
        if self.is_default:
            other = CertificateTemplate.objects.filter(is_default=True).exclude(pk=self.pk).first()
            if other is not None:
                errors["is_default"] = [ANOTHER_DEFAULT % {"name": other.name}]
        if errors:
            raise ValidationError(errors)

    # -- the admin's preview, with sample data (never signed) -------------------------

    @property
    def preview_modes(self):
        return [("pdf", _("PDF")), ("html", _("Page (quick look)"))]

    @property
    def default_preview_size(self):
        return "desktop"

    def serve_preview(self, request, mode_name):
        from certificates.template_admin import template_preview_response

        return template_preview_response(request=request, template=self, mode=mode_name)
