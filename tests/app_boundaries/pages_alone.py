"""Run by tests/test_app_boundaries.py, in a process whose settings leave out the apps above
CSPORTAL_APPS_UP_TO: every page of the apps installed renders for the people it is for,
every link on it leads to a page that exists, and no module of a missing app was imported.

Not collected by the suite itself (its name is no test_*.py): only that test runs it.
"""

import os
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import Resolver404, resolve, reverse

from tests.app_boundaries import APPS, above

UP_TO = os.environ["CSPORTAL_APPS_UP_TO"]

# (app, who, url name, its arguments: "org" for the organization's slug, "ticket" for one of
# the customer's tickets, "provider" for the slug once it sends the technician persona
# somewhere, "visit" for the customer's visit with them). Who is a persona fixture, or None
# for nobody signed in.
PAGES = [
    ("accounts", None, "accounts:login", []),
    ("accounts", None, "accounts:signup", []),
    ("accounts", None, "accounts:password_reset", []),
    ("accounts", "customer", "accounts:customer-home", []),
    ("accounts", "agent", "accounts:customer-home", []),
    ("accounts", "customer", "accounts:api-token-new", []),
    ("accounts", "customer", "accounts:account-settings", []),
    ("accounts", "agent", "accounts:account-settings", []),
    ("accounts", "receptionist", "accounts:account-settings", []),
    ("accounts", "technician", "accounts:account-settings", []),
    ("accounts", "manager", "accounts:account-settings", []),
    ("accounts", "agent", "accounts:agent-dashboard", ["org"]),
    ("accounts", "receptionist", "accounts:reception-desk", ["org"]),
    ("accounts", "technician", "accounts:technician-today", ["org"]),
    ("accounts", "manager", "accounts:manager-console", ["org"]),
    ("notifications", "customer", "notifications:inbox", []),
    ("notifications", "customer", "notifications:preferences", []),
    ("notifications", "agent", "notifications:deliveries", ["org"]),
    ("notifications", "manager", "notifications:organization-defaults", ["org"]),
    ("tickets", "customer", "tickets:list", []),
    ("tickets", "customer", "tickets:new", []),
    ("tickets", "customer", "tickets:detail", ["ticket"]),
    ("tickets", "agent", "tickets:inbox", ["org"]),
    ("tickets", "agent", "tickets:staff-detail", ["org", "ticket"]),
    ("tickets", "manager", "tickets:service-levels", ["org"]),
    ("technicians", "customer", "technicians:mine", []),
    ("technicians", "customer", "technicians:providers", []),
    ("technicians", "customer", "technicians:visit-new", ["provider"]),
    ("technicians", "customer", "technicians:visit", ["visit"]),
    ("technicians", "customer", "technicians:visit-reschedule", ["visit"]),
    ("technicians", "technician", "technicians:visit", ["visit"]),
    ("technicians", "technician", "technicians:agenda", ["provider"]),
    ("technicians", "technician", "technicians:working-hours", ["provider"]),
    ("technicians", "technician", "technicians:time-off", ["provider"]),
]
INSTALLED = APPS[: APPS.index(UP_TO) + 1]
LINK = re.compile(r'\s(?:href|action|src|hx-get|hx-post)="([^"]*)"')


def test_only_the_apps_up_to_the_one_under_test_are_installed():
    for app in INSTALLED:
        assert apps.is_installed(app), app
    for app in above(UP_TO):
        assert not apps.is_installed(app), app


@pytest.mark.parametrize(
    ("who", "url_name", "args"),
    [(who, name, args) for app, who, name, args in PAGES if app in INSTALLED],
)
def test_the_page_renders_and_every_link_on_it_leads_somewhere(
    client, request, organization, customer, who, url_name, args
):
    ticket = visit = None
    if "ticket" in args:
        from tickets.tests.factories import TicketFactory

        ticket = TicketFactory(organization=organization, customer=customer)
    if "provider" in args or "visit" in args:
        visit = _visit(organization, customer, request.getfixturevalue("technician"))
    if who is not None:
        client.force_login(request.getfixturevalue(who))
    values = {
        "org": organization.slug,
        "provider": organization.slug,
        "ticket": ticket and ticket.pk,
        "visit": visit and visit.pk,
    }

    response = client.get(reverse(url_name, args=[values[arg] for arg in args]))

    assert response.status_code == 200
    for link in LINK.findall(response.content.decode()):
        assert link, f"an empty link on {url_name}"
        path = urlsplit(link).path
        # Static files, and those WhiteNoise serves at the site's root (/favicon.ico).
        served_as_files = (
            path.startswith("/static/")
            or (Path(settings.WHITENOISE_ROOT) / path.lstrip("/")).is_file()
        )
        if link.startswith("/") and not served_as_files:
            try:
                resolve(path)
            except Resolver404:
                pytest.fail(f"{url_name} links to {link}, which does not exist")


def _visit(organization, customer, technician):
    """The technician covers an area for boilers, and has a visit of the customer's in a
    week's time."""
    from datetime import timedelta

    from django.utils import timezone

    from technicians.models import VisitStatus
    from technicians.tests.factories import VisitFactory, area, bookable, product

    bookable(organization, areas=[area(organization, "LS")], technician=technician)
    start = timezone.now() + timedelta(days=7)
    return VisitFactory(
        organization=organization,
        customer=customer,
        technician=technician,
        product=product(organization, "boilers"),
        postal_code="LS27QT",
        status=VisitStatus.SCHEDULED,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )


def test_no_module_of_an_app_above_was_imported():
    # Run last in this module: after every page above has rendered.
    imported = {name.partition(".")[0] for name in sys.modules}
    assert imported.isdisjoint(above(UP_TO))
