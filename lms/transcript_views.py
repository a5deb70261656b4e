"""The learner's transcript: every credit entry of a year and where they stand."""

import csv

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms.compliance import format_amount
from lms.selectors.transcript import learner_transcript

# Years a ledger can hold: a wider request is a typo or a probe, not a transcript.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def _year_or_404(year: int | None) -> int:
    if year is None:
        return timezone.localdate().year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Http404
    return year


@login_required
@require_GET
def transcript(request, year: int | None = None):
    # A learner only ever sees their own transcript: there is no learner in the URL.
    data = learner_transcript(learner=request.user, year=_year_or_404(year))
    return render(request, "lms/transcript.html", {"transcript": data})


def _cell(value) -> str:
    """Neutralise spreadsheet formulas in text that learners or organisers wrote."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@login_required
@require_GET
def transcript_csv(request, year: int):
    data = learner_transcript(learner=request.user, year=_year_or_404(year))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cme-transcript-{data.year}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 Chinese correctly only with a BOM
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Recorded at"),
            _("Year counted"),
            _("Activity"),
            _("Organiser"),
            _("CME project number"),
            _("Credit class"),
            _("Subject type"),
            _("Credits"),
            _("Study hours"),
            _("Source"),
            _("Reason"),
            _("Status"),
        ]
    )
    for item in data.entries:
        entry = item.entry
        if entry.reverses_id:
            status = _("Correction")
        elif item.reversed:
            status = _("Reversed")
        else:
            status = ""
        writer.writerow(
            [
                timezone.localtime(entry.created_at).strftime("%Y-%m-%d %H:%M"),
                entry.year,
                _cell(entry.activity_title),
                _cell(entry.organiser),
                _cell(entry.cme_project_number),
                entry.get_credit_class_display(),
                entry.get_subject_type_display(),
                format_amount(entry.credits),
                format_amount(entry.study_hours),
                entry.get_source_display(),
                _cell(entry.reason),
                status,
            ]
        )
    writer.writerow([])
    writer.writerow([_("Compliance"), data.compliance.status_label])
    for check in data.compliance.checks:
        writer.writerow(
            [
                check.label,
                _("required"),
                format_amount(check.required),
                _("earned"),
                format_amount(check.earned),
                check.gap,
            ]
        )
    return response
