"""Writes for the site: the page tree, the review workflow and content permissions."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from wagtail.models import (
    Collection,
    GroupApprovalTask,
    GroupCollectionPermission,
    GroupPagePermission,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from accounts.roles import Role
from cms.models import HomePage
from courses.models import CourseIndexPage

REVIEW_WORKFLOW_NAME = "CME committee review"
REVIEW_TASK_NAME = "CME committee approval"

# Authors write and submit; only reviewers (the CME committee) publish.
PAGE_PERMISSIONS: dict[str, tuple[str, list[str]]] = {
    Role.COURSE_AUTHOR: ("catalogue", ["add_page", "change_page"]),
    Role.REVIEWER: (
        "home",
        ["add_page", "change_page", "publish_page", "lock_page", "unlock_page"],
    ),
    Role.SITE_ADMINISTRATOR: (
        "home",
        ["add_page", "change_page", "publish_page", "bulk_delete_page", "lock_page", "unlock_page"],
    ),
}
COLLECTION_PERMISSIONS: dict[str, list[str]] = {
    Role.COURSE_AUTHOR: [
        "wagtailimages.add_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.choose_document",
    ],
    Role.REVIEWER: [
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.choose_document",
    ],
    Role.SITE_ADMINISTRATOR: [
        "wagtailimages.add_image",
        "wagtailimages.change_image",
        "wagtailimages.delete_image",
        "wagtailimages.choose_image",
        "wagtaildocs.add_document",
        "wagtaildocs.change_document",
        "wagtaildocs.delete_document",
        "wagtaildocs.choose_document",
    ],
}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def page_publish(*, page: Page, user=None) -> Page:
    """Save a revision and publish it, as an editor's "publish" would."""
    revision = page.save_revision(user=user, log_action=True)
    revision.publish(user=user)
    page.refresh_from_db()
    return page


def _home_page(*, title: str) -> HomePage:
    home = HomePage.objects.first()
    if home is not None:
        return home
    root = Page.get_first_root_node()
    # Wagtail's first migration leaves a plain "Welcome" page where the home page goes.
    for placeholder in root.get_children().filter(
        content_type__app_label="wagtailcore", content_type__model="page"
    ):
        placeholder.delete()
    home = root.add_child(instance=HomePage(title=title, slug="home"))
    return page_publish(page=home)


def _course_catalogue(*, home: HomePage, title: str) -> CourseIndexPage:
    catalogue = CourseIndexPage.objects.child_of(home).first()
    if catalogue is None:
        catalogue = home.add_child(instance=CourseIndexPage(title=title, slug="courses"))
        page_publish(page=catalogue)
    return catalogue


def _review_workflow(*, reviewers: Group) -> Workflow:
    workflow, _created = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW_NAME)
    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK_NAME).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK_NAME)
    task.groups.set([reviewers])
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    # The whole tree goes through review, whatever Wagtail's default workflow said.
    WorkflowPage.objects.update_or_create(
        page=Page.get_first_root_node(), defaults={"workflow": workflow}
    )
    return workflow


def _grant_permissions(*, home: HomePage, catalogue: CourseIndexPage) -> None:
    pages = {"home": home, "catalogue": catalogue}
    root_collection = Collection.get_first_root_node()
    for role, (where, codenames) in PAGE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        for codename in codenames:
            GroupPagePermission.objects.get_or_create(
                group=group, page=pages[where], permission=_permission(f"wagtailcore.{codename}")
            )
    for role, dotted_names in COLLECTION_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        for dotted in dotted_names:
            GroupCollectionPermission.objects.get_or_create(
                group=group, collection=root_collection, permission=_permission(dotted)
            )


@transaction.atomic
def site_setup(
    *, site_name: str = "雪域继教", hostname: str = "localhost", port: int = 80
) -> HomePage:
    """Build what every install needs: home page, course catalogue, default site,
    the CME committee review workflow and the roles' content permissions.

    Idempotent: existing pages are found and left as they are.
    """
    home = _home_page(title="雪域继续医学教育平台")
    catalogue = _course_catalogue(home=home, title="课程目录")
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    if site.root_page_id != home.pk or not site.pk:
        site.root_page = home
        site.hostname, site.port, site.site_name = hostname, port, site_name
        site.save()
    _review_workflow(reviewers=Group.objects.get(name=Role.REVIEWER))
    _grant_permissions(home=home, catalogue=catalogue)
    return home
