"""The technician's part: on the way, arrived, working, done with a report and photos; the
customer told at each step; later apps told of a finished visit through the registry."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import staff
from csportal.models import Event
from csportal.realtime import user_group
from notifications.models import Channel, Notification
from technicians import registries, services
from technicians.models import ServiceRequest, VisitOutcome, VisitPhoto, VisitStatus
from technicians.tests.factories import PNG, VisitFactory, picture

pytestmark = pytest.mark.django_db

ON_THE_WAY, ARRIVED, WORKING = VisitStatus.ON_THE_WAY, VisitStatus.ARRIVED, VisitStatus.IN_PROGRESS


@pytest.fixture
def visit(organization, customer, technician, receptionist):
    request = VisitFactory(organization=organization, customer=customer, summary="Boiler")
    start = timezone.now().replace(microsecond=0)
    return services.visit_schedule(
        visit=request,
        technician=technician,
        start=start,
        end=start + timedelta(hours=1),
        by=receptionist,
    )


@pytest.fixture
def finished():
    """Visits the registry's hooks were called with, for the test."""
    seen = []
    saved = dict(registries._visit_finished)
    registries.register_visit_finished("test", seen.append)
    yield seen
    registries._visit_finished.clear()
    registries._visit_finished.update(saved)


def statuses_told_to(user) -> list[str]:
    events = Event.objects.filter(type="visit.updated", group=user_group(user.pk)).order_by("id")
    return [event.data["status"] for event in events]


def test_the_technician_taps_through_each_step_and_the_customer_sees_each(
    visit, technician, customer, after_commit
):
    with after_commit():
        for step in (ON_THE_WAY, ARRIVED, WORKING):
            visit = services.visit_step(visit=visit, step=step, by=technician)

    visit.refresh_from_db()
    assert visit.status == VisitStatus.IN_PROGRESS
    assert visit.on_the_way_at <= visit.arrived_at <= visit.started_at
    assert statuses_told_to(customer)[-3:] == [ON_THE_WAY, ARRIVED, WORKING]
    assert Notification.objects.filter(
        kind="visit.on_the_way", recipient=customer, channel=Channel.IN_APP
    ).get().title == (f"{technician} is on the way")


def test_a_step_may_be_skipped_but_never_taken_back(visit, technician):
    services.visit_step(visit=visit, step=ARRIVED, by=technician)

    with pytest.raises(ValidationError) as back:
        services.visit_step(visit=visit, step=ON_THE_WAY, by=technician)
    with pytest.raises(ValidationError) as unknown:
        services.visit_step(visit=visit, step=VisitStatus.COMPLETED, by=technician)

    assert "status" in back.value.message_dict
    assert "step" in unknown.value.message_dict
    visit.refresh_from_db()
    assert (visit.status, visit.on_the_way_at) == (ARRIVED, None)


def test_only_the_visits_own_technician_taps_its_steps(
    visit, organization, customer, receptionist, manager
):
    colleague = staff(organization, Role.TECHNICIAN)

    for someone in (colleague, customer, receptionist, manager):
        with pytest.raises(ValidationError):
            services.visit_step(visit=visit, step=ON_THE_WAY, by=someone)

    visit.refresh_from_db()
    assert visit.status == VisitStatus.SCHEDULED


def test_a_technician_who_left_cant_work_the_visit(visit, technician):
    technician.memberships.update(is_active=False)

    with pytest.raises(ValidationError):
        services.visit_step(visit=visit, step=ON_THE_WAY, by=technician)


