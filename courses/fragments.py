"""What a course or lesson page shows every visitor alike, built once per publish.

Kept in the cache under the publish generation, the code version and the language
(courses/caching.py), so that a learner's view of a page renders only what is theirs:
the enrolment box and done marks on a course, the study status and checkpoints on a
lesson. Nothing here may depend on the user or the request.
"""

from django.template.loader import render_to_string
from django.utils.translation import get_language

from courses.caching import cached_until_publish
from courses.selectors import course_lessons, lesson_navigation


def body_segments(lesson) -> list[tuple[str, object]]:
    """("html", markup) for runs of ordinary blocks, ("checkpoint", index) between
    them: a checkpoint holds the learner's answer and a CSRF token."""
    segments: list[tuple[str, object]] = []
    run: list[str] = []
    for index, block in enumerate(lesson.body):
        if block.block_type == "checkpoint":
            if run:
                segments.append(("html", "".join(run)))
                run = []
            segments.append(("checkpoint", index))
        elif block.block_type == "video":
            context = {"value": block.value, "block_id": block.id}
            run.append(render_to_string("blocks/video_block.html", context))
        else:
            run.append(block.render())
    if run:
        segments.append(("html", "".join(run)))
    return segments


def lesson_shared(*, request, lesson) -> dict:
    """The lesson's course, its siblings, previous and next, and its rendered body."""

    def build() -> dict:
        return {**lesson_navigation(lesson=lesson), "body_segments": body_segments(lesson)}

    return cached_until_publish(request, "lesson", lesson.pk, get_language(), build=build)


def course_shared(*, request, course) -> dict:
    """The course's category, its lessons, and its rendered CME record and faculty."""

    def build() -> dict:
        context = {"page": course}
        lessons = list(
            course_lessons(course=course).only(
                "title", "url_path", "path", "depth", "estimated_minutes"
            )
        )
        return {
            "category": course.category.name if course.category_id else "",
            "lessons": lessons,
            # Each lesson's link and length, rendered here once: a learner's view adds
            # only the done marks.
            "lesson_links": [
                (
                    lesson.pk,
                    render_to_string(
                        "courses/includes/lesson_link.html",
                        {"lesson": lesson, "url": lesson.get_url(request=request)},
                    ),
                )
                for lesson in lessons
            ],
            "record": render_to_string("courses/includes/course_record.html", context),
            "faculty": render_to_string("courses/includes/course_faculty.html", context),
        }

    return cached_until_publish(request, "course", course.pk, get_language(), build=build)
