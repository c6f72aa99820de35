"""Reviews made through the service, so the scores always agree with the rows."""

from accounts.models import Role
from accounts.tests.factories import CustomerFactory, staff
from ratings import services
from ratings.models import Review
from technicians.tests.factories import completed_visit
from tickets.tests.factories import answered_ticket


def posted_review(
    organization, *, customer=None, stars: int = 4, comment: str = "", **targets
) -> Review:
    """A review by a customer the organization served: about the ticket, visit or chat in
    `targets`, or else about what is made for it: a ticket the named agent answered, a visit
    the named technician completed, or both (the review then about neither in particular)."""
    customer = customer or CustomerFactory()
    if not any(targets.get(field) for field in services.SUBJECT_FIELDS):
        agent, technician = targets.get("agent"), targets.get("technician")
        made = {}
        if agent is not None or technician is None:
            # Without an agent, a manager answers: they are on nobody's list of scores.
            made["ticket"] = answered_ticket(
                organization,
                customer=customer,
                assignee=agent,
                by=agent or staff(organization, Role.MANAGER),
            )
        if technician is not None:
            made["visit"] = completed_visit(organization, customer=customer, technician=technician)
        if len(made) == 1:
            targets.update(made)
    return services.review_post(
        customer=customer, organization=organization, stars=stars, comment=comment, **targets
    )


# What the services say once a review's edit window (72 hours in these tests) has passed.
WINDOW_PASSED = "A review can be changed only in its first 72 hours."
