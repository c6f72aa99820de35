"""Uploaded files: size and type limits, with the type read from the content, not the name."""

import secrets

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# What a ticket may carry: pictures of the problem, documents, logs. Never HTML or SVG,
# which a browser would run as a page of ours.
ALLOWED_TYPES = {
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "application/zip",
    "text/plain",
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
    return content_type


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
