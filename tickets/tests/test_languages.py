"""Everyone reads a ticket in their own language: what they are told of it (in the portal, by
email and SMS) and its timeline's automatic entries, whoever made the change."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from rest_framework.test import APIClient

from accounts.models import CustomerProfile, Role
from accounts.tests.factories import CustomerProfileFactory, online, staff
from csportal.dates import format_datetime
from csportal.models import Event
from notifications.models import Notification
from notifications.services import pending_notifications_drain, preference_set
from notifications.transports import LocmemSmsTransport
from tickets import services
from tickets.models import Priority, Status, Ticket, UpdateKind
from tickets.tests.factories import TicketUpdateFactory


@pytest.fixture(autouse=True)
def _no_language_left_behind():
    # A page read in Chinese leaves Chinese active in the test's thread (LocaleMiddleware
    # activates it and nothing deactivates it): the next test must not read in it.
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def sms_outbox():
    LocmemSmsTransport.outbox.clear()
    yield LocmemSmsTransport.outbox
    LocmemSmsTransport.outbox.clear()


@pytest.fixture
def korean_customer(customer):
    """Reached in the portal, by email and by SMS."""
    CustomerProfile.objects.filter(user=customer).update(language="ko", phone="+14155550123")
    preference_set(user=customer, kind="ticket.updated", channels=["in_app", "email", "sms"])
    return customer


@pytest.fixture
def chinese_agent(agent):
    CustomerProfileFactory(user=agent, language="zh-hans")
    return agent


def open_ticket(organization, customer, **kwargs):
    with translation.override("en"):
        return services.ticket_open(
            organization=organization,
            customer=customer,
            subject="Boiler bangs",
            body="Every morning.",
            **kwargs,
        )


# What people are told --------------------------------------------------------------------


def test_a_korean_customer_is_told_in_korean_of_what_an_english_speaking_agent_did(
    organization, korean_customer, agent, after_commit, sms_outbox
):
    ticket = open_ticket(organization, korean_customer)

    with translation.override("en"), after_commit():
        services.ticket_change_status(ticket=ticket, status=Status.PENDING, by=agent)

    title = f"#{ticket.pk} 상태: 고객 응답 대기"
    in_app = Notification.objects.get(recipient=korean_customer, channel="in_app")
    assert (in_app.title, in_app.body, in_app.language) == (title, "상태: 고객 응답 대기", "ko")
    [email] = mail.outbox
    assert email.subject == title
    assert email.body.startswith(f"{title}\n\n상태: 고객 응답 대기\n\n포털에서 열기: ")
    assert "csportal 알림 설정에 따라 이 메일을 보내 드렸습니다." in email.body
    assert "포털에서 열기" in email.alternatives[0][0]
    [sms] = sms_outbox
    assert sms["body"].split("\n")[:2] == [title, "상태: 고객 응답 대기"]


def test_a_korean_customer_reads_news_and_results_titled_in_korean(
    organization, korean_customer, agent, after_commit
):
    ticket = open_ticket(organization, korean_customer)

    with translation.override("en"), after_commit():
        services.ticket_add_progress(ticket=ticket, author=agent, body="On my way.")
        services.ticket_resolve(ticket=ticket, result="Bled the radiators.", by=agent)

    told = Notification.objects.filter(recipient=korean_customer, channel="in_app")
    assert list(told.order_by("id").values_list("title", "body")) == [
        (f"#{ticket.pk} 새 소식: Boiler bangs", "On my way."),
        (f"#{ticket.pk} 처리 결과: Boiler bangs", "Bled the radiators."),
    ]


def test_a_chinese_agent_is_told_in_chinese_of_what_a_korean_customer_did(
    organization, korean_customer, chinese_agent, after_commit
):
    ticket = open_ticket(organization, korean_customer)
    services.ticket_assign(ticket=ticket, assignee=chinese_agent, by=chinese_agent)

    with translation.override("ko"), after_commit():
        services.ticket_request_status(ticket=ticket, customer=korean_customer)
        services.ticket_follow_up(ticket=ticket, customer=korean_customer, body="아직이에요?")

    told = Notification.objects.filter(recipient=chinese_agent, channel="in_app")
    assert list(told.order_by("id").values_list("title", "language")) == [
        (f"客户询问 #{ticket.pk} 的进展", "zh-hans"),
        (f"客户在 #{ticket.pk} 中留言", "zh-hans"),
    ]
    to_customer = Notification.objects.get(recipient=korean_customer, channel="in_app")
    assert (to_customer.title, to_customer.body) == (f"#{ticket.pk}: 신규", "상태: 신규")


def test_a_routed_chinese_agent_is_told_in_chinese_without_a_query_for_their_language(
    organization, customer, chinese_agent
):
    online(chinese_agent)

    with CaptureQueriesContext(connection) as opening:
        ticket = open_ticket(organization, customer)
    pending_notifications_drain()

    # Routing's own query brings the chosen agent's language along.
    profile_table = CustomerProfile._meta.db_table
    assert len([q for q in opening.captured_queries if profile_table in q["sql"]]) == 1

    told = Notification.objects.get(recipient=chinese_agent, channel="in_app")
    assert told.title == f"工单 #{ticket.pk} 已分配给您：Boiler bangs"


def test_an_overdue_reminder_reaches_each_manager_in_their_language_and_format(
    organization, customer, manager
):
    CustomerProfileFactory(user=manager, language="zh-hans")
    korean_manager = staff(organization, Role.MANAGER)
    CustomerProfileFactory(user=korean_manager, language="ko")
    ticket = open_ticket(organization, customer)
    due = ticket.first_response_due

    with translation.override("en"):
        services.tickets_send_reminders(now=due + timedelta(minutes=1))

    chinese = Notification.objects.get(recipient=manager, kind="ticket.reminder", channel="in_app")
    korean = Notification.objects.get(
        recipient=korean_manager, kind="ticket.reminder", channel="in_app"
    )
    assert chinese.title == f"#{ticket.pk} 已超时：Boiler bangs"
    assert korean.title == f"#{ticket.pk} 기한 초과: Boiler bangs"
    with translation.override("zh-hans"):
        assert (
            chinese.body
            == f"首次响应自 {format_datetime(due, zone='UTC')} 起已超时（第 1 次提醒）。"
        )
    with translation.override("ko"):
        assert korean.body == (
            f"첫 응답 기한이 {format_datetime(due, zone='UTC')}부터 지났습니다(1번째 알림)."
        )


# The timeline ----------------------------------------------------------------------------


@pytest.fixture
def worked_ticket(organization, customer, agent):
    """Opened, assigned, given a priority and a status by an agent working in English."""
    ticket = open_ticket(organization, customer)
    with translation.override("en"):
        services.ticket_assign(ticket=ticket, assignee=agent, by=agent)
        services.ticket_change_priority(ticket=ticket, priority=Priority.URGENT, by=agent)
        services.ticket_change_status(ticket=ticket, status=Status.PENDING, by=agent)
    return Ticket.objects.get(pk=ticket.pk)


def reader(user, language):
    client = APIClient()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def test_the_customer_page_words_automatic_entries_in_the_customers_language(
    worked_ticket, customer
):
    page = reader(customer, "ko").get(reverse("tickets:detail", args=[worked_ticket.pk]))

    text = page.content.decode()
    assert "Alex Agent님에게 배정했습니다." in text
    assert "상태: 고객 응답 대기" in text
    assert "Status:" not in text


def test_the_staff_page_words_automatic_entries_in_the_agents_language(
    worked_ticket, agent, organization
):
    page = reader(agent, "zh-hans").get(
        reverse("tickets:staff-detail", args=[organization.slug, worked_ticket.pk])
    )

    text = page.content.decode()
    assert "已分配给 Alex Agent。" in text
    assert "优先级：紧急。" in text
    assert "状态：等待客户回复。" in text
    assert "Priority:" not in text


def test_the_api_words_automatic_entries_in_the_readers_language_and_keeps_their_data(
    worked_ticket, agent
):
    response = reader(agent, "ko").get(f"/api/v1/tickets/{worked_ticket.pk}/updates/")

    entries = {entry["kind"]: entry for entry in response.json()["results"]}
    assert entries[UpdateKind.CREATED]["body"] == "Every morning."
    assert entries[UpdateKind.ASSIGNMENT]["body"] == "Alex Agent님에게 배정했습니다."
    assert entries[UpdateKind.PRIORITY]["body"] == "우선순위: 긴급"
    assert entries[UpdateKind.PRIORITY]["data"] == {"from": "normal", "to": "urgent"}
    assert entries[UpdateKind.STATUS]["body"] == "상태: 고객 응답 대기"


def test_an_automatic_entry_is_published_as_what_changed_for_each_page_to_word(
    worked_ticket, agent
):
    event = Event.objects.filter(type="ticket.updated").latest("id")

    update = event.data["update"]
    assert (update["kind"], update["data"]) == ("status", {"from": "new", "to": "pending"})
    # Stored in the portal's language, never in that of whoever made the change.
    with translation.override("zh-hans"):
        services.ticket_change_status(ticket=worked_ticket, status=Status.OPEN, by=agent)
    assert worked_ticket.updates.latest("id").body == "Status: Open."


def test_entries_from_before_their_data_was_complete_read_as_they_were_written(
    worked_ticket, agent, organization
):
    TicketUpdateFactory(
        ticket=worked_ticket,
        kind=UpdateKind.ASSIGNMENT,
        author=agent,
        body="Assigned to Sam Old.",
        data={"assignee": agent.pk},
        is_public=False,
    )
    TicketUpdateFactory(
        ticket=worked_ticket,
        kind=UpdateKind.REMINDER,
        body="First response overdue since 1 Dec 2026, 09:00 (reminder 1).",
        data={"due_point": "first_response", "sequence": 1},
        is_public=False,
    )
    Ticket.objects.filter(pk=worked_ticket.pk).update(updated_at=timezone.now())

    page = reader(agent, "zh-hans").get(
        reverse("tickets:staff-detail", args=[organization.slug, worked_ticket.pk])
    )

    text = page.content.decode()
    assert "Assigned to Sam Old." in text
    assert "First response overdue since 1 Dec 2026, 09:00 (reminder 1)." in text
