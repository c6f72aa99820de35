"""The visit pages come later (issue 19's page work); for now the pictures, each served
only to whoever may see it, never from a public media URL."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET

from .access import access_profile_photo, access_visit_photo


def _picture(field, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    # Shown inline (an <img>), as the type read from its bytes; the browser must not guess
    # another, and whatever it is can't act as a page of ours.
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@login_required
def visit_photo(request, token):
    """For the visit's customer, its technician and its organization's visit staff."""
    photo = access_visit_photo(request.user, token)
    return _picture(photo.file, photo.content_type)


@require_GET
@login_required
def profile_photo(request, pk):
    """A technician's photo, for anybody signed in: the search shows it to customers."""
    profile = access_profile_photo(request.user, pk)
    return _picture(profile.photo, profile.photo_type)
