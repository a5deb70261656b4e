"""Display helpers of external activities' pages."""

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

from lms.models import ExternalActivity

register = template.Library()


@register.filter
def changed_fields(changes) -> str:
    """The names of the fields a resubmission changed, as people read them."""
    labels = []
    for name in changes or {}:
        try:
            labels.append(str(capfirst(ExternalActivity._meta.get_field(name).verbose_name)))
        except FieldDoesNotExist:
            labels.append(name)
    return ", ".join(labels)
