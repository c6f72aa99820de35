"""Pictures uploaded for a visit or a technician's profile: the type read from the bytes,
and the file's name agreeing with it.

Only pictures a browser shows as pictures are taken: never SVG (a page of ours, with
scripts) nor HEIC (which most browsers can't show). A name whose extension says something
else than the bytes is refused rather than renamed: a ".jpg" that is a PNG was changed by
somebody, and may have been changed for a reason.
"""

import secrets

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# Content type -> the extensions a file of that type may have (the first is the one we give it).
PICTURE_TYPES = {
    "image/jpeg": ("jpg", "jpeg"),
    "image/png": ("png",),
    "image/webp": ("webp",),
}
MAX_PHOTOS = 10


def sniff_picture(upload) -> tuple[str, str]:
    """(content type, extension to store it under) of an uploaded picture, or raise
    ValidationError naming the file."""
    if upload.size > settings.VISIT_PHOTO_MAX_BYTES:
        raise ValidationError(
            _("%(name)s is larger than %(limit)s.")
            % {"name": upload.name, "limit": filesizeformat(settings.VISIT_PHOTO_MAX_BYTES)}
        )
    upload.seek(0)
    kind = filetype.guess(upload.read(262))
    upload.seek(0)
    extensions = PICTURE_TYPES.get(kind.mime) if kind is not None else None
    if extensions is None:
        raise ValidationError(
            _("%(name)s is not a JPEG, PNG or WebP picture.") % {"name": upload.name}
        )
    given = upload.name.rpartition(".")[2].lower() if "." in upload.name else ""
    if given not in extensions:
        raise ValidationError(
            _("%(name)s is a %(type)s picture: its name should end in .%(extension)s.")
            % {"name": upload.name, "type": extensions[0].upper(), "extension": extensions[0]}
        )
    return kind.mime, extensions[0]


def stored_name(extension: str) -> str:
    """A random file name: nothing of the uploader's name reaches the storage's paths."""
    return f"{secrets.token_hex(16)}.{extension}"


def new_token() -> str:
    return secrets.token_hex(16)
