"""Places on a page that other apps fill: links and panels, registered in AppConfig.ready().

A page names its slots ("accounts.customer_home") and renders whatever is registered there
with the `slots` template tags; it never includes a higher app's template or names its URLs.
So a page renders with only its own app and those below installed, and lists only what
exists: an app adds a link or a panel when it has something to show there.

    slots.add_panel("accounts.customer_home", "tickets/includes/customer_home.html")
    slots.add_links("accounts.staff_tools", "ratings.scores", scores_link)

A panel's `context(context)` returns what its template needs on top of the page's context,
or None to show nothing; a links source returns the links to show (none is fine). Both get
the page's template context: `request` and `user` always, and whatever the page documents
for the slot (`organization` and `membership` on staff pages, `ticket` on a ticket page).

Slots so far (owner: what its pages give):
    nav                         every signed-in page's top bar: what the person works with (links)
    menu                        every signed-in page's menu: the rest they may open (links)
    topbar                      every signed-in page's top bar, by the bell (panels)
    accounts.customer_home      My account (panels)
    accounts.staff_tools        under a staff start page's heading, and in the menu (links)
    accounts.agent_dashboard    the agent dashboard (panels)
    accounts.reception_desk     the reception desk (panels)
    accounts.technician_today   the technician's day (panels)
    accounts.manager_console    the manager console, above its staff table (panels)
    tickets.customer_ticket     a customer's ticket page, under the timeline (panels)
    technicians.offer           each technician offered in the visit search, under their
                                introduction (panels): `offer` (technicians.availability.Offer)
    technicians.desk            inside the desk's booking form, after the caller (panels); the
                                form's data reaches the app's desk step (technicians.registries)
    technicians.visit           a visit's page for its technician and its organization's visit
                                staff, never its customer (panels): `visit`, `role`
    technicians.visit_report    inside the completion report form (panels): `visit`; the data
                                reaches the app's report step (technicians.registries)
A chat page names its own the same way ("chat.conversation").
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.template import Context
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    detail: str = ""  # a quieter second part (the role beside an organization's name)


LinksSource = Callable[[Context], Iterable[Link]]
PanelContext = Callable[[Context], Mapping | None]


@dataclass(frozen=True)
class _Panel:
    template: str
    context: PanelContext


# slot -> key -> (order, source); a key registered again replaces the first.
_links: dict[str, dict[str, tuple[int, LinksSource]]] = {}
_panels: dict[str, dict[str, tuple[int, _Panel]]] = {}


def _always(context: Context) -> Mapping:
    return {}


def add_links(slot: str, key: str, source: LinksSource, *, order: int = 100) -> None:
    """Show `source(context)`'s links in `slot`, ordered by `order` among the others."""
    _links.setdefault(slot, {})[key] = (order, source)


def add_panel(
    slot: str, template: str, context: PanelContext = _always, *, order: int = 100
) -> None:
    """Render `template` in `slot` with the page's context plus `context(context)`, unless
    that is None."""
    _panels.setdefault(slot, {})[template] = (order, _Panel(template, context))


def _in_order(entries: Mapping[str, tuple[int, object]]) -> list:
    return [source for _key, (_order, source) in sorted(entries.items(), key=_order_key)]


def _order_key(item) -> tuple:
    key, (order, _source) = item
    return (order, key)


def links(slot: str, context: Context) -> list[Link]:
    return [link for source in _in_order(_links.get(slot, {})) for link in source(context)]


def render_panels(slot: str, context: Context) -> SafeString:
    """The panels of `slot` that have something to show, rendered in order."""
    html = []
    for panel in _in_order(_panels.get(slot, {})):
        extra = panel.context(context)
        if extra is None:
            continue
        template = context.template.engine.get_template(panel.template)
        with context.push(extra):
            html.append(template.render(context))
    return mark_safe("".join(html))  # noqa: S308 - rendered templates, escaped as they render
