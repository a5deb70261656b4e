"""E-mail about external activities: the learner hears of every decision, approvers
hear when a claim reaches a step they decide. Sent by a task after the commit."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from lms.models import ActivityAction, ActivityStatus, ExternalActivityEvent
from lms.selectors.external_activities import eligible_approvers

# The decisions a learner hears of.
LEARNER_ACTIONS = frozenset(
    {
        ActivityAction.STEP_APPROVED,
        ActivityAction.APPROVED,
        ActivityAction.RETURNED,
        ActivityAction.REJECTED,
    }
)


def _learner_subject(action: str) -> str:
    subjects = {
        ActivityAction.STEP_APPROVED: _("Your external activity passed a review step: %(title)s"),
        ActivityAction.APPROVED: _("Your external activity was approved: %(title)s"),
        ActivityAction.RETURNED: _("Your external activity was returned for changes: %(title)s"),
        ActivityAction.REJECTED: _("Your external activity was rejected: %(title)s"),
    }
    return subjects[action]


def _recipients_and_link(event: ExternalActivityEvent) -> tuple[list[User], str, str]:
    activity = event.activity
    if event.action == ActivityAction.AWAITING:
        still_waiting = (
            activity.status == ActivityStatus.SUBMITTED and activity.current_step == event.step
        )
        if not still_waiting:  # decided before the mail went out: nothing to ask for
            return [], "", ""
        recipients = eligible_approvers(activity=activity, level=event.level)
        return recipients, reverse("lms:approval_detail", args=[activity.pk]), "approver"
    if event.action in LEARNER_ACTIONS:
        learner = activity.learner
        recipients = [learner] if learner.is_active else []
        return recipients, reverse("lms:activity_detail", args=[activity.pk]), "learner"
    return [], "", ""


def external_activity_event_notify(*, event_id: int) -> int:
    """Send the e-mail an audit event calls for; the number of messages sent.

    Idempotent: an event is mailed at most once (marked when sent); an approver's
    call to act is dropped if the step was decided before it went out.
    """
    event = ExternalActivityEvent.objects.select_related(
        "activity__learner__department", "activity__learner__institution", "actor"
    ).get(pk=event_id)
    if event.notified_at is not None:
        return 0
    recipients, path, audience = _recipients_and_link(event)
    recipients = [user for user in recipients if user.email]
    messages = []
    if recipients:
        activity = event.activity
        link = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path
        # People have no language of their own yet: mail goes out in the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            if audience == "approver":
                subject = _("An external activity awaits your review: %(title)s")
            else:
                subject = _learner_subject(event.action)
            subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + subject % {"title": activity.title}
            for user in recipients:
                body = render_to_string(
                    f"lms/activities/email/{audience}.txt",
                    {"event": event, "activity": activity, "recipient": user, "link": link},
                )
                messages.append(EmailMessage(subject=subject, body=body, to=[user.email]))
        get_connection().send_messages(messages)
    ExternalActivityEvent.objects.filter(pk=event.pk).update(notified_at=timezone.now())
    return len(messages)
