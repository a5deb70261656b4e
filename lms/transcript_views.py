"""The learner's transcript: every credit entry of a year and where they stand."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms.compliance import format_amount
from lms.selectors.transcript import learner_transcript
from lms.spreadsheet import CSV_CONTENT_TYPE, csv_writer, safe_cell

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


@login_required
@require_GET
def transcript_csv(request, year: int):
    data = learner_transcript(learner=request.user, year=_year_or_404(year))
    response = HttpResponse(content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="cme-transcript-{data.year}.csv"'
    writer = csv_writer(response)  # starts with the BOM Excel needs for UTF-8
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
                safe_cell(entry.activity_title),
                safe_cell(entry.organiser),
                safe_cell(entry.cme_project_number),
                entry.get_credit_class_display(),
                entry.get_subject_type_display(),
                format_amount(entry.credits),
                format_amount(entry.study_hours),
                entry.get_source_display(),
                safe_cell(entry.reason),
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
