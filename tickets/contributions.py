"""What tickets adds to other apps' pages, from TicketsConfig.ready(): My tickets and the
staff's inbox in the navigation, the service levels in a manager's tools, a card on My
account, the tickets card on the start pages of staff who work tickets, and the kinds of
notification it sends, each to whom it concerns."""

from django.utils.translation import gettext_lazy as _

from accounts.contributions import own_page, staff_page, staff_tool
from accounts.models import Role
from csportal import slots
from notifications import kinds
from notifications.models import Channel

from .access import STAFF_ROLES
from .services import WORKING_ROLES
from .templatetags.ticket_tags import overview

OVERVIEW = "tickets/includes/overview.html"


def register() -> None:
    slots.add_links(
        "nav", "tickets.inbox", staff_page(_("Inbox"), "tickets:inbox", STAFF_ROLES), order=20
    )
    for slot in ("nav", "menu"):
        slots.add_links(
            slot, "tickets.mine", own_page(slot, _("My tickets"), "tickets:list"), order=60
        )
    slots.add_links(
        "accounts.staff_tools",
        "tickets.service_levels",
        staff_tool(_("Service levels"), "tickets:service-levels", [Role.MANAGER]),
        order=5,
    )
    slots.add_panel("accounts.customer_home", "tickets/includes/customer_home.html", order=10)
    for page in ("agent_dashboard", "reception_desk", "manager_console"):
        slots.add_panel(f"accounts.{page}", OVERVIEW, overview_context, order=10)
    register_kinds()


def register_kinds() -> None:
    email = (Channel.IN_APP, Channel.EMAIL)
    kinds.register(
        "ticket.updated",
        _("Progress and results of my requests"),
        (Channel.IN_APP, Channel.EMAIL, Channel.PUSH),
        audience=[kinds.CUSTOMER],
    )
    # To the assignee, who is one of the working roles; overdue tickets nobody has go to
    # the managers.
    kinds.register(
        "ticket.assigned", _("A ticket is assigned to me"), email, audience=WORKING_ROLES
    )
    kinds.register(
        "ticket.follow_up",
        _("A customer follows up or asks for news"),
        email,
        audience=WORKING_ROLES,
    )
    kinds.register(
        "ticket.reminder", _("Reminders about overdue tickets"), email, audience=WORKING_ROLES
    )
    kinds.register(
        "ticket.escalated",
        _("Overdue tickets escalated to managers"),
        email,
        audience=[Role.MANAGER],
    )


def overview_context(context) -> dict | None:
    membership = context.get("membership")
    if membership is None or membership.role not in STAFF_ROLES:
        return None
    return overview(context["organization"], membership)
