"""Blocks that only lessons offer (the shared ones are in cms.blocks)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError

from cms.blocks import RICH_TEXT_FEATURES
from courses.choices import QuestionKind
from courses.grading import choice_set_errors


class ChoiceBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Choice"), max_length=300)
    correct = blocks.BooleanBlock(label=_("Correct"), required=False)

    class Meta:
        icon = "tick"
        label = _("Choice")


class CheckpointBlock(blocks.StructBlock):
    """A question inside a lesson; the lesson counts as complete once it is answered."""

    question = blocks.TextBlock(label=_("Question"), max_length=1000)
    kind = blocks.ChoiceBlock(
        label=_("Kind"), choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    choices = blocks.ListBlock(ChoiceBlock(), label=_("Choices"), min_num=2, max_num=8)
    explanation = blocks.RichTextBlock(
        label=_("Explanation"),
        features=RICH_TEXT_FEATURES,
        help_text=_("Shown after the learner answers."),
    )

    class Meta:
        icon = "help"
        template = "blocks/checkpoint_block.html"
        label = _("Checkpoint question")
        description = _("A question the learner must answer before the lesson is complete.")
        preview_value = {
            "question": "急性高原病首选的预防药物是？",
            "kind": QuestionKind.SINGLE,
            "choices": [
                {"text": "乙酰唑胺", "correct": True},
                {"text": "阿司匹林", "correct": False},
            ],
            "explanation": "<p>乙酰唑胺可加快习服。</p>",
        }

    def clean(self, value):
        value = super().clean(value)
        errors = choice_set_errors(
            kind=value["kind"], correct_flags=[choice["correct"] for choice in value["choices"]]
        )
        if errors:
            raise StructBlockValidationError(
                block_errors={"choices": ValidationError(" ".join(errors))}
            )
        return value
