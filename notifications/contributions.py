"""What notifications adds to other apps' pages, from NotificationsConfig.ready(): the bell
with its unread count on every page, and the staff's links to what was sent."""

from django.utils.translation import gettext_lazy as _

from accounts.contributions import staff_tool
from accounts.models import Role
from csportal import shell, slots

from .selectors import unread_count_subquery
from .services import DELIVERIES_ROLES


def register() -> None:
    shell.add_part("notifications", frame_context, read=frame_read)
    slots.add_panel("topbar", "notifications/includes/bell.html")
    slots.add_links(
        "accounts.staff_tools",
        "notifications.deliveries",
        staff_tool(_("Messages sent"), "notifications:deliveries", DELIVERIES_ROLES),
        order=10,
    )
    slots.add_links(
        "accounts.staff_tools",
        "notifications.organization_defaults",
        staff_tool(
            _("Notification defaults"), "notifications:organization-defaults", [Role.MANAGER]
        ),
        order=20,
    )


def frame_read(request) -> dict:
    return {"notifications_unread": unread_count_subquery(request.user)}


def frame_context(request, row) -> dict:
    return {"unread_notifications": row.get("notifications_unread") or 0}
