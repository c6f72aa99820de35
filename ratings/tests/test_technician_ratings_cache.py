"""The technicians' ratings the availability search asks for on every request come from the
cache until a score of their organization changes (ratings.cache)."""

import pytest

from accounts.models import Role
from accounts.tests.factories import staff
from ratings.contributions import technician_ratings
from ratings.models import Score, TargetKind
from ratings.services import scores_recompute
from ratings.tests.factories import posted_review
from technicians.registries import TechnicianRating

pytestmark = pytest.mark.django_db


@pytest.fixture
def technicians(organization):
    return [staff(organization, Role.TECHNICIAN) for _ in range(2)]


def test_asking_again_for_the_same_technicians_reads_no_table(
    organization, technicians, django_assert_num_queries
):
    ada, bo = technicians
    posted_review(organization, technician=ada, stars=5)
    first = technician_ratings(organization.pk, [ada.pk, bo.pk])

    with django_assert_num_queries(0):
        again = technician_ratings(organization.pk, [bo.pk, ada.pk])

    assert again == first
    assert set(again) == {ada.pk}


def test_a_new_review_shows_in_the_next_answer(organization, technicians):
    ada, bo = technicians
    posted_review(organization, technician=ada, stars=5)
    technician_ratings(organization.pk, [ada.pk, bo.pk])

    posted_review(organization, technician=bo, stars=2)

    ratings = technician_ratings(organization.pk, [ada.pk, bo.pk])
    assert ratings[bo.pk] == TechnicianRating(
        points=Score.objects.get(kind=TargetKind.TECHNICIAN, person=bo).points, reviews=1
    )
    assert ratings[ada.pk].reviews == 1


def test_a_review_at_another_organization_leaves_these_answers_cached(
    organization, other_organization, technicians, django_assert_num_queries
):
    ada, bo = technicians
    posted_review(organization, technician=ada, stars=5)
    technician_ratings(organization.pk, [ada.pk, bo.pk])

    posted_review(other_organization, technician=staff(other_organization, Role.TECHNICIAN))

    with django_assert_num_queries(0):
        technician_ratings(organization.pk, [ada.pk, bo.pk])


def test_recomputing_the_scores_is_in_the_next_answer(organization, technicians):
    ada, bo = technicians
    posted_review(organization, technician=ada, stars=5)
    score = Score.objects.get(kind=TargetKind.TECHNICIAN, person=ada)
    true_points = score.points
    # A score damaged behind the services' back, read into the cache...
    Score.objects.filter(pk=score.pk).update(points=1.0)
    assert technician_ratings(organization.pk, [ada.pk])[ada.pk].points == 1.0

    scores_recompute(organization=organization)

    assert technician_ratings(organization.pk, [ada.pk])[ada.pk].points == pytest.approx(
        true_points
    )


def test_each_set_of_technicians_has_its_own_answer(organization, technicians):
    ada, bo = technicians
    posted_review(organization, technician=ada, stars=5)
    posted_review(organization, technician=bo, stars=3)

    assert set(technician_ratings(organization.pk, [ada.pk])) == {ada.pk}
    assert set(technician_ratings(organization.pk, [bo.pk])) == {bo.pk}
    assert set(technician_ratings(organization.pk, [ada.pk, bo.pk])) == {ada.pk, bo.pk}
