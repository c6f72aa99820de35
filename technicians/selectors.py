"""Reads for the visit pages and the API: each one query, or a fixed few, whatever the size.

customer_visits          the customer's home: their visits, newest first
visit_providers          whom a customer can ask for a visit: theirs first, then the others
agenda_days              the technician's agenda grouped by local day
technician_agenda        the technician's phone: today and the coming days, in order
day_board                the manager's board: every technician's visits on a day
workload                 visits and booked minutes per technician per day, and capacity
area_workload            the same per area, for rebalancing areas
waiting_requests         the desk: requests with no time yet, per branch office
visit_settings           an organization's visit rules (cached)
...and the catalogues a manager edits: offices, areas, product lines, profiles.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, DurationField, ExpressionWrapper, F, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from accounts.models import AgentSkill, Membership, Organization, Role, User
from csportal.caching import remember
from tickets.models import Ticket

from .models import (
    BranchOffice,
    PostalPrefix,
    ProductLine,
    ServiceArea,
    ServiceRequest,
    TechnicianProfile,
    TimeOff,
    VisitSettings,
    VisitStatus,
    WorkingHours,
)

SETTINGS_SECONDS = 300
# Visits a technician has begun stay on their agenda this long after their booked day, so
# one that runs late or was left open is still there to finish.
OPEN_WORK_DAYS = 2
WORKING_STATUSES = (VisitStatus.ON_THE_WAY, VisitStatus.ARRIVED, VisitStatus.IN_PROGRESS)


def settings_key(organization_id: int) -> str:
    return f"technicians:settings:{organization_id}"


def visit_settings(organization: Organization) -> VisitSettings:
    """The organization's rules, or the defaults; dropped from the cache when they change
    (services.visit_settings_set)."""
    return remember(
        settings_key(organization.pk), lambda: read_visit_settings(organization), SETTINGS_SECONDS
    )


def read_visit_settings(organization: Organization) -> VisitSettings:
    return VisitSettings.objects.filter(organization=organization).first() or VisitSettings(
        organization_id=organization.pk
    )


def local_day_bounds(
    organization: Organization, day: date, days: int = 1
) -> tuple[datetime, datetime]:
    """[start, end) in UTC of `days` local days from `day` in the organization's zone."""
    zone = zoneinfo.ZoneInfo(organization.timezone)
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=days), time(), tzinfo=zone).astimezone(UTC)
    return start, end


def local_today(organization: Organization, now: datetime) -> date:
    return now.astimezone(zoneinfo.ZoneInfo(organization.timezone)).date()


def _visit_rows() -> QuerySet[ServiceRequest]:
    # A page about visits shows people's names, never reads their password hashes.
    return ServiceRequest.objects.select_related(
        "organization",
        "customer__customer_profile",
        "technician",
        "product",
        "area__branch_office",
    ).defer("customer__password", "technician__password")


# People's own visits -------------------------------------------------------------------


def customer_visits(customer: User) -> QuerySet[ServiceRequest]:
    """The customer's visits with every provider, newest first."""
    return _visit_rows().filter(customer=customer).order_by("-created_at", "-pk")


def visit_providers(customer: User) -> tuple[list[Organization], list[Organization]]:
    """Organizations with service areas: those the customer has had visits or tickets with,
    then the others, each by name (two queries)."""
    providers = list(
        Organization.objects.filter(
            pk__in=ServiceArea.objects.values("organization_id").distinct()
        ).order_by("name")
    )
    known = set(
        ServiceRequest.objects.filter(customer=customer)
        .order_by()
        .values_list("organization_id", flat=True)
        .union(
            Ticket.objects.filter(customer=customer)
            .order_by()
            .values_list("organization_id", flat=True)
        )
    )
    return (
        [org for org in providers if org.pk in known],
        [org for org in providers if org.pk not in known],
    )


AGENDA_FIELDS = (
    "status",
    "summary",
    "product__name",
    "address",
    "postal_code",
    "symptoms",
    "customer_notes",
    "scheduled_start",
    "scheduled_end",
    "created_at",
)


def technician_agenda(
    technician: User, organization: Organization, *, now: datetime, days: int = 7
) -> QuerySet[ServiceRequest]:
    """What the technician has to do from today for `days` local days, in time order: every
    booked visit, and any begun earlier and not finished. Cancelled ones are left out."""
    since, until = local_day_bounds(organization, local_today(organization, now), days)
    booked = Q(scheduled_start__gte=since, scheduled_start__lt=until)
    unfinished = Q(
        status__in=WORKING_STATUSES,
        scheduled_start__gte=since - timedelta(days=OPEN_WORK_DAYS),
        scheduled_start__lt=since,
    )
    return (
        ServiceRequest.objects.filter(
            booked | unfinished, organization=organization, technician=technician
        )
        .exclude(status=VisitStatus.CANCELLED)
        .select_related("product")
        # What the agenda shows (technicians/includes/today.html): the technician's phone
        # needs no customer, area or office rows, and the six-table join took PostgreSQL
        # longer to plan (2 ms) than to run (bench/technicians_load.py).
        .only(*AGENDA_FIELDS)
        .order_by("scheduled_start", "pk")
    )


