"""Django's makemessages with this project's settings built in, so that updating the catalogs
is one command (docs/translations.md) and a run changes a .po file only where a string did.
"""

import re
from pathlib import Path

from django.core.management.commands import makemessages

# Not source of the portal: the virtualenv, run-time files, collected static files, the
# benchmarks, tests (their strings are the code's, or test data) and the vendored JS.
IGNORED = [
    ".venv",
    "var",
    "staticfiles",
    "bench",
    "node_modules",
    "tests",
    "conftest.py",
    "vendor",
]

# msgmerge rewrites this date on every run, even when no entry changed.
_CREATION_DATE = re.compile(r'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


class Command(makemessages.Command):
    # `_lazy` is how a few modules name gettext_lazy (beside a plain `_` = gettext).
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=_lazy"]

    def handle(self, *args, **options):
        options["ignore_patterns"] = [*options["ignore_patterns"], *IGNORED]
        # No "#: file:line" comments: with them every moved line churns both catalogs, and
        # helpers working side by side conflict on lines nobody translated.
        options["no_location"] = options["add_location"] is None
        options["no_wrap"] = True
        options["no_obsolete"] = True
        super().handle(*args, **options)

    def write_po_file(self, potfile, locale):
        super().write_po_file(potfile, locale)
        po = Path(potfile).parent / locale / "LC_MESSAGES" / f"{self.domain}.po"
        po.write_text(_CREATION_DATE.sub("", po.read_text(encoding="utf-8")), encoding="utf-8")
