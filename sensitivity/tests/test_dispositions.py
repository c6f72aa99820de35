import pytest

from sensitivity import selectors
from sensitivity.models import Audience, Stage
from sensitivity.tests.factories import assessed

pytestmark = pytest.mark.django_db


def current(organization, customer, audience=Audience.RECEPTION):
    return selectors.disposition(organization.pk, customer.pk, audience)


def test_a_customer_never_assessed_has_no_codes(organization, customer):
    disposition = current(organization, customer)

    assert disposition.codes == []
    assert disposition.category == ""


def test_a_newer_intake_replaces_an_older_intake(organization, customer):
    assessed(organization, customer, "N7", minutes_ago=60)
    assessed(organization, customer, "E1", minutes_ago=5)

    assert [item.code.code for item in current(organization, customer).codes] == ["E1"]


def test_the_technicians_recode_replaces_what_reception_said_before(organization, customer):
    assessed(organization, customer, "N7", "E6", minutes_ago=60)
    assessed(organization, customer, "P2", stage=Stage.VISIT, minutes_ago=30)

    disposition = current(organization, customer)

    assert [item.code.code for item in disposition.codes] == ["P2"]
    assert disposition.stage == Stage.VISIT


def test_an_intake_after_the_visit_adds_to_the_technicians_codes(organization, customer):
    assessed(organization, customer, "N3", stage=Stage.VISIT, minutes_ago=60)
    assessed(organization, customer, "E1", minutes_ago=5)

    disposition = current(organization, customer)

    assert [item.code.code for item in disposition.codes] == ["N3", "E1"]
    assert disposition.category == "negative"
    assert disposition.stage == Stage.INTAKE


@pytest.mark.parametrize(
    ("older", "newer"), [(Stage.VISIT, Stage.CONFIRMATION), (Stage.CONFIRMATION, Stage.VISIT)]
)
def test_the_newest_judgement_stands_whether_a_visit_or_a_call_made_it(
    organization, customer, older, newer
):
    assessed(organization, customer, "N7", stage=older, minutes_ago=60)
    assessed(organization, customer, "P1", stage=newer, minutes_ago=30)
    assessed(organization, customer, "E1", minutes_ago=90)

    disposition = current(organization, customer)

    assert [item.code.code for item in disposition.codes] == ["P1"]
    assert disposition.stage == newer


def test_each_code_comes_with_the_guidance_for_the_audience_asked(organization, customer):
    assessed(organization, customer, "N6")

    reception = current(organization, customer, Audience.RECEPTION).codes[0].guidance
    technician = current(organization, customer, Audience.TECHNICIAN).codes[0].guidance

    assert reception.startswith("Confirm a second number")
    assert technician.startswith("Send a message when you set off")


def test_another_organizations_assessments_do_not_count(organization, other_organization, customer):
    assessed(other_organization, customer, "N7")

    assert current(organization, customer).codes == []


def test_many_customers_take_the_same_three_queries_as_one(
    organization, customer, other_customer, django_assert_num_queries
):
    assessed(organization, customer, "N7", minutes_ago=60)
    assessed(organization, customer, "P1", stage=Stage.VISIT, minutes_ago=30)
    assessed(organization, customer, "E1", minutes_ago=5)
    assessed(organization, other_customer, "N2")

    with django_assert_num_queries(3):
        found = selectors.dispositions(
            organization.pk, [customer.pk, other_customer.pk], Audience.TECHNICIAN
        )

    assert [i.code.code for i in found[customer.pk].codes] == ["E1", "P1"]
    assert [i.code.code for i in found[other_customer.pk].codes] == ["N2"]


def test_the_default_tables_words_follow_the_readers_language(organization, customer):
    from django.utils import translation

    assessed(organization, customer, "N7")

    with translation.override("ko"):
        item = current(organization, customer).codes[0]
        label, guidance = item.code.label_shown, item.guidance

    assert label != "Impatient"
    assert guidance != "Be brief and concrete: who, when, what happens next."


def test_a_label_the_organization_wrote_itself_shows_as_written(organization, customer):
    from django.utils import translation

    assessment = assessed(organization, customer, "N7")
    assessment.codes.update(label="Rings five times a day")

    with translation.override("zh-hans"):
        label = current(organization, customer).codes[0].code.label_shown

    assert label == "Rings five times a day"
