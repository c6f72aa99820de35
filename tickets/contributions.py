"""What tickets adds to other apps' pages, from TicketsConfig.ready(): My tickets in the nav,
a card on My account, and the tickets card on the start pages of staff who work tickets."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from csportal import slots

from .access import STAFF_ROLES
from .templatetags.ticket_tags import overview

OVERVIEW = "tickets/includes/overview.html"


def register() -> None:
    slots.add_links("nav", "tickets.mine", my_tickets_link, order=30)
    slots.add_panel("accounts.customer_home", "tickets/includes/customer_home.html", order=10)
    for page in ("agent_dashboard", "reception_desk", "manager_console"):
        slots.add_panel(f"accounts.{page}", OVERVIEW, overview_context, order=10)


def my_tickets_link(context) -> list[slots.Link]:
    return [slots.Link(_("My tickets"), reverse("tickets:list"))]


def overview_context(context) -> dict | None:
    membership = context.get("membership")
    if membership is None or membership.role not in STAFF_ROLES:
        return None
    return overview(context["organization"], membership)
