from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_CUSTOMERS, DEMO_ORGANIZATIONS, DEMO_PASSWORD, seed_accounts
from chat.demo import seed_conversations
from ratings.demo import seed_reviews
from sensitivity.demo import seed_sensitivity
from technicians.demo import seed_visits
from tickets.demo import seed_tickets


class Command(BaseCommand):
    help = (
        "Fill two providers with staff, customers served by both, three months of tickets "
        "and reviews, today's visits and chats, so every screen has something on it. "
        "Running it twice changes nothing."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        cast, rows = seed_accounts()
        # In this order: visits follow up tickets, codes follow visits, and reviews are about
        # tickets, visits and chats.
        for provider in cast.providers:
            for seed in (seed_tickets, seed_visits, seed_sensitivity, seed_conversations):
                rows += seed(provider, cast, now=now)
        rows += seed_reviews(cast, now=now)
        logins = ", ".join(spec["staff"][0][0] for spec in DEMO_ORGANIZATIONS)
        self.stdout.write(
            f"Demo data ready ({rows} rows created). Log in with any of {logins}, "
            f"{DEMO_CUSTOMERS[0][0]}, ... and password {DEMO_PASSWORD!r}."
        )
