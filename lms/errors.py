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
