from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from csportal.realtime import register_audience
        from notifications import kinds
        from notifications.models import Channel

        from .contributions import register
        from .services import TICKET_AUDIENCE, TICKET_ROLES

        register_audience(TICKET_AUDIENCE, TICKET_ROLES)
        register()

        kinds.register(
            "ticket.updated",
            _("Progress and results of my requests"),
            (Channel.IN_APP, Channel.EMAIL, Channel.PUSH),
        )
        kinds.register(
            "ticket.assigned", _("A ticket is assigned to me"), (Channel.IN_APP, Channel.EMAIL)
        )
        kinds.register(
            "ticket.follow_up",
            _("A customer follows up or asks for news"),
            (Channel.IN_APP, Channel.EMAIL),
        )
        kinds.register(
            "ticket.reminder", _("Reminders about overdue tickets"), (Channel.IN_APP, Channel.EMAIL)
        )
        kinds.register(
            "ticket.escalated",
            _("Overdue tickets escalated to managers"),
            (Channel.IN_APP, Channel.EMAIL),
        )
