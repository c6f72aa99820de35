"""Sensitivity data reaches only the staff whose work needs it (issue #20).

- The permission matrix: every sensitivity page and endpoint under every role of the own and
  another organization; only the allowed roles get anything, and a refusal changes nothing.
- A canary: a marker in a code's label, description and guidance and in assessment notes
  never reaches a customer or another organization's staff, on any page, API response,
  stored event, email or SMS produced by a desk booking with codes, a visit re-coded by its
  technician and a confirmation call that ends in a further request.
- A technician reads codes only for the customers of visits assigned to them.
"""

import json
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from accounts.tests.factories import MembershipFactory, staff
from csportal import realtime
from csportal.models import Event
from notifications.transports import LocmemSmsTransport
from sensitivity import services
from sensitivity.models import (
    Assessment,
    CodeRead,
    ConfirmationCall,
    Knack,
    SensitivityCode,
    Stage,
)
from sensitivity.tests.factories import assessed, codes
from technicians.models import ServiceRequest, VisitStatus
from technicians.tests.factories import VisitFactory, area, bookable, completed_visit, product
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
API = "/api/v1/organizations/acme/sensitivity"


# The people ----------------------------------------------------------------------------------

MANAGER = frozenset({"manager"})
RECEPTION = frozenset({"manager", "receptionist"})
READERS = frozenset({"manager", "receptionist", "technician_assigned"})
TABLE = frozenset({"manager", "receptionist", "technician_assigned", "technician_unassigned"})
ROLES = [
    "anonymous",
    "customer",
    "agent",
    "receptionist",
    "technician_assigned",
    "technician_unassigned",
    "manager",
    "other_agent",
    "other_receptionist",
    "other_technician_assigned",
    "other_manager",
]


def _visit(organization, customer, technician, status=VisitStatus.IN_PROGRESS, hours_ago=0):
    start = timezone.now() - timedelta(hours=hours_ago, minutes=30)
    return VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        product=product(organization, "boilers"),
        status=status,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
        started_at=start,
    )


@pytest.fixture
def world(
    organization,
    other_organization,
    customer,
    agent,
    receptionist,
    technician,
    manager,
    other_agent,
    other_manager,
):
    """Acme serves the customer: its technician is working at theirs and an earlier visit
    waits for its confirmation call; another Acme technician has no visit with them. Globex
    serves the same customer, with its own technician."""
    unassigned = staff(organization, Role.TECHNICIAN, email="tess@acme.example")
    other_receptionist = staff(other_organization, Role.RECEPTIONIST, email="gail@globex.example")
    other_technician = staff(other_organization, Role.TECHNICIAN, email="glen@globex.example")
    visit = _visit(organization, customer, technician)
    _visit(other_organization, customer, other_technician)
    earlier = completed_visit(organization, customer=customer, technician=technician)
    call = ConfirmationCall.objects.create(
        organization=organization, visit=earlier, customer=customer
    )
    assessed(organization, customer, "N7", visit=earlier, minutes_ago=300)
    return SimpleNamespace(
        customer=customer,
        visit=visit,
        call=call,
        code=codes(organization, "N7")[0],
        people={
            "anonymous": None,
            "customer": customer,
            "agent": agent,
            "receptionist": receptionist,
            "technician_assigned": technician,
            "technician_unassigned": unassigned,
            "manager": manager,
            "other_agent": other_agent,
            "other_receptionist": other_receptionist,
            "other_technician_assigned": other_technician,
            "other_manager": other_manager,
        },
    )


# The matrix ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Address:
    build: Callable[[SimpleNamespace], str]  # the address for the world's objects
    api: bool = False  # JSON with 401 for nobody signed in, rather than a page


@dataclass(frozen=True)
class Entry:
    """One page or endpoint: its address, how it is called, who may."""

    name: str
    address: Address
    allowed: frozenset
    method: str = "get"
    body: Callable[[SimpleNamespace], dict] | None = None
    ok: int = 200
    # Roles refused with something else than the 404 of a stranger: a technician who may
    # code, but not this customer or not at this stage, gets the 400 naming the field.
    refused: dict = field(default_factory=dict)


