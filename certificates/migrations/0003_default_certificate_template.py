"""The site's default certificate template: an official-looking Chinese CME certificate
(landscape, red and gold frame, Tibetan title line), editable in the admin afterwards."""

from django.conf import settings
from django.db import migrations

NAME = "继续医学教育学分证书（默认）"

DEFAULT = {
    "name": NAME,
    "is_default": True,
    "layout": "classic",
    "primary_colour": "#9b1c1c",
    "show_chinese": True,
    "show_tibetan": True,
    "show_english": False,
    "title_zh": "继续医学教育学分证书",
    "title_bo": "འཕྲོ་མཐུད་གསོ་རིག་སློབ་གསོའི་ལག་ཁྱེར།",
    "title_en": "Certificate of Continuing Medical Education",
    "body_zh": (
        "兹证明 {institution} {learner_name} 同志于{completed_on}完成由{organiser}主办的"
        "继续医学教育项目《{course}》的学习，经考核合格，"
        "授予{credit_class} {credits} 分（{study_hours} 学时）。\n"
        "特发此证。"
    ),
    "body_bo": "",
    "body_en": (
        "This is to certify that {learner_name} completed the continuing medical education "
        "course “{course}” on {completed_on} and was awarded {credits} credits "
        "({credit_class}, {study_hours} study hours)."
    ),
    "signatory": "",
}


def add_default(apps, schema_editor):
    CertificateTemplate = apps.get_model("certificates", "CertificateTemplate")
    if CertificateTemplate.objects.filter(is_default=True).exists():
        return
    issuer = getattr(settings, "SNOWLAND_CERTIFICATE_ISSUER", "") or "雪域继教平台"
    CertificateTemplate.objects.create(issuer_name=issuer, **DEFAULT)


def remove_default(apps, schema_editor):
    CertificateTemplate = apps.get_model("certificates", "CertificateTemplate")
    Certificate = apps.get_model("certificates", "Certificate")
    for template in CertificateTemplate.objects.filter(name=NAME, is_default=True):
        if not Certificate.objects.filter(template=template).exists():
            template.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0002_certificate_issuer_and_pdf_hash_index"),
    ]

    operations = [migrations.RunPython(add_default, remove_default)]
