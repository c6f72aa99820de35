"""Demo tickets for `manage.py seed_demo`: each provider's last three months of requests,
answered and resolved at the hours people work, and today's tickets in every state (one of
them overdue).

Everything is made through the services, as a live request would be; the services stamp
the present, so the past is dated afterwards (`_date`). The history is random but the same
on every run (seeded by the provider's slug).
"""

import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from accounts.demo import Cast, Provider
from accounts.models import AgentSkill, Membership, User
from notifications.demo import untold

from . import services
from .models import Category, Priority, Status, Ticket, TicketUpdate, UpdateKind

HISTORY_DAYS = 90
# The demo's own tickets (below) are its present; the history stops this many days before.
HISTORY_ENDS_DAYS_AGO = 4

# Per provider: categories (name, skill), each agent's skills, how many requests a weekday
# brings (a weekend, half), and what customers ask about in each category: (subject, what
# they write, the first answer, the result).
PROVIDERS = {
    "acme": {
        "categories": [
            ("Boilers and heating", "heating"),
            ("Electrics", "electrics"),
            ("Appliances", "appliances"),
        ],
        "skills": {
            "agent1@example.com": ["heating", "electrics"],
            "agent2@example.com": ["appliances", "heating"],
        },
        "per_day": 1.2,
        "topics": {
            "heating": [
                (
                    "Boiler shows fault F28",
                    "No heating or hot water since this morning.",
                    "F28 is an ignition fault. Are your other gas appliances working?",
                    "Replaced the ignition lead; the boiler fires first time again.",
                ),
                (
                    "Radiators cold at the top",
                    "The upstairs radiators are only warm at the bottom.",
                    "That sounds like trapped air. We can talk you through bleeding them.",
                    "Bled every radiator and topped the pressure up to 1.3 bar.",
                ),
                (
                    "Thermostat screen is blank",
                    "The wall thermostat shows nothing and the heating stays off.",
                    "Please try fresh batteries first; if it stays blank we'll come round.",
                    "New batteries, and the thermostat is paired with the boiler again.",
                ),
                (
                    "Annual boiler service",
                    "Could you book our yearly service, mornings if possible?",
                    "Of course. We have mornings free next week; which day suits you?",
                    "Service done, flue and gas pressure checked, certificate emailed.",
                ),
            ],
            "electrics": [
                (
                    "Kitchen lights flicker",
                    "The spotlights in the kitchen flicker when the oven is on.",
                    "Thanks for the detail. It may be a loose connection; we'll send someone.",
                    "Tightened a loose neutral in the ceiling junction box.",
                ),
                (
                    "RCD keeps tripping",
                    "The main switch trips two or three times a day.",
                    "Please unplug the outdoor lights and tell us if it still trips.",
                    "Found water in the garden socket; sealed and replaced it.",
                ),
                (
                    "Outdoor socket for the garden",
                    "We'd like a weatherproof socket on the back wall.",
                    "Happy to. Would you like a quote for one or two outlets?",
                    "Fitted a double weatherproof socket on its own RCD.",
                ),
                (
                    "Smoke alarm keeps chirping",
                    "The hallway alarm chirps every minute, new battery or not.",
                    "That model chirps at the end of its life. We'll bring a new one.",
                    "Replaced the smoke alarm and tested the whole chain.",
                ),
            ],
            "appliances": [
                (
                    "Washing machine won't drain",
                    "It stops mid-cycle full of water.",
                    "Please check the filter behind the small door at the bottom front.",
                    "Cleared a sock from the pump and tested a full cycle.",
                ),
                (
                    "Dishwasher leaves a white film",
                    "Glasses come out cloudy since last week.",
                    "That is usually the rinse aid or the salt. Are both topped up?",
                    "Adjusted the water hardness setting and refilled the salt.",
                ),
                (
                    "Fridge feels warm",
                    "Milk goes off in two days; the fridge light is on.",
                    "Please check the vents at the back aren't blocked by food.",
                    "Replaced the faulty thermostat; it holds 4°C again.",
                ),
                (
                    "Tumble dryer grinds",
                    "A loud grinding noise whenever the drum turns.",
                    "That sounds like the drum bearings. We'll book a technician.",
                    "Replaced the drum support rollers; it runs quietly now.",
                ),
            ],
        },
    },
    "northside": {
        "categories": [
            ("Leaks and drips", "leaks"),
            ("Blocked drains", "drains"),
            ("Water heaters", "water-heaters"),
        ],
        "skills": {"agent@northside.example.com": ["leaks", "drains", "water-heaters"]},
        "per_day": 0.7,
        "topics": {
            "leaks": [
                (
                    "Drip under the kitchen sink",
                    "There's a puddle in the cupboard every morning.",
                    "Please put a bowl under it and check whether the trap is wet.",
                    "Replaced the perished washer on the trap.",
                ),
                (
                    "Water stain on the ceiling",
                    "A brown patch appeared below the bathroom.",
                    "Please don't use that bath until we've looked; we'll come today.",
                    "Resealed the bath waste and replaced the overflow pipe.",
                ),
                (
                    "Toilet keeps running",
                    "The cistern never stops filling.",
                    "That is usually the fill valve. We'll bring a spare.",
                    "Fitted a new fill valve and adjusted the float.",
                ),
            ],
            "drains": [
                (
                    "Shower drains slowly",
                    "Water stands ankle-deep by the end of a shower.",
                    "Hair in the trap is the usual culprit; we can clear it for you.",
                    "Cleared the trap and the first metre of pipe.",
                ),
                (
                    "Blocked outside drain",
                    "The grid by the back door overflows when it rains.",
                    "We'll bring the jetting kit; is the drain easy to reach?",
                    "Jetted the drain and removed a root from the first joint.",
                ),
                (
                    "Kitchen sink gurgles",
                    "The sink gurgles when the washing machine empties.",
                    "That points to a partial blockage further down. We'll take a look.",
                    "Cleared grease from the shared waste pipe.",
                ),
            ],
            "water-heaters": [
                (
                    "No hot water",
                    "The water heater is on but the water is cold.",
                    "Please check the heater's breaker in the fuse box.",
                    "Replaced the failed heating element.",
                ),
                (
                    "Water heater bangs",
                    "Loud bangs from the cylinder when it heats.",
                    "That is often limescale on the element. We'll book a descale.",
                    "Descaled the cylinder and flushed the sediment.",
                ),
                (
                    "Relief valve drips",
                    "The pipe from the cylinder drips onto the floor.",
                    "That valve protects the tank; we'll test it this week.",
                    "Replaced the pressure relief valve; the pressure holds.",
                ),
            ],
        },
    },
}