def page(name: str, *args: str) -> Address:
    """A page by URL name, its arguments after the slug named as attributes of the world."""
    return Address(lambda w: reverse(name, args=["acme", *[_attribute(w, a) for a in args]]))


def path(address: str) -> Address:
    """A page by its address, for pages not in every tree yet (skipped until they resolve)."""
    return Address(lambda w: address.format(w=w))


def api(address: str) -> Address:
    return Address(lambda w: API + address.format(w=w), api=True)


def _attribute(w, dotted: str) -> str:
    value = w
    for part in dotted.split("."):
        value = getattr(value, part)
    return str(value)


def code_form(w) -> dict:
    return {"category": "negative", "code": "N7", "label": "Changed", "is_active": "on"}


ENTRIES = [
    # The managers' pages (sensitivity.manage_views).
    Entry("code table", page("sensitivity:codes"), MANAGER),
    Entry(
        "add a code",
        page("sensitivity:codes"),
        MANAGER,
        "post",
        lambda w: {**code_form(w), "code": "N40"},
        302,
    ),
    Entry("code form", page("sensitivity:code-edit", "code.pk"), MANAGER),
    Entry("edit a code", page("sensitivity:code-edit", "code.pk"), MANAGER, "post", code_form, 302),
    Entry(
        "retire a code",
        page("sensitivity:code-active", "code.pk"),
        MANAGER,
        "post",
        lambda w: {"active": "0"},
        302,
    ),
    Entry("statistics", page("sensitivity:stats"), MANAGER),
    Entry("access log", page("sensitivity:log"), MANAGER),
    # The reception's and technicians' pages (sensitivity.views): one line each.
    Entry("call list page", page("sensitivity:calls"), RECEPTION),
    Entry(
        "record a call (page)",
        page("sensitivity:call-record", "call.pk"),
        RECEPTION,
        "post",
        lambda w: {"outcome": "satisfied", "sensitivity_codes_typed": "P2"},
        302,
    ),
    Entry(
        "the caller's codes on the desk",
        path("/o/acme/sensitivity/desk/caller/?customer_email={w.customer.email}"),
        RECEPTION,
    ),
    # The API.
    Entry("table", api("/codes/"), TABLE),
    Entry("one code", api("/codes/{w.code.pk}/"), TABLE),
    Entry(
        "add a code (API)",
        api("/codes/"),
        MANAGER,
        "post",
        lambda w: {"category": "negative", "code": "N40", "label": "New"},
        201,
    ),
    Entry("change a code", api("/codes/{w.code.pk}/"), MANAGER, "patch", lambda w: {"label": "X"}),
    Entry("history", api("/assessments/?customer={w.customer.pk}"), READERS),
    Entry(
        "code at intake",
        api("/assessments/"),
        RECEPTION,
        "post",
        lambda w: {"customer": w.customer.pk, "codes": ["N3"], "stage": "intake"},
        201,
        refused={"technician_assigned": 400, "technician_unassigned": 400},
    ),
    Entry(
        "re-code after the visit",
        api("/assessments/"),
        frozenset({"technician_assigned"}),
        "post",
        lambda w: {
            "customer": w.customer.pk,
            "codes": ["P2"],
            "stage": "visit",
            "visit": w.visit.pk,
        },
        201,
        refused={"manager": 400, "receptionist": 400, "technician_unassigned": 400},
    ),
    Entry("current codes", api("/customers/{w.customer.pk}/disposition/"), READERS),
    Entry("calls to make", api("/calls/"), RECEPTION),
    Entry(
        "record a call",
        api("/calls/{w.call.pk}/"),
        RECEPTION,
        "post",
        lambda w: {"outcome": "satisfied", "codes": ["P2"]},
    ),
]


