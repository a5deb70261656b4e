"""The learner's transcript: every credit entry of a year and where they stand."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from lms.compliance import format_amount
from lms.selectors.transcript import learner_transcript
from lms.services.exports import ledger_headers, ledger_row
from lms.spreadsheet import CSV_CONTENT_TYPE, csv_writer, safe_row

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
    # The same columns as the yearly file HR exports (lms.services.exports).
    writer.writerow(safe_row(ledger_headers()))
    reversed_ids = {item.entry.pk for item in data.entries if item.reversed}
    for item in data.entries:
        writer.writerow(safe_row(ledger_row(item.entry, reversed_ids=reversed_ids)))
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
