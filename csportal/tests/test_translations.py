"""The catalogs in locale/ translate every string the source marks, in every language.

The extraction test runs the project's own makemessages on a copy of the source, so it fails
exactly when the lead's `make messages` would leave something to translate, and it says what.
"""

import contextlib
import json
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import translation

from csportal.management.commands.makemessages import IGNORED

LANGUAGES = ["zh_Hans", "ko"]
DOMAINS = ["django", "djangojs"]
LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
TAG = re.compile(r"</?[a-z][^>]*>")


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file (the header first), each with its flags, msgid and msgstrs."""
    entries, entry, field = [], None, None
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line or line.startswith("#~"):
            if entry is not None:
                entries.append(entry)
            entry = None
            continue
        if entry is None:
            entry = {"flags": set(), "msgctxt": None, "msgid_plural": None, "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$', line)
        if match:
            key, index, text = match.groups()
            field = ("msgstr", int(index or 0)) if key == "msgstr" else (key, None)
            text = _unquote(text)
        else:
            text = _unquote(line)
        name, index = field
        if name == "msgstr":
            entry["msgstr"][index] = entry["msgstr"].get(index, "") + text
        else:
            entry[name] = (entry.get(name) or "") + text
    return entries


def _unquote(text: str) -> str:
    # The C escapes of a PO string (\n, \", \\) around UTF-8 text.
    return text[1:-1].encode().decode("unicode_escape").encode("latin-1").decode()


def _key(entry: dict) -> str:
    context = f"[{entry['msgctxt']}] " if entry["msgctxt"] else ""
    return context + entry["msgid"]


def catalog(root: Path, language: str, domain: str) -> list[dict]:
    path = root / language / "LC_MESSAGES" / f"{domain}.po"
    return read_po(path)[1:] if path.exists() else []


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Path:
    """The catalogs as makemessages leaves them after merging in what the source marks now."""
    source = tmp_path_factory.mktemp("source")
    ignored = shutil.ignore_patterns(".git", "locale", "*.mo", "__pycache__", *IGNORED)
    shutil.copytree(settings.BASE_DIR, source, ignore=ignored, dirs_exist_ok=True)
    shutil.copytree(LOCALE, source / "locale", ignore=shutil.ignore_patterns("*.mo"))
    # makemessages reads the tree under the current directory.
    with override_settings(LOCALE_PATHS=[source / "locale"]), contextlib.chdir(source):
        for domain in DOMAINS:
            call_command("makemessages", locale=LANGUAGES, domain=domain, verbosity=0)
    return source / "locale"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_every_marked_string_has_a_translation(extracted, language, domain):
    missing = [
        _key(entry)
        for entry in catalog(extracted, language, domain)
        if "fuzzy" in entry["flags"] or not all(entry["msgstr"].values()) or not entry["msgstr"]
    ]
    assert not missing, (
        f"{len(missing)} {domain} strings have no {language} translation (run `make messages`, "
        "then translate them: docs/translations.md):\n" + "\n".join(missing)
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_committed_catalogs_hold_exactly_the_strings_the_source_marks(extracted, language, domain):
    now = {_key(entry) for entry in catalog(extracted, language, domain)}
    committed = {_key(entry) for entry in catalog(LOCALE, language, domain)}
    assert (sorted(now - committed), sorted(committed - now)) == ([], []), (
        f"locale/{language}/LC_MESSAGES/{domain}.po is out of date: run `make messages`"
    )


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_translations_keep_every_placeholder_and_tag(language, domain):
    broken = []
    for entry in catalog(LOCALE, language, domain):
        source = entry["msgid"] + (entry["msgid_plural"] or "")
        for text in entry["msgstr"].values():
            if set(PLACEHOLDER.findall(source)) != set(PLACEHOLDER.findall(text)) or sorted(
                TAG.findall(entry["msgid_plural"] or entry["msgid"])
            ) != sorted(TAG.findall(text)):
                broken.append(f"{_key(entry)!r} -> {text!r}")
    assert not broken, "\n".join(broken)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("domain", DOMAINS)
def test_catalog_headers_declare_one_plural_form_and_are_not_fuzzy(language, domain):
    path = LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    if not path.exists():
        pytest.skip(f"no {domain} strings marked yet")
    header = read_po(path)[0]
    assert header["msgid"] == ""
    assert "fuzzy" not in header["flags"]
    assert "Plural-Forms: nplurals=1; plural=0;" in header["msgstr"][0]
    assert f"Language: {language}" in header["msgstr"][0]


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "登录"), ("ko", "로그인"), ("en", "Log in")]
)
def test_the_compiled_catalogs_are_what_django_reads(language, expected):
    # Fails when the .mo files were not built: `make install` compiles them.
    with translation.override(language):
        assert translation.gettext("Log in") == expected


@pytest.mark.parametrize(
    ("language", "expected"), [("zh-hans", "已重新打开 3 次"), ("ko", "3회 재개됨")]
)
def test_plurals_use_the_one_form_of_each_language(language, expected):
    with translation.override(language):
        text = translation.ngettext("Reopened once", "Reopened %(times)s times", 3)
        assert text % {"times": 3} == expected


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "此浏览器无法接收推送通知。"),
        ("ko", "이 브라우저는 푸시 알림을 받을 수 없습니다."),
    ],
)
def test_scripts_get_their_words_from_the_javascript_catalog(client, language, expected):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.get(reverse("javascript-catalog"))

    # The catalog writes its strings as JSON, non-ASCII letters escaped.
    assert json.dumps(expected) in response.content.decode()
