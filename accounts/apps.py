from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from .contributions import register

        register()
        from . import receivers
        from .models import Membership, Organization, User

        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(receivers.forget_user, sender=User, dispatch_uid=f"user-{name}")
            signal.connect(
                receivers.forget_memberships, sender=Membership, dispatch_uid=f"membership-{name}"
            )
        post_save.connect(
            receivers.forget_organization_memberships,
            sender=Organization,
            dispatch_uid="organization-save",
        )
