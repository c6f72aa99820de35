"""SMS consent: a number that texts STOP is sent nothing more until it texts START."""

from ..models import SmsOptOut

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT"}
START_WORDS = {"START", "UNSTOP", "YES", "OPTIN"}


def sms_consent_from_reply(*, phone: str, body: str) -> str | None:
    """Apply STOP / START keywords; returns "stop", "start" or None for anything else."""
    word = body.strip().upper()
    if word in STOP_WORDS:
        SmsOptOut.objects.get_or_create(phone=phone)
        return "stop"
    if word in START_WORDS:
        SmsOptOut.objects.filter(phone=phone).delete()
        return "start"
    return None
