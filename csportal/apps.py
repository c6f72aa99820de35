from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CsportalConfig(AppConfig):
    name = "csportal"
    verbose_name = _("Portal core")