WORKDAY_START, WORKDAY_END = time(8, 0), time(18, 30)


def seed_tickets(provider: Provider, cast: Cast, *, now: datetime) -> int:
    """Create the provider's categories, skills, history and today's tickets once; later
    runs create nothing."""
    organization = provider.organization
    if Category.objects.filter(organization=organization).exists():
        return 0
    spec = PROVIDERS[organization.slug]
    categories = {
        skill: Category.objects.create(organization=organization, name=name, skill=skill)
        for name, skill in spec["categories"]
    }
    for email, skills in spec["skills"].items():
        membership = Membership.objects.get(user=provider.staff[email], organization=organization)
        AgentSkill.objects.bulk_create(
            AgentSkill(membership=membership, skill=skill) for skill in skills
        )
    with untold():
        for past in _history(provider, cast, spec, categories, now=now):
            _replay(past, provider, categories)
    CURRENT[organization.slug](provider, cast, categories, now=now)
    return Ticket.objects.filter(organization=organization).count()


# The history ------------------------------------------------------------------------------


@dataclass
class Past:
    """A request of the past: who asked what, and when each step happened."""

    customer: User
    agent: User
    skill: str
    topic: tuple[str, str, str, str]
    priority: str
    opened: datetime
    taken: datetime
    answered: datetime
    resolved: datetime | None
    closed: datetime | None = None


def _history(provider: Provider, cast: Cast, spec: dict, categories, *, now) -> list[Past]:
    rng = random.Random(f"tickets:{provider.organization.slug}")  # noqa: S311 - demo data, seeded
    zone = ZoneInfo(provider.organization.timezone)
    agents = {email: provider.staff[email] for email in spec["skills"]}
    # Mostly the neighbours; the demo's own customers come back every few weeks.
    customers = [*cast.neighbours, *cast.customers]
    weights = [1] * len(cast.neighbours) + [1.2] * len(cast.customers)
    today = now.astimezone(zone).date()
    history = []
    for days_ago in range(HISTORY_DAYS - 1, HISTORY_ENDS_DAYS_AGO - 1, -1):
        day = today - timedelta(days=days_ago)
        expected = spec["per_day"] * (0.5 if day.weekday() >= 5 else 1)
        count = sum(rng.random() < expected / 3 for _ in range(3))
        for _ in range(count):
            skill = rng.choice(list(spec["topics"]))
            agent = rng.choice(
                [user for email, user in agents.items() if skill in spec["skills"][email]]
            )
            opened = datetime.combine(
                day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=zone
            )
            busy = _busy(provider.organization.slug, days_ago)
            taken = opened + timedelta(minutes=rng.randint(2, 25))
            answered = during_work(taken + _answer_wait(rng, busy), zone)
            resolved = during_work(answered + _resolution_wait(rng), zone)
            if resolved > now - timedelta(hours=1):
                resolved = None
            closed = None
            if resolved is not None and rng.random() < 0.5:
                closed = during_work(resolved + timedelta(days=rng.randint(3, 6)), zone)
                if closed > now - timedelta(hours=1):
                    closed = None
            history.append(
                Past(
                    customer=rng.choices(customers, weights)[0],
                    agent=agent,
                    skill=skill,
                    topic=rng.choice(spec["topics"][skill]),
                    priority=rng.choices(
                        [Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT],
                        [2, 12, 3, 1],
                    )[0],
                    opened=opened,
                    taken=taken,
                    answered=answered,
                    resolved=resolved,
                    closed=closed,
                )
            )
    return history


