import django_filters

from ..models import Status, Ticket


class CustomerTicketFilter(django_filters.FilterSet):
    organization = django_filters.CharFilter(field_name="organization__slug")
    status = django_filters.ChoiceFilter(choices=Status.choices)

    class Meta:
        model = Ticket
        fields = ["organization", "status"]
