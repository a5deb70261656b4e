"""Officers' corrections of a learner's credit record, from the learner's audit page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from lms.forms import CreditAdjustmentForm, CreditCorrectionForm
from lms.models import CreditEntry
from lms.selectors import may_correct_credits
from lms.services import credit_adjust, credit_correct


def _learner_for(request, user_id: int) -> User:
    learner = get_object_or_404(User.objects.select_related("institution"), pk=user_id)
    if not may_correct_credits(user=request.user, learner=learner):
        raise Http404  # as for a learner who does not exist: nothing to learn here
    return learner


def _report(request, form_or_error) -> None:
    errors = (
        form_or_error.messages
        if isinstance(form_or_error, ValidationError)
        else [str(e) for field in form_or_error.errors.values() for e in field]
    )
    messages.error(request, _("Nothing was recorded: %(errors)s") % {"errors": " ".join(errors)})


@login_required
@require_POST
def adjust(request, user_id: int):
    learner = _learner_for(request, user_id)
    form = CreditAdjustmentForm(request.POST)
    if not form.is_valid():
        _report(request, form)
    else:
        try:
            credit_adjust(learner=learner, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _report(request, error)
        else:
            messages.success(request, _("The adjustment is recorded."))
    return redirect("lms:learner_audit", user_id=learner.pk)


@login_required
@require_POST
def correct(request, user_id: int, entry_id: int):
    learner = _learner_for(request, user_id)
    entry = get_object_or_404(CreditEntry, pk=entry_id, learner=learner)
    form = CreditCorrectionForm(request.POST)
    if not form.is_valid():
        _report(request, form)
    else:
        try:
            credit_correct(
                entry=entry, acting_user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            _report(request, error)
        else:
            messages.success(request, _("The entry is reversed."))
    return redirect("lms:learner_audit", user_id=learner.pk)
