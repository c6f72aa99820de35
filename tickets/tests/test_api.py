"""The tickets API: who sees and does what, what a bad request is told, and its query counts."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import offline, online
from csportal.models import Event
from notifications.models import Notification
from tickets import services
from tickets.models import (
    DEFAULT_SLA,
    SUBJECT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Attachment,
    Priority,
    Status,
    Ticket,
    TicketUpdate,
    UpdateKind,
)

from .factories import (
    PNG,
    AttachmentFactory,
    CategoryFactory,
    TicketFactory,
    TicketUpdateFactory,
)

CUSTOMER_TICKET_KEYS = {
    "id",
    "subject",
    "status",
    "priority",
    "category",
    "assignee",
    "channel",
    "created_at",
    "updated_at",
    "organization",
    "body",
    "result",
    "resolved_at",
    "closed_at",
}
STAFF_ONLY_KEYS = {
    "customer",
    "overdue",
    "first_response_due",
    "resolution_due",
    "first_responded_at",
    "escalated_at",
    "reopened_at",
    "reopen_count",
}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def png(name: str = "leak.png", extra: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG + extra, content_type="image/png")


def url(ticket: Ticket, action: str = "") -> str:
    return f"/api/v1/tickets/{ticket.pk}/{action}"


def inbox(slug: str = "acme", query: str = "") -> str:
    return f"/api/v1/organizations/{slug}/tickets/{query}"


def everything() -> tuple:
    """What any tickets request could change."""
    return (
        list(Ticket.objects.order_by("pk").values()),
        list(TicketUpdate.objects.order_by("pk").values()),
        list(Attachment.objects.order_by("pk").values()),
        Event.objects.count(),
        Notification.objects.count(),
    )


@pytest.fixture
def ticket(organization, customer, agent):
    """Chris's open ticket at Acme, with Alex working on it."""
    return TicketFactory(
        organization=organization,
        customer=customer,
        assignee=agent,
        status=Status.OPEN,
        subject="The dishwasher leaks",
    )


# Opening a ticket ------------------------------------------------------------------------


@pytest.mark.parametrize("with_category", [True, False])
def test_a_ticket_opened_by_api_is_due_by_the_organizations_sla_for_its_priority(
    organization, customer, with_category
):
    services.sla_policy_set(
        organization=organization,
        priority=Priority.HIGH,
        first_response_minutes=30,
        resolution_minutes=600,
    )
    body = {"organization": "acme", "subject": "No hot water", "body": "Since Monday."}
    if with_category:
        body["category"] = CategoryFactory(organization=organization).pk

    high = client_for(customer).post(
        "/api/v1/tickets/", {**body, "priority": "high"}, format="json"
    )
    low = client_for(customer).post("/api/v1/tickets/", {**body, "priority": "low"}, format="json")

    for response, (first_response, resolution) in ((high, (30, 600)), (low, DEFAULT_SLA["low"])):
        assert response.status_code == 201
        ticket = Ticket.objects.get(pk=response.data["id"])
        assert ticket.first_response_due - ticket.created_at == timedelta(minutes=first_response)
        assert ticket.resolution_due - ticket.created_at == timedelta(minutes=resolution)


def test_a_customer_opens_a_ticket_by_api_and_it_goes_to_the_online_agent(
    organization, customer, agent
):
    online(agent)
    category = CategoryFactory(organization=organization, name="Dishwashers")

    response = client_for(customer).post(
        "/api/v1/tickets/",
        {
            "organization": "acme",
            "subject": "The dishwasher leaks",
            "body": "Water on the floor after every wash.",
            "category": category.pk,
            "priority": "high",
        },
        format="json",
    )

    assert response.status_code == 201
    ticket = Ticket.objects.get()
    assert set(response.data) == CUSTOMER_TICKET_KEYS
    assert response.data["id"] == ticket.pk
    assert response.data["organization"] == {
        "slug": "acme",
        "name": "Acme Repairs",
        "timezone": "Europe/London",
    }
    assert response.data["assignee"] == {"id": agent.pk, "name": "Alex Agent"}
    assert response.data["category"] == {"id": category.pk, "name": "Dishwashers"}
    assert (response.data["status"], response.data["priority"], response.data["channel"]) == (
        "new",
        "high",
        "api",
    )
    assert (ticket.customer, ticket.assignee, ticket.channel) == (customer, agent, "api")
    assert list(ticket.updates.order_by("id").values_list("kind", flat=True)) == [
        UpdateKind.CREATED,
        UpdateKind.ASSIGNMENT,
    ]


