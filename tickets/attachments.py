"""Uploaded files: size and type limits, with the type read from the content, not the name."""

import secrets

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

# What a ticket may carry, and the extensions a file of each type may be named with:
# pictures of the problem, documents, logs. Never HTML or SVG, which a browser would run as
# a page of ours. A name that says one type over content of another (fake.png holding
# text) is refused: whoever opens the download trusts the name.
EXTENSIONS = {
    "image/png": {"png"},
    "image/jpeg": {"jpg", "jpeg", "jpe", "jfif"},
    "image/gif": {"gif"},
    "image/webp": {"webp"},
    "application/pdf": {"pdf"},
    "application/zip": {"zip"},
    "text/plain": {"txt", "text", "log", "csv", "md"},
}
ALLOWED_TYPES = set(EXTENSIONS)
DESCRIPTIONS = {
    "image/png": _lazy("a PNG picture"),
    "image/jpeg": _lazy("a JPEG picture"),
    "image/gif": _lazy("a GIF picture"),
    "image/webp": _lazy("a WebP picture"),
    "application/pdf": _lazy("a PDF"),
    "application/zip": _lazy("a ZIP archive"),
    "text/plain": _lazy("a text file"),
}
MAX_FILES = 5
MARKUP = ("<!doctype", "<html", "<head", "<body", "<svg", "<?xml", "<script", "<iframe")


def sniff(upload) -> str:
    """The content type the bytes say, or raise ValidationError naming the file."""
    if upload.size > settings.TICKET_ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s.")
            % {"name": upload.name, "limit": filesizeformat(settings.TICKET_ATTACHMENT_MAX_BYTES)}
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is not None:
        content_type = kind.mime
    elif _looks_like_text(head):
        content_type = "text/plain"
    else:
        content_type = "application/octet-stream"
    if content_type not in ALLOWED_TYPES:
        raise ValidationError(
            _("%(name)s is not a picture, PDF, ZIP or text file.") % {"name": upload.name}
        )
    _check_extension(upload.name, content_type)
    return content_type


def _check_extension(name: str, content_type: str) -> None:
    """A name with an extension must name the type the content is; one without claims
    nothing."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        return
    if extension.lower() not in EXTENSIONS[content_type]:
        raise ValidationError(
            _("%(name)s is not what its name says: it is %(kind)s, not a .%(extension)s file.")
            % {"name": name, "kind": DESCRIPTIONS[content_type], "extension": extension.lower()}
        )


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # Markup is refused even as "text": served from our origin it could be read as a page.
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    return not any(tag in lowered for tag in MARKUP)


def validate_uploads(files) -> list[tuple[object, str]]:
    files = list(files)
    if len(files) > MAX_FILES:
        raise ValidationError(_("Attach at most %(count)d files.") % {"count": MAX_FILES})
    return [(upload, sniff(upload)) for upload in files]


def new_token() -> str:
    return secrets.token_hex(16)
