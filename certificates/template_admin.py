"""Certificate templates in the Wagtail admin: a snippet with a live preview.

Admins edit wording (with placeholders such as {learner_name}), issuer, seal and
signature images, colour, layout and languages, and pick the courses a template is for.
The preview renders the real PDF (or its page, for a quick look) with sample data; a
template that cannot be read shows an explanation instead of failing.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel, ObjectList
from wagtail.snippets.views.snippets import SnippetViewSet

from certificates.models import CertificateTemplate
from certificates.models.templates import PLACEHOLDER_FIELDS
from certificates.placeholders import placeholder_errors, placeholder_help

logger = logging.getLogger(__name__)

COURSE_TAKEN = gettext_lazy(
    "%(courses)s already use the template “%(template)s”: a course has one template."
)


class CertificateTemplateForm(WagtailAdminModelForm):
    def clean(self):
        cleaned = super().clean()
        courses = cleaned.get("courses")
        if courses:
            taken = (
                CertificateTemplate.objects.filter(courses__in=courses)
                .exclude(pk=self.instance.pk)
                .prefetch_related("courses")
                .distinct()
            )
            chosen = {course.pk for course in courses}
            for other in taken:
                titles = [course.title for course in other.courses.all() if course.pk in chosen]
                self.add_error(
                    "courses",
                    COURSE_TAKEN % {"courses": "、".join(titles), "template": other.name},
                )
        return cleaned


def _text_panel(name: str) -> FieldPanel:
    return FieldPanel(name, help_text=placeholder_help())


class CertificateTemplateViewSet(SnippetViewSet):
    model = CertificateTemplate
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("Certificate templates")
    list_display = ["name", "is_default", "layout", "updated_at"]
    search_fields = ["name", "title_zh", "issuer_name"]
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [FieldPanel("name"), FieldPanel("is_default"), FieldPanel("courses")],
                heading=gettext_lazy("Use"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel(
                        [
                            FieldPanel("show_chinese"),
                            FieldPanel("show_tibetan"),
                            FieldPanel("show_english"),
                        ]
                    ),
                    _text_panel("title_zh"),
                    _text_panel("body_zh"),
                    _text_panel("title_bo"),
                    _text_panel("body_bo"),
                    _text_panel("title_en"),
                    _text_panel("body_en"),
                ],
                heading=gettext_lazy("Wording"),
            ),
            MultiFieldPanel(
                [
                    FieldPanel("issuer_name"),
                    FieldPanel("signatory"),
                    FieldRowPanel([FieldPanel("seal_image"), FieldPanel("signature_image")]),
                ],
                heading=gettext_lazy("Issuer"),
            ),
            MultiFieldPanel(
                [FieldRowPanel([FieldPanel("layout"), FieldPanel("primary_colour")])],
                heading=gettext_lazy("Look"),
            ),
        ],
        base_form_class=CertificateTemplateForm,
    )


# --- the preview -------------------------------------------------------------------------


def template_problems(template: CertificateTemplate) -> list[str]:
    """What would keep the template from showing as intended, as messages."""
    problems = []
    for name in PLACEHOLDER_FIELDS:
        label = CertificateTemplate._meta.get_field(name).verbose_name
        for message in placeholder_errors(getattr(template, name)):
            problems.append(f"{label}: {message}")
    return problems


def _error_response(request, template: CertificateTemplate, problems: list[str]):
    return TemplateResponse(
        request,
        "certificates/admin/template_preview_error.html",
        {"template": template, "problems": problems},
    )


def template_preview_response(*, request, template: CertificateTemplate, mode: str):
    """The template with sample data, as a PDF or its page; an explanation when the
    template cannot be read or rendered (never a server error)."""
    from certificates.rendering import template_preview_html, template_preview_pdf

    problems = template_problems(template)
    if problems:
        return _error_response(request, template, problems)
    try:
        if mode == "html":
            return HttpResponse(template_preview_html(template=template))
        data = template_preview_pdf(template=template)
    except Exception as error:  # the preview must explain, never crash
        logger.warning("The preview of certificate template %s failed", template.pk, exc_info=True)
        return _error_response(request, template, [_("The preview failed: %s") % error])
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = 'inline; filename="certificate-sample.pdf"'
    return response
