"""Views of external activities: thin, each parses the request and calls a service.

A learner sees only their own claims; an approver sees the claims of a chain they
may act on; anyone else gets a 404, as for a claim that does not exist.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lms.activity_forms import (
    ActivityEditForm,
    ActivityForm,
    BulkApproveForm,
    BulkSelectionForm,
    DecisionForm,
)
from lms.errors import BulkApprovalRefused, ExternalActivityNotAllowed, ExternalActivityRejected
from lms.forms import CreditAdjustmentForm
from lms.models import ActivityStatus
from lms.selectors import (
    activity_for_viewer,
    activity_of_learner,
    activity_record,
    approval_queue,
    approver_profile,
    claims_for_bulk_approval,
    claims_visible_to,
    evidence_for_viewer,
    learner_activities,
    learner_audit,
    may_correct_credits,
    may_decide,
    may_review_activities,
    may_view_audit,
)
from lms.services import (
    external_activity_decide,
    external_activity_resubmit,
    external_activity_submit,
    external_activity_withdraw,
)
from lms.services.external_activities import (
    BULK_APPROVE_LIMIT,
    external_activities_approve_many,
)

QUEUE_PAGE_SIZE = 25


def _message(error) -> str:
    return " ".join(str(m) for m in error.messages)


def _own_activity(request, activity_id: int):
    activity = activity_of_learner(learner=request.user, activity_id=activity_id)
    if activity is None:
        raise Http404
    return activity


@login_required
@require_GET
def activity_list(request):
    profile = approver_profile(user=request.user)
    return render(
        request,
        "lms/activities/list.html",
        {
            "activities": learner_activities(learner=request.user),
            "may_approve": may_review_activities(user=request.user, profile=profile),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_new(request):
    form = ActivityForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            activity = external_activity_submit(
                learner=request.user,
                report=form.report(),
                evidence=form.cleaned_data["evidence"],
            )
        except ExternalActivityRejected as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your activity has been submitted for approval."))
            return redirect("lms:activity_detail", activity_id=activity.pk)
    return render(
        request,
        "lms/activities/form.html",
        {"form": form, "files_sent": bool(request.FILES)},
    )


@login_required
@require_GET
def activity_detail(request, activity_id: int):
    activity = _own_activity(request, activity_id)
    return render(
        request,
        "lms/activities/detail.html",
        {"record": activity_record(activity=activity), "activity": activity},
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request, activity_id: int):
    activity = _own_activity(request, activity_id)
    if activity.status != ActivityStatus.RETURNED:
        messages.error(request, ExternalActivityNotAllowed.NOT_RETURNED)
        return redirect("lms:activity_detail", activity_id=activity.pk)
    record = activity_record(activity=activity)
    form = ActivityEditForm(
        request.POST or None, request.FILES or None, activity=activity, evidence=record.evidence
    )
    if request.method == "POST" and form.is_valid():
        try:
            external_activity_resubmit(
                activity_id=activity.pk,
                actor=request.user,
                report=form.report(),
                add_evidence=form.cleaned_data["evidence"],
                remove_evidence_ids=form.cleaned_data.get("remove_evidence", []),
            )
        except ExternalActivityRejected as error:
            form.add_error(None, error)
        except ExternalActivityNotAllowed as error:
            messages.error(request, _message(error))
            return redirect("lms:activity_detail", activity_id=activity.pk)
        else:
            messages.success(request, _("Your activity has been submitted again."))
            return redirect("lms:activity_detail", activity_id=activity.pk)
    return render(
        request,
        "lms/activities/form.html",
        {"form": form, "activity": activity, "record": record, "files_sent": bool(request.FILES)},
    )


@login_required
@require_POST
def activity_withdraw(request, activity_id: int):
    activity = _own_activity(request, activity_id)
    try:
        external_activity_withdraw(activity_id=activity.pk, actor=request.user)
    except ExternalActivityNotAllowed as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, _("You have withdrawn the activity."))
    return redirect("lms:activity_detail", activity_id=activity.pk)


@login_required
@require_GET
def evidence_download(request, activity_id: int, evidence_id: int):
    """An evidence file, for the learner and the claim's approvers only; as an
    attachment of its detected type, never to be sniffed or shown inline."""
    profile = approver_profile(user=request.user)
    evidence = evidence_for_viewer(
        profile=profile, activity_id=activity_id, evidence_id=evidence_id
    )
    if evidence is None:
        raise Http404
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def approvals(request):
    profile = approver_profile(user=request.user)
    page = Paginator(approval_queue(profile=profile), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "lms/activities/queue.html",
        {"page": page, "bulk_limit": BULK_APPROVE_LIMIT},
    )


@login_required
@require_POST
def approvals_bulk(request):
    """Approve several claims: the queue posts the ticked ones, this page lists them
    for a last look and a confirming tick, and its own post approves each in turn
    (`external_activities_approve_many`), then shows what was approved and skipped."""
    profile = approver_profile(user=request.user)
    if not may_review_activities(user=request.user, profile=profile):
        raise PermissionDenied
    selection = BulkSelectionForm(request.POST)
    if not selection.is_valid():
        for error in selection.errors.get("item", []):
            messages.error(request, error)
        return redirect("lms:approvals")
    items = selection.cleaned_data["item"]
    form = BulkApproveForm()
    if request.POST.get("stage") == "approve":
        form = BulkApproveForm(request.POST)
        if form.is_valid():
            try:
                result = external_activities_approve_many(
                    actor=request.user, items=items, comment=form.cleaned_data["comment"]
                )
            except BulkApprovalRefused as error:
                form.add_error(None, error)
            else:
                seen = claims_visible_to(
                    profile=profile, ids=[item.activity_id for item in result.skipped]
                )
                skipped = [(item, seen.get(item.activity_id)) for item in result.skipped]
                return render(
                    request,
                    "lms/activities/bulk_confirm.html",
                    {"result": result, "skipped": skipped},
                )
    claims = claims_for_bulk_approval(profile=profile, items=items)
    return render(
        request,
        "lms/activities/bulk_confirm.html",
        {"claims": claims, "dropped": len(items) - len(claims), "form": form},
    )


@login_required
@require_http_methods(["GET", "POST"])
def approval_detail(request, activity_id: int):
    profile = approver_profile(user=request.user)
    activity = activity_for_viewer(profile=profile, activity_id=activity_id)
    if activity is None:
        raise Http404
    form = DecisionForm(request.POST or None, initial={"step": activity.current_step})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            external_activity_decide(
                activity_id=activity.pk,
                actor=request.user,
                step=data["step"],
                decision=data["decision"],
                reason=data["reason"],
            )
        except ExternalActivityNotAllowed as error:
            form.add_error(None, error)
            activity = activity_for_viewer(profile=profile, activity_id=activity_id)
        else:
            messages.success(request, _("Your decision has been recorded."))
            return redirect("lms:approvals")
    return render(
        request,
        "lms/activities/review.html",
        {
            "activity": activity,
            "record": activity_record(activity=activity),
            "form": form,
            "may_decide": may_decide(profile=profile, activity=activity),
            "may_view_audit": may_view_audit(profile=profile, learner=activity.learner),
        },
    )


@login_required
@require_GET
def audit(request, user_id: int):
    """A learner's credit ledger and the events of all their claims, for administrators
    whose scope covers the learner (and superusers)."""
    data = learner_audit(profile=approver_profile(user=request.user), learner_id=user_id)
    if data is None:
        raise Http404
    return render(
        request,
        "lms/activities/audit.html",
        {
            "audit": data,
            "may_correct": may_correct_credits(user=request.user, learner=data.learner),
            "adjustment_form": CreditAdjustmentForm(initial={"year": timezone.localdate().year}),
        },
    )
