"""Twilio's webhooks: inbound SMS and delivery status callbacks, signature-checked."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from accounts.models import normalize_phone

from . import inbound, services

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def _requested_url(request) -> str:
    """The URL Twilio signed: our public address when configured, else what this request saw.

    The request's own view trusts X-Forwarded-Proto/Host only when settings say a proxy is
    in front (SECURE_PROXY_SSL_HEADER, USE_X_FORWARDED_HOST).
    """
    if settings.PUBLIC_BASE_URL:
        return f"{settings.PUBLIC_BASE_URL}{request.get_full_path()}"
    return request.build_absolute_uri()


def _signature_valid(request) -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature or not settings.TWILIO_AUTH_TOKEN:
        return False
    validator = RequestValidator(settings.TWILIO_AUTH_TOKEN)
    return validator.validate(_requested_url(request), request.POST.dict(), signature)


@csrf_exempt
@require_POST
def twilio_inbound_sms(request):
    if not _signature_valid(request):
        return HttpResponseForbidden("invalid signature")
    sid = request.POST.get("MessageSid", "")
    sender = request.POST.get("From", "")
    if not sid or not sender:
        return HttpResponse("MessageSid and From are required", status=400)
    try:
        sender = normalize_phone(sender)
    except ValidationError:  # a short code or alphanumeric sender stays as sent
        sender = sender[:20]
    inbound.receive_sms(
        message_sid=sid[:64],
        from_number=sender,
        to_number=request.POST.get("To", "")[:20],
        body=request.POST.get("Body", ""),
        payload=request.POST.dict(),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@csrf_exempt
@require_POST
def twilio_status_callback(request):
    if not _signature_valid(request):
        return HttpResponseForbidden("invalid signature")
    sid = request.POST.get("MessageSid", "")
    provider_status = request.POST.get("MessageStatus", "")
    if not sid or not provider_status:
        return HttpResponse("MessageSid and MessageStatus are required", status=400)
    error = request.POST.get("ErrorCode", "")
    services.notification_record_provider_status(
        provider_id=sid,
        provider_status=provider_status,
        error=f"Twilio error {error}" if error else "",
    )
    return HttpResponse(status=204)
