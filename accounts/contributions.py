"""What accounts adds to the project's registries, from AccountsConfig.ready().

csportal's plumbing imports no app (csportal.realtime): accounts tells it the groups a user
joins by right and how sockets make staff present, and adds the staff pages and the
person's own presence to every page's frame, and the account settings to the person's menu.
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from csportal import realtime, shell, slots

from . import presence
from .models import PresenceStatus
from .selectors import presence_status_subquery, realtime_groups_for, request_memberships
from .views import role_home_url


def register() -> None:
    realtime.register_groups_provider("accounts", groups_by_right)
    realtime.register_presence(
        realtime.PresenceHooks(
            counts=presence.counts_in_presence,
            connect=presence.presence_connect,
            set=presence.presence_set,
            renew=presence.presence_renew,
            renew_many=presence.presence_renew_many,
            disconnect=presence.presence_disconnect,
            announce=presence.presence_announce,
            pending=presence.anyone_pending,
        )
    )
    shell.add_part("accounts", frame_context, read=frame_read)
    slots.add_links("nav", "accounts.staff_pages", staff_page_links, order=10)
    slots.add_links("nav", "accounts.my_account", my_account_link, order=20)
    slots.add_links("user_menu", "accounts.settings", account_settings_link, order=10)


def groups_by_right(user, request=None) -> list[str]:
    """`realtime_groups_for`, from the memberships the request read already if there is one."""
    memberships = request_memberships(request) if request is not None else None
    return realtime_groups_for(user, memberships)


def frame_read(request) -> dict:
    if not request_memberships(request):
        return {}
    return {"accounts_presence": presence_status_subquery(request.user)}


def frame_context(request, row) -> dict:
    return {
        "staff_pages": [
            {"membership": membership, "url": role_home_url(membership)}
            for membership in request_memberships(request)
        ],
        "my_presence": row.get("accounts_presence") or PresenceStatus.OFFLINE,
    }


def staff_page_links(context) -> list[slots.Link]:
    return [
        slots.Link(
            label=page["membership"].organization.name,
            url=page["url"],
            detail=page["membership"].get_role_display(),
        )
        for page in context.get("staff_pages", ())
    ]


def my_account_link(context) -> list[slots.Link]:
    return [slots.Link(_("My account"), reverse("accounts:customer-home"))]


def account_settings_link(context) -> list[slots.Link]:
    return [slots.Link(_("Account settings"), reverse("accounts:account-settings"))]


def staff_tool(label, url_name: str, roles: Iterable[str], *, own: bool = False):
    """A links source for `accounts.staff_tools`, shown to staff in one of `roles`: the
    `url_name` page of the organization (and, with `own`, of the person themselves)."""
    roles = frozenset(roles)

    def links(context) -> list[slots.Link]:
        membership = context.get("membership")
        if membership is None or membership.role not in roles:
            return []
        args = [membership.organization.slug, *([membership.user_id] if own else [])]
        return [slots.Link(label, reverse(url_name, args=args))]

    return links
