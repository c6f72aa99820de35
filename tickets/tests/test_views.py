"""Ticket pages: wiring, who may see and do what, errors on the form, and query counts."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from accounts import services as account_services
from accounts.models import Role
from accounts.tests.factories import CustomerFactory, StaffInvitationFactory, online, staff
from tickets import selectors, services
from tickets.models import (
    SUBJECT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Attachment,
    Category,
    Priority,
    ReminderSettings,
    SlaPolicy,
    Status,
    Ticket,
    TicketUpdate,
    UpdateKind,
)
from tickets.tests.factories import PNG

# Today's counts, page shell included (session, user, memberships, one query for the socket's
# resume point, the bell and presence, and one for the events the page already shows). A query
# per row or per timeline entry would add 25 or 100; a new one in the shell shows up here too.
INBOX_QUERIES = 10
STAFF_PAGE_QUERIES = 10


@pytest.fixture(autouse=True)
def _no_delivery():
    # Outside channels are delivered by workers; these tests look at pages and rows only.
    with mock.patch("notifications.services.delivery._enqueue"):
        yield


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def category(organization):
    return Category.objects.create(organization=organization, name="Boilers", skill="heating")


def png(name="leak.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def open_ticket(organization, customer, **kwargs):
    kwargs.setdefault("subject", "Boiler makes a noise")
    kwargs.setdefault("body", "It bangs every morning.")
    return services.ticket_open(organization=organization, customer=customer, **kwargs)


def staff_url(ticket, name="tickets:staff-detail", *args):
    return reverse(name, args=[ticket.organization.slug, ticket.pk, *args])


def action_url(ticket, action):
    return staff_url(ticket, "tickets:staff-action", action)


def snapshot(ticket):
    """What a denied request must leave as it was."""
    ticket.refresh_from_db()
    return (
        ticket.status,
        ticket.assignee_id,
        ticket.priority,
        ticket.result,
        ticket.updates.count(),
        Attachment.objects.filter(ticket=ticket).count(),
    )


# The customer's side ---------------------------------------------------------------------


def test_a_customer_opens_a_ticket_with_a_picture_and_lands_on_its_page(
    client, organization, customer, category
):
    client.force_login(customer)

    response = client.post(
        reverse("tickets:new"),
        {
            "organization": organization.pk,
            "subject": "The boiler leaks",
            "body": "Water under it since Monday.",
            "category": category.pk,
            "attachments": [png()],
        },
    )

    ticket = Ticket.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.pk])
    assert (ticket.organization, ticket.customer, ticket.category) == (
        organization,
        customer,
        category,
    )
    assert ticket.priority == Priority.NORMAL
    attachment = Attachment.objects.get(ticket=ticket)
    assert (attachment.filename, attachment.content_type) == ("leak.png", "image/png")
    page = client.get(response["Location"]).content.decode()
    assert "The boiler leaks" in page
    assert "Water under it since Monday." in page
    assert reverse("tickets:attachment", args=[attachment.token]) in page


def test_a_subject_and_description_over_their_limits_are_form_errors_and_nothing_is_opened(
    client, organization, customer
):
    client.force_login(customer)

    response = client.post(
        reverse("tickets:new"),
        {
            "organization": organization.pk,
            "subject": "x" * (SUBJECT_MAX_LENGTH + 1),
            "body": "y" * (TEXT_MAX_LENGTH + 1),
        },
    )

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["subject"] == [
        f"Ensure this value has at most {SUBJECT_MAX_LENGTH} characters (it has 201)."
    ]
    assert errors["body"] == [
        f"Ensure this value has at most {TEXT_MAX_LENGTH} characters (it has 10001)."
    ]
    assert f'maxlength="{SUBJECT_MAX_LENGTH}"' in response.content.decode()
    assert f'maxlength="{TEXT_MAX_LENGTH}"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_the_new_request_form_offers_categories_grouped_by_provider(
    client, organization, other_organization, customer, category
):
    Category.objects.create(organization=other_organization, name="Fridges")
    client.force_login(customer)

    page = client.get(reverse("tickets:new") + "?organization=acme").content.decode()

    assert f'<option value="{organization.pk}" selected>Acme Repairs</option>' in page
    assert '<optgroup label="Acme Repairs">' in page
    assert f'data-organization="{organization.pk}"' in page
    assert f'data-organization="{other_organization.pk}"' in page


def test_a_category_of_another_provider_is_refused_on_the_form_and_nothing_is_opened(
    client, other_organization, customer, category
):
    client.force_login(customer)

    response = client.post(
        reverse("tickets:new"),
        {
            "organization": other_organization.pk,
            "subject": "The boiler leaks",
            "body": "Water.",
            "category": category.pk,
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "category": ["Choose one of this provider's categories."]
    }
    assert 'value="The boiler leaks"' in response.content.decode()
    assert not Ticket.objects.exists()


def test_an_html_upload_is_refused_with_a_form_error_and_nothing_is_opened(
    client, organization, customer
):
    client.force_login(customer)
    page = SimpleUploadedFile(
        "invoice.png", b"<!DOCTYPE html><script>alert(1)</script>", content_type="image/png"
    )

    response = client.post(
        reverse("tickets:new"),
        {
            "organization": organization.pk,
            "subject": "See attached",
            "body": "The invoice is wrong.",
            "attachments": [page],
        },
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "attachments": ["invoice.png is not a picture, PDF, ZIP or text file."]
    }
    assert "The invoice is wrong." in response.content.decode()
    assert not Ticket.objects.exists()
    assert not Attachment.objects.exists()


def test_a_file_named_png_that_is_not_one_is_refused_on_the_follow_up_form(
    client, organization, customer
):
    ticket = open_ticket(organization, customer)
    client.force_login(customer)
    fake = SimpleUploadedFile("fake.png", b"Just some words.", content_type="image/png")

    response = client.post(
        reverse("tickets:follow-up", args=[ticket.pk]),
        {"body": "The photo you asked for.", "attachments": [fake]},
    )

    assert response.status_code == 400
    assert response.context["follow_up_form"].errors == {
        "attachments": ["fake.png is not what its name says: it is a text file, not a .png file."]
    }
    assert ticket.updates.count() == 1
    assert not Attachment.objects.exists()


def test_a_blank_request_names_each_missing_field(client, customer):
    client.force_login(customer)

    response = client.post(reverse("tickets:new"), {"subject": "  "})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"organization", "subject", "body"}


def test_a_customer_lists_only_their_own_tickets(
    client, organization, other_organization, customer, other_customer
):
    open_ticket(organization, customer, subject="Mine at Acme")
    open_ticket(other_organization, customer, subject="Mine at Globex")
    open_ticket(organization, other_customer, subject="Somebody else's")
    client.force_login(customer)

    page = client.get(reverse("tickets:list")).content.decode()

    assert "Mine at Acme" in page
    assert "Mine at Globex" in page
    assert "Globex Service" in page
    assert "Somebody else" not in page


def test_another_customer_gets_404_for_the_ticket_its_files_and_its_forms(
    client, organization, customer, other_customer
):
    ticket = open_ticket(organization, customer, files=[png()])
    attachment = Attachment.objects.get()
    before = snapshot(ticket)
    client.force_login(other_customer)

    responses = [
        client.get(reverse("tickets:detail", args=[ticket.pk])),
        client.get(reverse("tickets:attachment", args=[attachment.token])),
        client.post(reverse("tickets:follow-up", args=[ticket.pk]), {"body": "Hello"}),
        client.post(reverse("tickets:status-request", args=[ticket.pk])),
    ]

    assert [r.status_code for r in responses] == [404, 404, 404, 404]
    assert snapshot(ticket) == before


def test_a_visitor_who_is_not_logged_in_is_sent_to_the_login_page(client, organization, customer):
    ticket = open_ticket(organization, customer)

    response = client.get(reverse("tickets:detail", args=[ticket.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_internal_notes_and_their_files_never_reach_the_customers_page(
    client, organization, customer, agent
):
    ticket = open_ticket(organization, customer)
    services.ticket_add_progress(ticket=ticket, author=agent, body="We ordered the part.")
    services.ticket_add_internal_note(
        ticket=ticket, author=agent, body="Customer was rude on the phone.", files=[png("x.png")]
    )
    internal_file = Attachment.objects.get(is_public=False)
    client.force_login(customer)

    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    download = client.get(reverse("tickets:attachment", args=[internal_file.token]))

    assert "We ordered the part." in page
    assert "Customer was rude" not in page
    assert internal_file.token not in page
    assert 'data-public="false"' not in page
    assert download.status_code == 404


def test_the_result_is_shown_and_a_follow_up_reopens_the_ticket(
    client, organization, customer, agent
):
    ticket = open_ticket(organization, customer)
    services.ticket_assign(ticket=ticket, assignee=agent, by=agent)
    services.ticket_resolve(ticket=ticket, result="Replaced the pump.", by=agent)
    client.force_login(customer)
    page = client.get(reverse("tickets:detail", args=[ticket.pk])).content.decode()
    assert "Replaced the pump." in page
    assert "Not satisfied? Write back and we reopen it" in page

    response = client.post(
        reverse("tickets:follow-up", args=[ticket.pk]),
        {"body": "It leaks again.", "attachments": [png()]},
    )

    ticket.refresh_from_db()
    update = ticket.updates.get(kind=UpdateKind.FOLLOW_UP)
    assert response.status_code == 302
    assert response["Location"] == reverse("tickets:detail", args=[ticket.pk]) + (
        f"#update-{update.pk}"
    )
    assert (ticket.status, ticket.assignee, ticket.reopen_count) == (Status.OPEN, agent, 1)
    assert update.attachments.count() == 1


def test_an_empty_follow_up_re_renders_the_page_with_the_error(client, organization, customer):
    ticket = open_ticket(organization, customer)
    client.force_login(customer)

    response = client.post(reverse("tickets:follow-up", args=[ticket.pk]), {"body": ""})

    assert response.status_code == 400
    assert response.context["follow_up_form"].errors == {"body": ["This field is required."]}
    assert ticket.updates.count() == 1


def test_asking_for_an_update_puts_the_request_on_the_timeline(client, organization, customer):
    ticket = open_ticket(organization, customer)
    client.force_login(customer)

    response = client.post(reverse("tickets:status-request", args=[ticket.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("tickets:detail", args=[ticket.pk])
    assert "We&#x27;ve asked the team for an update." in response.content.decode()
    assert ticket.updates.filter(kind=UpdateKind.STATUS_REQUEST).count() == 1


def test_asking_for_an_update_again_and_again_nudges_the_team_only_three_times(
    client, organization, customer
):
    ticket = open_ticket(organization, customer)
    client.force_login(customer)

    for _ in range(5):
        response = client.post(reverse("tickets:status-request", args=[ticket.pk]), follow=True)

    assert "You asked a moment ago." in response.content.decode()
    assert ticket.updates.filter(kind=UpdateKind.STATUS_REQUEST).count() == 3


# Attachments -----------------------------------------------------------------------------


def test_an_attachment_is_served_only_as_a_download_with_nosniff_and_sandbox(
    client, organization, customer, agent
):
    ticket = open_ticket(organization, customer, files=[png("photo of leak.png")])
    attachment = Attachment.objects.get()

    for person in (customer, agent):
        client.force_login(person)
        response = client.get(reverse("tickets:attachment", args=[attachment.token]))

        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"] == 'attachment; filename="photo of leak.png"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox"
        assert b"".join(response.streaming_content) == PNG
    assert ticket.attachments.count() == 1


def test_staff_of_another_organization_cannot_download_an_attachment(
    client, organization, customer, other_agent
):
    open_ticket(organization, customer, files=[png()])
    attachment = Attachment.objects.get()
    client.force_login(other_agent)

    response = client.get(reverse("tickets:attachment", args=[attachment.token]))

    assert response.status_code == 404


# The agents' side ------------------------------------------------------------------------


def test_a_ticket_id_beyond_any_stored_one_is_a_404_not_an_error(client, organization, agent):
    client.force_login(agent)
    too_big = "9" * 25

    response = client.get(f"/o/{organization.slug}/tickets/{too_big}/")

    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["other_agent", "other_manager", "technician", "customer"])
def test_the_staff_page_and_every_action_are_404_for_outsiders_and_change_nothing(
    client, request, organization, customer, agent, persona
):
    ticket = open_ticket(organization, customer)
    services.ticket_assign(ticket=ticket, assignee=agent, by=agent)
    before = snapshot(ticket)
    client.force_login(request.getfixturevalue(persona))

    responses = [
        client.get(staff_url(ticket)),
        client.get(reverse("tickets:inbox", args=["acme"])),
        client.post(action_url(ticket, "take")),
        client.post(action_url(ticket, "assign"), {"assignee": ""}),
        client.post(action_url(ticket, "progress"), {"progress-body": "Hi"}),
        client.post(action_url(ticket, "note"), {"note-body": "Psst"}),
        client.post(action_url(ticket, "status"), {"status": Status.PENDING}),
        client.post(action_url(ticket, "priority"), {"priority": Priority.URGENT}),
        client.post(action_url(ticket, "resolve"), {"result": "Done"}),
    ]

    assert [r.status_code for r in responses] == [404] * len(responses)
    assert snapshot(ticket) == before


def test_a_receptionist_reads_the_ticket_and_adds_internal_notes_but_does_not_work_it(
    client, organization, customer, receptionist
):
    ticket = open_ticket(organization, customer)
    client.force_login(receptionist)

    page = client.get(staff_url(ticket))
    noted = client.post(action_url(ticket, "note"), {"note-body": "Called back, no answer."})
    taken = client.post(action_url(ticket, "take"))
    replied = client.post(action_url(ticket, "progress"), {"progress-body": "Hello"})

    assert page.status_code == 200
    assert "Take it" not in page.content.decode()
    assert noted.status_code == 302
    assert (taken.status_code, replied.status_code) == (404, 404)
    ticket.refresh_from_db()
    assert ticket.assignee is None
    assert list(ticket.updates.values_list("kind", "is_public")) == [
        (UpdateKind.CREATED, True),
        (UpdateKind.INTERNAL, False),
    ]


def test_an_agent_works_a_ticket_from_taking_it_to_the_result(
    client, organization, customer, agent, manager
):
    ticket = open_ticket(organization, customer)
    client.force_login(agent)

    steps = [
        client.post(action_url(ticket, "take")),
        client.post(
            action_url(ticket, "progress"),
            {"progress-body": "On our way.", "progress-attachments": [png()]},
        ),
        client.post(action_url(ticket, "note"), {"note-body": "Needs a ladder."}),
        client.post(action_url(ticket, "priority"), {"priority": Priority.HIGH}),
        client.post(action_url(ticket, "status"), {"status": Status.PENDING}),
        client.post(action_url(ticket, "assign"), {"assignee": manager.pk}),
        client.post(action_url(ticket, "resolve"), {"result": "Replaced the valve."}),
    ]

    assert [r.status_code for r in steps] == [302] * len(steps)
    assert {r["Location"] for r in steps} == {staff_url(ticket)}
    ticket.refresh_from_db()
    assert (ticket.status, ticket.priority, ticket.assignee, ticket.result) == (
        Status.RESOLVED,
        Priority.HIGH,
        manager,
        "Replaced the valve.",
    )
    assert ticket.first_responded_at is not None
    page = client.get(staff_url(ticket)).content.decode()
    assert "Needs a ladder." in page
    assert 'data-public="false"' in page
    assert "Staff only" in page


def test_a_refused_action_comes_back_with_the_error_and_what_was_typed(
    client, organization, customer, agent
):
    ticket = open_ticket(organization, customer)
    services.ticket_change_status(ticket=ticket, status=Status.CLOSED, by=agent)
    client.force_login(agent)

    blank = client.post(action_url(ticket, "progress"), {"progress-body": "   "})
    closed = client.post(action_url(ticket, "resolve"), {"result": "Fixed it."})
    unknown = client.post(action_url(ticket, "explode"))

    assert blank.status_code == 400
    assert blank.context["progress_form"].errors == {"body": ["This field is required."]}
    assert closed.status_code == 400
    assert closed.context["resolve_form"].errors == {
        "__all__": ["This ticket is already resolved or closed."]
    }
    assert "Fixed it.</textarea>" in closed.content.decode()
    assert unknown.status_code == 404
    ticket.refresh_from_db()
    assert (ticket.status, ticket.result) == (Status.CLOSED, "")


def test_the_status_select_offers_only_the_next_statuses_and_never_resolved(
    client, organization, customer, agent
):
    ticket = open_ticket(organization, customer)
    services.ticket_change_status(ticket=ticket, status=Status.PENDING, by=agent)
    client.force_login(agent)

    response = client.get(staff_url(ticket))

    choices = [value for value, _label in response.context["status_form"].fields["status"].choices]
    assert choices == [Status.OPEN, Status.PENDING, Status.CLOSED]


def form_tokens(page: str, action: str) -> list[str]:
    """The CSRF token in each form that posts to `action`."""
    form = rf'action="{re.escape(action)}"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken"'
    return re.findall(form + r' value="([^"]+)"', page)


def test_the_facts_and_forms_carry_each_viewers_own_csrf_token(
    organization, customer, agent, manager
):
    ticket = open_ticket(organization, customer)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(agent)
    second.force_login(manager)
    first.get(staff_url(ticket))

    page = second.get(staff_url(ticket)).content.decode()
    (token,) = form_tokens(page, action_url(ticket, "note"))
    noted = second.post(
        action_url(ticket, "note"), {"note-body": "Seen.", "csrfmiddlewaretoken": token}
    )

    assert noted.status_code == 302


def test_the_facts_and_forms_change_with_the_ticket_and_with_who_looks(
    client, organization, customer, agent, receptionist
):
    ticket = open_ticket(organization, customer)
    client.force_login(agent)
    client.get(staff_url(ticket))

    services.ticket_take(ticket=ticket, agent=agent)
    services.ticket_change_priority(ticket=ticket, priority=Priority.URGENT, by=agent)
    as_assignee = client.get(staff_url(ticket)).content.decode()
    client.force_login(receptionist)
    as_receptionist = client.get(staff_url(ticket)).content.decode()

    assert 'data-priority="urgent"' in as_assignee
    assert "data-take hidden" in as_assignee
    assert 'name="assignee"' in as_assignee
    assert 'name="assignee"' not in as_receptionist
    assert "Take it" not in as_receptionist


def test_the_assign_select_shows_a_new_agent_and_a_new_name_at_once(
    client, organization, customer, agent, after_commit
):
    ticket = open_ticket(organization, customer)
    newcomer = CustomerFactory(email="nora@example.com", full_name="Nora Newcomer")
    invitation = StaffInvitationFactory(
        organization=organization, email=newcomer.email, role=Role.AGENT
    )
    client.force_login(agent)
    client.get(staff_url(ticket))

    with after_commit():
        account_services.invitation_accept(invitation=invitation, user=newcomer)
        account_services.customer_profile_update(user=agent, full_name="Renamed Agent")
    page = client.get(staff_url(ticket)).content.decode()

    assert f'<option value="{newcomer.pk}">Nora Newcomer</option>' in page
    assert f'<option value="{agent.pk}">Renamed Agent</option>' in page


def test_the_staff_page_shows_the_customers_other_tickets(
    client, organization, other_organization, customer, agent
):
    ticket = open_ticket(organization, customer, subject="The boiler")
    open_ticket(organization, customer, subject="The radiator")
    open_ticket(other_organization, customer, subject="At another provider")
    client.force_login(agent)

    response = client.get(staff_url(ticket))

    assert [t["subject"] for t in response.context["other_tickets"]] == ["The radiator"]
    assert "At another provider" not in response.content.decode()


def test_the_inbox_tabs_filters_and_search_pick_the_right_tickets(
    client, organization, customer, other_customer, agent, manager, category
):
    mine = open_ticket(organization, customer, subject="Mine", category=category)
    services.ticket_assign(ticket=mine, assignee=agent, by=agent)
    queued = open_ticket(organization, other_customer, subject="Queued", body="A dripping tap")
    urgent = open_ticket(organization, customer, subject="Theirs", priority=Priority.URGENT)
    services.ticket_assign(ticket=urgent, assignee=manager, by=manager)
    services.ticket_change_status(ticket=urgent, status=Status.PENDING, by=manager)
    Ticket.objects.filter(pk=queued.pk).update(resolution_due=timezone.now() - timedelta(hours=1))
    client.force_login(agent)

    def subjects(**params):
        response = client.get(reverse("tickets:inbox", args=["acme"]), params)
        assert response.status_code == 200
        return sorted(t.subject for t in response.context["tickets"])

    assert subjects() == ["Mine"]
    assert subjects(view="queue") == ["Queued"]
    assert subjects(view="all") == ["Mine", "Queued", "Theirs"]
    assert subjects(view="all", priority="urgent") == ["Theirs"]
    assert subjects(view="all", category=category.pk) == ["Mine"]
    assert subjects(view="all", overdue="on") == ["Queued"]
    assert subjects(view="all", customer=other_customer.pk) == ["Queued"]
    assert subjects(view="all", q="dripping") == ["Queued"]
    assert subjects(view="all", q="THEIRS") == ["Theirs"]
    assert subjects(view="all", status="pending") == ["Theirs"]
    assert subjects(view="all", customer="not-a-number") == ["Mine", "Queued", "Theirs"]


def test_the_inbox_marks_overdue_rows_and_its_live_refresh_returns_rows_and_tab_counts(
    client, organization, customer, agent
):
    ticket = open_ticket(organization, customer, subject="Late one")
    Ticket.objects.filter(pk=ticket.pk).update(resolution_due=timezone.now() - timedelta(hours=1))
    client.force_login(agent)

    response = client.get(
        reverse("tickets:inbox", args=["acme"]), {"view": "queue"}, headers={"HX-Request": "true"}
    )

    fragment = response.content.decode()
    assert fragment.lstrip().startswith('<div id="inbox-results"')
    assert 'class="is-overdue"' in fragment
    assert "Late one" in fragment
    assert 'id="inbox-tabs" class="tabs"' in fragment
    assert 'hx-swap-oob="true"' in fragment
    assert "<html" not in fragment


def _inbox_tickets(organization, count):
    customers = [CustomerFactory() for _ in range(3)]
    category = Category.objects.create(organization=organization, name="General")
    for number in range(count):
        open_ticket(
            organization,
            customers[number % 3],
            subject=f"Ticket {number}",
            category=category,
        )


@pytest.mark.parametrize("count", [3, 30])
def test_the_inbox_query_count_does_not_grow_with_the_page(
    client, organization, agent, count, django_assert_max_num_queries
):
    _inbox_tickets(organization, count)
    for ticket in Ticket.objects.all()[: count // 2]:
        services.ticket_assign(ticket=ticket, assignee=agent, by=agent)
    client.force_login(agent)

    with django_assert_max_num_queries(INBOX_QUERIES):
        response = client.get(reverse("tickets:inbox", args=["acme"]), {"view": "all"})

    assert len(response.context["tickets"]) == min(count, 25)


def test_an_inbox_page_comes_from_the_cache_until_a_ticket_changes(
    client,
    organization,
    customer,
    agent,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    ticket = open_ticket(organization, customer, subject="Boiler leaks")
    client.force_login(agent)
    inbox = reverse("tickets:inbox", args=["acme"])
    first = client.get(inbox, {"view": "all"})

    # Session, user, memberships and the page shell: no ticket query, no count.
    with django_assert_max_num_queries(4):
        again = client.get(inbox, {"view": "all"})
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_take(ticket=ticket, agent=agent)
    changed = client.get(inbox, {"view": "all"})

    assert again.context["results"] == first.context["results"]
    assert b"Boiler leaks" in first.content
    row = changed.content.decode().split(f'data-ticket-id="{ticket.pk}"')[1].split("</tr>")[0]
    assert str(agent) in row
    assert changed.context["counts"] == {"mine": 1, "queue": 0}


def test_the_cached_inbox_keeps_each_language_apart(client, organization, customer, agent):
    ticket = open_ticket(organization, customer)
    client.force_login(agent)
    inbox = reverse("tickets:inbox", args=["acme"])

    english = client.get(inbox, {"view": "all"}, headers={"accept-language": "en"})
    korean = client.get(inbox, {"view": "all"}, headers={"accept-language": "ko"})

    updated = timezone.localtime(ticket.updated_at)
    for response, language in ((english, "en"), (korean, "ko")):
        with translation.override(language):
            assert (
                formats.date_format(updated, "SHORT_DATETIME_FORMAT") in response.context["results"]
            )
    assert english.context["results"] != korean.context["results"]


def long_ticket(organization, customer, agent):
    """A ticket with 103 entries after its opening: internal and public, three with photos."""
    ticket = open_ticket(organization, customer, files=[png()])
    authors = [agent, customer, None]
    TicketUpdate.objects.bulk_create(
        TicketUpdate(
            ticket=ticket,
            kind=UpdateKind.PROGRESS if number % 2 else UpdateKind.INTERNAL,
            author=authors[number % 3],
            body=f"Update {number}",
            is_public=bool(number % 2),
        )
        for number in range(99)
    )
    for _ in range(3):
        services.ticket_add_progress(ticket=ticket, author=agent, body="A photo", files=[png()])
    return ticket


def test_a_long_timeline_opens_on_its_latest_entries_within_a_fixed_query_count(
    client, organization, customer, agent, django_assert_max_num_queries
):
    ticket = long_ticket(organization, customer, agent)
    for _ in range(5):
        open_ticket(organization, customer)
    client.force_login(agent)

    with django_assert_max_num_queries(STAFF_PAGE_QUERIES):
        response = client.get(staff_url(ticket))

    assert response.status_code == 200
    latest = list(
        ticket.updates.order_by("-id").values_list("id", flat=True)[: selectors.TIMELINE_TAIL]
    )
    assert [update.pk for update in response.context["timeline"]] == latest[::-1]
    assert b"Show earlier entries" in response.content


def test_earlier_entries_come_in_stretches_until_the_first(client, organization, customer, agent):
    ticket = long_ticket(organization, customer, agent)
    client.force_login(agent)
    everything = list(ticket.updates.order_by("id").values_list("id", flat=True))
    seen = [update.pk for update in client.get(staff_url(ticket)).context["timeline"]]

    while True:
        response = client.get(staff_url(ticket, "tickets:staff-earlier"), {"before": seen[0]})
        assert response.status_code == 200
        seen = [update.pk for update in response.context["timeline"]] + seen
        if not response.context["has_earlier"]:
            break
        assert b"Show earlier entries" in response.content

    assert seen == everything


def test_the_customer_reads_earlier_entries_without_the_internal_ones(
    client, organization, customer, agent
):
    ticket = long_ticket(organization, customer, agent)
    client.force_login(customer)
    first_shown = client.get(reverse("tickets:detail", args=[ticket.pk])).context["timeline"][0]

    response = client.get(reverse("tickets:earlier", args=[ticket.pk]), {"before": first_shown.pk})

    assert response.status_code == 200
    assert response.context["timeline"]
    assert all(update.is_public for update in response.context["timeline"])


@pytest.mark.parametrize("before", ["", "abc", "-1"])
def test_asking_for_earlier_entries_without_a_valid_entry_is_a_400(
    client, organization, customer, agent, before
):
    ticket = open_ticket(organization, customer)
    client.force_login(agent)

    response = client.get(staff_url(ticket, "tickets:staff-earlier"), {"before": before})

    assert response.status_code == 400


def test_another_organizations_staff_and_customers_get_no_earlier_entries(
    client, organization, customer, other_customer, other_agent
):
    ticket = open_ticket(organization, customer)

    client.force_login(other_agent)
    assert client.get(staff_url(ticket, "tickets:staff-earlier"), {"before": 10}).status_code == 404
    client.force_login(other_customer)
    response = client.get(reverse("tickets:earlier", args=[ticket.pk]), {"before": 10})
    assert response.status_code == 404


# The managers' side ----------------------------------------------------------------------


def sla_data(**overrides):
    data = {"section": "sla"}
    for priority in Priority.values:
        data[f"{priority}_first_response"] = 30
        data[f"{priority}_resolution"] = 600
    data.update(overrides)
    return data


def test_a_manager_sets_the_promised_times_for_every_priority(client, organization, manager):
    client.force_login(manager)

    response = client.post(
        reverse("tickets:service-levels", args=["acme"]), sla_data(urgent_first_response=5)
    )

    assert response.status_code == 302
    policies = {
        p.priority: (p.first_response_minutes, p.resolution_minutes)
        for p in SlaPolicy.objects.filter(organization=organization)
    }
    assert policies == {
        Priority.LOW: (30, 600),
        Priority.NORMAL: (30, 600),
        Priority.HIGH: (30, 600),
        Priority.URGENT: (5, 600),
    }


def test_promised_times_that_are_not_positive_or_out_of_order_are_refused_and_nothing_saved(
    client, organization, manager
):
    client.force_login(manager)
    url = reverse("tickets:service-levels", args=["acme"])

    zero = client.post(url, sla_data(low_first_response=0, high_resolution=""))
    backwards = client.post(url, sla_data(normal_first_response=700))

    assert zero.status_code == 400
    assert zero.context["sla_form"].errors == {
        "low_first_response": ["Ensure this value is greater than or equal to 1."],
        "high_resolution": ["This field is required."],
    }
    assert 'value="0"' in zero.content.decode()
    assert backwards.status_code == 400
    assert backwards.context["sla_form"].errors == {
        "normal_resolution": ["The resolution can't be due before the first response."]
    }
    assert not SlaPolicy.objects.exists()


def test_a_manager_sets_reminders_and_adds_categories_and_a_duplicate_name_is_refused(
    client, organization, manager, category
):
    client.force_login(manager)
    url = reverse("tickets:service-levels", args=["acme"])

    reminders = client.post(
        url, {"section": "reminders", "interval_minutes": 30, "escalate_after": 0}
    )
    added = client.post(url, {"section": "category", "name": "Fridges", "skill": "cooling"})
    duplicate = client.post(url, {"section": "category", "name": "boilers", "skill": ""})
    bad_interval = client.post(
        url, {"section": "reminders", "interval_minutes": 0, "escalate_after": 2}
    )

    assert (reminders.status_code, added.status_code) == (302, 302)
    settings_ = ReminderSettings.objects.get(organization=organization)
    assert (settings_.interval_minutes, settings_.escalate_after) == (30, 0)
    assert Category.objects.get(name="Fridges").skill == "cooling"
    assert duplicate.status_code == 400
    assert duplicate.context["category_form"].errors == {
        "name": ["There is already a category with this name."]
    }
    assert bad_interval.status_code == 400
    assert "interval_minutes" in bad_interval.context["reminder_form"].errors
    assert Category.objects.filter(organization=organization).count() == 2


def test_a_category_added_by_a_manager_shows_in_the_inbox_filter_at_once(
    client, organization, manager, category, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    inbox = reverse("tickets:inbox", args=["acme"])
    client.get(inbox)  # the category list is cached from here on

    with django_capture_on_commit_callbacks(execute=True):
        services.category_create(organization=organization, name="Fridges")
    response = client.get(inbox)

    assert [
        label for _value, label in response.context["filter_form"].fields["category"].choices
    ] == [
        "Any category",
        "Boilers",
        "Fridges",
    ]


def test_the_service_levels_page_lists_overdue_tickets_with_counts(
    client, organization, customer, manager
):
    late = open_ticket(organization, customer, subject="Late one")
    open_ticket(organization, customer, subject="On time")
    Ticket.objects.filter(pk=late.pk).update(resolution_due=timezone.now() - timedelta(hours=1))
    client.force_login(manager)

    response = client.get(reverse("tickets:service-levels", args=["acme"]))

    assert response.context["overdue"] == {"total": 1, "unassigned": 1, "escalated": 0}
    assert [t.subject for t in response.context["overdue_tickets"]] == ["Late one"]
    assert "On time" not in response.content.decode()


@pytest.mark.parametrize("persona", ["agent", "receptionist", "other_manager"])
def test_only_the_organizations_managers_see_and_change_service_levels(
    client, request, organization, persona
):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("tickets:service-levels", args=["acme"])

    responses = [client.get(url), client.post(url, sla_data())]

    assert [r.status_code for r in responses] == [404, 404]
    assert not SlaPolicy.objects.exists()


# Links from the start pages --------------------------------------------------------------


def test_the_agent_dashboard_shows_ticket_counts_and_links_to_the_inbox(
    client, organization, customer, agent
):
    mine = open_ticket(organization, customer)
    services.ticket_assign(ticket=mine, assignee=agent, by=agent)
    open_ticket(organization, customer)
    client.force_login(agent)

    page = client.get(reverse("accounts:agent-dashboard", args=["acme"])).content.decode()

    assert reverse("tickets:inbox", args=["acme"]) in page
    assert 'data-count="mine">1<' in page
    assert 'data-count="queue">1<' in page
    assert reverse("tickets:service-levels", args=["acme"]) not in page


def test_the_manager_console_links_to_service_levels(client, manager):
    client.force_login(manager)

    page = client.get(reverse("accounts:manager-console", args=["acme"])).content.decode()

    assert reverse("tickets:service-levels", args=["acme"]) in page
    assert 'data-count="overdue">0<' in page


def test_the_customer_home_links_to_my_tickets_and_a_new_request(client, customer):
    client.force_login(customer)

    page = client.get(reverse("accounts:customer-home")).content.decode()

    assert f'href="{reverse("tickets:list")}"' in page
    assert f'href="{reverse("tickets:new")}"' in page


def test_a_new_ticket_goes_to_the_online_agent_and_shows_in_their_inbox(
    client, organization, customer
):
    agent = online(staff(organization, Role.AGENT, full_name="Olive Online"))
    open_ticket(organization, customer, subject="Routed to Olive")
    client.force_login(agent)

    response = client.get(reverse("tickets:inbox", args=["acme"]))

    assert [t.subject for t in response.context["tickets"]] == ["Routed to Olive"]
