from django.core.management.base import BaseCommand

from accounts.models import Organization
from ratings import services


class Command(BaseCommand):
    help = "Rebuild every points score from the reviews (the incremental sums must agree)."

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="Only this organization's slug.")

    def handle(self, *args, organization=None, **options):
        org = Organization.objects.get(slug=organization) if organization else None
        rebuilt = services.scores_recompute(organization=org)
        self.stdout.write(f"Recomputed {rebuilt} scores.")