def test_a_ticket_opened_with_nobody_online_waits_in_the_queue_at_normal_priority(
    organization, customer, agent
):
    response = client_for(customer).post(
        "/api/v1/tickets/",
        {"organization": "acme", "subject": "Noisy fridge", "body": "It hums all night."},
        format="json",
    )

    assert response.status_code == 201
    assert (response.data["assignee"], response.data["priority"]) == (None, "normal")


def test_a_customer_opens_a_ticket_with_a_picture_and_sees_it_on_the_timeline(
    organization, customer
):
    client = client_for(customer)

    opened = client.post(
        "/api/v1/tickets/",
        {
            "organization": "acme",
            "subject": "Cracked door",
            "body": "See the photo.",
            "files": [png()],
        },
        format="multipart",
    )

    assert opened.status_code == 201
    attachment = Attachment.objects.get()
    assert (attachment.filename, attachment.content_type, attachment.size) == (
        "leak.png",
        "image/png",
        len(PNG),
    )
    timeline = client.get(f"/api/v1/tickets/{opened.data['id']}/updates/")
    assert timeline.data["results"][0]["attachments"] == [
        {
            "id": attachment.pk,
            "token": attachment.token,
            "filename": "leak.png",
            "size": len(PNG),
            "content_type": "image/png",
            "url": f"/attachments/{attachment.token}/",
        }
    ]
    client.force_login(customer)  # the download is a page, which takes the session
    download = client.get(f"/attachments/{attachment.token}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"organization": "nope", "subject": "Hi", "body": "Help"}, "organization"),
        ({"subject": "Hi", "body": "Help"}, "organization"),
        ({"organization": "acme", "subject": "Hi", "body": "   "}, "body"),
        ({"organization": "acme", "subject": ["Hi"], "body": "Help"}, "subject"),
        ({"organization": "acme", "subject": "Hi", "body": "Help", "priority": "asap"}, "priority"),
        ({"organization": "acme", "subject": "Hi", "body": "Help", "category": 999999}, "category"),
        ({"organization": "acme", "subject": "Hi", "body": "Help", "colour": "red"}, "colour"),
        ({"organization": "acme", "subject": "Hi", "body": "Help", "files": "x.png"}, "files"),
    ],
)
def test_opening_a_ticket_with_bad_input_is_a_400_naming_the_field(
    organization, customer, payload, field
):
    response = client_for(customer).post("/api/v1/tickets/", payload, format="json")

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert list(response.data["fields"]) == [field]
    assert not Ticket.objects.exists()


