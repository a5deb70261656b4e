"""Certificate templates, edited in the Wagtail admin: wording, issuer, seal, layout."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from modelcluster.models import ClusterableModel

from courses.models import CoursePage

hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Give a colour as #RRGGBB."))


class CertificateLayout(models.TextChoices):
    CLASSIC = "classic", _("Classic (landscape, framed)")
    PORTRAIT = "portrait", _("Portrait")


class CertificateTemplate(ClusterableModel):
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
