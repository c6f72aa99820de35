from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from csportal.realtime import register_object_group

        from .contributions import register
        from .services import DELIVERIES_GROUP, may_watch_deliveries

        register_object_group(DELIVERIES_GROUP, may_watch_deliveries)
        register()