def test_a_category_of_another_organization_is_refused_like_a_missing_one(
    organization, other_organization, customer
):
    theirs = CategoryFactory(organization=other_organization)

    response = client_for(customer).post(
        "/api/v1/tickets/",
        {"organization": "acme", "subject": "Hi", "body": "Help", "category": theirs.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.data["fields"] == {
        "category": ["Choose one of this organization's categories."]
    }
    assert not Ticket.objects.exists()


def test_a_category_id_beyond_any_stored_one_is_a_400_naming_the_field(organization, customer):
    response = client_for(customer).post(
        "/api/v1/tickets/",
        {"organization": "acme", "subject": "Hi", "body": "Help", "category": 10**20},
        format="json",
    )

    assert response.status_code == 400
    assert list(response.data["fields"]) == ["category"]
    assert not Ticket.objects.exists()


def test_an_anonymous_request_is_a_401(organization):
    response = APIClient().post(
        "/api/v1/tickets/",
        {"organization": "acme", "subject": "Hi", "body": "Help"},
        format="json",
    )

    assert response.status_code == 401
    assert response.data["code"] == "not_authenticated"
    assert not Ticket.objects.exists()


# Length limits ---------------------------------------------------------------------------

TOO_LONG_SUBJECT = "x" * (SUBJECT_MAX_LENGTH + 1)
TOO_LONG_TEXT = "word " * (TEXT_MAX_LENGTH // 5) + "!"


@pytest.mark.parametrize(
    ("payload", "field", "limit"),
    [
        ({"subject": TOO_LONG_SUBJECT, "body": "Help"}, "subject", SUBJECT_MAX_LENGTH),
        ({"subject": "Hi", "body": TOO_LONG_TEXT}, "body", TEXT_MAX_LENGTH),
    ],
)
def test_a_subject_or_description_over_its_limit_is_a_400_naming_it(
    organization, customer, payload, field, limit
):
    response = client_for(customer).post(
        "/api/v1/tickets/", {"organization": "acme", **payload}, format="json"
    )

    assert response.status_code == 400
    assert response.data["fields"] == {
        field: [f"Ensure this field has no more than {limit} characters."]
    }
    assert not Ticket.objects.exists()


@pytest.mark.parametrize(
    ("who", "action", "payload", "field"),
    [
        ("customer", "updates/", {"body": TOO_LONG_TEXT}, "body"),
        ("agent", "updates/", {"kind": "internal", "body": TOO_LONG_TEXT}, "body"),
        ("agent", "resolve/", {"result": TOO_LONG_TEXT}, "result"),
    ],
)
def test_a_reply_note_or_result_over_the_limit_is_a_400_naming_it(
    request, ticket, who, action, payload, field
):
    before = everything()

    response = client_for(request.getfixturevalue(who)).post(
        url(ticket, action), payload, format="json"
    )

    assert response.status_code == 400
    assert response.data["fields"] == {
        field: [f"Ensure this field has no more than {TEXT_MAX_LENGTH} characters."]
    }
    assert everything() == before


def test_the_service_refuses_a_subject_over_the_limit_rather_than_cut_it(organization, customer):
    with pytest.raises(ValidationError) as refused:
        services.ticket_open(
            organization=organization, customer=customer, subject=TOO_LONG_SUBJECT, body="Help"
        )

    assert list(refused.value.message_dict) == ["subject"]
    assert not Ticket.objects.exists()


def test_the_api_schema_gives_every_text_a_customer_or_agent_writes_its_limit(db):
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    inputs = schema["components"]["schemas"]

    limits = {
        (name, field): inputs[name]["properties"][field].get("maxLength")
        for name, field in [
            ("TicketOpenRequest", "subject"),
            ("TicketOpenRequest", "body"),
            ("CustomerUpdateCreateRequest", "body"),
            ("StaffUpdateCreateRequest", "body"),
            ("ResolveRequest", "result"),
        ]
    }
    assert limits == {
        ("TicketOpenRequest", "subject"): SUBJECT_MAX_LENGTH,
        ("TicketOpenRequest", "body"): TEXT_MAX_LENGTH,
        ("CustomerUpdateCreateRequest", "body"): TEXT_MAX_LENGTH,
        ("StaffUpdateCreateRequest", "body"): TEXT_MAX_LENGTH,
        ("ResolveRequest", "result"): TEXT_MAX_LENGTH,
    }


# Attachments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("page.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "text/html"),
        (
            "logo.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "image/svg+xml",
        ),
        (
            "logo.png",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            "image/png",
        ),
    ],
)
def test_markup_is_refused_as_an_attachment_whatever_it_is_called(
    ticket, customer, name, content, content_type
):
    before = everything()

    response = client_for(customer).post(
        url(ticket, "updates/"),
        {"body": "Here it is.", "files": [SimpleUploadedFile(name, content, content_type)]},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.data["fields"] == {
        "files": [f"{name} is not a picture, PDF, ZIP or text file."]
    }
    assert everything() == before


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("fake.png", b"Not a picture at all.", "it is a text file, not a .png file"),
        ("scan.pdf", PNG, "it is a PNG picture, not a .pdf file"),
        ("notes.html", b"Plain words, no markup.", "it is a text file, not a .html file"),
    ],
)
def test_a_file_whose_name_says_another_type_than_its_content_is_refused(
    ticket, customer, name, content, reason
):
    before = everything()

    response = client_for(customer).post(
        url(ticket, "updates/"),
        {"body": "Here it is.", "files": [SimpleUploadedFile(name, content, "image/png")]},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.data["fields"] == {"files": [f"{name} is not what its name says: {reason}."]}
    assert everything() == before


@pytest.mark.parametrize("name", ["LEAK.PNG", "photo.png", "leak"])
def test_a_picture_named_as_one_or_not_named_by_type_is_taken(ticket, customer, name):
    response = client_for(customer).post(
        url(ticket, "updates/"),
        {"body": "Here it is.", "files": [png(name)]},
        format="multipart",
    )

    assert response.status_code == 201
    assert Attachment.objects.get().filename == name


@override_settings(TICKET_ATTACHMENT_MAX_BYTES=1024 * 1024)
def test_a_file_over_the_size_limit_is_refused(ticket, customer):
    before = everything()

    response = client_for(customer).post(
        url(ticket, "updates/"),
        {"body": "Here it is.", "files": [png("big.png", extra=b"\0" * 1024 * 1024)]},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.data["fields"] == {"files": ["big.png is larger than 1.0\xa0MB."]}
    assert everything() == before


def test_more_than_five_files_are_refused(ticket, customer):
    before = everything()

    response = client_for(customer).post(
        url(ticket, "updates/"),
        {"body": "Photos.", "files": [png(f"{n}.png") for n in range(6)]},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.data["fields"] == {"files": ["Attach at most 5 files."]}
    assert everything() == before


# Lists -----------------------------------------------------------------------------------


def test_the_customer_list_shows_only_their_own_tickets_at_every_organization(
    organization, other_organization, customer, other_customer
):
    at_acme = TicketFactory(organization=organization, customer=customer)
    at_globex = TicketFactory(organization=other_organization, customer=customer)
    TicketFactory(organization=organization, customer=other_customer)

    response = client_for(customer).get("/api/v1/tickets/")

    assert response.status_code == 200
    assert response.data["count"] == 2
    assert [t["id"] for t in response.data["results"]] == [at_globex.pk, at_acme.pk]
    assert [t["organization"]["slug"] for t in response.data["results"]] == ["globex", "acme"]
    assert not STAFF_ONLY_KEYS & set(response.data["results"][0])


def test_the_customer_list_filters_by_organization_and_status(
    organization, other_organization, customer
):
    resolved = TicketFactory(organization=organization, customer=customer, status=Status.RESOLVED)
    TicketFactory(organization=organization, customer=customer)
    TicketFactory(organization=other_organization, customer=customer, status=Status.RESOLVED)
    client = client_for(customer)

    response = client.get("/api/v1/tickets/?organization=acme&status=resolved")

    assert [t["id"] for t in response.data["results"]] == [resolved.pk]
    bad = client.get("/api/v1/tickets/?status=nope")
    assert bad.status_code == 400
    assert list(bad.data["fields"]) == ["status"]


@pytest.fixture
def inbox_tickets(organization, other_organization, customer, other_customer, agent, manager):
    past = timezone.now() - timedelta(hours=1)
    return {
        "mine": TicketFactory(
            organization=organization, customer=customer, assignee=agent, status=Status.OPEN
        ),
        "queued": TicketFactory(
            organization=organization, customer=other_customer, subject="Oven will not heat"
        ),
        "colleague": TicketFactory(
            organization=organization,
            customer=customer,
            assignee=manager,
            status=Status.PENDING,
            priority=Priority.HIGH,
        ),
        "overdue": TicketFactory(
            organization=organization,
            customer=customer,
            status=Status.OPEN,
            resolution_due=past,
            body="The freezer is warm.",
        ),
        "closed": TicketFactory(organization=organization, customer=customer, status=Status.CLOSED),
        "elsewhere": TicketFactory(organization=other_organization, customer=customer),
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"mine", "queued", "colleague", "overdue", "closed"}),
        ("?view=all", {"mine", "queued", "colleague", "overdue", "closed"}),
        ("?view=mine", {"mine"}),
        ("?view=queue", {"queued", "overdue"}),
        ("?status=pending", {"colleague"}),
        ("?priority=high", {"colleague"}),
        ("?overdue=true", {"overdue"}),
        ("?search=oven", {"queued"}),
        ("?search=freezer", {"overdue"}),
        ("?view=queue&search=freezer", {"overdue"}),
    ],
)
def test_the_staff_inbox_lists_the_organizations_tickets_by_view_and_filter(
    agent, inbox_tickets, query, expected
):
    response = client_for(agent).get(inbox(query=query))

    assert response.status_code == 200
    assert {t["id"] for t in response.data["results"]} == {
        inbox_tickets[name].pk for name in expected
    }