def agenda_days(
    technician: User, organization: Organization, *, now: datetime, days: int = 7
) -> list[tuple[date, list[ServiceRequest]]]:
    """technician_agenda by local day, in order; visits begun earlier come under their own
    day, first."""
    zone = zoneinfo.ZoneInfo(organization.timezone)
    grouped: dict[date, list[ServiceRequest]] = {}
    for visit in technician_agenda(technician, organization, now=now, days=days):
        # The agenda holds booked visits only: each has its start.
        start = visit.scheduled_start or visit.created_at
        grouped.setdefault(start.astimezone(zone).date(), []).append(visit)
    return list(grouped.items())


def organization_visits(
    organization: Organization,
    *,
    technician: User | None = None,
    technician_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    status: str | None = None,
    area_id: int | None = None,
    branch_office_id: int | None = None,
) -> QuerySet[ServiceRequest]:
    """The organization's visits in time order (waiting requests, with no time, last),
    narrowed by technician, local days since..until (inclusive), status, area or office."""
    visits = _visit_rows().filter(organization=organization)
    if technician is not None:
        visits = visits.filter(technician=technician)
    if technician_id is not None:
        visits = visits.filter(technician_id=technician_id)
    if since is not None:
        visits = visits.filter(scheduled_start__gte=local_day_bounds(organization, since)[0])
    if until is not None:
        visits = visits.filter(scheduled_start__lt=local_day_bounds(organization, until)[1])
    if status:
        visits = visits.filter(status=status)
    if area_id is not None:
        visits = visits.filter(area_id=area_id)
    if branch_office_id is not None:
        visits = visits.filter(area__branch_office_id=branch_office_id)
    return visits.order_by(F("scheduled_start").asc(nulls_last=True), "pk")


# The organization's days -------------------------------------------------------------


def technicians_of(organization: Organization) -> QuerySet[TechnicianProfile]:
    """The organization's active technicians' profiles, by name."""
    return (
        TechnicianProfile.objects.filter(
            organization=organization,
            membership__is_active=True,
            membership__role=Role.TECHNICIAN,
            membership__user__is_active=True,
        )
        .select_related("membership__user")
        .order_by("membership__user__full_name", "membership__user__email")
    )


@dataclass
class BoardRow:
    profile: TechnicianProfile
    visits: list[ServiceRequest] = field(default_factory=list)

    @property
    def booked_minutes(self) -> int:
        return sum(visit.booked_minutes for visit in self.visits)


def day_board(organization: Organization, day: date) -> list[BoardRow]:
    """Every active technician with their visits on the local day, in time order (two
    queries). Visits of someone no longer a technician there are left out."""
    since, until = local_day_bounds(organization, day)
    rows = {
        profile.membership.user_id: BoardRow(profile) for profile in technicians_of(organization)
    }
    visits = (
        ServiceRequest.objects.filter(
            organization=organization,
            scheduled_start__gte=since,
            scheduled_start__lt=until,
            technician__in=list(rows),
        )
        .exclude(status=VisitStatus.CANCELLED)
        .select_related("customer", "product", "area")
        .order_by("scheduled_start", "pk")
    )
    for visit in visits:
        rows[visit.technician_id].visits.append(visit)
    return list(rows.values())


def waiting_requests(
    organization: Organization, branch_office: BranchOffice | None = None
) -> QuerySet[ServiceRequest]:
    """Requests nobody has given a time yet, oldest first; of one office's areas if given
    (requests without an area belong to every office)."""
    requests = _visit_rows().filter(organization=organization, status=VisitStatus.REQUESTED)
    if branch_office is not None:
        requests = requests.filter(Q(area__branch_office=branch_office) | Q(area__isnull=True))
    return requests.order_by("created_at", "pk")


_BOOKED = ExpressionWrapper(F("scheduled_end") - F("scheduled_start"), output_field=DurationField())


@dataclass
class WorkloadRow:
    profile: TechnicianProfile
    # local day -> {"visits", "booked_minutes", "working_minutes"}
    days: dict[date, dict[str, int]] = field(default_factory=dict)

    @property
    def technician(self) -> User:
        return self.profile.membership.user

    @property
    def week(self) -> dict[str, int]:
        """The totals over all the days."""
        return {
            name: sum(day[name] for day in self.days.values())
            for name in ("visits", "booked_minutes", "working_minutes")
        }


