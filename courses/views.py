"""Request handling for the catalogue page: parse the query string, call selectors."""

from django.conf import settings
from django.core.paginator import Paginator

from courses.caching import cached_until_publish
from courses.forms import CatalogueFilterForm
from courses.selectors import course_catalogue, course_categories


def catalogue_context(*, request, catalogue) -> dict:
    # The filter form's categories are the same for everyone until the next publish.
    categories = cached_until_publish(
        request, "course-categories", build=lambda: list(course_categories())
    )
    form = CatalogueFilterForm(request.GET or None, categories=categories)
    filters = form.valid_filters() if request.GET else {}
    courses = course_catalogue(
        catalogue=catalogue,
        query=filters.get("q", ""),
        category=filters.get("category", ""),
        credit_class=filters.get("credit_class", ""),
        subject_type=filters.get("subject_type", ""),
        profession=filters.get("profession", ""),
        language=filters.get("language", ""),
    )
    paginator = Paginator(courses, settings.SNOWLAND_CATALOGUE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query_without_page = request.GET.copy()
    query_without_page.pop("page", None)
    return {
        "filter_form": form,
        "categories": categories,
        "courses": page,
        "active_filters": filters,
        "query_string": query_without_page.urlencode(),
    }