def test_the_staff_inbox_filters_by_category_and_customer_and_shows_service_levels(
    organization, agent, other_customer, inbox_tickets
):
    category = CategoryFactory(organization=organization)
    Ticket.objects.filter(pk=inbox_tickets["mine"].pk).update(category=category)
    client = client_for(agent)

    by_category = client.get(inbox(query=f"?category={category.pk}"))
    by_customer = client.get(inbox(query=f"?customer={other_customer.pk}"))
    overdue = client.get(inbox(query="?overdue=true"))

    assert [t["id"] for t in by_category.data["results"]] == [inbox_tickets["mine"].pk]
    assert [t["id"] for t in by_customer.data["results"]] == [inbox_tickets["queued"].pk]
    row = overdue.data["results"][0]
    assert set(row) >= STAFF_ONLY_KEYS
    assert row["overdue"] is True
    assert row["customer"] == {
        "id": inbox_tickets["overdue"].customer_id,
        "name": "Chris Customer",
        "email": "chris@example.com",
    }


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("?status=nope", "status"),
        ("?priority=asap", "priority"),
        ("?view=everything", "view"),
        ("?overdue=maybe", "overdue"),
        ("?category=abc", "category"),
        ("?customer=-1", "customer"),
    ],
)
def test_a_bad_inbox_filter_is_a_400_naming_the_parameter(agent, inbox_tickets, query, parameter):
    response = client_for(agent).get(inbox(query=query))

    assert response.status_code == 400
    assert list(response.data["fields"]) == [parameter]


