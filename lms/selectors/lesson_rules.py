"""A lesson's completion rule without loading the lesson (the heartbeat, the lesson page).

Loading a lesson page costs more than the rest of a heartbeat (the page's row across
Wagtail's tables, with its stream body), and its rule changes only when the lesson is
published again. So each process keeps the rule per lesson, stamped with the publish
generation (courses/caching.py), which every publish, unpublish, move or page save
replaces, now and again once the write commits, and with the study-time scale it was
computed under. A stale stamp means the lesson is read again; reading the generation
is one cache round trip and no query (none on a page view, where the page cache
middleware has read it already).
"""

from contextlib import suppress

from django.conf import settings

from courses.caching import page_generation
from courses.models import LessonPage
from lms.rules import LessonRule

# Rules are tiny; the bound only keeps a process from growing with every lesson ever
# beaten on (the oldest entry makes room).
MAX_CACHED_RULES = 4096

# lesson id → (publish generation, study-time scale, rule). Per process (and shared by
# its threads: a dict's get and set are atomic, and a lost race only rebuilds a rule).
_rules: dict[int, tuple[str, float, LessonRule]] = {}


def lesson_rule(*, lesson_id: int, request=None) -> LessonRule:
    """The lesson's rule as of its latest publish (raises LessonPage.DoesNotExist)."""
    # The generation is read before the lesson: a rule read from content that a publish
    # replaces meanwhile is stamped with a generation that publish has already replaced.
    generation = page_generation(request)  # read once per request when given one
    scale = settings.SNOWLAND_STUDY_TIME_SCALE
    entry = _rules.get(lesson_id)
    if entry is not None and entry[0] == generation and entry[1] == scale:
        return entry[2]
    row = (
        LessonPage.objects.filter(pk=lesson_id)
        .values_list("body", "min_study_minutes", "estimated_minutes")
        .first()
    )
    if row is None:
        raise LessonPage.DoesNotExist("No such lesson.")
    body, min_study_minutes, estimated_minutes = row
    rule = LessonRule.from_content(
        raw_body=body.raw_data,
        min_study_minutes=min_study_minutes,
        estimated_minutes=estimated_minutes,
    )
    if lesson_id not in _rules and len(_rules) >= MAX_CACHED_RULES:
        # Another thread may have made room first.
        with suppress(KeyError, RuntimeError, StopIteration):
            del _rules[next(iter(_rules))]
    _rules[lesson_id] = (generation, scale, rule)
    return rule
