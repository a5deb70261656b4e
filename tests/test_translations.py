"""Simplified Chinese is the default language: every interface string is translated."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"


def test_chinese_catalogue_is_complete():
    po = polib.pofile(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []
    assert po.percent_translated() == 100


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_every_offered_language_has_a_catalogue(language):
    from django.utils.translation import to_locale

    assert (LOCALE / to_locale(language) / "LC_MESSAGES" / "django.po").exists()


def test_placeholders_survive_translation():
    po = polib.pofile(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po")
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for entry in po.translated_entries():
        if not entry.msgid_plural:
            assert sorted(placeholder.findall(entry.msgstr)) == sorted(
                placeholder.findall(entry.msgid)
            ), entry.msgid
            continue
        # Chinese has one plural form, used for every number: it may name any
        # placeholder of the singular or the plural message, and no other.
        allowed = set(placeholder.findall(entry.msgid + entry.msgid_plural))
        for text in entry.msgstr_plural.values():
            assert set(placeholder.findall(text)) <= allowed, entry.msgid
            assert placeholder.findall(text), entry.msgid
