import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from wagtail.blocks import StreamValue
from wagtail.documents import get_document_model
from wagtail.models import Page, Site, WorkflowPage

from cms.blocks import AudioBlock, VideoBlock, content_blocks
from cms.models import HomePage, SiteBranding
from cms.services import REVIEW_WORKFLOW_NAME, site_setup

pytestmark = pytest.mark.django_db


def _document(name: str):
    return get_document_model().objects.create(title=name, file=ContentFile(b"x", name=name))


def test_site_setup_is_idempotent_and_replaces_the_welcome_page():
    home = site_setup()
    again = site_setup()
    assert home.pk == again.pk
    root = Page.get_first_root_node()
    assert [p.specific_class for p in root.get_children()] == [HomePage]
    assert Site.objects.get(is_default_site=True).root_page_id == home.pk
    assert WorkflowPage.objects.get(page=root).workflow.name == REVIEW_WORKFLOW_NAME


def test_video_block_needs_exactly_one_source_and_the_right_file_types():
    block = VideoBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"title": "演示", "video_file": None, "embed": None}))
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"title": "演示", "video_file": _document("slides.pdf").pk}))
    with pytest.raises(ValidationError):
        block.clean(
            block.to_python(
                {
                    "title": "演示",
                    "video_file": _document("cpr.mp4").pk,
                    "captions": _document("cpr.pdf").pk,
                }
            )
        )
    ok = block.clean(
        block.to_python(
            {
                "title": "演示",
                "video_file": _document("cpr.mp4").pk,
                "captions": _document("cpr.vtt").pk,
                "required": True,
            }
        )
    )
    assert ok["required"] is True


def test_audio_block_refuses_a_non_audio_file():
    block = AudioBlock()
    with pytest.raises(ValidationError):
        block.clean(block.to_python({"title": "讲解", "audio_file": _document("a.exe.pdf").pk}))


def test_every_shared_block_declares_its_admin_metadata():
    for name, block in content_blocks():
        meta = block.meta
        assert meta.icon, name
        assert meta.template, name
        assert meta.description, name
        assert hasattr(meta, "preview_value"), name


def test_lesson_body_renders_video_with_captions_and_escapes_text(client, catalogue):
    from tests.courses.factories import CoursePageFactory, LessonPageFactory

    course = CoursePageFactory(parent=catalogue)
    video, captions = _document("cpr.mp4"), _document("cpr.vtt")
    lesson = LessonPageFactory(
        parent=course,
        body=[
            (
                "video",
                {
                    "title": "心肺复苏<script>",
                    "video_file": video,
                    "captions": captions,
                    "required": True,
                },
            ),
            ("heading", {"text": "<b>标题</b>", "level": "h3"}),
        ],
    )
    html = client.get(lesson.url).content.decode()
    assert '<track kind="captions"' in html
    assert "心肺复苏&lt;script&gt;" in html
    assert "&lt;b&gt;标题&lt;/b&gt;" in html
    assert isinstance(lesson.body, StreamValue)


def test_branding_setting_changes_the_header(client, home):
    branding = SiteBranding.for_site(Site.objects.get(is_default_site=True))
    branding.site_name = "拉萨继教"
    branding.primary_colour = "#123456"
    branding.save()
    html = client.get("/").content.decode()
    assert "拉萨继教" in html
    assert "--brand: #123456" in html


def test_branding_colour_is_validated(home):
    branding = SiteBranding.for_site(Site.objects.get(is_default_site=True))
    branding.primary_colour = "red;}</style><script>"
    with pytest.raises(ValidationError):
        branding.full_clean()


def test_language_switcher_serves_english(client, home):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/courses/"})
    assert response.status_code == 302
    html = client.get("/courses/").content.decode()
    assert 'lang="en"' in html
    assert "Courses" in html
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert 'lang="zh-hans"' in client.get("/courses/").content.decode()


def test_unknown_pages_are_404(client, home):
    assert client.get("/courses/no-such-course/").status_code == 404
