"""Checks on the template sources themselves, every app's and the project's."""

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings

# `{# ... #}` ends at the end of its line: one left open is printed on the page as it is.
UNCLOSED_COMMENT = re.compile(r"\{#(?!.*?#\})")


def template_files() -> list[Path]:
    """Ours, not those of Django's or other libraries' apps."""
    ours = [
        Path(app.path)
        for app in apps.get_app_configs()
        if Path(app.path).is_relative_to(settings.BASE_DIR) and "site-packages" not in app.path
    ]
    directories = [
        *(Path(directory) for engine in settings.TEMPLATES for directory in engine["DIRS"]),
        *(path / "templates" for path in ours),
    ]
    return sorted(
        path
        for directory in directories
        for path in Path(directory).rglob("*")
        if path.is_file() and path.suffix in {".html", ".txt", ".js", ".xml"}
    )


def test_every_template_closes_its_one_line_comments_on_the_same_line():
    unclosed = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in template_files()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if UNCLOSED_COMMENT.search(line)
    ]

    assert unclosed == []


def test_the_check_sees_the_templates_of_the_project_and_its_apps():
    names = {path.relative_to(settings.BASE_DIR).as_posix() for path in template_files()}

    assert "templates/base.html" in names
    assert "tickets/templates/tickets/includes/staff_table.html" in names
