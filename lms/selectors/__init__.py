"""Reads of the learning app. Import from here: `from lms.selectors import ...`."""

from lms.selectors.exams import exam_best_passed_score
from lms.selectors.lessons import course_lesson_ids

__all__ = ["course_lesson_ids", "exam_best_passed_score"]
