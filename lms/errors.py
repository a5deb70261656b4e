"""Typed errors of the learning app; their messages are constants that tests assert."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class EnrollmentNotAllowed(ValidationError):
    NOT_PUBLISHED = _("This course is not published.")
    NOT_OPEN_YET = _("Enrolment for this course opens on %(date)s.")
    CLOSED = _("Enrolment for this course closed on %(date)s.")
    WRONG_PROFESSION = _("This course is meant for other professions.")
    WRONG_TITLE_LEVEL = _("This course is meant for other professional title levels.")
    COMPLETED = _("You have completed this course; it cannot be withdrawn from.")


class AssignmentNotAllowed(ValidationError):
    OUTSIDE_SCOPE = _("You may only assign courses to staff in your own institutions.")
    NO_RIGHT = _("You are not allowed to assign courses.")
    NO_TARGET = _("Choose a person, a department or an institution.")
    DUE_IN_PAST = _("The due date cannot be in the past.")


class HeartbeatRejected(ValidationError):
    MALFORMED = _("The study report is malformed.")
    UNKNOWN_VIDEO = _("This lesson has no such video.")
    BAD_POSITION = _("Video positions must lie between 0 and the video's length.")


class CheckpointRejected(ValidationError):
    UNKNOWN = _("This lesson has no such checkpoint question.")
    BAD_ANSWER = _("Choose one of the offered answers.")


class ExamNotAllowed(ValidationError):
    """Why a learner cannot start an exam attempt now."""

    NO_EXAM = _("This course has no final exam.")
    NOT_ENROLLED = _("Enrol in this course to take its final exam.")
    COURSE_COMPLETED = _("You have already completed this course.")
    ALREADY_PASSED = _("You have already passed this exam.")
    LESSONS_INCOMPLETE = _(
        "The final exam opens once every lesson is complete (lessons remaining: %(count)s)."
    )
    NO_ATTEMPTS_LEFT = _("You have no attempts left at this exam (maximum: %(count)s).")
    WAIT = _("You can take the exam again from %(time)s.")
    BANK_TOO_SMALL = _(
        "This exam is not ready yet: its question bank has too few questions. "
        "Please tell the course team."
    )


class ExamRejected(ValidationError):
    """Why answers to an exam attempt were refused; the answers sent were not saved."""

    MALFORMED = _("The answers are malformed.")
    UNKNOWN_QUESTION = _("This exam paper has no such question.")
    UNKNOWN_CHOICE = _("Choose one of the answers offered for each question.")
    ONE_ANSWER = _("Choose exactly one answer to a single-choice or true-or-false question.")
    ALREADY_SUBMITTED = _("This exam attempt has already been submitted and cannot be changed.")
    TIME_UP = _(
        "The time limit has passed: the attempt was scored with the answers saved before it."
    )


class CreditCorrectionRejected(ValidationError):
    REASON_REQUIRED = _("Give the reason for the correction.")
    ALREADY_REVERSED = _("This entry has already been reversed.")
    NOT_AN_AWARD = _("A reversing entry cannot itself be reversed; record a new award.")
