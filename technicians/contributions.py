"""What technicians adds to other apps' pages, from TechniciansConfig.ready(): for now the
kinds of notification it sends, each to whom it concerns."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from notifications import kinds
from notifications.models import Channel


def register() -> None:
    register_kinds()


def register_kinds() -> None:
    # Booked and changed visits concern the customer and the technician in whose day they
    # are; the technician on the way and the reminder only the customer.
    both = [kinds.CUSTOMER, Role.TECHNICIAN]
    kinds.register(
        "visit.booked",
        _("A visit is booked (for me, or in my day)"),
        (Channel.IN_APP, Channel.EMAIL, Channel.PUSH),
        audience=both,
    )
    kinds.register(
        "visit.on_the_way",
        _("The technician is on the way"),
        (Channel.IN_APP, Channel.SMS, Channel.PUSH),
        audience=[kinds.CUSTOMER],
    )
    kinds.register(
        "visit.reminder",
        _("Reminders before a visit"),
        (Channel.IN_APP, Channel.EMAIL, Channel.SMS),
        audience=[kinds.CUSTOMER],
    )
    kinds.register(
        "visit.changed",
        _("A visit is moved or cancelled"),
        (Channel.IN_APP, Channel.EMAIL, Channel.PUSH),
        audience=both,
    )
