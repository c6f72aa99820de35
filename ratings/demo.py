"""Demo reviews for `manage.py seed_demo`: three months of reviews of each provider's resolved
requests, answered at the pace its staff kept, with every day's score snapshot taken as that
day ended, so the trend charts draw a real line; then the present: reviews of a ticket, a
visit and a chat (some answered) and a thank-you.

Reviews are posted through the services with the time they were written (`now=`), in the
order they happened, so the scores and their snapshots are what the live portal would have
recorded. The choices are random but the same on every run.
"""

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.cache import cache

from accounts.demo import Cast, Provider
from chat.models import Conversation
from notifications.demo import untold
from technicians.models import ServiceRequest, VisitStatus
from tickets.demo import during_work, history_tickets
from tickets.models import Ticket

from . import services
from .models import Review

# What customers write, by stars; one writes in Korean. None in Chinese: SnowNLP, which
# reads it, takes seconds to load, a third of the whole seeding.
COMMENTS = {
    5: [
        "Quick answer and the job was done properly.",
        "Friendly, on time and tidy. Couldn't ask for more.",
        "Explained what was wrong and fixed it the same day. Excellent!",
        "Great service from start to finish, thank you.",
    ],
    4: [
        "Good work, though it took a couple of days to sort out.",
        "Helpful and polite; the first idea didn't work but the second did.",
        "Solved, and they kept me posted along the way.",
        "친절하고 꼼꼼하게 처리해 주셨어요.",
    ],
    3: [
        "Fixed in the end, but I had to chase them twice.",
        "OK service. The first answer took a while.",
    ],
    2: [
        "Took far too long and nobody told me why.",
        "Still not quite right; I had to ask again.",
    ],
    1: [
        "Nobody answered for a day and the problem came back. Disappointed.",
    ],
}
ANSWERS = {
    "good": [
        "Thank you, {name}! Glad we could help.",
        "Thanks for the kind words, {name}. We'll pass them on to the team.",
        "Thank you, {name}. Call us any time.",
    ],
    "poor": [
        "Sorry it took longer than it should have, {name}. We've added cover at busy times.",
        "Thank you for telling us, {name}. We'll call you to put it right.",
    ],
}


@dataclass(order=True)
class _Step:
    at: datetime
    order: int
    run: object = field(compare=False)


def seed_reviews(cast: Cast, *, now: datetime) -> int:
    """Create each provider's demo reviews once (a provider with reviews is skipped); the
    scores and their daily snapshots follow."""
    providers = [
        provider
        for provider in cast.providers
        if not Review.objects.filter(organization=provider.organization).exists()
    ]
    if not providers:
        return 0
    with untold():
        _history(providers, now=now)
    for provider in providers:
        PRESENT[provider.organization.slug](provider, cast, now=now)
    services.scores_snapshot(now=now)
    return Review.objects.filter(organization__in=[p.organization for p in providers]).count()


# The history ------------------------------------------------------------------------------


def _history(providers: list[Provider], *, now: datetime) -> None:
    """Post and answer the providers' past reviews in the order they happened, taking each
    day's snapshots as the day ended: every provider's at once, since each one's points
    lean on the mean of all of them (the prior)."""
    steps: list[_Step] = []
    for provider in providers:
        steps += _plan(provider, now=now)
    steps.sort()
    if not steps:
        return
    zone = UTC  # snapshot days are dates in the default time zone, as the daily task's
    day, today = steps[0].at.astimezone(zone).date(), now.astimezone(zone).date()
    pending = iter(steps)
    step = next(pending, None)
    while day < today:
        day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        while step is not None and step.at < day_end:
            step.run()
            step = next(pending, None)
        # The prior is kept for minutes; each day's snapshots need that day's.
        cache.delete(services.GLOBAL_PRIOR_CACHE_KEY)
        services.scores_snapshot(day=day, now=day_end - timedelta(microseconds=1))
        day += timedelta(days=1)
    while step is not None:
        step.run()
        step = next(pending, None)
    cache.delete(services.GLOBAL_PRIOR_CACHE_KEY)


def _plan(provider: Provider, *, now: datetime) -> list[_Step]:
    organization = provider.organization
    rng = random.Random(f"reviews:{organization.slug}")  # noqa: S311 - demo data, seeded on purpose
    zone = ZoneInfo(organization.timezone)
    steps = []
    tickets = history_tickets(organization, now=now).select_related("customer", "assignee")
    for ticket in tickets.order_by("created_at"):
        if rng.random() > 0.6:
            continue
        written = _awake(ticket.resolved_at + timedelta(minutes=rng.randint(40, 36 * 60)), zone)
        if written > now - timedelta(hours=1):
            continue
        stars = _stars(rng, organization.slug, ticket, now=now)
        comment = rng.choice(COMMENTS[stars])
        posted: dict[str, Review] = {}
        steps.append(
            _Step(
                written,
                len(steps),
                _poster(posted, ticket=ticket, stars=stars, comment=comment, at=written),
            )
        )
        if rng.random() > (0.85 if stars <= 3 else 0.65):
            continue
        wait = rng.choices([(10, 60), (60, 240), (240, 720), (1440, 2880)], [45, 35, 15, 5])[0]
        answered = during_work(written + timedelta(minutes=rng.randint(*wait)), zone)
        if answered > now - timedelta(minutes=30):
            continue
        name = ticket.customer.full_name.split()[0]
        body = rng.choice(ANSWERS["good" if stars >= 4 else "poor"]).format(name=name)
        steps.append(
            _Step(
                answered,
                len(steps),
                _answerer(posted, author=ticket.assignee, body=body, at=answered),
            )
        )
    return steps


