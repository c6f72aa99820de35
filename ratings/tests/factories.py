"""Reviews made through the service, so the scores always agree with the rows."""

from accounts.tests.factories import CustomerFactory
from ratings import services
from ratings.models import Review
from tickets.tests.factories import TicketFactory


def posted_review(
    organization, *, customer=None, stars: int = 4, comment: str = "", **targets
) -> Review:
    """A review by a customer the organization served: about the ticket, visit or chat in
    `targets`, or else a ticket of theirs made for it."""
    customer = customer or CustomerFactory()
    if not any(targets.get(field) for field in services.SUBJECT_FIELDS):
        targets["ticket"] = TicketFactory(
            organization=organization, customer=customer, assignee=targets.get("agent")
        )
    return services.review_post(
        customer=customer, organization=organization, stars=stars, comment=comment, **targets
    )


# What the services say once a review's edit window (72 hours in these tests) has passed.
WINDOW_PASSED = "A review can be changed only in its first 72 hours."
