from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from cms.blocks import RICH_TEXT_FEATURES, AnnouncementBlock, content_blocks
from courses.caching import CachedViewRestrictionsMixin
from courses.selectors import featured_courses


class HomePage(CachedViewRestrictionsMixin, Page):
    introduction = RichTextField(_("introduction"), features=RICH_TEXT_FEATURES, blank=True)
    announcements = StreamField(
        [("announcement", AnnouncementBlock())],
        blank=True,
        verbose_name=_("announcements"),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("introduction"),
        InlinePanel(
            "featured_courses", label=_("Featured course"), heading=_("Featured courses"), max_num=8
        ),
        FieldPanel("announcements"),
    ]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["courses.CourseIndexPage", "cms.StandardPage"]
    max_count = 1
    template = "cms/home_page.html"

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        ids = [item.course_id for item in self.featured_courses.all() if item.course_id]
        context["featured"] = featured_courses(ids=ids)
        return context


class HomePageFeaturedCourse(Orderable):
    page = ParentalKey(HomePage, on_delete=models.CASCADE, related_name="featured_courses")
    course = models.ForeignKey(
        "courses.CoursePage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("course"),
    )
    panels = [FieldPanel("course")]


class StandardPage(CachedViewRestrictionsMixin, Page):
    """About, help and policy pages."""

    introduction = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(content_blocks(), verbose_name=_("body"))

    content_panels = [*Page.content_panels, FieldPanel("introduction"), FieldPanel("body")]
    search_fields = [
        *Page.search_fields,
        index.SearchField("introduction"),
        index.SearchField("body"),
    ]
    parent_page_types = ["cms.HomePage", "cms.StandardPage"]
    subpage_types = ["cms.StandardPage"]
    template = "cms/standard_page.html"

    class Meta:
        verbose_name = _("standard page")


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB."))


@register_setting(icon="image")
class SiteBranding(BaseSiteSetting):
    site_name = models.CharField(_("site name"), max_length=60, default="雪域继教")
    tagline = models.CharField(
        _("tagline"), max_length=120, blank=True, default="拉萨及西藏地区医务人员继续医学教育平台"
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
    )
    primary_colour = models.CharField(
        _("primary colour"), max_length=7, default="#8c1d18", validators=[hex_colour]
    )
    footer_text = models.CharField(_("footer text"), max_length=250, blank=True)

    panels = [
        FieldPanel("site_name"),
        FieldPanel("tagline"),
        FieldPanel("logo"),
        FieldPanel("primary_colour"),
        FieldPanel("footer_text"),
    ]

    class Meta:
        verbose_name = _("branding")


@register_setting(icon="mail")
class SiteContact(BaseSiteSetting):
    organisation = models.CharField(_("organisation"), max_length=120, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=250, blank=True)
    office_hours = models.CharField(_("office hours"), max_length=120, blank=True)

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("organisation"),
                FieldPanel("email"),
                FieldPanel("phone"),
                FieldPanel("address"),
                FieldPanel("office_hours"),
            ],
            heading=_("Contact"),
        )
    ]

    class Meta:
        verbose_name = _("contact details")
