"""What ratings adds to other apps' pages, from RatingsConfig.ready(): My reviews, rating and
thanking on a customer's ticket, the reviews and scores in the navigation of the staff who
answer them or run the organization, their own ratings in their tools, and the newest
reviews about an agent on their start page."""

from django.utils.translation import gettext_lazy as _

from accounts.contributions import own_page, staff_page, staff_tool
from accounts.models import Role
from csportal import slots

from . import selectors
from .access import RATED_ROLES
from .services import RESPONDING_ROLES


def register() -> None:
    for slot in ("nav", "menu"):
        slots.add_links(
            slot, "ratings.mine", own_page(slot, _("My reviews"), "ratings:my-reviews"), order=70
        )
    slots.add_links(
        "nav",
        "ratings.reviews",
        staff_page(_("Reviews"), "ratings:dashboard", RESPONDING_ROLES),
        order=30,
    )
    slots.add_links(
        "nav", "ratings.scores", staff_page(_("Scores"), "ratings:scores", [Role.MANAGER]), order=40
    )
    slots.add_panel("accounts.customer_home", "ratings/includes/customer_home.html", order=20)
    slots.add_panel(
        "accounts.agent_dashboard",
        "ratings/includes/reviews_about_me.html",
        reviews_about_me,
        order=20,
    )
    # Loads itself from ratings, and again whenever the ticket changes, so the offer to rate
    # appears the moment it is resolved.
    slots.add_panel("tickets.customer_ticket", "ratings/includes/ticket_feedback_slot.html")
    slots.add_links(
        "accounts.staff_tools",
        "ratings.mine",
        staff_tool(_("My ratings and thanks"), "ratings:agent-profile", RATED_ROLES, own=True),
        order=30,
    )


def reviews_about_me(context) -> dict | None:
    membership = context.get("membership")
    if membership is None or membership.role not in RATED_ROLES:
        return None
    return {
        "reviews_about_me": selectors.reviews_about(membership, limit=selectors.REVIEWS_ABOUT_ME)
    }
