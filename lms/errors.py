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
    NOT_ALLOWED = _("You may only correct the credit records of staff in your own institutions.")
    OWN_RECORD = _("You cannot correct your own credit record; ask another administrator.")
    ZERO = _("An adjustment must change the credits or the study hours.")
    TITLE_REQUIRED = _("Say what the adjustment is for, e.g. the activity it records.")
    BAD_YEAR = _("The year must lie between %(first)s and %(last)s.")
    UNKNOWN_CLASS = _("Choose one of the offered credit classes.")
    UNKNOWN_SUBJECT = _("Choose one of the offered subject types.")


class ExternalActivityRejected(ValidationError):
    """Why a reported external activity was refused; nothing was saved.

    Raised with a dict of field name → errors, so that a form shows each beside its field.
    """

    NO_INSTITUTION = _(
        "Set your institution in your profile before reporting an activity: "
        "it decides who approves it."
    )
    UNKNOWN_KIND = _("Choose one of the offered kinds of activity.")
    TOO_LONG = _("Use at most %(limit)s characters.")
    TITLE_REQUIRED = _("Give the activity's title.")
    ORGANISER_REQUIRED = _("Give the organiser of the activity.")
    DATES_REQUIRED = _("Give the dates the activity started and ended.")
    DATES_REVERSED = _("The activity cannot end before it starts.")
    DATE_IN_FUTURE = _("Report an activity once it has ended: its dates cannot be in the future.")
    UNKNOWN_CLASS = _("Choose one of the offered credit classes.")
    UNKNOWN_SUBJECT = _("Choose one of the offered subject types.")
    PROJECT_NUMBER_REQUIRED = _("A Class I activity needs its CME project number.")
    CREDITS_OR_HOURS = _("Give the credits, the study hours, or both.")
    CREDITS_NOT_POSITIVE = _("Credits must be more than 0.")
    HOURS_NOT_POSITIVE = _("Study hours must be more than 0.")
    HOURS_TOO_MANY = _("Study hours must be less than %(limit)s.")
    CREDITS_OVER_CAP = _("At most %(cap)s credits can be awarded for one activity.")
    EVIDENCE_REQUIRED = _(
        "Attach at least one evidence file, such as a certificate or an attendance record."
    )
    TOO_MANY_FILES = _("Attach at most %(count)s evidence files.")
    FILE_TOO_LARGE = _("“%(name)s” is larger than %(size)s MB.")
    FILE_WRONG_TYPE = _("“%(name)s” is not a PDF, PNG or JPEG file.")
    UNKNOWN_EVIDENCE = _("This claim has no such evidence file.")


class ExternalActivityNotAllowed(ValidationError):
    """Why an action on a claim was refused; the claim is unchanged."""

    OWN_CLAIM = _("You cannot decide on your own claim.")
    NOT_ELIGIBLE = _("You may not decide this step of the claim.")
    NOT_WAITING = _("This claim is not waiting for a decision.")
    STEP_DECIDED = _("This step has already been decided, perhaps by someone else.")
    REASON_REQUIRED = _("Give the reason, so that the learner knows what to do.")
    UNKNOWN_DECISION = _("Choose to approve, return or reject.")
    NOT_YOUR_CLAIM = _("Only the person who reported the activity may change or withdraw it.")
    NOT_RETURNED = _("Only a claim returned for changes can be edited and resubmitted.")
    CANNOT_WITHDRAW = _("Only a claim under review or returned for changes can be withdrawn.")
    NOT_APPROVED = _("Only an approved claim is recorded as credit.")


class ApprovalChainRejected(ValidationError):
    NO_STEPS = _("Add at least one approval step.")
    DUPLICATE_LEVEL = _("Each level may appear only once in a chain.")
    UNKNOWN_LEVEL = _("Choose one of the offered levels.")


class StaffImportRefused(ValidationError):
    """Why an uploaded staff list cannot be imported at all (row errors are reported
    per row by lms.services.staff_import instead)."""

    TOO_LARGE = _("The file is larger than 2 MB; split it into smaller files.")
    TOO_MANY_ROWS = _("The file has more than %(limit)s rows; split it into smaller files.")
    NOT_READABLE = _(
        "This file is neither an Excel workbook (.xlsx) nor a CSV text file. "
        "Save it from Excel as .xlsx or as CSV."
    )
    BAD_XLSX = _(
        "The Excel workbook could not be read; it may be damaged. "
        "Save it again from Excel as .xlsx or as CSV."
    )
    NO_HEADER = _("The file is empty: the first row must name the columns.")
    MISSING_COLUMNS = _("The first row lacks these columns: %(columns)s.")
    NO_CONTACT_COLUMN = _("The first row needs an e-mail column or a phone column.")
    NO_ROWS = _("The file has no staff rows below the column names.")
    HAS_ERRORS = _(
        "Some rows have errors, so nothing was imported. Correct the file and upload it "
        "again, or confirm importing only the valid rows."
    )
    CONFLICT = _(
        "Staff records changed while the file was being imported; nothing was imported. "
        "Check the file again."
    )


class BulkApprovalRefused(ValidationError):
    """A batch of approvals refused as a whole, before any claim is decided."""

    NO_ITEMS = _("Select at least one claim to approve.")
    TOO_MANY = _("Approve at most %(limit)s claims at once.")


class ExportRefused(ValidationError):
    """Why an export was refused, or why a job failed; plain language for officers."""

    NOT_ALLOWED = _("You may not export staff records.")
    UNKNOWN_KIND = _("There is no such export.")
    UNAVAILABLE = _("This export is not available at the moment.")
    BAD_PARAMS = _("The export request is malformed.")
    BAD_YEAR = _("Choose a year between %(first)s and %(last)s.")
    UNKNOWN_FILTER = _("The staff table has no filter called “%(name)s”.")
    BAD_FILTER = _("The filter “%(name)s” has a value that is not allowed.")
    FILTER_OUTSIDE_SCOPE = _(
        "That institution or department is outside your scope; remove the filter and try again."
    )
    PERSON_OUTSIDE_SCOPE = _("That person is not among the staff you may see.")
    PEOPLE_OUTSIDE_SCOPE = _("Some of the selected people are not among the staff you may see.")
    NOTHING_SELECTED = _("Tick at least one person, or export everyone the filters show.")
    TOO_MANY_PEOPLE = _(
        "One export can hold the certificates of at most %(max)s people; "
        "narrow the filters or tick fewer people."
    )
    TOO_MANY_RUNNING = _(
        "You already have %(count)s exports being prepared; wait until one is ready."
    )
    NO_LONGER_ALLOWED = _("You may no longer export staff records, so the export was stopped.")
    FILTER_LEFT_SCOPE = _(
        "An institution or department in the filters is no longer in your scope, "
        "so the export was stopped."
    )
    PERSON_LEFT_SCOPE = _(
        "This person is no longer among the staff you may see, so the export was stopped."
    )
    NONE_LEFT = _("None of the selected people is still among the staff you may see.")
    FAILED = _(
        "The export could not be prepared. Please try again; if it fails again, "
        "tell the site administrators."
    )

    @property
    def text(self) -> str:
        return " ".join(str(m) for m in self.messages)
