"""The HR staff import: the upload and the confirmation."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lms.errors import StaffImportRefused
from lms.services.staff_import import MAX_BYTES


class StaffImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Staff list"),
        help_text=_(
            "An Excel workbook (.xlsx) or a CSV file of at most 2 MB and 5,000 rows. "
            "The first row names the columns: name, e-mail, phone, institution, department, "
            "profession, title level, licence number."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(StaffImportRefused.TOO_LARGE, code="too_large")
        return upload


class StaffImportConfirmForm(forms.Form):
    valid_rows_only = forms.BooleanField(
        label=_("Import only the valid rows and skip the rows with errors"),
        required=False,
    )