def test_receptionists_and_managers_read_the_inbox_too(receptionist, manager, inbox_tickets):
    for person in (receptionist, manager):
        response = client_for(person).get(inbox())
        assert response.status_code == 200, person
        assert response.data["count"] == 5


def test_customers_technicians_and_other_organizations_cannot_read_the_inbox(
    customer, technician, other_agent, other_manager, inbox_tickets
):
    for outsider in (customer, technician, other_agent, other_manager):
        response = client_for(outsider).get(inbox())
        assert response.status_code == 404, outsider
        assert response.data["code"] == "not_found"


# One ticket ------------------------------------------------------------------------------


def test_the_customer_sees_their_ticket_without_the_service_levels(ticket, customer):
    response = client_for(customer).get(url(ticket))

    assert response.status_code == 200
    assert set(response.data) == CUSTOMER_TICKET_KEYS
    assert (response.data["subject"], response.data["body"]) == (
        "The dishwasher leaks",
        "Water on the floor after every wash.",
    )


def test_staff_see_the_ticket_with_its_service_levels(ticket, agent, receptionist):
    Ticket.objects.filter(pk=ticket.pk).update(reopen_count=2)

    for person in (agent, receptionist):
        response = client_for(person).get(url(ticket))
        assert response.status_code == 200, person
        assert set(response.data) == CUSTOMER_TICKET_KEYS | STAFF_ONLY_KEYS
        assert (response.data["reopen_count"], response.data["overdue"]) == (2, False)


def test_nobody_else_finds_the_ticket(
    ticket, other_customer, other_agent, other_manager, technician
):
    for outsider in (other_customer, other_agent, other_manager, technician):
        client = client_for(outsider)
        for path in (url(ticket), url(ticket, "updates/")):
            response = client.get(path)
            assert response.status_code == 404, (outsider, path)
            assert response.data["code"] == "not_found"


def test_a_missing_ticket_is_the_same_404(customer):
    response = client_for(customer).get("/api/v1/tickets/999999/")

    assert response.status_code == 404
    assert response.data == {"code": "not_found", "detail": "Not found."}


# The timeline ----------------------------------------------------------------------------


@pytest.fixture
def worked_ticket(organization, customer, agent):
    """Opened by the customer, answered by the agent, discussed among staff."""
    ticket = services.ticket_open(
        organization=organization, customer=customer, subject="No hot water", body="Since Monday."
    )
    services.ticket_add_progress(ticket=ticket, author=agent, body="A plumber comes on Friday.")
    services.ticket_add_internal_note(
        ticket=ticket, author=agent, body="Customer was rude last time."
    )
    return ticket


def test_internal_notes_never_reach_the_customer(worked_ticket, customer):
    client = client_for(customer)

    timeline = client.get(url(worked_ticket, "updates/"))
    detail = client.get(url(worked_ticket))

    assert timeline.status_code == 200
    assert [(u["kind"], u["body"]) for u in timeline.data["results"]] == [
        ("created", "Since Monday."),
        ("progress", "A plumber comes on Friday."),
    ]
    assert "rude" not in timeline.content.decode()
    assert "rude" not in detail.content.decode()


def test_a_timeline_read_before_a_change_shows_the_change_at_the_next_read(
    worked_ticket, customer, agent
):
    as_customer, as_agent = client_for(customer), client_for(agent)
    as_agent.get(url(worked_ticket, "updates/"))
    as_customer.get(url(worked_ticket, "updates/"))

    services.ticket_add_internal_note(ticket=worked_ticket, author=agent, body="Call him back.")
    services.ticket_add_progress(ticket=worked_ticket, author=agent, body="Parts ordered.")

    seen_by_customer = as_customer.get(url(worked_ticket, "updates/")).data["results"]
    seen_by_agent = as_agent.get(url(worked_ticket, "updates/")).data["results"]
    assert [u["body"] for u in seen_by_customer][-1] == "Parts ordered."
    assert "Call him back." not in [u["body"] for u in seen_by_customer]
    assert [u["body"] for u in seen_by_agent][-2:] == ["Call him back.", "Parts ordered."]


