"""Certificate PDFs: cost of a real certificate relative to a bare WeasyPrint page.

Run with `make bench`. The baseline is WeasyPrint rendering a one-line ASCII page in the
same process, interleaved with the certificates so that both see the same machine. The
certificates are distinct (their own serial, name and QR code), rendered warm (the
process's fonts set up by a first render, as in a Celery worker). Target: a certificate
within 10x of the bare page (docs/decisions/0008-certificate-rendering.md); the verdict
is printed, not asserted, as machines differ.
"""

import statistics
import time

import pytest
from weasyprint import HTML

from accounts.roles import Role
from certificates.fonts import built_faces
from certificates.rendering import certificate_pdf
from tests.accounts.factories import UserFactory
from tests.certificates.factories import course, issued

ROUNDS = 15
BARE_PER_ROUND = 3
TARGET = 10.0


def _bare() -> float:
    start = time.perf_counter()
    for _ in range(BARE_PER_ROUND):
        HTML(string="<p>Hello, world.</p>").write_pdf()
    return (time.perf_counter() - start) / BARE_PER_ROUND


def _render(certificate) -> float:
    start = time.perf_counter()
    certificate_pdf(certificate=certificate)
    return time.perf_counter() - start


@pytest.mark.django_db
def test_certificate_render_against_a_bare_page(catalogue, institutions, monkeypatch):
    monkeypatch.setattr("certificates.tasks.render_certificate.delay", lambda pk: None)
    subject = course(catalogue, title="高原病的识别与急救")
    names = ["次仁央宗", "扎西德吉", "格桑卓玛", "洛桑旺堆", "普布次仁"]
    certificates = []
    for index in range(ROUNDS + 1):
        learner = UserFactory(
            role=Role.LEARNER,
            institution=institutions["hospital_a"],
            real_name=names[index % len(names)],
        )
        certificates.append(issued(learner, subject))
    rare = UserFactory(
        role=Role.LEARNER, institution=institutions["hospital_a"], real_name="吉𠮷喆"
    )
    rare_certificate = issued(rare, subject)

    first = _render(certificates[0])  # the process's font set-up happens here
    _bare()
    bare, rendered = [], []
    for certificate in certificates[1:]:
        bare.append(_bare())
        rendered.append(_render(certificate))
    rare_time = statistics.median(_render(rare_certificate) for _ in range(3))

    bare_ms = statistics.median(bare) * 1e3
    certificate_ms = statistics.median(rendered) * 1e3
    ratio = certificate_ms / bare_ms
    best_ratio = min(rendered) / min(bare)
    fonts = "built subset fonts" if built_faces() else "system fonts (not built)"
    print(
        f"\ncertificate PDF ({fonts}): {certificate_ms:.1f} ms median over {ROUNDS} "
        f"certificates; bare one-line page {bare_ms:.1f} ms; ratio {ratio:.1f}x "
        f"(best {best_ratio:.1f}x); first render in the process {first * 1e3:.0f} ms; "
        f"a name outside the common characters {rare_time * 1e3:.1f} ms"
    )
    verdict = "met" if ratio <= TARGET else "NOT met"
    print(f"target: a certificate within {TARGET:.0f}x of a bare page: {verdict}")
