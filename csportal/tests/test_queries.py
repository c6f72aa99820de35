"""Prepared queries give what the ORM gives."""

from django.db.models import Count, OuterRef, Subquery

from csportal.queries import Prepared
from tickets.models import Ticket
from tickets.tests.factories import CategoryFactory, TicketFactory

with_people = Prepared(
    lambda ids, texts: Ticket.objects.select_related("category", "assignee", "customer").filter(
        pk=ids[0], subject=texts[0]
    )
)


def fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.fields}


def test_prepared_objects_equal_the_orms_with_their_related_objects(organization, agent):
    category = CategoryFactory(organization=organization)
    ticket = TicketFactory(
        organization=organization, category=category, assignee=agent, subject="Leaking tap"
    )
    expected = Ticket.objects.select_related("category", "assignee", "customer").get(pk=ticket.pk)

    for _ in range(2):  # compiled on the first call, reused on the second
        (found,) = with_people.objects([ticket.pk], ["Leaking tap"])
        assert fields(found) == fields(expected)
        assert fields(found.assignee) == fields(expected.assignee)
        assert fields(found.customer) == fields(expected.customer)
        assert fields(found.category) == fields(expected.category)
        assert found._state.adding is False


def test_prepared_objects_are_empty_when_nothing_matches(organization):
    ticket = TicketFactory(organization=organization, subject="Leaking tap")

    assert with_people.objects([ticket.pk], ["Another subject"]) == []


def test_an_id_beyond_the_columns_range_finds_nothing_as_with_the_orm(organization):
    ticket = TicketFactory(organization=organization, subject="Leaking tap")

    assert with_people.objects([10**20], [ticket.subject]) == []
    assert not Ticket.objects.filter(pk=10**20).exists()


def test_prepared_objects_carry_their_annotations_as_the_orm_sets_them(organization):
    ticket = TicketFactory(organization=organization, subject="Leaking tap")
    TicketFactory(organization=organization, subject="Another")
    with_neighbours = Prepared(
        lambda ids, texts: Ticket.objects.filter(pk=ids[0]).annotate(
            neighbours=Subquery(
                Ticket.objects.filter(organization=OuterRef("organization"))
                .values("organization")
                .annotate(n=Count("pk"))
                .values("n")
            )
        )
    )

    (found,) = with_neighbours.objects([ticket.pk], [])

    assert found.neighbours == 2
    assert fields(found) == fields(Ticket.objects.get(pk=ticket.pk))