def test_staff_see_the_whole_timeline(worked_ticket, agent):
    timeline = client_for(agent).get(url(worked_ticket, "updates/"))

    assert [(u["kind"], u["is_public"]) for u in timeline.data["results"]] == [
        ("created", True),
        ("progress", True),
        ("internal", False),
    ]
    assert timeline.data["results"][2]["author"] == {"id": agent.pk, "name": "Alex Agent"}


def test_staff_write_a_progress_note_to_the_customer(ticket, agent, customer):
    response = client_for(agent).post(
        url(ticket, "updates/"), {"kind": "progress", "body": "Part ordered."}, format="json"
    )

    assert response.status_code == 201
    assert (response.data["kind"], response.data["is_public"]) == ("progress", True)
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None
    seen = client_for(customer).get(url(ticket, "updates/"))
    assert [u["body"] for u in seen.data["results"]] == ["Part ordered."]


def test_staff_attach_a_picture_to_an_internal_note_that_the_customer_never_sees(
    ticket, receptionist, customer
):
    response = client_for(receptionist).post(
        url(ticket, "updates/"),
        {"kind": "internal", "body": "Photo from the call.", "files": [png()]},
        format="multipart",
    )

    assert response.status_code == 201
    assert (response.data["kind"], response.data["is_public"]) == ("internal", False)
    assert Attachment.objects.get().is_public is False
    assert client_for(customer).get(url(ticket, "updates/")).data["results"] == []


def test_staff_must_say_which_kind_of_note_they_write(ticket, agent):
    before = everything()

    missing = client_for(agent).post(url(ticket, "updates/"), {"body": "Hi"}, format="json")
    wrong = client_for(agent).post(
        url(ticket, "updates/"), {"kind": "result", "body": "Hi"}, format="json"
    )

    assert (missing.status_code, list(missing.data["fields"])) == (400, ["kind"])
    assert (wrong.status_code, list(wrong.data["fields"])) == (400, ["kind"])
    assert everything() == before


def test_a_customer_may_not_choose_the_kind_of_their_note(ticket, customer):
    before = everything()

    response = client_for(customer).post(
        url(ticket, "updates/"), {"kind": "internal", "body": "Psst"}, format="json"
    )

    assert response.status_code == 400
    assert response.data["fields"] == {"kind": ["Unknown field."]}
    assert everything() == before


@pytest.mark.parametrize(
    ("user_name", "payload"),
    [
        ("customer", {"body": "  "}),
        ("customer", {}),
        ("agent", {"kind": "progress", "body": ""}),
        ("agent", {"kind": "internal", "body": ["Hi"]}),
    ],
)
def test_a_note_without_text_is_a_400_naming_body(request, ticket, user_name, payload):
    before = everything()

    response = client_for(request.getfixturevalue(user_name)).post(
        url(ticket, "updates/"), payload, format="json"
    )

    assert response.status_code == 400
    assert list(response.data["fields"]) == ["body"]
    assert everything() == before


def test_a_follow_up_on_a_resolved_ticket_reopens_it_to_the_same_agent(
    organization, customer, agent, after_commit
):
    online(agent)
    ticket = services.ticket_open(
        organization=organization, customer=customer, subject="Boiler", body="It bangs."
    )
    services.ticket_resolve(ticket=ticket, result="Bled the radiators.", by=agent)
    offline(agent)

    with after_commit():
        response = client_for(customer).post(
            url(ticket, "updates/"), {"body": "Still banging."}, format="json"
        )

    assert response.status_code == 201
    assert (response.data["kind"], response.data["data"]) == ("follow_up", {"reopened": True})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.assignee, ticket.reopen_count) == (Status.OPEN, agent, 1)
    assert set(
        Notification.objects.filter(recipient=agent, kind="ticket.follow_up").values_list(
            "title", flat=True
        )
    ) == {f"#{ticket.pk} reopened: the customer is not satisfied"}


def test_the_customer_asks_for_news_and_gets_the_status_and_latest_note(worked_ticket, customer):
    response = client_for(customer).post(url(worked_ticket, "status-request/"))

    assert response.status_code == 201
    assert (response.data["kind"], response.data["body"], response.data["data"]) == (
        "status_request",
        "Status: Open.",
        {"status": "open", "latest_note": "A plumber comes on Friday."},
    )


