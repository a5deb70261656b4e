"""Certificates on the learning pages (lms templates load this; lms code never
imports certificates)."""

from django import template

from certificates.selectors import certificates_by_completion_ref, learner_certificates

register = template.Library()

DASHBOARD_CERTIFICATES = 5


@register.inclusion_tag("certificates/includes/dashboard_certificates.html")
def dashboard_certificates(learner):
    """The learner's latest certificates, in one query whatever their number."""
    latest = list(learner_certificates(learner=learner)[: DASHBOARD_CERTIFICATES + 1])
    return {
        "certificates": latest[:DASHBOARD_CERTIFICATES],
        "more": len(latest) > DASHBOARD_CERTIFICATES,
    }


@register.simple_tag
def certificate_refs(learner) -> dict:
    """{"completion:<id>": certificate} of the learner, for `transcript_certificate`."""
    return certificates_by_completion_ref(learner=learner)


@register.inclusion_tag("certificates/includes/transcript_certificate.html")
def transcript_certificate(refs: dict, entry):
    """The certificate cell of a transcript row: a link for a course award's certificate."""
    certificate = None
    if not entry.reverses_id:
        certificate = refs.get(entry.source_ref)
    return {"certificate": certificate}
