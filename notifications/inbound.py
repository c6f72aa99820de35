"""Inbound SMS handed up to whichever app claims it, without this app importing them.

A higher app (surveys, tickets) registers a handler in its AppConfig.ready(). Handlers are
asked in order; the first that returns a truthy label has claimed the message.
"""

import logging
from collections.abc import Callable

from django.db import IntegrityError, transaction

from . import services
from .models import InboundSms

logger = logging.getLogger(__name__)

InboundHandler = Callable[[InboundSms], str | None]
_handlers: list[InboundHandler] = []


def register_sms_handler(handler: InboundHandler) -> None:
    if handler not in _handlers:
        _handlers.append(handler)


def unregister_sms_handler(handler: InboundHandler) -> None:
    if handler in _handlers:
        _handlers.remove(handler)


def receive_sms(
    *, message_sid: str, from_number: str, to_number: str, body: str, payload: dict
) -> InboundSms | None:
    """Store an inbound SMS once and hand it to the handlers. None if it was seen before."""
    try:
        with transaction.atomic():
            inbound = InboundSms.objects.create(
                message_sid=message_sid,
                from_number=from_number,
                to_number=to_number,
                body=body,
                payload=payload,
            )
            consent = services.sms_consent_from_reply(phone=from_number, body=body)
            if consent:
                inbound.handled_by = f"consent.{consent}"
            else:
                for handler in _handlers:
                    label = handler(inbound)
                    if label:
                        inbound.handled_by = str(label)[:100]
                        break
            inbound.save(update_fields=["handled_by"])
    except IntegrityError:
        # Twilio retried or someone replayed it: the first delivery was handled already.
        return None
    return inbound