def test_only_the_customer_asks_for_news(ticket, agent):
    before = everything()

    response = client_for(agent).post(url(ticket, "status-request/"))

    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"
    assert everything() == before


# Working a ticket ------------------------------------------------------------------------


def test_an_agent_takes_a_queued_ticket_puts_it_on_hold_raises_it_and_resolves_it(
    organization, customer, agent
):
    queued = TicketFactory(organization=organization, customer=customer)
    client = client_for(agent)

    taken = client.post(url(queued, "take/"))
    pending = client.post(url(queued, "status/"), {"status": "pending"}, format="json")
    urgent = client.post(url(queued, "priority/"), {"priority": "urgent"}, format="json")
    resolved = client.post(url(queued, "resolve/"), {"result": "Replaced the seal."}, format="json")

    assert taken.status_code == 200
    assert taken.data["assignee"] == {"id": agent.pk, "name": "Alex Agent"}
    assert (pending.status_code, pending.data["status"]) == (200, "pending")
    assert (urgent.status_code, urgent.data["priority"]) == (200, "urgent")
    assert (resolved.status_code, resolved.data["status"], resolved.data["result"]) == (
        200,
        "resolved",
        "Replaced the seal.",
    )
    queued.refresh_from_db()
    assert (queued.status, queued.priority, queued.assignee, queued.result) == (
        Status.RESOLVED,
        Priority.URGENT,
        agent,
        "Replaced the seal.",
    )
    assert queued.resolution_due == queued.created_at + timedelta(hours=4)  # urgent's default


def test_a_manager_assigns_the_ticket_and_returns_it_to_the_queue(ticket, manager):
    client = client_for(manager)

    to_manager = client.post(url(ticket, "assign/"), {"assignee": manager.pk}, format="json")
    to_queue = client.post(url(ticket, "assign/"), {"assignee": None}, format="json")

    assert to_manager.data["assignee"] == {"id": manager.pk, "name": "Maria Manager"}
    assert (to_queue.status_code, to_queue.data["assignee"]) == (200, None)
    ticket.refresh_from_db()
    assert ticket.assignee is None


@pytest.mark.parametrize(
    ("action", "payload", "field"),
    [
        ("status/", {"status": "nope"}, "status"),
        ("status/", {"status": "resolved"}, "status"),
        ("status/", {}, "status"),
        ("status/", {"status": "open", "note": "x"}, "note"),
        ("priority/", {"priority": "asap"}, "priority"),
        ("priority/", {"priority": 3}, "priority"),
        ("resolve/", {"result": "  "}, "result"),
        ("assign/", {"assignee": "alex"}, "assignee"),
        ("assign/", {"assignee": 999999}, "assignee"),
        ("assign/", {}, "assignee"),
    ],
)
def test_a_bad_action_is_a_400_naming_the_field(ticket, agent, action, payload, field):
    before = everything()

    response = client_for(agent).post(url(ticket, action), payload, format="json")

    assert response.status_code == 400
    assert response.data["code"] == "invalid"
    assert list(response.data["fields"]) == [field]
    assert everything() == before


def test_a_new_ticket_is_resolved_through_resolve_not_status(organization, customer, agent):
    fresh = TicketFactory(organization=organization, customer=customer, assignee=agent)
    before = everything()

    response = client_for(agent).post(url(fresh, "status/"), {"status": "resolved"}, format="json")

    assert response.status_code == 400
    assert response.data["fields"] == {"status": ["Give the result to resolve the ticket."]}
    assert everything() == before


def test_a_closed_ticket_cannot_go_on_hold(organization, customer, agent):
    closed = TicketFactory(organization=organization, customer=customer, status=Status.CLOSED)
    before = everything()

    response = client_for(agent).post(url(closed, "status/"), {"status": "pending"}, format="json")

    assert response.status_code == 400
    assert response.data["fields"] == {
        "status": ["A Closed ticket can't become Waiting on customer."]
    }
    assert everything() == before


def test_a_ticket_cannot_go_to_another_organizations_agent(ticket, manager, other_agent):
    before = everything()

    response = client_for(manager).post(
        url(ticket, "assign/"), {"assignee": other_agent.pk}, format="json"
    )

    assert response.status_code == 400
    assert response.data["fields"] == {"assignee": ["Choose an agent of this organization."]}
    assert everything() == before


STAFF_ACTIONS = [
    ("take/", {}),
    ("assign/", {"assignee": None}),
    ("status/", {"status": "pending"}),
    ("priority/", {"priority": "urgent"}),
    ("resolve/", {"result": "Fixed it."}),
]


