"""Vocabularies shared by profiles, course audiences and, later, requirement rules."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Profession(models.TextChoices):
    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    PHARMACIST = "pharmacist", _("Pharmacist")
    MEDICAL_TECHNICIAN = "medical_technician", _("Medical technician")
    PUBLIC_HEALTH = "public_health", _("Public-health worker")
    TIBETAN_MEDICINE = "tibetan_medicine", _("Tibetan-medicine practitioner")
    VILLAGE_DOCTOR = "village_doctor", _("Village doctor")
    OTHER = "other", _("Other")


class TitleLevel(models.TextChoices):
    """Professional title levels, in ascending order (the order is used as a rank)."""

    JUNIOR = "junior", _("Junior")
    INTERMEDIATE = "intermediate", _("Intermediate")
    ASSOCIATE_SENIOR = "associate_senior", _("Associate senior")
    SENIOR = "senior", _("Senior")

    @classmethod
    def rank(cls, value: str) -> int:
        return cls.values.index(value)


class InstitutionKind(models.TextChoices):
    REGION = "region", _("Autonomous region")
    CITY = "city", _("City or prefecture")
    COUNTY = "county", _("County or district")
    HEALTH_COMMISSION = "health_commission", _("Health commission")
    TERTIARY_HOSPITAL = "tertiary_hospital", _("Tertiary hospital")
    SECONDARY_HOSPITAL = "secondary_hospital", _("Secondary hospital")
    COUNTY_HOSPITAL = "county_hospital", _("County hospital")
    TIBETAN_MEDICINE_HOSPITAL = "tibetan_medicine_hospital", _("Tibetan-medicine hospital")
    MATERNAL_CHILD_HEALTH = "maternal_child_health", _("Maternal and child health centre")
    CDC = "cdc", _("Centre for disease control")
    COMMUNITY_HEALTH_CENTRE = "community_health_centre", _("Community health centre")
    TOWNSHIP_HEALTH_CENTRE = "township_health_centre", _("Township health centre")
    VILLAGE_CLINIC = "village_clinic", _("Village clinic")
    OTHER = "other", _("Other institution")


AREA_KINDS = frozenset({InstitutionKind.REGION, InstitutionKind.CITY, InstitutionKind.COUNTY})

# Which kinds may sit directly under which: areas nest region → city → county;
# facilities hang under any area; a village clinic may also hang under its township
# health centre, which supervises it.
ALLOWED_PARENT_KINDS: dict[str, frozenset[str]] = {
    InstitutionKind.REGION: frozenset(),
    InstitutionKind.CITY: frozenset({InstitutionKind.REGION}),
    InstitutionKind.COUNTY: frozenset({InstitutionKind.CITY}),
    InstitutionKind.VILLAGE_CLINIC: AREA_KINDS | {InstitutionKind.TOWNSHIP_HEALTH_CENTRE},
}
FACILITY_PARENT_KINDS = AREA_KINDS


def allowed_parent_kinds(kind: str) -> frozenset[str]:
    return ALLOWED_PARENT_KINDS.get(kind, FACILITY_PARENT_KINDS)
