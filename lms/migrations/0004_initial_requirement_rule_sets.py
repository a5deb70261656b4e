"""The initial requirement rule sets: the national defaults and the local variants
listed in docs (../shared/DOMAIN.md), so that a fresh install judges compliance.

Administrators maintain them in the Wagtail admin from then on; this migration only
adds rule sets that are missing by name and version, and never edits or removes any.
"""

import datetime
from decimal import Decimal

from django.db import migrations

D = Decimal
SINCE = datetime.date(2006, 1, 1)

NATIONAL_CLASSES = [
    {"kind": "credits_class", "credit_class": "class_1", "minimum": D(5), "maximum": D(10)},
    {"kind": "credits_class", "credit_class": "class_2", "minimum": D(15), "maximum": D(20)},
]
STUDY_HOURS = {"kind": "study_hours", "minimum": D(90), "professional_share_percent": D("66.67")}

RULE_SETS = [
    {
        "name": "全国继续医学教育学分要求（默认）",
        "version": "国家默认",
        "priority": 0,
        "description": (
            "中级及以上职称人员每年不少于25学分，其中I类5–10学分、II类15–20学分，两类学分不可互相替代；"
            "专业技术人员每年不少于90学时，其中专业科目不少于三分之二。适用于没有更具体规则的所有人员。"
        ),
        "rules": [{"kind": "credits_total", "minimum": D(25)}, *NATIONAL_CLASSES, STUDY_HOURS],
    },
    {
        "name": "初级职称人员学分要求",
        "version": "地方规定",
        "priority": 10,
        "title_levels": ["junior"],
        "description": "初级职称人员每年不少于20学分（I类不少于5学分、II类不少于15学分）。",
        "rules": [
            {"kind": "credits_total", "minimum": D(20)},
            *NATIONAL_CLASSES,
            STUDY_HOURS,
        ],
    },
    {
        "name": "乡镇卫生院初级职称人员学分要求",
        "version": "地方规定",
        "priority": 20,
        "title_levels": ["junior"],
        "institution_kinds": ["township_health_centre"],
        "description": (
            "乡镇卫生院初级职称人员每年不少于15学分（I类不少于5学分、II类不少于10学分）。"
            "各类最低学分之和等于总学分要求；如地方规定不同，请在此调整。"
        ),
        "rules": [
            {"kind": "credits_total", "minimum": D(15)},
            {"kind": "credits_class", "credit_class": "class_1", "minimum": D(5), "maximum": D(10)},
            {"kind": "credits_class", "credit_class": "class_2", "minimum": D(10), "maximum": D(20)},
            STUDY_HOURS,
        ],
    },
    {
        "name": "三级医院中级及以上职称人员学分要求",
        "version": "国家默认",
        "priority": 30,
        "title_levels": ["intermediate", "associate_senior", "senior"],
        "institution_kinds": ["tertiary_hospital"],
        "description": (
            "在全国默认要求之上，省级单位和三级医院人员5年内须获得国家级继续医学教育项目"
            "I类学分不少于10学分。"
        ),
        "rules": [
            {"kind": "credits_total", "minimum": D(25)},
            *NATIONAL_CLASSES,
            {"kind": "national_window", "minimum": D(10), "window_years": 5},
            STUDY_HOURS,
        ],
    },
]


def add_rule_sets(apps, schema_editor):
    RuleSet = apps.get_model("lms", "RequirementRuleSet")
    Rule = apps.get_model("lms", "RequirementRule")
    for data in RULE_SETS:
        data = dict(data)
        rules = data.pop("rules")
        rule_set, created = RuleSet.objects.get_or_create(
            name=data.pop("name"),
            version=data.pop("version"),
            defaults={"effective_from": SINCE, **data},
        )
        if created:
            for order, rule in enumerate(rules):
                Rule.objects.create(rule_set=rule_set, sort_order=order, **rule)


class Migration(migrations.Migration):
    dependencies = [("lms", "0003_requirement_rule_sets")]

    operations = [migrations.RunPython(add_rule_sets, migrations.RunPython.noop)]
