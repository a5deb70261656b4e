from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.admin_choosers import PermissionCheckedChooserMixin
from courses.models import CourseCategory, Question


class CourseCategoryViewSet(SnippetViewSet):
    model = CourseCategory
    icon = "tag"
    menu_label = _("Course categories")
    menu_order = 200
    add_to_admin_menu = True
    list_display = ["name", "slug", "sort_order"]
    search_fields = ["name"]


register_snippet(CourseCategoryViewSet)


class QuestionViewSet(PermissionCheckedChooserMixin, SnippetViewSet):
    """The exam question banks: one list, filtered by course. Exam integrity: the
    chooser lists questions only to those who may change them (authors, reviewers)."""

    model = Question
    icon = "help"
    menu_label = _("Exam questions")
    menu_order = 210
    add_to_admin_menu = True
    list_display = ["__str__", "course", "kind", "topic", "active"]
    list_filter = ["course", "kind", "active"]
    # Chinese has no spaces between words: a substring match finds any part of a question.
    search_fields = ["text", "topic"]
    list_per_page = 50


register_snippet(QuestionViewSet)