def _busy(slug: str, days_ago: int) -> bool:
    """Acme had a hard month: a technician away and a cold snap, 40 to 60 days ago."""
    return slug == "acme" and 40 <= days_ago <= 60


def _answer_wait(rng: random.Random, busy: bool) -> timedelta:
    if busy:
        return timedelta(minutes=rng.choice([rng.randint(60, 300), rng.randint(300, 1500)]))
    band = rng.choices([(5, 40), (40, 150), (150, 420), (900, 1800)], [45, 35, 15, 5])[0]
    return timedelta(minutes=rng.randint(*band))


def _resolution_wait(rng: random.Random) -> timedelta:
    band = rng.choices([(60, 480), (480, 1800), (1800, 3600)], [55, 35, 10])[0]
    return timedelta(minutes=rng.randint(*band))


def during_work(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment`, or early in the next working day (Monday to Saturday) when it falls
    outside working hours."""
    local = moment.astimezone(zone)
    if local.weekday() < 6 and WORKDAY_START <= local.time() <= WORKDAY_END:
        return moment
    day = local.date() if local.time() < WORKDAY_START else local.date() + timedelta(days=1)
    while day.weekday() == 6:
        day += timedelta(days=1)
    return datetime.combine(day, WORKDAY_START, tzinfo=zone) + timedelta(
        minutes=5 + local.minute % 40
    )


def _replay(past: Past, provider: Provider, categories: dict) -> None:
    subject, body, answer, result = past.topic
    ticket = services.ticket_open(
        organization=provider.organization,
        customer=past.customer,
        subject=subject,
        body=body,
        category=categories[past.skill],
        priority=past.priority,
    )
    services.ticket_take(ticket=ticket, agent=past.agent)
    services.ticket_add_progress(ticket=ticket, author=past.agent, body=answer)
    if past.resolved is not None:
        services.ticket_resolve(ticket=ticket, result=result, by=past.agent)
    if past.closed is not None:
        services.ticket_change_status(ticket=ticket, status=Status.CLOSED, by=past.agent)
    _date(
        ticket,
        {
            UpdateKind.CREATED: past.opened,
            UpdateKind.ASSIGNMENT: past.taken,
            UpdateKind.PROGRESS: past.answered,
            UpdateKind.RESULT: past.resolved,
            UpdateKind.STATUS: past.closed,
        },
    )


def _date(ticket: Ticket, when: dict[str, datetime | None]) -> None:
    """Move the ticket and its timeline, written just now, to when they happened: each entry
    to the moment given for its kind (an entry of a kind not given, to the one before it),
    the ticket's milestones and due times with them."""
    updates = list(TicketUpdate.objects.filter(ticket=ticket).order_by("pk"))
    moment = when[UpdateKind.CREATED]
    for update in updates:
        moment = when.get(update.kind) or moment
        update.created_at = moment
    TicketUpdate.objects.bulk_update(updates, ["created_at"])
    ticket.refresh_from_db()
    shift = when[UpdateKind.CREATED] - ticket.created_at

    def first(*kinds) -> datetime | None:
        return next((u.created_at for u in updates if u.kind in kinds and u.is_public), None)

    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=when[UpdateKind.CREATED],
        updated_at=updates[-1].created_at,
        first_response_due=ticket.first_response_due + shift,
        resolution_due=ticket.resolution_due + shift,
        first_responded_at=first(UpdateKind.PROGRESS, UpdateKind.RESULT)
        if ticket.first_responded_at
        else None,
        resolved_at=first(UpdateKind.RESULT) if ticket.resolved_at else None,
        closed_at=first(UpdateKind.STATUS) if ticket.closed_at else None,
    )


def history_tickets(organization, *, now: datetime):
    """The provider's resolved tickets of the history, not the demo's present: what its
    customers reviewed in the past (ratings.demo)."""
    zone = ZoneInfo(organization.timezone)
    present = now.astimezone(zone).date() - timedelta(days=HISTORY_ENDS_DAYS_AGO - 1)
    return Ticket.objects.filter(
        organization=organization,
        created_at__lt=datetime.combine(present, time(0), tzinfo=zone),
        resolved_at__isnull=False,
    )


# Today's tickets --------------------------------------------------------------------------


def _at(now: datetime, zone: str, days_ago: int, hour: int, minute: int) -> datetime:
    day = now.astimezone(ZoneInfo(zone)).date() - timedelta(days=days_ago)
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(zone))


def _acme_today(provider: Provider, cast: Cast, categories: dict, *, now: datetime) -> None:
    organization, staff = provider.organization, provider.staff
    zone = organization.timezone
    manager, alex, ana = (
        staff["manager@example.com"],
        staff["agent1@example.com"],
        staff["agent2@example.com"],
    )
    chris, casey = cast.customers

    def open_(customer, subject, body, skill, priority=Priority.NORMAL):
        return services.ticket_open(
            organization=organization,
            customer=customer,
            subject=subject,
            body=body,
            category=categories[skill],
            priority=priority,
        )

    queued = open_(chris, "Radiator in the hall stays cold", "The others are warm.", "heating")
    services.ticket_change_priority(ticket=queued, priority=Priority.HIGH, by=manager)
    opened = now - timedelta(minutes=25)
    _date(queued, {UpdateKind.CREATED: opened, UpdateKind.PRIORITY: opened + timedelta(minutes=4)})

    working = open_(casey, "Oven trips the fuse", "Every time it heats up.", "appliances")
    services.ticket_assign(ticket=working, assignee=ana, by=manager)
    services.ticket_add_progress(
        ticket=working, author=ana, body="A technician can come on Thursday morning."
    )
    services.ticket_add_internal_note(
        ticket=working, author=ana, body="Second oven complaint this year; check the warranty."
    )
    opened = _at(now, zone, 1, 10, 5)
    _date(
        working,
        {
            UpdateKind.CREATED: opened,
            UpdateKind.ASSIGNMENT: opened + timedelta(minutes=9),
            UpdateKind.PROGRESS: opened + timedelta(minutes=34),
            UpdateKind.INTERNAL: opened + timedelta(minutes=36),
        },
    )

    resolved = open_(chris, "Boiler pressure keeps dropping", "Down to 0.5 bar daily.", "heating")
    services.ticket_assign(ticket=resolved, assignee=alex, by=manager)
    services.ticket_add_progress(ticket=resolved, author=alex, body="We'll replace the valve.")
    services.ticket_resolve(
        ticket=resolved, result="Replaced the expansion valve; pressure holds at 1.5 bar.", by=alex
    )
    opened = _at(now, zone, 3, 9, 12)
    _date(
        resolved,
        {
            UpdateKind.CREATED: opened,
            UpdateKind.ASSIGNMENT: opened + timedelta(minutes=6),
            UpdateKind.PROGRESS: opened + timedelta(minutes=41),
            UpdateKind.RESULT: _at(now, zone, 1, 16, 30),
        },
    )

    overdue = open_(
        casey, "Sockets in the kitchen dead", "Since the storm.", "electrics", Priority.URGENT
    )
    services.ticket_assign(ticket=overdue, assignee=alex, by=manager)
    # Opened yesterday and never answered, so the overdue views and reminders show something.
    yesterday = now - timedelta(days=1)
    _date(
        overdue,
        {UpdateKind.CREATED: yesterday, UpdateKind.ASSIGNMENT: yesterday + timedelta(minutes=3)},
    )


def _northside_today(provider: Provider, cast: Cast, categories: dict, *, now: datetime):
    organization, omar = provider.organization, provider.staff["agent@northside.example.com"]
    chris, casey = cast.customers
    leak = services.ticket_open(
        organization=organization,
        customer=chris,
        subject="Leak under the bathroom basin",
        body="The pipe under the basin drips steadily.",
        category=categories["leaks"],
    )
    services.ticket_take(ticket=leak, agent=omar)
    services.ticket_add_progress(
        ticket=leak, author=omar, body="Pete can come tomorrow morning to replace the joint."
    )
    opened = _at(now, organization.timezone, 2, 14, 20)
    _date(
        leak,
        {
            UpdateKind.CREATED: opened,
            UpdateKind.ASSIGNMENT: opened + timedelta(minutes=12),
            UpdateKind.PROGRESS: opened + timedelta(minutes=25),
        },
    )

    waiting = services.ticket_open(
        organization=organization,
        customer=casey,
        subject="Kitchen tap drips",
        body="A drop every few seconds, even when closed tight.",
        category=categories["leaks"],
        priority=Priority.LOW,
    )
    _date(waiting, {UpdateKind.CREATED: now - timedelta(hours=2)})


CURRENT = {"acme": _acme_today, "northside": _northside_today}