def snapshot() -> tuple:
    """Everything a sensitivity request could change."""
    return (
        list(Assessment.objects.order_by("pk").values_list("pk", "stage", "note")),
        list(CodeRead.objects.order_by("pk").values_list("pk", flat=True)),
        list(
            SensitivityCode.objects.order_by("pk").values_list(
                "pk", "organization", "code", "label", "description", "is_active"
            )
        ),
        list(Knack.objects.order_by("pk").values_list("pk", "text")),
        list(ConfirmationCall.objects.order_by("pk").values_list("pk", "status", "outcome")),
        ServiceRequest.objects.count(),
    )


def send(entry: Entry, user, url: str, body: dict | None):
    if entry.address.api:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return getattr(client, entry.method)(url, body, format="json")
    client = Client()
    if user is not None:
        client.force_login(user)
    return getattr(client, entry.method)(url, body or {})


def refusal(entry: Entry, role: str) -> int:
    if role in entry.refused:
        return entry.refused[role]
    if role == "anonymous":
        return 401 if entry.address.api else 302
    return 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda entry: entry.name)
def test_only_the_allowed_roles_get_anything_and_a_refusal_changes_nothing(world, entry, role):
    url = entry.address.build(world)
    try:
        resolve(url.partition("?")[0])
    except Resolver404:
        pytest.skip(f"{url} is not in this tree yet")
    user = world.people[role]
    body = entry.body(world) if entry.body else None
    before = snapshot()

    response = send(entry, user, url, body)

    if role in entry.allowed:
        assert response.status_code == entry.ok, response.content[:500]
        return
    assert response.status_code == refusal(entry, role), response.content[:500]
    assert snapshot() == before
    if response.status_code == 302:
        assert response["Location"].startswith(reverse(settings.LOGIN_URL))
    elif entry.address.api and response.status_code == 404:
        assert response.json()["code"] == "not_found"


def test_every_sensitivity_page_and_endpoint_is_in_the_matrix():
    """A page or endpoint added to the app without a line above fails here."""
    from sensitivity import urls as page_urls
    from sensitivity.api import urls as api_urls

    routes = {str(p.pattern) for p in page_urls.urlpatterns + api_urls.urlpatterns}
    matrix = {resolve_route(entry) for entry in ENTRIES} - {None}

    assert routes <= matrix, sorted(routes - matrix)


def resolve_route(entry: Entry) -> str | None:
    """The route of the entry's address, read without the world (placeholder ids)."""
    fake = SimpleNamespace(
        code=SimpleNamespace(pk=1),
        customer=SimpleNamespace(pk=1, email="someone@example.com"),
        call=SimpleNamespace(pk=1),
        visit=SimpleNamespace(pk=1),
    )
    url = entry.address.build(fake).partition("?")[0]
    try:
        return resolve(url).route.removeprefix("api/v1/")
    except Resolver404:
        return None


# The canary ----------------------------------------------------------------------------------

MARKER = "CANARY-d41f7c"


def next_week_at(hour: int) -> datetime:
    day = timezone.now().astimezone(LONDON).date() + timedelta(days=7)
    return datetime.combine(day, time(hour), tzinfo=LONDON)


@pytest.fixture
def sms_outbox():
    LocmemSmsTransport.outbox.clear()
    yield LocmemSmsTransport.outbox
    LocmemSmsTransport.outbox.clear()


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def without_marker(what: str, text: str) -> None:
    assert MARKER not in text, f"the canary reached {what}"


