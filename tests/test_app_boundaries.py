"""Dependencies point one way, in Python and in templates: a lower app's pages render with
only it and the apps below installed, and show what higher apps add only through the
registries they fill in AppConfig.ready() (csportal.slots, csportal.shell, csportal.realtime).
"""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.app_boundaries import APPS, WITH_PAGES, above

BASE_DIR = Path(settings.BASE_DIR)
# The project's composition names every app by design; its plumbing (realtime, consumers,
# the API's replay, context processors, middleware) names none.
COMPOSITION = {"csportal/management/commands/seed_demo.py"}


@pytest.mark.parametrize("app", WITH_PAGES)
def test_the_pages_of_a_lower_app_render_with_the_apps_above_it_not_installed(app):
    """Run in a process of its own whose settings leave the apps above `app` out
    (tests/app_boundaries/settings.py), not with override_settings(INSTALLED_APPS=...) here.

    Narrowing the app registry in this process would prove little: Django cannot forget what
    it imported, so the higher apps' models stay importable, their ready() registrations stay
    in the registries (ready() is not run again for them, nor undone), and the URLconf module
    that already included their URLs stays cached in sys.modules. A fresh process is what a
    deployment without them would be: importing one of their models raises, their templates,
    template tags and URLs do not exist, and nothing of theirs is registered.
    """
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--ds=tests.app_boundaries.settings",
            "tests/app_boundaries/pages_alone.py",
        ],
        cwd=BASE_DIR,
        env={**os.environ, "CSPORTAL_APPS_UP_TO": app},
        capture_output=True,
        text=True,
        timeout=110,
    )

    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {name.partition(".")[0] for name in names}


def sources(app: str) -> list[Path]:
    return [
        path
        for path in sorted((BASE_DIR / app).rglob("*.py"))
        if not {"tests", "migrations"} & set(path.relative_to(BASE_DIR).parts)
        and str(path.relative_to(BASE_DIR)) not in COMPOSITION
    ]


@pytest.mark.parametrize("app", ["csportal", *APPS])
def test_no_module_imports_an_app_above_its_own(app):
    forbidden = set(APPS) if app == "csportal" else set(above(app))

    wrong = {
        str(path.relative_to(BASE_DIR)): sorted(imported_apps(path) & forbidden)
        for path in sources(app)
        if imported_apps(path) & forbidden
    }

    assert wrong == {}


TEMPLATE_NAMES = re.compile(
    r"""{%\s*(?:url\s+["'](?P<url>\w+):|(?:include|extends)\s+["'](?P<template>\w+)/)"""
)
LOADS = re.compile(r"{%\s*load\s+([\w\s]+?)\s*%}")


def tag_libraries() -> dict[str, str]:
    """Template tag library -> the app that has it."""
    return {
        path.stem: app
        for app in APPS
        for path in (BASE_DIR / app / "templatetags").glob("*.py")
        if path.stem != "__init__"
    }


def named_apps(template: Path) -> set[str]:
    text = template.read_text()
    named = {match["url"] or match["template"] for match in TEMPLATE_NAMES.finditer(text)}
    libraries = tag_libraries()
    for match in LOADS.finditer(text):
        named |= {libraries[name] for name in match[1].split() if name in libraries}
    return named


@pytest.mark.parametrize("app", ["templates", *APPS])
def test_no_template_names_an_app_above_its_own(app):
    # The project's frame (templates/) may name accounts, the app of who is signed in
    # (settings.LOGIN_URL does too); everything else comes to it through csportal.slots.
    forbidden = set(APPS) - {"accounts"} if app == "templates" else set(above(app))
    root = BASE_DIR / app if app == "templates" else BASE_DIR / app / "templates"

    wrong = {
        str(path.relative_to(BASE_DIR)): sorted(named_apps(path) & forbidden)
        for path in sorted(root.rglob("*.html"))
        if named_apps(path) & forbidden
    }

    assert wrong == {}
