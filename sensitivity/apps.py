from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensitivityConfig(AppConfig):
    name = "sensitivity"
    verbose_name = _("Sensitivity codes")

    def ready(self):
        from csportal.realtime import register_audience
        from technicians import registries

        from . import contributions, manage_views, services
        from .access import CODE_ROLES

        register_audience(services.SENSITIVITY_AUDIENCE, CODE_ROLES)
        registries.register_desk_step("sensitivity", services.desk_step)
        registries.register_report_step("sensitivity", services.report_step)
        registries.register_visit_finished("sensitivity", services.call_open)
        contributions.register()
        manage_views.register_manager_pages()
