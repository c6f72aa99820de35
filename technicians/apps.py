from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TechniciansConfig(AppConfig):
    name = "technicians"
    verbose_name = _("Field technicians")
