"""The Simplified Chinese catalogue is complete, compiled and used (zh-hans is the default)."""

import ast
import gettext as gettext_module
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

LC_MESSAGES = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = LC_MESSAGES / "django.po"
MO = LC_MESSAGES / "django.mo"

_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?)\s+(\".*\")\s*$")


def po_entries(path: Path) -> list[dict]:
    """Entries of a .po file as dicts: flags, msgid, msgstr / msgstr[n], …

    Obsolete entries ("#~") are ignored, as gettext does.
    """
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict = {"flags": set()}
        key = None
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif match := _KEYWORD.match(line):
                key = match.group(1)
                entry[key] = ast.literal_eval(match.group(2))
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
        if "msgid" in entry:
            entries.append(entry)
    return entries


def test_every_msgid_is_translated_and_none_is_fuzzy():
    entries = po_entries(PO)
    assert len(entries) > 100
    header = [e for e in entries if e["msgid"] == ""]
    assert header and "fuzzy" not in header[0]["flags"], "the header is still fuzzy"
    fuzzy = [e["msgid"] for e in entries if e["msgid"] and "fuzzy" in e["flags"]]
    untranslated = [
        e["msgid"]
        for e in entries
        if e["msgid"] and any(value == "" for key, value in e.items() if key.startswith("msgstr"))
    ]
    assert not fuzzy, f"fuzzy entries: {fuzzy}"
    assert not untranslated, f"untranslated msgids: {untranslated}"


def test_placeholders_survive_translation():
    """A translation that drops or renames %(name)s breaks at runtime."""
    placeholder = re.compile(r"%\(\w+\)[sd]")
    for entry in po_entries(PO):
        if not entry["msgid"]:
            continue
        expected = set(placeholder.findall(entry["msgid"]))
        for key, value in entry.items():
            if key.startswith("msgstr"):
                assert set(placeholder.findall(value)) == expected, entry["msgid"]


def test_compiled_catalogue_matches_the_source():
    """Compared by content, not by file times, which a git checkout does not keep."""
    assert MO.exists(), "run `manage.py compilemessages --ignore=.venv`"
    with MO.open("rb") as handle:
        compiled = gettext_module.GNUTranslations(handle)

    def compiled_text(entry: dict) -> str:
        if "msgctxt" in entry:
            return compiled.pgettext(entry["msgctxt"], entry["msgid"])
        return compiled.gettext(entry["msgid"])

    stale = [
        entry["msgid"]
        for entry in po_entries(PO)
        if entry["msgid"] and "msgstr" in entry and compiled_text(entry) != entry["msgstr"]
    ]
    assert not stale, f"the .mo is stale, run compilemessages: {stale[:5]}"


def test_default_language_is_simplified_chinese():
    assert settings.LANGUAGE_CODE == "zh-hans"


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Sannong Desk", "三农服务台"),
        ("My timers", "我的时限"),
        ("Counter clerk", "出单员"),
        ("Claims-assist staff", "协赔员"),
        ("City claims centre", "地市级分公司理赔中心"),
        ("Provisional", "暂定"),
        ("Log in", "登录"),
    ],
)
def test_known_strings_render_in_chinese(english, chinese):
    with translation.override("zh-hans"):
        assert gettext(english) == chinese
    with translation.override("en"):
        assert gettext(english) == english


def test_plural_strings_render_in_chinese():
    with translation.override("zh-hans"):
        assert ngettext("%(n)d minute", "%(n)d minutes", 5) % {"n": 5} == "5 分钟"
