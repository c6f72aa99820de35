from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TechniciansConfig(AppConfig):
    name = "technicians"
    verbose_name = _("Field technicians")

    def ready(self):
        from csportal.realtime import register_audience

        from .contributions import register
        from .services import VISIT_AUDIENCE, VISIT_ROLES

        register_audience(VISIT_AUDIENCE, VISIT_ROLES)
        register()
