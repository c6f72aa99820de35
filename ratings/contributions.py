"""What ratings adds to other apps' pages, from RatingsConfig.ready(): My reviews, rating and
thanking on a customer's ticket, the reviews and scores in the navigation of the staff who
answer them or run the organization, their own ratings in their tools, the newest reviews
about an agent on their start page, the kinds of notification it sends, each to whom it
concerns, and technicians' ratings for the availability search."""

from django.core.cache import cache as shared_cache
from django.utils.translation import gettext_lazy as _

from accounts.contributions import own_page, staff_page, staff_tool
from accounts.models import Role
from csportal import slots
from csportal.caching import new_token, remember
from notifications import kinds
from notifications.models import Channel
from technicians import registries as technician_registries

from . import cache, selectors
from .access import RATED_ROLES
from .models import Score, TargetKind
from .services import RESPONDING_ROLES


def register() -> None:
    technician_registries.register_ratings(technician_ratings)
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
    slots.add_panel("technicians.offer", "ratings/includes/offer_reviews.html", offer_reviews)
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


def offer_reviews(context) -> dict | None:
    """The newest reviews with words about a technician the visit search offers."""
    offer = context.get("offer")
    if offer is None:
        return None
    reviews = selectors.technician_reviews(offer.profile.organization_id, offer.technician.pk)
    return {"offer_reviews": reviews} if reviews else None


def technician_ratings(organization_id: int, user_ids) -> dict:
    """Technicians' points as of their last review (what providers are sorted by too): the
    availability search ranks free technicians by it after their workload. One cache round
    trip while no score of the organization has changed since these people were read
    (ratings.cache), else one query."""
    people = sorted(set(user_ids))
    token_key = cache.technician_scores_key(organization_id)
    entry_key = cache.technician_ratings_key(organization_id, people)
    found = shared_cache.get_many([token_key, entry_key])
    token, entry = found.get(token_key), found.get(entry_key)
    if token is not None and entry is not None and entry[0] == token:
        return entry[1]
    if token is None:
        token = remember(token_key, new_token, cache.TOKEN_SECONDS)
    scores = Score.objects.filter(
        organization_id=organization_id, kind=TargetKind.TECHNICIAN, person_id__in=people
    ).values_list("person_id", "points", "count")
    ratings = {
        person: technician_registries.TechnicianRating(points=points, reviews=count)
        for person, points, count in scores
    }
    shared_cache.set(entry_key, (token, ratings), cache.RATINGS_SECONDS)
    return ratings


def reviews_about_me(context) -> dict | None:
    membership = context.get("membership")
    if membership is None or membership.role not in RATED_ROLES:
        return None
    return {
        "reviews_about_me": selectors.reviews_about(membership, limit=selectors.REVIEWS_ABOUT_ME)
    }
