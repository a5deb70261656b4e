"""Forms of the certificate check for HR: they parse and size-check input; the
selectors in certificates.check_selectors decide what it is."""

import io

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from certificates.check_selectors import is_well_formed_serial, normalise_serial
from certificates.forms import CodeForm, PdfUploadForm, UploadTooLarge

# A photo or scan of a QR code.
QR_UPLOAD_MAX_BYTES = 5 * 1024 * 1024
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"

CheckCodeForm = CodeForm
CheckPdfForm = PdfUploadForm


class SerialNameForm(forms.Form):
    serial = forms.CharField(
        label=_("Certificate number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(
        label=_("Holder's full name"),
        max_length=150,
        help_text=_("Exactly as printed on the certificate."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    BAD_SERIAL = _("Give the certificate number as printed, e.g. %(example)s.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["serial"].help_text = self.example_help()

    @staticmethod
    def example() -> str:
        return f"{settings.SNOWLAND_CERTIFICATE_PREFIX}-2025-000123"

    def example_help(self) -> str:
        return _("For example %(example)s.") % {"example": self.example()}

    def clean_serial(self) -> str:
        serial = normalise_serial(self.cleaned_data["serial"])
        if not is_well_formed_serial(serial):
            raise forms.ValidationError(
                self.BAD_SERIAL, code="serial", params={"example": self.example()}
            )
        return serial


def qr_limit_message() -> str:
    return _("The image is too large: at most %(size)s.") % {
        "size": filesizeformat(QR_UPLOAD_MAX_BYTES)
    }


class QrImageForm(forms.Form):
    image = forms.FileField(
        label=_("Picture of the QR code"),
        help_text=_("A PNG or JPEG photo or scan in which the certificate's QR code is sharp."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,.png,.jpg,.jpeg"}),
    )

    NOT_AN_IMAGE = _("This file is not a PNG or JPEG image.")

    def clean_image(self) -> bytes:
        upload = self.cleaned_data["image"]
        if upload.size > QR_UPLOAD_MAX_BYTES:
            raise UploadTooLarge(qr_limit_message(), code="too_large")
        data = upload.read()
        if not _is_png_or_jpeg(data):
            raise forms.ValidationError(self.NOT_AN_IMAGE, code="not_image")
        return data

    @property
    def too_large(self) -> bool:
        return any(error.code == "too_large" for error in self.errors.as_data().get("image", []))


def _is_png_or_jpeg(data: bytes) -> bool:
    """Decided from the bytes (never the name or the browser's word), then read through
    by Pillow: a damaged or disguised file fails."""
    from PIL import Image

    if data.startswith(_PNG_MAGIC):
        expected = "PNG"
    elif data.startswith(_JPEG_MAGIC):
        expected = "JPEG"
    else:
        return False
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != expected:
                return False
            image.verify()
    except Exception:  # Pillow raises many kinds of error for files that are not images
        return False
    return True
