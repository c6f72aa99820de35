from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from csportal.realtime import register_audience

        from .contributions import register
        from .services import TICKET_AUDIENCE, TICKET_ROLES

        register_audience(TICKET_AUDIENCE, TICKET_ROLES)
        register()
