from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from accounts.choices import Profession, TitleLevel
from cms.blocks import RICH_TEXT_FEATURES, content_blocks
from courses.blocks import CheckpointBlock
from courses.caching import CachedViewRestrictionsMixin
from courses.choices import ContentLanguage, CreditClass, QuestionKind, SubjectType
from courses.grading import choice_set_errors
from courses.search_text import cjk_search_text

# A single CME project carries at most 25 credits (national rules, DOMAIN.md).
MAX_CREDITS_PER_PROJECT = Decimal("25")


class CourseCategory(index.Indexed, models.Model):
    """The catalogue's taxonomy, managed as a snippet."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True, allow_unicode=False)
    description = models.TextField(_("description"), blank=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("sort_order"),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        verbose_name = _("course category")
        verbose_name_plural = _("course categories")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class AudienceProfession(models.Model):
    """One row per profession so that courses can target several (see choices)."""

    code = models.CharField(_("profession"), max_length=30, choices=Profession.choices, unique=True)

    class Meta:
        verbose_name = _("target profession")
        verbose_name_plural = _("target professions")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.get_code_display())


class AudienceTitleLevel(models.Model):
    code = models.CharField(
        _("title level"), max_length=30, choices=TitleLevel.choices, unique=True
    )

    class Meta:
        verbose_name = _("target title level")
        verbose_name_plural = _("target title levels")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.get_code_display())


class CourseIndexPage(CachedViewRestrictionsMixin, Page):
    """The course catalogue: filters and search over the courses beneath it."""

    intro = RichTextField(_("introduction"), blank=True, features=RICH_TEXT_FEATURES)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cms.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1
    template = "courses/course_index_page.html"

    class Meta:
        verbose_name = _("course catalogue")

    def get_context(self, request, *args, **kwargs):
        from courses.views import catalogue_context

        context = super().get_context(request, *args, **kwargs)
        context.update(catalogue_context(request=request, catalogue=self))
        return context


class CoursePage(CachedViewRestrictionsMixin, Page):
    summary = models.TextField(
        _("summary"), max_length=500, help_text=_("Two or three sentences for the catalogue.")
    )
    learning_objectives = RichTextField(
        _("learning objectives"), features=["ol", "ul", "bold"], blank=True
    )
    category = models.ForeignKey(
        CourseCategory,
        on_delete=models.PROTECT,
        null=True,
        related_name="courses",
        verbose_name=_("category"),
    )
    target_professions = ParentalManyToManyField(
        AudienceProfession,
        blank=True,
        verbose_name=_("target professions"),
        help_text=_("Leave empty for every profession."),
    )
    target_title_levels = ParentalManyToManyField(
        AudienceTitleLevel,
        blank=True,
        verbose_name=_("target title levels"),
        help_text=_("Leave empty for every title level."),
    )
    credit_class = models.CharField(
        _("credit class"),
        max_length=30,
        choices=CreditClass.choices,
        default=CreditClass.CLASS_2,
    )
    cme_project_number = models.CharField(
        _("CME project number"),
        max_length=60,
        blank=True,
        help_text=_("Required for Class I projects, e.g. 2026-04-02-015 (国)."),
    )
    credits = models.DecimalField(
        _("credits"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(MAX_CREDITS_PER_PROJECT)],
    )
    study_hours = models.DecimalField(
        _("study hours"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
    )
    organiser = models.CharField(
        _("organiser"),
        max_length=200,
        blank=True,
        help_text=_("The unit that runs this CME activity, as credit records name it."),
    )
    subject_type = models.CharField(
        _("subject type"),
        max_length=30,
        choices=SubjectType.choices,
        default=SubjectType.PROFESSIONAL,
    )
    enrolment_opens = models.DateField(_("enrolment opens"), null=True, blank=True)
    enrolment_closes = models.DateField(_("enrolment closes"), null=True, blank=True)
    estimated_minutes = models.PositiveIntegerField(
        _("estimated duration (minutes)"), validators=[MinValueValidator(1)], default=60
    )
    language = models.CharField(
        _("language"),
        max_length=20,
        choices=ContentLanguage.choices,
        default=ContentLanguage.CHINESE,
    )
    cover_image = models.ForeignKey(
        "wagtailimages.Image",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover image"),
    )
    exam_question_count = models.PositiveSmallIntegerField(
        _("exam questions"),
        default=0,
        help_text=_("How many questions the final exam draws from the bank; 0 means no exam."),
    )
    exam_pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    exam_max_attempts = models.PositiveSmallIntegerField(
        _("maximum attempts"), default=3, validators=[MinValueValidator(1)]
    )
    exam_time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty means no time limit."),
    )
    exam_retry_wait_minutes = models.PositiveIntegerField(
        _("wait between attempts (minutes)"), default=0
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("cover_image"),
        FieldPanel("learning_objectives"),
        InlinePanel("faculty", label=_("Faculty"), heading=_("Faculty")),
    ]
    cme_panels = [
        FieldPanel("category"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("credit_class"), FieldPanel("cme_project_number")]),
                FieldPanel("organiser"),
                FieldRowPanel([FieldPanel("credits"), FieldPanel("study_hours")]),
                FieldPanel("subject_type"),
            ],
            heading=_("Credits"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("target_professions", widget=forms.CheckboxSelectMultiple),
                FieldPanel("target_title_levels", widget=forms.CheckboxSelectMultiple),
            ],
            heading=_("Audience"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("enrolment_opens"), FieldPanel("enrolment_closes")]),
                FieldRowPanel([FieldPanel("estimated_minutes"), FieldPanel("language")]),
            ],
            heading=_("Enrolment and duration"),
        ),
    ]
    exam_panels = [
        FieldRowPanel([FieldPanel("exam_question_count"), FieldPanel("exam_pass_mark")]),
        FieldRowPanel(
            [
                FieldPanel("exam_max_attempts"),
                FieldPanel("exam_time_limit_minutes"),
                FieldPanel("exam_retry_wait_minutes"),
            ]
        ),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(cme_panels, heading=_("CME record")),
            ObjectList(exam_panels, heading=_("Final exam")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
        ]
    )
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("search_text"),
        index.FilterField("credit_class"),
        index.FilterField("subject_type"),
        index.FilterField("language"),
        index.FilterField("category"),
    ]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]
    template = "courses/course_page.html"

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def search_text(self) -> str:
        # Chinese has no spaces between words; index character bigrams so that any
        # two-character term in the title or summary can be found.
        return cjk_search_text(f"{self.title} {self.summary}")

    def clean(self):
        super().clean()
        errors: dict[str, ValidationError] = {}
        if self.credit_class in CreditClass.class_one() and not self.cme_project_number.strip():
            errors["cme_project_number"] = ValidationError(
                _("A Class I course needs its CME project number.")
            )
        if (
            self.enrolment_opens
            and self.enrolment_closes
            and self.enrolment_opens > self.enrolment_closes
        ):
            errors["enrolment_closes"] = ValidationError(
                _("Enrolment cannot close before it opens.")
            )
        if errors:
            raise ValidationError(errors)

    def get_context(self, request, *args, **kwargs):
        from courses.fragments import course_shared

        context = super().get_context(request, *args, **kwargs)
        # What every visitor sees alike, rendered once per publish (courses/fragments.py).
        context["shared"] = course_shared(request=request, course=self)
        return context


class CourseFaculty(Orderable):
    course = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="faculty")
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("professional title"), max_length=100, blank=True)
    institution = models.CharField(_("institution"), max_length=200, blank=True)
    bio = models.TextField(_("short biography"), blank=True, max_length=1000)

    panels = [FieldPanel("name"), FieldPanel("title"), FieldPanel("institution"), FieldPanel("bio")]

    class Meta(Orderable.Meta):
        verbose_name = _("faculty member")
        verbose_name_plural = _("faculty")

    def __str__(self) -> str:
        return self.name


class LessonPage(CachedViewRestrictionsMixin, Page):
    """One lesson of a course; lessons follow the order of the course's children."""

    introduction = models.CharField(_("introduction"), max_length=300, blank=True)
    body = StreamField(
        [*content_blocks(), ("checkpoint", CheckpointBlock())], verbose_name=_("body")
    )
    estimated_minutes = models.PositiveSmallIntegerField(
        _("estimated minutes"), default=15, validators=[MinValueValidator(1)]
    )
    min_study_minutes = models.PositiveSmallIntegerField(
        _("minimum study time (minutes)"),
        null=True,
        blank=True,
        help_text=_(
            "Time a learner must spend before the lesson counts; empty means the estimated minutes."
        ),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("introduction"),
        FieldRowPanel([FieldPanel("estimated_minutes"), FieldPanel("min_study_minutes")]),
        FieldPanel("body"),
    ]
    search_fields = [*Page.search_fields, index.SearchField("body")]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []
    template = "courses/lesson_page.html"

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    @property
    def required_study_minutes(self) -> int:
        return self.min_study_minutes or self.estimated_minutes

    def required_video_ids(self) -> list[str]:
        return [b.id for b in self.body if b.block_type == "video" and b.value.get("required")]

    def checkpoint_ids(self) -> list[str]:
        return [b.id for b in self.body if b.block_type == "checkpoint"]

    def get_context(self, request, *args, **kwargs):
        from courses.fragments import lesson_shared

        context = super().get_context(request, *args, **kwargs)
        # What every visitor sees alike, rendered once per publish (courses/fragments.py):
        # the course, the lessons around this one and the body but for its checkpoints.
        context.update(lesson_shared(request=request, lesson=self))
        return context


