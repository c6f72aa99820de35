"""What technicians adds to other apps' pages, from TechniciansConfig.ready(): My visits in
a customer's nav and on My account, the agenda on a technician's Today, and the kinds of
notification it sends, each to whom it concerns."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.contributions import own_page, staff_tool
from accounts.models import Role
from csportal import slots
from notifications import kinds
from notifications.models import Channel

from . import selectors
from .access import VISIT_ROLES
from .desk_views import waiting_by_office

HOME_VISITS = 5


def register() -> None:
    for slot in ("nav", "menu"):
        slots.add_links(
            slot, "technicians.mine", own_page(slot, _("My visits"), "technicians:mine"), order=65
        )
    slots.add_panel(
        "accounts.customer_home", "technicians/includes/customer_home.html", home_context, order=15
    )
    slots.add_panel(
        "accounts.technician_today",
        "technicians/includes/today_panel.html",
        today_context,
        order=10,
    )
    register_kinds()
    register_staff_pages()


def home_context(context) -> dict:
    return {
        "visits": selectors.customer_visits(context["user"])[:HOME_VISITS],
        "visits_url": reverse("technicians:mine") + "?home=1",
    }


def today_context(context) -> dict | None:
    membership = context.get("membership")
    if membership is None or membership.role != Role.TECHNICIAN:
        return None
    return {
        "agenda": selectors.agenda_days(
            context["user"], context["organization"], now=timezone.now()
        )
    }


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


def register_staff_pages() -> None:
    """The desk and the waiting requests on the reception desk and the manager console, the
    field-service pages on the console; the desk among the staff tools of who books."""
    slots.add_panel(
        "accounts.reception_desk", "technicians/includes/desk_panel.html", desk_panel, order=20
    )
    slots.add_panel(
        "accounts.manager_console", "technicians/includes/desk_panel.html", desk_panel, order=20
    )
    slots.add_panel(
        "accounts.manager_console",
        "technicians/includes/field_panel.html",
        field_panel,
        order=21,
    )
    slots.add_links(
        "accounts.staff_tools",
        "technicians.desk",
        staff_tool(_("Book a visit"), "technicians:desk", VISIT_ROLES),
        order=20,
    )


def desk_panel(context) -> dict | None:
    membership = context.get("membership")
    if membership is None or membership.role not in VISIT_ROLES:
        return None
    return {"offices": waiting_by_office(context["organization"])}


def field_panel(context) -> dict | None:
    membership = context.get("membership")
    if membership is None or membership.role != Role.MANAGER:
        return None
    return {}
