from django.db import migrations

PROFESSIONS = [
    "doctor", "nurse", "pharmacist", "medical_technician", "public_health",
    "tibetan_medicine", "village_doctor", "other",
]
TITLE_LEVELS = ["junior", "intermediate", "associate_senior", "senior"]


def add_rows(apps, schema_editor):
    # One row per vocabulary value, in the vocabulary's order (rows are ordered by id).
    AudienceProfession = apps.get_model("courses", "AudienceProfession")
    AudienceTitleLevel = apps.get_model("courses", "AudienceTitleLevel")
    for code in PROFESSIONS:
        AudienceProfession.objects.get_or_create(code=code)
    for code in TITLE_LEVELS:
        AudienceTitleLevel.objects.get_or_create(code=code)


class Migration(migrations.Migration):
    dependencies = [("courses", "0001_initial")]
    operations = [migrations.RunPython(add_rows, migrations.RunPython.noop)]