def _awake(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment`, or the next morning when it falls in the night: customers write by day."""
    local = moment.astimezone(zone)
    if 8 <= local.hour < 22:
        return moment
    day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
    return datetime.combine(day, time(8, local.minute % 50), tzinfo=zone)


def _poster(posted: dict, *, ticket: Ticket, stars: int, comment: str, at: datetime):
    def post():
        posted["review"] = services.review_post(
            customer=ticket.customer,
            organization=ticket.organization,
            stars=stars,
            comment=comment,
            ticket=ticket,
            now=at,
        )

    return post


def _answerer(posted: dict, *, author, body: str, at: datetime):
    def answer():
        services.review_respond(review=posted["review"], author=author, body=body, now=at)

    return answer


def _stars(rng: random.Random, slug: str, ticket: Ticket, *, now: datetime) -> int:
    """How the customer felt: Acme is good but had a hard month 40 to 60 days ago;
    Northside started shaky and got better. Slow answers and long fixes cost stars."""
    days_ago = (now - ticket.created_at).days
    if slug == "acme":
        mood = 2.9 if 40 <= days_ago <= 60 else 4.4
    else:
        mood = 3.3 + 1.2 * (1 - days_ago / 90)
    if ticket.first_responded_at - ticket.created_at < timedelta(hours=1):
        mood += 0.3
    elif ticket.first_responded_at - ticket.created_at > timedelta(hours=6):
        mood -= 0.6
    if ticket.resolved_at - ticket.created_at > timedelta(days=2):
        mood -= 0.4
    return max(1, min(5, round(rng.gauss(mood, 0.7))))


# The present ------------------------------------------------------------------------------


def _at(now: datetime, provider: Provider, days_ago: int, hour: int, minute: int) -> datetime:
    """A time of day at the provider, `days_ago` days back, but never later than now."""
    zone = ZoneInfo(provider.organization.timezone)
    day = now.astimezone(zone).date() - timedelta(days=days_ago)
    return min(datetime.combine(day, time(hour, minute), tzinfo=zone), now - timedelta(minutes=5))


def _acme(provider: Provider, cast: Cast, *, now: datetime) -> None:
    organization = provider.organization
    chris, casey = cast.customers
    ticket = Ticket.objects.get(
        organization=organization, customer=chris, subject="Boiler pressure keeps dropping"
    )
    written = _at(now, provider, 1, 19, 10)
    answered = services.review_post(
        customer=chris,
        organization=organization,
        stars=4,
        comment="Alex explained everything and the pressure holds now. Took two days though.",
        ticket=ticket,
        now=written,
    )
    services.review_respond(
        review=answered,
        author=provider.staff["agent1@example.com"],
        body="Thank you, Chris! We're working on getting parts to you faster.",
        now=max(_at(now, provider, 0, 9, 5), written + timedelta(minutes=20)),
    )
    visit = ServiceRequest.objects.get(
        organization=organization, customer=chris, status=VisitStatus.COMPLETED
    )
    services.review_post(
        customer=chris,
        organization=organization,
        stars=5,
        comment="Tom was on time, careful and left everything clean.",
        visit=visit,
        now=written + timedelta(minutes=4),
    )
    services.gift_send(
        sender=chris,
        organization=organization,
        recipient=visit.technician,
        kind="coffee",
        note="For the early start!",
        visit=visit,
    )
    chat = Conversation.objects.get(organization=organization, customer=casey, agent__isnull=False)
    services.review_post(
        customer=casey,
        organization=organization,
        stars=3,
        comment="Ana answered quickly, but I still have no exact time for the visit.",
        conversation=chat,
        now=chat.closed_at + timedelta(minutes=12),
    )


def _northside(provider: Provider, cast: Cast, *, now: datetime) -> None:
    organization = provider.organization
    chris, casey = cast.customers
    visit = ServiceRequest.objects.get(
        organization=organization, customer=casey, status=VisitStatus.COMPLETED
    )
    written = visit.completed_at + timedelta(hours=3)
    review = services.review_post(
        customer=casey,
        organization=organization,
        stars=5,
        comment="Pete found the problem in minutes and the shower works perfectly.",
        visit=visit,
        now=written,
    )
    services.review_respond(
        review=review,
        author=provider.staff["manager@northside.example.com"],
        body="Thank you, Casey! Pete will be pleased to hear it.",
        now=during_work(written + timedelta(hours=14), ZoneInfo(organization.timezone)),
    )
    chat = Conversation.objects.get(organization=organization, customer=chris)
    services.review_post(
        customer=chris,
        organization=organization,
        stars=4,
        comment="Clear answer about water softeners, and no hard sell.",
        conversation=chat,
        now=chat.closed_at + timedelta(hours=1),
    )


PRESENT = {"acme": _acme, "northside": _northside}
