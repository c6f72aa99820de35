from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Ratings and surveys")

    def ready(self):
        from csportal.realtime import register_audience

        from . import contributions, live
        from .services import RESPONDING_ROLES, REVIEW_AUDIENCE

        register_audience(REVIEW_AUDIENCE, RESPONDING_ROLES)
        contributions.register()
        live.register()
