"""Reviews, answers and gifts are announced to each person in their own language, whoever
wrote them."""

from django.utils import translation

from accounts.models import CustomerProfile
from accounts.tests.factories import CustomerProfileFactory
from notifications.models import Notification
from ratings import services
from tickets.tests.factories import answered_ticket


def told(kind, recipient) -> tuple[str, str]:
    notification = Notification.objects.get(kind=kind, recipient=recipient, channel="in_app")
    return notification.title, notification.language


def test_a_new_review_reaches_the_chinese_manager_in_chinese_and_the_agent_in_english(
    organization, customer, manager, agent, after_commit
):
    CustomerProfileFactory(user=manager, language="zh-hans")
    ticket = answered_ticket(organization, customer=customer, assignee=agent)

    with translation.override("ko"), after_commit():
        services.review_post(customer=customer, organization=organization, stars=5, ticket=ticket)

    assert told("review.posted", manager) == ("Chris Customer 发表了新的 5★ 评价", "zh-hans")
    assert told("review.posted", agent) == ("New 5★ review from Chris Customer", "en")


def test_a_korean_customer_hears_in_korean_that_an_english_agent_answered(
    organization, customer, agent, after_commit
):
    CustomerProfile.objects.filter(user=customer).update(language="ko")
    ticket = answered_ticket(organization, customer=customer, assignee=agent)
    review = services.review_post(
        customer=customer, organization=organization, stars=2, ticket=ticket
    )

    with translation.override("en"), after_commit():
        services.review_respond(review=review, author=agent, body="Sorry about that.")

    assert told("review.responded", customer) == ("Acme Repairs에서 내 리뷰에 답했습니다", "ko")


def test_a_chinese_agent_is_thanked_in_chinese_by_a_korean_customer(
    organization, customer, agent, after_commit
):
    CustomerProfileFactory(user=agent, language="zh-hans")
    CustomerProfile.objects.filter(user=customer).update(language="ko")
    answered_ticket(organization, customer=customer, assignee=agent)

    with translation.override("ko"), after_commit():
        services.gift_send(
            sender=customer, organization=organization, recipient=agent, kind="coffee"
        )

    assert told("gift.received", agent) == ("Chris Customer 送给您一杯咖啡", "zh-hans")
