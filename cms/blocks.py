"""StreamField blocks shared by the site's pages and the course lessons.

This module is a leaf: it imports nothing from the project's apps, so the course
pages (a lower layer) may use it without depending on the rest of `cms`
(docs/decisions/0002-shared-blocks-leaf-module.md).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = [
    "bold",
    "italic",
    "ol",
    "ul",
    "link",
    "document-link",
    "superscript",
    "subscript",
]
VIDEO_EXTENSIONS = frozenset({"mp4", "webm"})
AUDIO_EXTENSIONS = frozenset({"mp3", "m4a"})
CAPTION_EXTENSIONS = frozenset({"vtt"})


def _check_extension(document, allowed: frozenset[str], field: str) -> dict:
    if document is not None and document.file_extension.lower() not in allowed:
        return {
            field: ValidationError(
                _("Choose a file of type: %(types)s.") % {"types": ", ".join(sorted(allowed))}
            )
        }
    return {}


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Heading"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("Level"),
        choices=[("h2", _("Section heading")), ("h3", _("Sub-heading"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        label = _("Heading")
        description = _("A section heading; it also appears in the lesson outline.")
        preview_value = {"text": "高原病的早期识别", "level": "h2"}


class ParagraphBlock(blocks.RichTextBlock):
    def __init__(self, **kwargs):
        kwargs.setdefault("features", RICH_TEXT_FEATURES)
        super().__init__(**kwargs)

    class Meta:
        icon = "pilcrow"
        template = "blocks/paragraph_block.html"
        label = _("Paragraph")
        description = _("Body text with bold, italics, lists and links.")
        preview_value = "<p>急性高原病多发生于进入高原后 6 至 24 小时。</p>"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=200,
        required=False,
        help_text=_("Describe the image for screen readers; leave empty if decorative."),
    )
    caption = blocks.CharBlock(label=_("Caption"), max_length=250, required=False)

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"
        label = _("Image")
        description = _("An image served in sizes that suit the reader's screen.")
        preview_value = {"caption": "示意图"}


class VideoBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    video_file = DocumentChooserBlock(
        label=_("Video file"), required=False, help_text=_("MP4 or WebM.")
    )
    embed = EmbedBlock(
        label=_("Or an embedded video"),
        required=False,
        help_text=_("A link to a video on a supported video site."),
    )
    captions = DocumentChooserBlock(
        label=_("Captions"), required=False, help_text=_("A WebVTT (.vtt) captions file.")
    )
    poster = ImageChooserBlock(label=_("Poster image"), required=False)
    duration_seconds = blocks.IntegerBlock(
        label=_("Length (seconds)"),
        required=False,
        min_value=1,
        help_text=_("Optional. When given, the watched share is measured against it."),
    )
    required = blocks.BooleanBlock(
        label=_("Must be watched"),
        required=False,
        # xgettext:no-python-format
        help_text=_("The lesson is complete only after 90% of this video has been watched."),
    )

    class Meta:
        icon = "media"
        template = "blocks/video_block.html"
        label = _("Video")
        description = _("An uploaded video or an embedded one, with optional captions.")
        preview_value = {"title": "心肺复苏操作演示"}

    def clean(self, value):
        value = super().clean(value)
        errors = {}
        has_file, has_embed = bool(value.get("video_file")), bool(value.get("embed"))
        if has_file == has_embed:
            errors["video_file"] = ValidationError(
                _("Choose either a video file or an embedded video, not both or neither.")
            )
        errors |= _check_extension(value.get("video_file"), VIDEO_EXTENSIONS, "video_file")
        errors |= _check_extension(value.get("captions"), CAPTION_EXTENSIONS, "captions")
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class AudioBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=200)
    audio_file = DocumentChooserBlock(label=_("Audio file"), help_text=_("MP3 or M4A."))
    transcript = blocks.TextBlock(label=_("Transcript"), required=False)

    class Meta:
        icon = "media"
        template = "blocks/audio_block.html"
        label = _("Audio")
        description = _("An audio recording with an optional transcript.")
        preview_value = {"title": "藏语讲解", "transcript": "……"}

    def clean(self, value):
        value = super().clean(value)
        errors = _check_extension(value.get("audio_file"), AUDIO_EXTENSIONS, "audio_file")
        if errors:
            raise StructBlockValidationError(block_errors=errors)
        return value


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        label=_("Link text"),
        max_length=200,
        required=False,
        help_text=_("Defaults to the document's title."),
    )
    description = blocks.CharBlock(label=_("Description"), max_length=250, required=False)

    class Meta:
        icon = "doc-full"
        template = "blocks/document_block.html"
        label = _("Downloadable document")
        description = _("A file to download, with its type and size shown.")
        preview_value = {"title": "诊疗指南（PDF）", "description": "国家卫生健康委员会发布"}


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[
            ("key_point", _("Key point")),
            ("warning", _("Warning")),
            ("tip", _("Practice tip")),
        ],
        default="key_point",
    )
    title = blocks.CharBlock(label=_("Title"), max_length=120, required=False)
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)

    class Meta:
        icon = "warning"
        template = "blocks/callout_block.html"
        label = _("Callout")
        description = _("A highlighted key point, warning or practice tip.")
        preview_value = {
            "kind": "key_point",
            "title": "要点",
            "text": "<p>血氧饱和度低于 90% 时应给予吸氧。</p>",
        }


class AnnouncementBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=150)
    date = blocks.DateBlock(label=_("Date"))
    text = blocks.RichTextBlock(label=_("Text"), features=RICH_TEXT_FEATURES)
    link = blocks.PageChooserBlock(label=_("More information"), required=False)

    class Meta:
        icon = "info-circle"
        template = "blocks/announcement_block.html"
        label = _("Announcement")
        description = _("A dated notice for learners, shown on the home page.")
        preview_value = {
            "title": "2026 年度学分审核通知",
            "date": "2026-11-01",
            "text": "<p>请于 12 月 31 日前完成本年度学分。</p>",
        }


def content_blocks() -> list[tuple[str, blocks.Block]]:
    """The body blocks every content page and lesson offers, in one order."""
    return [
        ("heading", HeadingBlock()),
        ("paragraph", ParagraphBlock()),
        ("image", ImageBlock()),
        ("video", VideoBlock()),
        ("audio", AudioBlock()),
        ("document", DocumentBlock()),
        ("callout", CalloutBlock()),
    ]