@pytest.mark.parametrize(("action", "payload"), STAFF_ACTIONS)
def test_a_customer_cannot_act_as_staff_on_their_own_ticket(ticket, customer, action, payload):
    before = everything()

    response = client_for(customer).post(url(ticket, action), payload, format="json")

    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"
    assert everything() == before


@pytest.mark.parametrize(
    ("action", "payload"),
    [*STAFF_ACTIONS, ("updates/", {"kind": "progress", "body": "Hello from reception."})],
)
def test_a_receptionist_reads_and_notes_but_does_not_work_the_ticket(
    ticket, receptionist, action, payload
):
    before = everything()

    response = client_for(receptionist).post(url(ticket, action), payload, format="json")

    assert response.status_code == 403
    assert response.data["code"] == "permission_denied"
    assert everything() == before


@pytest.mark.parametrize(
    ("action", "payload"),
    [
        *STAFF_ACTIONS,
        ("updates/", {"kind": "progress", "body": "Hello from Globex."}),
        ("updates/", {"kind": "internal", "body": "Hello from Globex."}),
        ("updates/", {"body": "Hello from Globex."}),
        ("status-request/", {}),
    ],
)
def test_another_organizations_staff_cannot_touch_the_ticket(
    ticket, other_agent, other_manager, action, payload
):
    before = everything()

    for outsider in (other_agent, other_manager):
        response = client_for(outsider).post(url(ticket, action), payload, format="json")
        assert response.status_code == 404, outsider
        assert response.data["code"] == "not_found"
    assert everything() == before


# Query counts ----------------------------------------------------------------------------


def test_the_customer_list_query_count_does_not_grow_with_the_page(
    organization, customer, agent, django_assert_max_num_queries
):
    client = client_for(customer)
    category = CategoryFactory(organization=organization)
    TicketFactory.create_batch(
        3, organization=organization, customer=customer, assignee=agent, category=category
    )
    with django_assert_max_num_queries(2):
        client.get("/api/v1/tickets/")

    TicketFactory.create_batch(
        37, organization=organization, customer=customer, assignee=agent, category=category
    )
    with django_assert_max_num_queries(2):
        response = client.get("/api/v1/tickets/")
    assert len(response.data["results"]) == 40


def test_the_staff_inbox_query_count_does_not_grow_with_the_page(
    organization, customer, agent, django_assert_max_num_queries
):
    client = client_for(agent)
    category = CategoryFactory(organization=organization)
    TicketFactory.create_batch(
        3, organization=organization, customer=customer, assignee=agent, category=category
    )
    with django_assert_max_num_queries(3):
        client.get(inbox())

    TicketFactory.create_batch(
        37, organization=organization, customer=customer, assignee=agent, category=category
    )
    with django_assert_max_num_queries(3):
        response = client.get(inbox(query="?view=mine&overdue=false"))
    assert len(response.data["results"]) == 40


def test_the_staff_inbox_comes_from_the_cache_until_a_ticket_changes(
    agent, inbox_tickets, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    client = client_for(agent)
    first = client.get(inbox(query="?view=queue"))

    with django_assert_max_num_queries(2):  # the token and the membership
        again = client.get(inbox(query="?view=queue"))
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_take(ticket=inbox_tickets["queued"], agent=agent)
    changed = client.get(inbox(query="?view=queue"))

    assert again.json() == first.json()
    assert {t["id"] for t in first.data["results"]} == {
        inbox_tickets["queued"].pk,
        inbox_tickets["overdue"].pk,
    }
    assert [t["id"] for t in changed.data["results"]] == [inbox_tickets["overdue"].pk]


@pytest.mark.parametrize("user_name", ["customer", "agent"])
def test_the_timeline_query_count_does_not_grow_with_the_page(
    request, ticket, agent, user_name, django_assert_max_num_queries
):
    client = client_for(request.getfixturevalue(user_name))

    def add(count):
        for _ in range(count):
            AttachmentFactory(update=TicketUpdateFactory(ticket=ticket, author=agent))
        # As every service that writes an entry does; the cached pages are keyed by it.
        Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())

    # Access, the page's count and rows, authors joined, attachments prefetched.
    add(3)
    with django_assert_max_num_queries(5):
        client.get(url(ticket, "updates/"))

    add(37)
    with django_assert_max_num_queries(5):
        response = client.get(url(ticket, "updates/"))
    assert len(response.data["results"]) == 40
    assert all(len(u["attachments"]) == 1 for u in response.data["results"])
