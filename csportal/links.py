from django.conf import settings

# Where `make run` serves; `manage.py serve` replaces it with the address it really uses.
EMBEDDED_BASE_URL = "http://127.0.0.1:8000"


def absolute_url(path: str) -> str:
    """A link for outside the browser (email, SMS, push), where a relative path means nothing."""
    if not path or path.startswith(("http://", "https://")):
        return path
    return f"{settings.PUBLIC_BASE_URL or EMBEDDED_BASE_URL}{path}"
