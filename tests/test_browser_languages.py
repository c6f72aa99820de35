"""A change one person makes arrives live on every open page in that page's language."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from accounts.models import CustomerProfile
from accounts.tests.factories import CustomerProfileFactory
from tests.browser import in_another_thread, open_page_at, wait_for_realtime, watch_realtime
from tickets import services
from tickets.models import Priority, Status
from tickets.tests.factories import TicketFactory

pytestmark = pytest.mark.browser


def _as_english_speaker(change, **kwargs):
    with translation.override("en"):
        change(**kwargs)


def test_automatic_timeline_entries_arrive_worded_in_each_readers_language(
    browser, live_asgi_server, organization, customer, agent, manager
):
    CustomerProfile.objects.filter(user=customer).update(language="ko")
    CustomerProfileFactory(user=manager, language="zh-hans")
    ticket = TicketFactory(organization=organization, customer=customer, subject="Boiler bangs")
    korean = open_page_at(browser, live_asgi_server, customer, f"/tickets/{ticket.pk}/")
    chinese = open_page_at(browser, live_asgi_server, manager, f"/o/acme/tickets/{ticket.pk}/")
    for page in (korean, chinese):
        watch_realtime(page)

    for change, arguments in [
        (services.ticket_assign, {"assignee": agent}),
        (services.ticket_change_priority, {"priority": Priority.URGENT}),
        (services.ticket_change_status, {"status": Status.PENDING}),
    ]:
        in_another_thread(_as_english_speaker, change=change, ticket=ticket, by=agent, **arguments)

    wait_for_realtime(korean, "ticket.updated")
    korean_timeline = korean.locator("[data-timeline]")
    expect(korean_timeline).to_contain_text("Alex Agent님에게 배정했습니다.")
    expect(korean_timeline).to_contain_text("상태: 고객 응답 대기")
    chinese_timeline = chinese.locator("[data-timeline]")
    expect(chinese_timeline).to_contain_text("已分配给 Alex Agent。")
    expect(chinese_timeline).to_contain_text("优先级：紧急。")
    expect(chinese_timeline).to_contain_text("状态：等待客户回复。")
    expect(chinese_timeline).not_to_contain_text("Status:")
