from django.db import models
from django.utils.translation import gettext_lazy as _


class CreditClass(models.TextChoices):
    CLASS_1_NATIONAL = "class_1_national", _("Class I (national project)")
    CLASS_1_PROVINCIAL = "class_1_provincial", _("Class I (provincial project)")
    CLASS_2 = "class_2", _("Class II")

    @classmethod
    def class_one(cls) -> frozenset[str]:
        return frozenset({cls.CLASS_1_NATIONAL, cls.CLASS_1_PROVINCIAL})


class SubjectType(models.TextChoices):
    PUBLIC_COMPULSORY = "public_compulsory", _("Public-compulsory subject")
    PROFESSIONAL = "professional", _("Professional subject")


class ContentLanguage(models.TextChoices):
    """The language a course is taught in (not the interface language)."""

    CHINESE = "zh-hans", _("Chinese")
    TIBETAN = "bo", _("Tibetan")
    ENGLISH = "en", _("English")
    BILINGUAL = "zh-hans+bo", _("Chinese and Tibetan")


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
