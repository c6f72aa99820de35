from django.core.management.base import BaseCommand

from tickets import services


class Command(BaseCommand):
    help = "Count every agent's open tickets afresh and mend the routing loads that differ."

    def handle(self, *args, **options):
        wrong = services.agent_load_recount()
        for organization_id, agent_id, was, now in wrong:
            self.stdout.write(
                f"organization {organization_id}, agent {agent_id}: stored {was}, counted {now}"
            )
        self.stdout.write(f"{len(wrong)} loads mended." if wrong else "Every load was right.")
