"""What ratings adds to other apps' pages, from RatingsConfig.ready(): My reviews for
customers, rating and thanking on a customer's ticket, the staff's links to reviews, scores
and their own ratings, the kinds of notification it sends, each to whom it concerns, and
technicians' ratings for the availability search."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.contributions import staff_tool
from accounts.models import Role
from accounts.selectors import request_memberships
from csportal import slots
from notifications import kinds
from notifications.models import Channel
from technicians import registries as technician_registries

from .access import RATED_ROLES
from .models import Score, TargetKind
from .selectors import technician_reviews
from .services import RESPONDING_ROLES


def register() -> None:
    technician_registries.register_ratings(technician_ratings)
    slots.add_links("nav", "ratings.mine", my_reviews_link, order=40)
    slots.add_panel("accounts.customer_home", "ratings/includes/customer_home.html", order=20)
    # Loads itself from ratings, and again whenever the ticket changes, so the offer to rate
    # appears the moment it is resolved.
    slots.add_panel("tickets.customer_ticket", "ratings/includes/ticket_feedback_slot.html")
    slots.add_panel("technicians.offer", "ratings/includes/offer_reviews.html", offer_reviews)
    tools = [
        ("reviews", _("Reviews"), "ratings:dashboard", RESPONDING_ROLES, False),
        ("scores", _("Scores"), "ratings:scores", [Role.MANAGER], False),
        ("mine", _("My ratings and thanks"), "ratings:agent-profile", RATED_ROLES, True),
    ]
    for order, (key, label, url_name, roles, own) in enumerate(tools, start=30):
        slots.add_links(
            "accounts.staff_tools",
            f"ratings.{key}",
            staff_tool(label, url_name, roles, own=own),
            order=order,
        )
    register_kinds()


def register_kinds() -> None:
    # A new review goes to the managers and to the agent or technician it rates; a gift to
    # the agent, technician or manager thanked: the roles people are rated in.
    kinds.register(
        "review.posted",
        _("A customer reviews us"),
        (Channel.IN_APP, Channel.EMAIL),
        audience=RATED_ROLES,
    )
    kinds.register(
        "review.responded",
        _("A provider answers my review"),
        (Channel.IN_APP, Channel.EMAIL, Channel.PUSH),
        audience=[kinds.CUSTOMER],
    )
    kinds.register(
        "gift.received",
        _("A customer sends me a thank-you"),
        (Channel.IN_APP,),
        audience=RATED_ROLES,
    )


def my_reviews_link(context) -> list[slots.Link]:
    # Staff reach it from My account: one more link wraps their bar.
    if request_memberships(context["request"]):
        return []
    return [slots.Link(_("My reviews"), reverse("ratings:my-reviews"))]


def offer_reviews(context) -> dict | None:
    """The newest reviews with words about a technician the visit search offers."""
    offer = context.get("offer")
    if offer is None:
        return None
    reviews = technician_reviews(offer.profile.organization_id, offer.technician.pk)
    return {"offer_reviews": reviews} if reviews else None


def technician_ratings(organization_id: int, user_ids) -> dict:
    """Technicians' points as of their last review (what providers are sorted by too): the
    availability search ranks free technicians by it after their workload. One query."""
    scores = Score.objects.filter(
        organization_id=organization_id, kind=TargetKind.TECHNICIAN, person_id__in=list(user_ids)
    ).values_list("person_id", "points", "count")
    return {
        person: technician_registries.TechnicianRating(points=points, reviews=count)
        for person, points, count in scores
    }
