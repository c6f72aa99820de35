"""The signing key of a checkout that runs without SECRET_KEY: `make run` on a fresh clone.

Read by the settings before Django is set up, so it imports nothing of Django.
"""

import contextlib
import os
import secrets
import tempfile
from pathlib import Path


def read_or_create(path: Path) -> str:
    """The key stored in `path`, made there first (random, readable by its owner only) when
    the file does not exist yet.

    The new key is written to a file of its own and then linked to `path`, which fails when
    `path` exists: so processes starting together all end up with the one key, and none
    reads a file still being written."""
    if not path.exists():
        # mkstemp makes the file readable and writable by its owner only.
        descriptor, draft = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(50) + "\n")
        try:
            with contextlib.suppress(FileExistsError):
                os.link(draft, path)
        finally:
            os.unlink(draft)
    key = path.read_text().strip()
    if not key:
        raise ValueError(f"{path} holds no key: delete it and a new one is made")
    return key
