"""Learning state on course and lesson pages.

Course pages live in `courses`, which must not import the learning app; their
templates ask for the learner's state through these tags instead.
"""

from decimal import Decimal

from django import template
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lms.compliance import format_amount
from lms.selectors import lesson_state_for
from lms.selectors.course_page import course_learning_for

register = template.Library()


@register.simple_tag(takes_context=True)
def course_learning(context, course, lessons):
    """The learner's enrolment in the course and its progress, or None. `lessons`:
    the course's live lessons, as the page has them."""
    return course_learning_for(learner=context["request"].user, course=course, lessons=lessons)


@register.simple_tag(takes_context=True)
def lesson_learning(context, lesson):
    request = context["request"]
    return lesson_state_for(
        learner=request.user,
        lesson=lesson,
        preview=getattr(request, "is_preview", False),
        request=request,
    )


@register.filter
def study_time(seconds) -> str:
    """Seconds as hours and minutes for people ("1 h 5 min")."""
    minutes = int(seconds or 0) // 60
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes}
    return ngettext("%(minutes)s min", "%(minutes)s min", minutes) % {"minutes": minutes}


@register.filter
def checkpoint_answer_of(progress, block_id):
    """The learner's recorded answer to a checkpoint block, if any."""
    if progress is None:
        return None
    return progress.checkpoints.get(block_id)


@register.simple_tag
def heartbeat_interval() -> int:
    return settings.SNOWLAND_HEARTBEAT_INTERVAL_SECONDS


@register.filter
def amount(value) -> str:
    """Credits and hours as people write them: 25, 2.5, 66.7 (at most two decimals)."""
    if value is None or value == "":
        return ""
    return format_amount(Decimal(value))