def run_the_flow(organization, customer, receptionist, technician, manager, after_commit):
    """The desk books with codes, the technician re-codes in the report, reception records
    the confirmation call as a further request: each coded with the marked code and a
    marked note."""
    services.code_save(
        organization=organization,
        by=manager,
        category="negative",
        code_text="N99",
        label=f"Label {MARKER}",
        description=f"Look for {MARKER}",
        guidance=dict.fromkeys(("reception", "technician", "confirmation"), f"Guidance {MARKER}"),
    )
    leeds = area(organization, "LS2", name="Leeds centre")
    bookable(organization, areas=[leeds], technician=technician)
    ticket = TicketFactory(organization=organization, customer=customer)
    start = next_week_at(10)

    with after_commit():
        booked = logged_in(receptionist).post(
            reverse("technicians:desk", args=["acme"]),
            {
                "postal_code": "LS2 7QT",
                "product": product(organization).pk,
                "day": start.date().isoformat(),
                "start_time": start.strftime("%H:%M"),
                "minutes": 60,
                "customer_email": customer.email,
                "address": "12 Station Road",
                "symptoms": "No hot water",
                "choice": f"{technician.pk}@{start.isoformat()}",
                "sensitivity_codes_typed": "N99 E1",
                "sensitivity_note": f"Desk note {MARKER}",
            },
        )
    assert booked.status_code == 302
    visit = ServiceRequest.objects.get(customer=customer, technician=technician)
    assert Assessment.objects.get(stage=Stage.INTAKE, visit=visit).codes.filter(code="N99")

    with after_commit():
        response = api_client(receptionist).post(
            f"{API}/assessments/",
            {
                "customer": customer.pk,
                "codes": ["N99"],
                "stage": "intake",
                "ticket": ticket.pk,
                "note": f"Ticket note {MARKER}",
            },
            format="json",
        )
    assert response.status_code == 201

    field_client = logged_in(technician)
    with after_commit():
        for step in ("on_the_way", "arrived", "in_progress"):
            stepped = field_client.post(
                reverse("technicians:visit-step", args=[visit.pk]), {"step": step}
            )
            assert stepped.status_code == 302
        reported = field_client.post(
            reverse("technicians:visit-report", args=[visit.pk]),
            {
                "report": "Replaced the pressure valve.",
                "outcome": "fixed",
                "sensitivity_codes_shown": "1",
                "sensitivity_codes_typed": "N99",
                "sensitivity_note": f"Visit note {MARKER}",
            },
        )
    assert reported.status_code == 302
    assert Assessment.objects.filter(stage=Stage.VISIT, visit=visit).exists()

    call = ConfirmationCall.objects.get(visit=visit)
    with after_commit():
        recorded = api_client(receptionist).post(
            f"{API}/calls/{call.pk}/",
            {
                "outcome": "further_request",
                "codes": ["N99"],
                "reason": "Please look at the radiators too",
                "note": f"Call note {MARKER}",
            },
            format="json",
        )
    assert recorded.status_code == 200
    assert recorded.json()["further_visit"]
    return ticket


