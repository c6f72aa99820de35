from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_CUSTOMERS, DEMO_PASSWORD, DEMO_STAFF, seed_accounts
from chat.demo import seed_conversations
from ratings.demo import seed_reviews
from technicians.demo import seed_visits
from tickets.demo import seed_tickets


class Command(BaseCommand):
    help = (
        "Fill a demo organization with staff, customers, their tickets, visits, chats and "
        "reviews so every screen has something on it. Running it twice changes nothing."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        organization, staff, customers, account_rows = seed_accounts()
        # In this order: visits follow up tickets, and reviews are about all three.
        rows = account_rows + sum(
            seed(organization, staff, customers)
            for seed in (seed_tickets, seed_visits, seed_conversations, seed_reviews)
        )
        self.stdout.write(
            f"Demo data ready ({rows} rows created). Log in with any of "
            f"{DEMO_STAFF[0][0]}, {DEMO_CUSTOMERS[0][0]}, ... and password {DEMO_PASSWORD!r}."
        )