def test_the_technician_completes_with_a_report_and_photos_and_the_hooks_hear_of_it(
    visit, technician, finished, django_capture_on_commit_callbacks
):
    services.visit_step(visit=visit, step=WORKING, by=technician)

    with django_capture_on_commit_callbacks(execute=True):
        done = services.visit_complete(
            visit=visit,
            by=technician,
            report=" Replaced the valve. ",
            outcome=VisitOutcome.NEEDS_ANOTHER_VISIT,
            parts_used="Valve 3/4in",
            time_spent_minutes=75,
            photos=[picture("before.jpg"), picture("after.PNG", PNG)],
        )

    done.refresh_from_db()
    assert (done.status, done.report, done.outcome, done.parts_used, done.time_spent_minutes) == (
        VisitStatus.COMPLETED,
        "Replaced the valve.",
        VisitOutcome.NEEDS_ANOTHER_VISIT,
        "Valve 3/4in",
        75,
    )
    photos = list(done.photos.order_by("pk"))
    assert [(p.filename, p.content_type) for p in photos] == [
        ("before.jpg", "image/jpeg"),
        ("after.PNG", "image/png"),
    ]
    assert photos[0].file.name.endswith(".jpg")
    assert "before" not in photos[0].file.name  # stored under a random name
    assert [v.pk for v in finished] == [done.pk]


def test_a_failing_hook_neither_stops_the_others_nor_undoes_the_report(
    visit, technician, finished, django_capture_on_commit_callbacks
):
    def broken(visit):
        raise RuntimeError("survey service down")

    registries.register_visit_finished("a-broken-one", broken)
    services.visit_step(visit=visit, step=WORKING, by=technician)

    with django_capture_on_commit_callbacks(execute=True):
        services.visit_complete(visit=visit, by=technician, report="Done")

    assert len(finished) == 1
    assert ServiceRequest.objects.get(pk=visit.pk).status == VisitStatus.COMPLETED


def test_a_visit_completes_only_from_working_with_a_report_and_a_known_outcome(visit, technician):
    with pytest.raises(ValidationError) as too_soon:
        services.visit_complete(visit=visit, by=technician, report="Done")
    services.visit_step(visit=visit, step=WORKING, by=technician)
    with pytest.raises(ValidationError) as no_report:
        services.visit_complete(visit=visit, by=technician, report=" ")
    with pytest.raises(ValidationError) as bad_outcome:
        services.visit_complete(visit=visit, by=technician, report="Done", outcome="meh")
    with pytest.raises(ValidationError) as too_long:
        services.visit_complete(
            visit=visit, by=technician, report="Done", time_spent_minutes=24 * 60 + 1
        )

    assert "status" in too_soon.value.message_dict
    assert "report" in no_report.value.message_dict
    assert "outcome" in bad_outcome.value.message_dict
    assert "time_spent_minutes" in too_long.value.message_dict
    assert ServiceRequest.objects.get(pk=visit.pk).status == VisitStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("boiler.png", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64),  # a JPEG called .png
        ("boiler.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>"),
        ("boiler", PNG),
        ("boiler.gif", b"GIF89a" + b"\x00" * 64),
    ],
)
def test_a_photo_must_be_a_jpeg_png_or_webp_named_for_what_it_is(visit, technician, name, content):
    services.visit_step(visit=visit, step=WORKING, by=technician)

    with pytest.raises(ValidationError) as refused:
        services.visit_complete(
            visit=visit, by=technician, report="Done", photos=[picture(name, content)]
        )

    assert "photos" in refused.value.message_dict
    assert not VisitPhoto.objects.exists()
    assert ServiceRequest.objects.get(pk=visit.pk).status == VisitStatus.IN_PROGRESS


def test_photos_are_added_once_on_site_and_at_most_ten(visit, technician):
    with pytest.raises(ValidationError) as not_there:
        services.visit_photo_add(visit=visit, by=technician, upload=picture())
    services.visit_step(visit=visit, step=ARRIVED, by=technician)
    for n in range(10):
        services.visit_photo_add(visit=visit, by=technician, upload=picture(f"p{n}.jpg"))
    with pytest.raises(ValidationError) as too_many:
        services.visit_photo_add(visit=visit, by=technician, upload=picture())

    assert "photos" in not_there.value.message_dict
    assert "photos" in too_many.value.message_dict
    assert visit.photos.count() == 10


def test_a_photo_larger_than_the_limit_is_refused(visit, technician, settings):
    settings.VISIT_PHOTO_MAX_BYTES = 50
    services.visit_step(visit=visit, step=ARRIVED, by=technician)

    with pytest.raises(ValidationError) as refused:
        services.visit_photo_add(visit=visit, by=technician, upload=picture())

    assert "photos" in refused.value.message_dict
