from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TechniciansConfig(AppConfig):
    name = "technicians"
    verbose_name = _("Field technicians")

    def ready(self):
        from csportal.realtime import register_audience
        from notifications import kinds
        from notifications.models import Channel

        from .services import VISIT_AUDIENCE, VISIT_ROLES

        register_audience(VISIT_AUDIENCE, VISIT_ROLES)

        kinds.register(
            "visit.booked",
            _("A visit is booked (for me, or in my day)"),
            (Channel.IN_APP, Channel.EMAIL, Channel.PUSH),
        )
        kinds.register(
            "visit.on_the_way",
            _("The technician is on the way"),
            (Channel.IN_APP, Channel.SMS, Channel.PUSH),
        )
        kinds.register(
            "visit.reminder",
            _("Reminders before a visit"),
            (Channel.IN_APP, Channel.EMAIL, Channel.SMS),
        )
        kinds.register(
            "visit.changed",
            _("A visit is moved or cancelled"),
            (Channel.IN_APP, Channel.EMAIL, Channel.PUSH),
        )
