from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.demo import DEMO_CUSTOMERS, DEMO_PASSWORD, DEMO_STAFF, seed_accounts
from tickets.demo import seed_tickets


class Command(BaseCommand):
    help = (
        "Fill a demo organization with staff, customers and their tickets so every screen has "
        "something on it. Running it twice changes nothing."
    )

    @transaction.atomic
    def handle(self, *args, **options):
        organization, staff, customers, account_rows = seed_accounts()
        ticket_rows = seed_tickets(organization, staff, customers)
        self.stdout.write(
            f"Demo data ready ({account_rows + ticket_rows} rows created). Log in with any of "
            f"{DEMO_STAFF[0][0]}, {DEMO_CUSTOMERS[0][0]}, ... and password {DEMO_PASSWORD!r}."
        )
