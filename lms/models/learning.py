"""Enrolments, study progress, completions and exam attempts."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from courses.models import CoursePage, LessonPage


class EnrollmentStatus(models.TextChoices):
    ACTIVE = "active", _("In progress")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class EnrollmentSource(models.TextChoices):
    SELF = "self", _("Enrolled by the learner")
    ASSIGNED = "assigned", _("Assigned")


class Enrollment(models.Model):
    """A learner's place in a course: one row per learner and course, for good.

    Withdrawing and enrolling again change the status; the events keep the history.
    """

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="enrollments",
        verbose_name=_("learner"),
    )
    course = models.ForeignKey(
        CoursePage, on_delete=models.PROTECT, related_name="enrollments", verbose_name=_("course")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EnrollmentStatus.choices,
        default=EnrollmentStatus.ACTIVE,
    )
    source = models.CharField(
        _("source"),
        max_length=20,
        choices=EnrollmentSource.choices,
        default=EnrollmentSource.SELF,
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    last_lesson = models.ForeignKey(
        LessonPage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last lesson opened"),
    )
    last_studied_at = models.DateTimeField(_("last studied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["learner", "course"], name="enrollment_one_per_course")
        ]
        indexes = [models.Index(fields=["learner", "status"], name="enrollment_learner_status")]

    def __str__(self) -> str:
        return f"{self.learner} · {self.course}"


class EnrollmentEvent(models.Model):
    """Who did what to an enrolment, and when: the history that unenrolling keeps."""

    class Kind(models.TextChoices):
        ENROLLED = "enrolled", _("Enrolled")
        ASSIGNED = "assigned", _("Assigned")
        WITHDRAWN = "withdrawn", _("Withdrew")
        REENROLLED = "reenrolled", _("Enrolled again")
        COMPLETED = "completed", _("Completed")

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=250, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("enrolment event")
        verbose_name_plural = _("enrolment events")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.enrollment}"


class LessonProgress(models.Model):
    """Study time and completion of one lesson within an enrolment.

    `video_segments` holds, per video block id, the merged [start, end] seconds that
    were really played, and the length the player reported; `checkpoints` holds,
    per checkpoint block id, the answer given and whether it was right.
    """

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="+")
    study_seconds = models.PositiveIntegerField(_("study time (seconds)"), default=0)
    last_beat_at = models.DateTimeField(_("last accepted heartbeat"), null=True, blank=True)
    video_segments = models.JSONField(_("video watched"), default=dict, blank=True)
    checkpoints = models.JSONField(_("checkpoint answers"), default=dict, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "lesson"], name="progress_one_per_lesson")
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} · {self.lesson_id}"


class CourseCompletion(models.Model):
    """The record that a learner completed a course: one per enrolment, whatever races."""

    enrollment = models.OneToOneField(
        Enrollment, on_delete=models.PROTECT, related_name="completion"
    )
    completed_at = models.DateTimeField(_("completed at"))
    final_score = models.DecimalField(
        _("final score (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    study_seconds = models.PositiveIntegerField(_("total study time (seconds)"))

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")

    def __str__(self) -> str:
        return f"{self.enrollment} ✓"


class ExamAttempt(models.Model):
    """One sitting of a course's final exam.

    `questions` is the paper as drawn: a list of {"id": question id, "choices":
    [choice ids in the order shown]}. `answers` maps a question id (as a string) to
    the chosen choice ids. Once `submitted_at` is set the attempt never changes.
    """

    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="exam_attempts"
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("time limit ends"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    questions = models.JSONField(_("questions drawn"), default=list)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    score = models.DecimalField(_("score (%)"), max_digits=5, decimal_places=2, null=True)
    passed = models.BooleanField(_("passed"), null=True)

    class Meta:
        verbose_name = _("exam attempt")
        verbose_name_plural = _("exam attempts")
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "number"], name="attempt_number_unique")
        ]
        ordering = ["enrollment_id", "number"]

    def __str__(self) -> str:
        return f"{self.enrollment} #{self.number}"
