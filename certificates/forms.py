"""Forms of public verification, and of revocation in the admin."""

import re

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from certificates.embedded import PDF_MAGIC

# A pasted verification URL or QR text: the code is the path segment after /verify/.
_CODE_IN_URL = re.compile(r"/verify/([^/?#\s]+)")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Verification code"),
        max_length=2000,
        help_text=_(
            "The code printed under the QR code of the certificate, or the address the QR "
            "code opens."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )

    def clean_code(self) -> str:
        text = "".join(self.cleaned_data["code"].split())
        match = _CODE_IN_URL.search(text)
        return (match.group(1) if match else text)[:100]


class NameCheckForm(forms.Form):
    name = forms.CharField(
        label=_("Holder's full name"),
        max_length=150,
        help_text=_("Type the name on the certificate to see it confirmed in full."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class UploadTooLarge(forms.ValidationError):
    pass


def upload_limit_message() -> str:
    return _("The file is too large: a certificate PDF is at most %(size)s.") % {
        "size": filesizeformat(settings.SNOWLAND_VERIFY_UPLOAD_MAX_BYTES)
    }


class PdfUploadForm(forms.Form):
    pdf = forms.FileField(
        label=_("Certificate PDF"),
        help_text=_("The certificate file as you received it."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,.pdf"}),
    )

    NOT_A_PDF = _("This file is not a PDF.")

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > settings.SNOWLAND_VERIFY_UPLOAD_MAX_BYTES:
            raise UploadTooLarge(upload_limit_message(), code="too_large")
        data = upload.read()
        if not data.startswith(PDF_MAGIC):
            raise forms.ValidationError(self.NOT_A_PDF, code="not_pdf")
        return data

    @property
    def too_large(self) -> bool:
        return any(error.code == "too_large" for error in self.errors.as_data().get("pdf", []))


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for revocation"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Recorded with your name and shown to anyone who verifies the certificate. "
            "The credits of the completion are reversed."
        ),
    )
