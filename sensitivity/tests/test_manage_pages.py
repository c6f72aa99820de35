"""The managers' pages: the code table editor, the statistics and the access log."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import CustomerFactory
from sensitivity import services
from sensitivity.models import (
    Assessment,
    CallOutcome,
    CallStatus,
    CodeRead,
    ConfirmationCall,
    Place,
    SensitivityCode,
    Stage,
)
from sensitivity.tests.factories import assessed, codes
from technicians.tests.factories import completed_visit

pytestmark = pytest.mark.django_db


def url(name, *args):
    return reverse(f"sensitivity:{name}", args=["acme", *args])


def form_data(row, **changes) -> dict:
    knacks = {k.audience: k.text for k in row.knacks.all()}
    return {
        "category": row.category,
        "code": row.code,
        "label": row.label,
        "description": row.description,
        "guidance_reception": knacks.get("reception", ""),
        "guidance_technician": knacks.get("technician", ""),
        "guidance_confirmation": knacks.get("confirmation", ""),
        "is_active": "on" if row.is_active else "",
        **changes,
    }


# The code table ------------------------------------------------------------------------------


def test_the_first_visit_copies_the_default_table_grouped_by_category(
    client, organization, manager
):
    client.force_login(manager)

    response = client.get(url("codes"))

    assert response.status_code == 200
    assert SensitivityCode.objects.filter(organization=organization).count() == (
        SensitivityCode.objects.filter(organization=None).count()
    )
    groups = response.context["groups"]
    assert [category for category, _label, _rows in groups] == [
        "positive",
        "expected",
        "negative",
    ]
    content = response.content.decode()
    assert "Asked for a convenient visit time" in content
    assert "Offer the times that suit them first" in content
    assert content.index("group-positive") < content.index("group-negative")


def test_the_editing_form_shows_the_stored_texts(client, organization, manager):
    code = codes(organization, "N7")[0]
    client.force_login(manager)

    response = client.get(url("code-edit", code.pk))

    form = response.context["form"]
    assert form.initial["label"] == "Impatient"
    assert form.initial["guidance_technician"] == code.knacks.get(audience="technician").text


def test_a_manager_edits_a_code_and_its_guidance(client, organization, manager):
    code = codes(organization, "N7")[0]
    client.force_login(manager)

    response = client.post(
        url("code-edit", code.pk),
        form_data(code, label="In a hurry", guidance_confirmation="Keep the call short."),
    )

    assert response.status_code == 302
    code.refresh_from_db()
    assert code.label == "In a hurry"
    assert code.knacks.get(audience="confirmation").text == "Keep the call short."


def test_a_manager_adds_a_code(client, organization, manager):
    codes(organization)
    client.force_login(manager)

    response = client.post(
        url("codes"),
        {
            "category": "expected",
            "code": "e20",
            "label": "Wants a written quote",
            "guidance_reception": "Offer to email the quote.",
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    added = SensitivityCode.objects.get(organization=organization, code="E20")
    assert [k.audience for k in added.knacks.all()] == ["reception"]


def test_a_code_taken_is_a_400_with_the_error_on_the_code_field(client, organization, manager):
    code = codes(organization, "N7")[0]
    client.force_login(manager)

    response = client.post(url("code-edit", code.pk), form_data(code, code="N2"))

    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["This code is already in the table."]
    code.refresh_from_db()
    assert code.code == "N7"


def test_a_form_error_shows_on_the_page_with_a_400(client, organization, manager):
    codes(organization)
    client.force_login(manager)

    response = client.post(url("codes"), {"category": "nope", "code": "", "label": ""})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"category", "code", "label"}


def test_retiring_keeps_the_code_on_its_assessments_and_reinstating_puts_it_back(
    client, organization, customer, manager
):
    assessment = assessed(organization, customer, "N7")
    code = codes(organization, "N7")[0]
    client.force_login(manager)

    client.post(url("code-active", code.pk), {"active": "0"})
    code.refresh_from_db()
    assert code.is_active is False
    assert list(assessment.codes.all()) == [code]

    client.post(url("code-active", code.pk), {"active": "1"})
    code.refresh_from_db()
    assert code.is_active is True


def test_another_organizations_code_is_a_404_and_unchanged(
    client, organization, other_organization, manager
):
    theirs = codes(other_organization, "N7")[0]
    client.force_login(manager)

    edit = client.post(url("code-edit", theirs.pk), form_data(theirs, label="Mine"))
    retire = client.post(url("code-active", theirs.pk), {"active": "0"})

    assert edit.status_code == retire.status_code == 404
    theirs.refresh_from_db()
    assert (theirs.label, theirs.is_active) == ("Impatient", True)


# Statistics ----------------------------------------------------------------------------------


def called(organization, codes_given, outcome, *, reason="Too slow"):
    """A completed visit coded at intake, then its confirmation call recorded."""
    visit = completed_visit(organization, customer=CustomerFactory())
    assessed(organization, visit.customer, *codes_given, visit=visit, minutes_ago=120)
    ConfirmationCall.objects.create(
        organization=organization,
        visit=visit,
        customer=visit.customer,
        status=CallStatus.DONE,
        outcome=outcome,
        reason=reason,
        called_at=timezone.now(),
    )


def test_the_statistics_count_codes_by_month_and_category(client, organization, customer, manager):
    assessed(organization, customer, "N7", "E1")
    assessed(organization, customer, "N2", minutes_ago=60 * 24 * 80)
    assessed(organization, customer, "P1", minutes_ago=60 * 24 * 500)  # over a year ago
    client.force_login(manager)

    response = client.get(url("stats"))

    distribution = response.context["distribution"]
    assert len(distribution) == 12
    assert distribution[-1]["month"].month == timezone.localtime().month
    assert distribution[-1]["counts"] == [0, 1, 1]  # positive, expected, negative
    assert sum(row["total"] for row in distribution) == 3
    assert [(code.code, count) for code, count in response.context["most_given"]] == [
        ("E1", 1),
        ("N2", 1),
        ("N7", 1),
    ]
    assert b'id="distribution-data"' in response.content


def test_the_codes_that_end_in_dissatisfaction_are_ranked_by_share_from_the_minimum(
    client, organization, manager
):
    for outcome in [CallOutcome.DISSATISFIED] * 3 + [CallOutcome.SATISFIED] * 2:
        called(organization, ["N7"], outcome)
    for outcome in [CallOutcome.DISSATISFIED] + [CallOutcome.SATISFIED] * 4:
        called(organization, ["E1"], outcome)
    called(organization, ["N3"], CallOutcome.DISSATISFIED)
    client.force_login(manager)

    response = client.get(url("stats"))

    ranked = [(r["code"].code, r["calls"], r["dissatisfied"]) for r in response.context["ranked"]]
    assert ranked == [("N7", 5, 3), ("E1", 5, 1)]
    assert [r["code"].code for r in response.context["too_few"]] == ["N3"]
    assert "60%" in response.content.decode()


def test_the_statistics_take_the_same_queries_whatever_the_data(
    client, organization, customer, manager, django_assert_max_num_queries
):
    client.force_login(manager)
    assessed(organization, customer, "N7")
    called(organization, ["N7"], CallOutcome.SATISFIED)
    client.get(url("stats"))
    with django_assert_max_num_queries(100) as few:
        client.get(url("stats"))

    for days in range(0, 300, 20):
        assessed(organization, CustomerFactory(), "N2", "E4", "P1", minutes_ago=days * 60 * 24)
        called(organization, ["E4", "N9"], CallOutcome.DISSATISFIED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("stats"))


# The access log ------------------------------------------------------------------------------


def test_the_log_lists_who_read_whose_codes_newest_first(
    client, organization, customer, manager, receptionist
):
    services.reads_log(
        reader=receptionist,
        organization_id=organization.pk,
        customer_ids=[customer.pk],
        place=Place.DESK,
        now=timezone.now() - timedelta(hours=1),
    )
    services.reads_log(
        reader=manager, organization_id=organization.pk, customer_ids=[customer.pk], place="api"
    )
    client.force_login(manager)

    response = client.get(url("log"))

    reads = list(response.context["reads"])
    assert [(r.reader, r.place) for r in reads] == [(manager, "api"), (receptionist, "desk")]
    assert "Reception desk" in response.content.decode()


def test_the_log_filters_by_customer_email_and_by_reader(
    client, organization, customer, other_customer, manager, receptionist
):
    for reader in (manager, receptionist):
        services.reads_log(
            reader=reader,
            organization_id=organization.pk,
            customer_ids=[customer.pk, other_customer.pk],
            place=Place.DESK,
        )
    client.force_login(manager)

    by_customer = client.get(url("log"), {"customer": "CHRIS@example.com"})
    by_both = client.get(url("log"), {"customer": "chris@example.com", "reader": receptionist.pk})

    assert {r.customer for r in by_customer.context["reads"]} == {customer}
    assert len(by_customer.context["reads"]) == 2
    assert [(r.reader, r.customer) for r in by_both.context["reads"]] == [(receptionist, customer)]


def test_the_log_is_paginated_and_keeps_the_filter(client, organization, customer, manager):
    for _n in range(55):
        services.reads_log(
            reader=manager,
            organization_id=organization.pk,
            customer_ids=[customer.pk],
            place=Place.DESK,
        )
    client.force_login(manager)

    first = client.get(url("log"), {"customer": customer.email})
    second = client.get(url("log"), {"customer": customer.email, "page": 2})

    assert len(first.context["reads"]) == 50
    assert "customer=chris%40example.com&amp;page=2" in first.content.decode()
    assert len(second.context["reads"]) == 5


def test_another_organizations_reads_are_not_in_the_log(
    client, organization, other_organization, customer, manager, other_manager
):
    services.reads_log(
        reader=other_manager,
        organization_id=other_organization.pk,
        customer_ids=[customer.pk],
        place=Place.DESK,
    )
    client.force_login(manager)

    response = client.get(url("log"))

    assert list(response.context["reads"]) == []
    assert CodeRead.objects.count() == 1


# On the console ------------------------------------------------------------------------------


def test_the_console_and_the_staff_tools_link_the_pages_for_managers_only(
    client, organization, manager, receptionist
):
    client.force_login(manager)
    console = client.get(reverse("accounts:manager-console", args=["acme"])).content.decode()
    client.force_login(receptionist)
    desk = client.get(reverse("accounts:reception-desk", args=["acme"])).content.decode()

    for name in ("codes", "stats", "log"):
        assert url(name) in console
        assert url(name) not in desk


def test_assessments_are_unchanged_by_reading_the_pages(client, organization, customer, manager):
    assessed(organization, customer, "N7")
    client.force_login(manager)

    for name in ("codes", "stats", "log"):
        client.get(url(name))

    assert Assessment.objects.count() == 1
    assert Assessment.objects.get().stage == Stage.INTAKE


def test_a_filter_that_matches_nothing_says_so_and_a_bad_reader_is_a_form_error(
    client, organization, customer, manager
):
    services.reads_log(
        reader=manager, organization_id=organization.pk, customer_ids=[customer.pk], place="desk"
    )
    client.force_login(manager)

    nobody = client.get(url("log"), {"customer": "nobody@example.com"})
    garbled = client.get(url("log"), {"reader": "abc"})

    assert "No reads match this filter." in nobody.content.decode()
    assert garbled.status_code == 200
    assert "reader" in garbled.context["filter_form"].errors
