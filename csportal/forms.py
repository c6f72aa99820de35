"""Form helpers every app's pages share."""

from django.core.exceptions import ValidationError


def add_service_errors(form, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: on its field when the form has one.

    `rename` maps a service's argument name to the form field that carries it, for forms
    whose fields are named otherwise (one form setting several rows, say).
    """
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            field = (rename or {}).get(field, field)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)
