"""Reads for the course catalogue, course and lesson pages."""

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, QuerySet, When
from wagtail.images import get_image_model

from courses.models import CourseCategory, CourseIndexPage, CoursePage, LessonPage
from courses.search_text import cjk_search_query

# A search returns at most this many courses, best first; more is not a catalogue
# anyone reads, and it keeps the id list small.
SEARCH_RESULT_LIMIT = 500


def course_categories() -> QuerySet[CourseCategory]:
    return CourseCategory.objects.all()


def _with_card_data(queryset: QuerySet[CoursePage]) -> QuerySet[CoursePage]:
    """What a course card shows, loaded in a fixed number of queries."""
    return queryset.select_related("category", "cover_image").prefetch_related(
        Prefetch(
            "cover_image__renditions",
            queryset=get_image_model().get_rendition_model().objects.all(),
        )
    )


def course_search_ids(*, catalogue: CourseIndexPage, query: str) -> list[int]:
    terms = cjk_search_query(query)
    if not terms:
        return []
    results = (
        CoursePage.objects.live()
        .child_of(catalogue)
        .search(terms, operator="and")[:SEARCH_RESULT_LIMIT]
    )
    return [page.pk for page in results]


def course_catalogue(
    *,
    catalogue: CourseIndexPage,
    query: str = "",
    category: str = "",
    credit_class: str = "",
    subject_type: str = "",
    profession: str = "",
    language: str = "",
) -> QuerySet[CoursePage]:
    """Live, public courses of the catalogue matching every given filter.

    A profession filter keeps courses aimed at that profession and courses open to
    everyone (no target profession). A search orders by relevance.
    """
    courses = CoursePage.objects.live().public().child_of(catalogue)
    if category:
        courses = courses.filter(category__slug=category)
    if credit_class:
        courses = courses.filter(credit_class=credit_class)
    if subject_type:
        courses = courses.filter(subject_type=subject_type)
    if language:
        courses = courses.filter(language=language)
    if profession:
        targets = CoursePage.target_professions.through.objects.filter(coursepage_id=OuterRef("pk"))
        courses = courses.filter(
            Exists(targets.filter(audienceprofession__code=profession)) | ~Exists(targets)
        )
    if query:
        ids = course_search_ids(catalogue=catalogue, query=query)
        rank = Case(
            *(When(pk=pk, then=position) for position, pk in enumerate(ids)),
            output_field=IntegerField(),
        )
        courses = courses.filter(pk__in=ids).annotate(search_rank=rank).order_by("search_rank")
    else:
        courses = courses.order_by("-first_published_at", "pk")
    return _with_card_data(courses)


def featured_courses(*, ids: list[int]) -> list[CoursePage]:
    """Courses by id, live ones only, in the order given."""
    by_id = {
        course.pk: course
        for course in _with_card_data(CoursePage.objects.live().filter(pk__in=ids))
    }
    return [by_id[pk] for pk in ids if pk in by_id]


def course_lessons(*, course: CoursePage) -> QuerySet[LessonPage]:
    return LessonPage.objects.live().child_of(course).order_by("path")


def lesson_navigation(*, lesson: LessonPage) -> dict:
    """The lesson's course, its siblings in order, and the previous and next lesson."""
    course = CoursePage.objects.parent_of(lesson).first()
    siblings = list(
        LessonPage.objects.live()
        .sibling_of(lesson)
        .order_by("path")
        .only("title", "url_path", "path", "depth")
    )
    position = next((i for i, s in enumerate(siblings) if s.pk == lesson.pk), 0)
    return {
        "course": course,
        "lessons": siblings,
        "lesson_number": position + 1,
        "previous_lesson": siblings[position - 1] if position > 0 else None,
        "next_lesson": siblings[position + 1] if position + 1 < len(siblings) else None,
    }
