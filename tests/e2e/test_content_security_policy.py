"""The Content-Security-Policy in a real browser: the pages that the learner's journey
does not visit (the HR pages, public verification, the Wagtail admin with its page
and certificate-template previews) run without one violation or script error.

Chromium reports each violation on the console ("… violates the following Content
Security Policy directive …"); the learner's journey checks the same on its pages.
"""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from accounts.roles import Role
from accounts.services import hr_scope_grant
from certificates.models import CertificateTemplate
from cms.services import site_setup
from courses.models import CourseIndexPage
from tests.accounts.factories import UserFactory, institution_tree
from tests.courses.factories import CoursePageFactory, LessonPageFactory

PASSWORD = "correct-horse-battery-staple"  # UserFactory's


def watch(page: Page, problems: list[str]) -> None:
    def on_console(message):
        if "Content Security Policy" in message.text:
            problems.append(f"{page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"{page.url}: {error}"))


def log_in(page: Page, email: str, *, admin: bool = False) -> None:
    if admin:
        page.goto("/admin/login/")
        page.fill("input[name=username]", email)
    else:
        page.goto("/accounts/login/")
        page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit], form button[type=submit]").last.click()
    page.wait_for_load_state("networkidle")


def open_preview(page: Page, *, mode: str | None = None) -> None:
    toggle = page.locator("[data-side-panel-toggle='preview']").first
    if toggle.get_attribute("aria-expanded") != "true":  # Wagtail remembers an open panel
        toggle.click()
    page.wait_for_load_state("networkidle")
    if mode:
        page.select_option("#id_preview_mode", mode)
        page.wait_for_load_state("networkidle")


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)  # the live server sees only committed data
def test_staff_and_admin_pages_run_under_the_policy(chromium_launch, live_server, migration_data):
    address = urlsplit(live_server.url)
    home = site_setup(hostname=address.hostname, port=address.port)
    catalogue = CourseIndexPage.objects.child_of(home).get()
    course = CoursePageFactory(parent=catalogue, title="高原病的基层防治", slug="altitude")
    LessonPageFactory(parent=course, title="第一讲 急性高原反应", slug="ams")
    institutions = institution_tree()
    officer = UserFactory(role=Role.HR_OFFICER, institution=institutions["county_a"])
    hr_scope_grant(user=officer, institution=institutions["county_a"])
    admin = UserFactory(is_superuser=True, institution=institutions["region"])
    template = CertificateTemplate.objects.get(is_default=True)
    # Read before the browser starts: no ORM call inside Playwright (see conftest.py).
    course_url, course_title = course.url, course.title
    course_edit = f"/admin/pages/{course.pk}/edit/"
    template_edit = f"/admin/snippets/certificates/certificatetemplate/edit/{template.pk}/"
    problems: list[str] = []

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**chromium_launch)
        try:
            context = browser.new_context(base_url=live_server.url, locale="zh-CN")
            context.set_default_timeout(15_000)
            page = context.new_page()
            watch(page, problems)
            for path in ("/", "/courses/", course_url, "/verify/"):
                page.goto(path)
                page.wait_for_load_state("networkidle")
            log_in(page, officer.email)
            for path in ("/learn/hr/", "/learn/hr/staff/", "/learn/hr/assignments/"):
                page.goto(path)
                page.wait_for_load_state("networkidle")
                expect(page.locator("main h1")).to_be_visible()
            context.close()

            context = browser.new_context(base_url=live_server.url, locale="zh-CN")
            context.set_default_timeout(15_000)
            page = context.new_page()
            watch(page, problems)
            log_in(page, admin.email, admin=True)
            for path in ("/admin/", "/admin/pages/", "/admin/images/", "/admin/documents/"):
                page.goto(path)
                page.wait_for_load_state("networkidle")
            page.goto(course_edit)
            open_preview(page)
            preview = page.frame_locator(".w-preview__iframe").last
            expect(preview.locator("h1").first).to_have_text(course_title)
            page.goto(template_edit)
            open_preview(page, mode="html")
            preview = page.frame_locator(".w-preview__iframe").last
            expect(preview.locator("body")).to_contain_text("LSCME", timeout=15_000)
            # The editor's userbar on the public site.
            page.goto(course_url)
            page.wait_for_load_state("networkidle")
            expect(page.locator("wagtail-userbar")).to_have_count(1)
        finally:
            browser.close()

    assert problems == []
