"""The parts of a lesson page that are the learner's own."""

from django import template
from django.template.loader import get_template
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def lesson_body(context, page, state):
    """The lesson's body from the segments rendered once per publish
    (courses/fragments.py), with its checkpoints rendered for this learner, and only
    when `state` (lms's LessonState) says their study is recorded."""
    tracked = bool(getattr(state, "tracked", False))
    checkpoint_template = get_template("blocks/checkpoint_block.html") if tracked else None
    answers = (getattr(state.progress, "checkpoints", None) or {}) if tracked else {}
    parts = []
    for kind, payload in context["body_segments"]:
        if kind == "html":
            parts.append(payload)
        elif checkpoint_template is not None:
            block = page.body[payload]
            parts.append(
                checkpoint_template.render(
                    {
                        "value": block.value,
                        "block_id": block.id,
                        "lesson": page,
                        "answered": answers.get(block.id),
                        "csrf_token": context.get("csrf_token"),
                    }
                )
            )
    return mark_safe("".join(parts))  # noqa: S308  (our block templates' output)
