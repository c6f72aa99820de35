from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Ratings and surveys")

    def ready(self):
        from notifications import kinds
        from notifications.models import Channel

        from . import contributions, live

        contributions.register()
        live.register()

        kinds.register("review.posted", _("A customer reviews us"), (Channel.IN_APP, Channel.EMAIL))
        kinds.register(
            "review.responded",
            _("A provider answers my review"),
            (Channel.IN_APP, Channel.EMAIL, Channel.PUSH),
        )
        kinds.register("gift.received", _("A customer sends me a thank-you"), (Channel.IN_APP,))
