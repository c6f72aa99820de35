"""What accounts adds to the project's registries, from AccountsConfig.ready().

csportal's plumbing imports no app (csportal.realtime): accounts tells it the groups a user
joins by right and how sockets make staff present, and adds the staff pages and the
person's own presence to every page's frame.

Navigation: the top bar's links ("nav") are what a person works with: a customer's own
pages, a staff member's organization and the pages of it their role may use
(`staff_page`). The rest of what they may open goes in the menu ("menu"): the
organization's other pages (`staff_tool`, also listed on a staff start page) and, for
staff, their own pages as a customer (`own_page`), and everyone's account settings.
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
    slots.add_links("menu", "accounts.staff_tools", staff_tool_links, order=10)
    for slot in ("nav", "menu"):
        slots.add_links(
            slot,
            "accounts.my_account",
            own_page(slot, _("My account"), "accounts:customer-home"),
            order=50,
        )
    slots.add_links("menu", "accounts.settings", account_settings_link, order=90)


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


def staff_tool_links(context) -> list[slots.Link]:
    return slots.links("accounts.staff_tools", context)


def account_settings_link(context) -> list[slots.Link]:
    return [slots.Link(_("Account settings"), reverse("accounts:account-settings"))]


def current_membership(context):
    """The staff membership a page is seen through: the page's own (pages under /o/<slug>/),
    else the person's only one. None for customers, and for staff of several organizations
    on a page of none of them, who reach each from its link in the bar."""
    membership = context.get("membership")
    if membership is not None:
        return membership
    memberships = request_memberships(context["request"])
    return memberships[0] if len(memberships) == 1 else None


def _organization_page(label, url_name: str, roles: Iterable[str], own: bool):
    roles = frozenset(roles)

    def links(context) -> list[slots.Link]:
        membership = current_membership(context)
        if membership is None or membership.role not in roles:
            return []
        args = [membership.organization.slug, *([membership.user_id] if own else [])]
        return [slots.Link(label, reverse(url_name, args=args))]

    return links


def staff_page(label, url_name: str, roles: Iterable[str]):
    """A links source for "nav": the organization's `url_name` page, shown in the bar to
    its staff in one of `roles`: what they work in all day (the inbox, the reviews)."""
    return _organization_page(label, url_name, roles, own=False)


def staff_tool(label, url_name: str, roles: Iterable[str], *, own: bool = False):
    """A links source for `accounts.staff_tools`, shown to staff in one of `roles` on their
    start page and in their menu: the `url_name` page of the organization (and, with `own`,
    of the person themselves)."""
    return _organization_page(label, url_name, roles, own)


def own_page(slot: str, label, url_name: str):
    """A links source for the person's own pages as a customer (My account, My tickets):
    in the bar ("nav") for customers; in the menu ("menu") for staff, whose bar has their
    organization's pages."""
    wanted_by_staff = slot == "menu"

    def links(context) -> list[slots.Link]:
        if bool(request_memberships(context["request"])) != wanted_by_staff:
            return []
        return [slots.Link(label, reverse(url_name))]

    return links
