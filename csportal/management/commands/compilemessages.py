"""Django's compilemessages, minus the directories that hold no catalog of ours.

Without these ignores it walks into .venv/ and compiles every installed package's catalogs.
"""

from django.core.management.commands import compilemessages

from .makemessages import IGNORED


class Command(compilemessages.Command):
    def handle(self, **options):
        options["ignore_patterns"] = [*options["ignore_patterns"], ".git", *IGNORED]
        super().handle(**options)