def test_the_canary_reaches_no_customer_and_no_other_organization(
    organization,
    other_organization,
    customer,
    receptionist,
    technician,
    manager,
    other_manager,
    after_commit,
    sms_outbox,
):
    other_receptionist = staff(other_organization, Role.RECEPTIONIST, email="gail@globex.example")
    ticket = run_the_flow(organization, customer, receptionist, technician, manager, after_commit)
    visits = list(ServiceRequest.objects.filter(customer=customer).values_list("pk", flat=True))
    assert len(visits) == 2  # the visit and the further request

    # Every page the customer can open.
    browser = logged_in(customer)
    pages = [
        reverse("accounts:customer-home"),
        reverse("technicians:mine"),
        *[reverse("technicians:visit", args=[pk]) for pk in visits],
        reverse("tickets:list"),
        reverse("tickets:detail", args=[ticket.pk]),
        reverse("notifications:inbox"),
    ]
    for address in pages:
        response = browser.get(address)
        assert response.status_code == 200, address
        without_marker(f"the customer's page {address}", response.content.decode())

    # Every API response they can get, the sensitivity API's refusals included.
    client = api_client(customer)
    addresses = [
        "/api/v1/me/",
        "/api/v1/service-requests/",
        *[f"/api/v1/service-requests/{pk}/" for pk in visits],
        "/api/v1/tickets/",
        f"/api/v1/tickets/{ticket.pk}/",
        f"/api/v1/tickets/{ticket.pk}/updates/",
        "/api/v1/notifications/",
        "/api/v1/events/?since=0",
        f"{API}/codes/",
        f"{API}/assessments/?customer={customer.pk}",
        f"{API}/customers/{customer.pk}/disposition/",
        f"{API}/calls/",
    ]
    for address in addresses:
        response = client.get(address)
        assert response.status_code in (200, 404), address
        without_marker(f"the customer's API {address}", response.content.decode())

    # The live events stored for their groups, and for anyone else's: sensitivity events
    # carry ids only.
    groups = realtime.groups_by_right(customer)
    mine = Event.objects.filter(group__in=groups)
    assert mine.exists()
    for event in Event.objects.all():
        without_marker(f"event {event.type} to {event.group}", json.dumps(event.data))

    # The emails and texts the flow sent.
    assert any(customer.email in message.to for message in mail.outbox)
    assert sms_outbox
    for message in mail.outbox:
        bodies = [message.subject, message.body] + [
            content for content, _type in getattr(message, "alternatives", [])
        ]
        without_marker(f"the email {message.subject!r}", "\n".join(bodies))
    for sms in sms_outbox:
        without_marker(f"the SMS to {sms['to']}", sms["body"])

    # Another organization's staff: their own sensitivity pages and API, and Acme's.
    for person in (other_manager, other_receptionist):
        browser = logged_in(person)
        for name in ("sensitivity:codes", "sensitivity:stats", "sensitivity:log"):
            for slug in ("globex", "acme"):
                response = browser.get(reverse(name, args=[slug]))
                without_marker(f"{person} on {name} of {slug}", response.content.decode())
        for slug in ("globex", "acme"):
            home = "manager-console" if person == other_manager else "reception-desk"
            response = browser.get(reverse(f"accounts:{home}", args=[slug]))
            without_marker(f"{person} on the {home} of {slug}", response.content.decode())
        client = api_client(person)
        for prefix in ("/api/v1/organizations/globex/sensitivity", API):
            for address in (
                "/codes/?page_size=200",
                f"/assessments/?customer={customer.pk}",
                f"/customers/{customer.pk}/disposition/",
                "/calls/",
            ):
                response = client.get(prefix + address)
                without_marker(f"{person} on {prefix}{address}", response.content.decode())


# A technician's customers --------------------------------------------------------------------


def test_a_technician_reads_the_codes_of_the_customers_of_their_visits_only(
    organization, customer, other_customer, technician
):
    _visit(organization, customer, technician)
    assessed(organization, customer, "N6")
    assessed(organization, other_customer, "N6")
    client = api_client(technician)

    theirs = client.get(f"{API}/customers/{customer.pk}/disposition/")
    history = client.get(f"{API}/assessments/?customer={customer.pk}")
    stranger = client.get(f"{API}/customers/{other_customer.pk}/disposition/")
    stranger_history = client.get(f"{API}/assessments/?customer={other_customer.pk}")

    assert theirs.status_code == history.status_code == 200
    assert [c["code"] for c in theirs.json()["codes"]] == ["N6"]
    assert stranger.status_code == stranger_history.status_code == 404
    assert set(CodeRead.objects.values_list("customer_id", flat=True)) == {customer.pk}


def test_a_cancelled_visit_gives_its_technician_no_more_codes(organization, customer, technician):
    visit = _visit(organization, customer, technician, status=VisitStatus.SCHEDULED)
    assessed(organization, customer, "N6")
    client = api_client(technician)
    assert client.get(f"{API}/customers/{customer.pk}/disposition/").status_code == 200

    ServiceRequest.objects.filter(pk=visit.pk).update(status=VisitStatus.CANCELLED)

    assert client.get(f"{API}/customers/{customer.pk}/disposition/").status_code == 404
    assert client.get(f"{API}/assessments/?customer={customer.pk}").status_code == 404


def test_a_visit_elsewhere_gives_a_technician_no_codes_here(
    organization, other_organization, customer
):
    """A technician of both organizations, with a visit of the customer's only at Globex."""
    both = staff(other_organization, Role.TECHNICIAN, email="bo@example.com")
    MembershipFactory(organization=organization, role=Role.TECHNICIAN, user=both)
    _visit(other_organization, customer, both)
    assessed(organization, customer, "N6")

    response = api_client(both).get(f"{API}/customers/{customer.pk}/disposition/")

    assert response.status_code == 404
