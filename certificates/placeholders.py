"""Placeholders in certificate templates: `{learner_name}`, `{{` and `}}` for a brace.

Admins write text, never code: a placeholder is a bare name from `PLACEHOLDERS`, with
no attribute, index, format or conversion. `placeholder_errors` says what is wrong (the
template form shows it); `fill` never fails: what it cannot read stays as written, so a
bad template (one that slipped past the form) cannot stop a certificate from rendering.
"""

from __future__ import annotations

import logging
import string

from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

# name → what it stands for (shown in the admin's help text).
PLACEHOLDERS = {
    "learner_name": _("the learner's name"),
    "institution": _("the learner's institution"),
    "professional_title": _("the learner's professional title"),
    "course": _("the course title"),
    "credits": _("the credits awarded"),
    "credit_class": _("the credit class (Class I or II)"),
    "study_hours": _("the study hours"),
    "subject_type": _("the subject type"),
    "project_number": _("the CME project number"),
    "organiser": _("the organiser of the course"),
    "completed_on": _("the date the course was completed"),
    "issued_on": _("the date of issue"),
    "year": _("the year of issue"),
    "serial": _("the certificate number"),
    "issuer": _("the issuing organisation"),
    "score": _("the final score, if any"),
}

UNKNOWN = _("Unknown placeholder {%(name)s}. Placeholders are: %(known)s.")
NOT_PLAIN = _("Write the placeholder {%(name)s} without a format or conversion, as {%(plain)s}.")
BROKEN = _(
    "The braces do not pair up: write a placeholder as {learner_name}, "
    "and a literal brace as {{ or }}."
)
FULL_WIDTH = _("Write placeholders with ASCII braces, as {learner_name}, not full-width ｛ ｝.")

_formatter = string.Formatter()


def known_placeholders() -> str:
    return ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def _placeholder_help() -> str:
    listed = "; ".join(f"{{{name}}} = {label}" for name, label in PLACEHOLDERS.items())
    return f"{_('Placeholders: ')}{listed}"


# The help text of a text field that takes placeholders (lazy: the admin's language).
placeholder_help = lazy(_placeholder_help, str)


def _base_name(field_name: str) -> str:
    for separator in (".", "["):
        field_name = field_name.split(separator, 1)[0]
    return field_name


def placeholder_errors(text: str) -> list[str]:
    """What is wrong with the placeholders of `text`, as messages; empty when fine."""
    text = text or ""
    errors: list[str] = []
    if "｛" in text or "｝" in text:
        errors.append(str(FULL_WIDTH))
    try:
        pieces = list(_formatter.parse(text))
    except ValueError:
        return [*errors, str(BROKEN)]
    for _literal, field_name, format_spec, conversion in pieces:
        if field_name is None:
            continue
        name = _base_name(field_name)
        if name not in PLACEHOLDERS:
            shown = field_name if field_name else ""
            message = UNKNOWN % {"name": shown, "known": known_placeholders()}
        elif field_name != name or format_spec or conversion:
            written = field_name + (f"!{conversion}" if conversion else "")
            written += f":{format_spec}" if format_spec else ""
            message = NOT_PLAIN % {"name": written, "plain": name}
        else:
            continue
        if message not in errors:
            errors.append(message)
    return errors


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with its placeholders replaced by `values`; never raises.

    Only the bare names of `PLACEHOLDERS` are replaced (by plain string values: nothing
    is looked up on an object); anything else, or text whose braces do not pair up,
    stays as it was written.
    """
    text = text or ""
    try:
        pieces = list(_formatter.parse(text))
    except ValueError:
        logger.warning("A certificate template text has unpaired braces; shown as written")
        return text
    out: list[str] = []
    for literal, field_name, format_spec, conversion in pieces:
        out.append(literal)
        if field_name is None:
            continue
        if field_name in PLACEHOLDERS and not format_spec and not conversion:
            out.append(str(values.get(field_name, "")))
        else:
            written = field_name + (f"!{conversion}" if conversion else "")
            written += f":{format_spec}" if format_spec else ""
            out.append("{" + written + "}")
    return "".join(out)