def workload(
    organization: Organization, first_day: date, days: int = 7, *, area: ServiceArea | None = None
) -> list[WorkloadRow]:
    """Per active technician (covering `area`, if given) and local day from `first_day`:
    booked visits, their minutes, and the minutes of working hours. Three queries; the
    database does the sums."""
    zone = zoneinfo.ZoneInfo(organization.timezone)
    since, until = local_day_bounds(organization, first_day, days)
    profiles = technicians_of(organization)
    if area is not None:
        profiles = profiles.filter(areas=area)
    day_list = [first_day + timedelta(days=n) for n in range(days)]
    rows = {
        profile.membership.user_id: WorkloadRow(
            profile,
            {day: {"visits": 0, "booked_minutes": 0, "working_minutes": 0} for day in day_list},
        )
        for profile in profiles
    }
    visits = (
        ServiceRequest.objects.filter(
            organization=organization,
            scheduled_start__gte=since,
            scheduled_start__lt=until,
            technician__in=list(rows),
        )
        .exclude(status=VisitStatus.CANCELLED)
        .annotate(day=TruncDate("scheduled_start", tzinfo=zone))
        .values("technician", "day")
        .annotate(visits=Count("pk"), booked=Sum(_BOOKED))
        .order_by()
    )
    for total in visits:
        cell = rows[total["technician"]].days[total["day"]]
        cell["visits"] = total["visits"]
        cell["booked_minutes"] = int(total["booked"].total_seconds() // 60)
    by_profile = {row.profile.pk: row for row in rows.values()}
    hours = WorkingHours.objects.filter(technician__in=list(by_profile)).values_list(
        "technician", "weekday", "start", "end"
    )
    for profile_id, weekday, start, end in hours:
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        for day in day_list:
            if day.weekday() == weekday:
                by_profile[profile_id].days[day]["working_minutes"] += minutes
    return list(rows.values())


def area_workload(organization: Organization, first_day: date, days: int = 7) -> list[dict]:
    """Per area: its booked visits and their minutes over the days, and how many active
    technicians cover it (two queries)."""
    since, until = local_day_bounds(organization, first_day, days)
    visits = (
        ServiceRequest.objects.filter(
            organization=organization, scheduled_start__gte=since, scheduled_start__lt=until
        )
        .exclude(status=VisitStatus.CANCELLED)
        .values("area")
        .annotate(visits=Count("pk"), booked=Sum(_BOOKED))
        .order_by()
    )
    totals = {row["area"]: row for row in visits}
    areas = ServiceArea.objects.filter(organization=organization).annotate(
        technician_count=Count(
            "technicians",
            filter=Q(
                technicians__membership__is_active=True,
                technicians__membership__role=Role.TECHNICIAN,
            ),
        )
    )
    result = []
    for area in areas.select_related("branch_office"):
        total = totals.get(area.pk, {})
        booked = total.get("booked") or timedelta()
        result.append(
            {
                "area": area,
                "technicians": area.technician_count,
                "visits": total.get("visits", 0),
                "booked_minutes": int(booked.total_seconds() // 60),
            }
        )
    return result


# What a manager edits ----------------------------------------------------------------


def branch_offices(organization: Organization) -> QuerySet[BranchOffice]:
    return BranchOffice.objects.filter(organization=organization).order_by("name")


def service_areas(organization: Organization) -> QuerySet[ServiceArea]:
    """With their prefixes and office, by name."""
    return (
        ServiceArea.objects.filter(organization=organization)
        .select_related("branch_office")
        .prefetch_related(Prefetch("prefixes", queryset=PostalPrefix.objects.order_by("prefix")))
        .order_by("name")
    )


def product_lines(organization: Organization) -> QuerySet[ProductLine]:
    return ProductLine.objects.filter(organization=organization).order_by("name")


def technician_profiles(organization: Organization) -> QuerySet[TechnicianProfile]:
    """Every technician's profile with areas, hours and skills (five queries in all)."""
    return technicians_of(organization).prefetch_related(
        "areas",
        "working_hours",
        Prefetch(
            "membership__skills",
            queryset=AgentSkill.objects.order_by("skill"),
            to_attr="skill_list",
        ),
    )


def skills_of(profile: TechnicianProfile) -> list[str]:
    """The technician's skill slugs (prefetched by technician_profiles when there)."""
    prefetched = getattr(profile.membership, "skill_list", None)
    if prefetched is not None:
        return [skill.skill for skill in prefetched]
    return list(profile.membership.skills.order_by("skill").values_list("skill", flat=True))


def profile_of(membership: Membership) -> TechnicianProfile | None:
    return TechnicianProfile.objects.filter(membership=membership).first()


def upcoming_time_off(profile: TechnicianProfile, *, now: datetime) -> QuerySet[TimeOff]:
    return TimeOff.objects.filter(technician=profile, end__gt=now).order_by("start")


def working_hours_of(profile: TechnicianProfile) -> QuerySet[WorkingHours]:
    return WorkingHours.objects.filter(technician=profile).order_by("weekday", "start")
