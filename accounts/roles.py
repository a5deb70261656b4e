"""The platform's roles, kept as Django groups.

A role is a group with a stable name and a set of model permissions. Page
permissions (who may add, edit or publish which part of the site) depend on the
page tree and are granted where the tree is built (`cms.services.site_setup`).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # The value is the group's name: stable, in English, never shown translated.
    LEARNER = "Learner", _("Learner")
    COURSE_AUTHOR = "Course author", _("Course author")
    REVIEWER = "Reviewer", _("Reviewer (CME committee)")
    HR_OFFICER = "HR officer", _("HR officer")
    SITE_ADMINISTRATOR = "Site administrator", _("Site administrator")


# Images and documents are permitted per collection, and pages per subtree: both are
# granted with the page tree in `cms.services.site_setup`.
_CONTENT_EDITING = ["wagtailadmin.access_admin"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.LEARNER: [],
    Role.COURSE_AUTHOR: [
        *_CONTENT_EDITING,
        "courses.add_question",
        "courses.change_question",
        "courses.view_question",
    ],
    Role.REVIEWER: [
        *_CONTENT_EDITING,
        "courses.add_coursecategory",
        "courses.change_coursecategory",
        "courses.view_coursecategory",
        "courses.add_question",
        "courses.change_question",
        "courses.delete_question",
        "courses.view_question",
    ],
    Role.HR_OFFICER: [
        "wagtailadmin.access_admin",
        "accounts.view_staff_records",
        "accounts.assign_courses",
        "accounts.view_department",
        "accounts.add_department",
        "accounts.change_department",
        "lms.approve_external_activities",
        "lms.adjust_credits",
    ],
    Role.SITE_ADMINISTRATOR: [
        *_CONTENT_EDITING,
        "accounts.add_user",
        "accounts.change_user",
        "accounts.view_user",
        "auth.add_group",
        "auth.change_group",
        "auth.view_group",
        "accounts.view_staff_records",
        "accounts.assign_courses",
        "accounts.add_institution",
        "accounts.change_institution",
        "accounts.view_institution",
        "accounts.add_department",
        "accounts.change_department",
        "accounts.view_department",
        "accounts.add_hrscope",
        "accounts.change_hrscope",
        "accounts.delete_hrscope",
        "accounts.view_hrscope",
        "accounts.manage_api_keys",
        "courses.add_coursecategory",
        "courses.change_coursecategory",
        "courses.delete_coursecategory",
        "courses.view_coursecategory",
        "courses.add_question",
        "courses.change_question",
        "courses.delete_question",
        "courses.view_question",
        "wagtailcore.add_workflow",
        "wagtailcore.change_workflow",
        "wagtailcore.add_task",
        "wagtailcore.change_task",
        "cms.change_sitebranding",
        "cms.change_sitecontact",
        "lms.approve_external_activities",
        "lms.adjust_credits",
        "lms.add_approvalchain",
        "lms.change_approvalchain",
        "lms.delete_approvalchain",
        "lms.view_approvalchain",
        "certificates.view_certificate",
        "certificates.revoke_certificate",
    ],
}