class QuestionForm(WagtailAdminModelForm):
    """The question's admin form: its choices must make a well-formed question."""

    def clean(self):
        cleaned_data = super().clean()
        formset = self.formsets.get("choices")
        kind = cleaned_data.get("kind")
        if formset is None or not kind or not formset.is_valid():
            return cleaned_data  # the fields or the choices already show their own errors
        flags = [
            bool(form.cleaned_data.get("correct"))
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        for message in choice_set_errors(kind=kind, correct_flags=flags):
            self.add_error(None, message)
        return cleaned_data


class Question(ClusterableModel):
    """A question of a course's exam bank, managed as a snippet.

    The final exam draws its paper from the course's active questions. Past attempts
    refer to questions and choices by id: retire a question by unticking "active"
    rather than deleting it, so that earlier results still show it.
    """

    course = models.ForeignKey(
        CoursePage,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("course"),
    )
    topic = models.CharField(
        _("topic"),
        max_length=80,
        blank=True,
        help_text=_(
            "Optional. When questions have topics, each paper covers the topics in "
            "proportion to their number of active questions."
        ),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=QuestionKind.choices, default=QuestionKind.SINGLE
    )
    text = models.TextField(_("question"), max_length=1000)
    explanation = RichTextField(
        _("explanation"),
        features=RICH_TEXT_FEATURES,
        help_text=_("Shown to the learner after the exam is submitted."),
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Only active questions are drawn for new exam papers."),
    )

    panels = [
        FieldPanel("course"),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("topic")]),
        FieldPanel("text"),
        InlinePanel("choices", label=_("Choices"), heading=_("Choices"), min_num=2, max_num=8),
        FieldPanel("explanation"),
        FieldPanel("active"),
    ]
    base_form_class = QuestionForm

    class Meta:
        verbose_name = _("exam question")
        verbose_name_plural = _("exam questions")
        ordering = ["course_id", "topic", "pk"]
        indexes = [models.Index(fields=["course", "active"], name="question_course_active")]

    def __str__(self) -> str:
        return Truncator(self.text).chars(60)


class QuestionChoice(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("choice"), max_length=300)
    correct = models.BooleanField(_("correct"), default=False)

    panels = [FieldRowPanel([FieldPanel("text"), FieldPanel("correct")])]

    class Meta(Orderable.Meta):
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self) -> str:
        return self.text
