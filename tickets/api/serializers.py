from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.api.serializers import OrganizationSerializer
from accounts.models import User
from csportal.api.serializers import StrictSerializerMixin
from csportal.choices import label_of

from .. import selectors
from ..attachments import MAX_FILES, validate_uploads
from ..models import (
    SUBJECT_MAX_LENGTH,
    TEXT_MAX_LENGTH,
    Attachment,
    Category,
    Priority,
    Status,
    Ticket,
    TicketUpdate,
    UpdateKind,
)
from ..timeline import entry_text

# Output ----------------------------------------------------------------------------------


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class CustomerSerializer(PersonSerializer):
    email = serializers.EmailField()


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name"]
        read_only_fields = fields


LIST_FIELDS = [
    "id",
    "subject",
    "status",
    "priority",
    "category",
    "assignee",
    "channel",
    "created_at",
    "updated_at",
]
DETAIL_FIELDS = ["organization", "body", "result", "resolved_at", "closed_at"]
# What only the organization's staff see: the service levels and how the ticket has gone.
STAFF_FIELDS = [
    "customer",
    "overdue",
    "first_response_due",
    "resolution_due",
    "first_responded_at",
    "escalated_at",
    "reopened_at",
    "reopen_count",
]


def _when(value, zone) -> str | None:
    """DRF's DateTimeField output (ISO 8601 in the active zone, "Z" for UTC), with the zone
    looked up once per row rather than once per value."""
    if value is None:
        return None
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _person(user) -> dict | None:
    return {"id": user.pk, "name": str(user)} if user is not None else None


# What each ticket field looks like in the API, built straight from the row. DRF's own
# to_representation walks every field of every row through get_attribute and nested
# serializers: 0.15 ms a row, most of an inbox page's time. The declared fields below
# still describe the schema, and a test holds the two to the same output.
_TICKET_FIELDS = {
    "id": lambda t, z: t.pk,
    "subject": lambda t, z: t.subject,
    "status": lambda t, z: t.status,
    "priority": lambda t, z: t.priority,
    "category": lambda t, z: (
        {"id": t.category.pk, "name": t.category.name} if t.category_id else None
    ),
    "assignee": lambda t, z: _person(t.assignee) if t.assignee_id else None,
    "channel": lambda t, z: t.channel,
    "created_at": lambda t, z: _when(t.created_at, z),
    "updated_at": lambda t, z: _when(t.updated_at, z),
    "organization": lambda t, z: {
        "slug": t.organization.slug,
        "name": t.organization.name,
        "timezone": t.organization.timezone,
    },
    "body": lambda t, z: t.body,
    "result": lambda t, z: t.result,
    "resolved_at": lambda t, z: _when(t.resolved_at, z),
    "closed_at": lambda t, z: _when(t.closed_at, z),
    "customer": lambda t, z: {
        "id": t.customer.pk,
        "name": str(t.customer),
        "email": t.customer.email,
    },
    "overdue": lambda t, z: t.is_overdue(),
    "first_response_due": lambda t, z: _when(t.first_response_due, z),
    "resolution_due": lambda t, z: _when(t.resolution_due, z),
    "first_responded_at": lambda t, z: _when(t.first_responded_at, z),
    "escalated_at": lambda t, z: _when(t.escalated_at, z),
    "reopened_at": lambda t, z: _when(t.reopened_at, z),
    "reopen_count": lambda t, z: t.reopen_count,
}


class TicketListSerializer(serializers.ModelSerializer):
    # Rows come from selectors that join these and defer `body` and `result`: touching
    # anything else here would cost a query per row.
    category = CategorySerializer(read_only=True, allow_null=True)
    assignee = PersonSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Ticket
        fields = LIST_FIELDS
        read_only_fields = fields

    def to_representation(self, ticket):
        zone = timezone.get_current_timezone()
        return {name: _TICKET_FIELDS[name](ticket, zone) for name in self.Meta.fields}


class CustomerTicketListSerializer(TicketListSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta(TicketListSerializer.Meta):
        fields = [*LIST_FIELDS, "organization"]
        read_only_fields = fields


class StaffTicketListSerializer(TicketListSerializer):
    customer = CustomerSerializer(read_only=True)
    overdue = serializers.BooleanField(source="is_overdue", read_only=True)

    class Meta(TicketListSerializer.Meta):
        fields = [*LIST_FIELDS, *STAFF_FIELDS]
        read_only_fields = fields


class CustomerTicketSerializer(CustomerTicketListSerializer):
    class Meta(TicketListSerializer.Meta):
        fields = [*LIST_FIELDS, *DETAIL_FIELDS]
        read_only_fields = fields


class StaffTicketSerializer(StaffTicketListSerializer):
    organization = OrganizationSerializer(read_only=True)

    class Meta(TicketListSerializer.Meta):
        fields = [*LIST_FIELDS, *DETAIL_FIELDS, *STAFF_FIELDS]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "token", "filename", "size", "content_type", "url"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        return reverse("tickets:attachment", args=[attachment.token])


class TicketUpdateSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    # What the entry says in the reader's language: automatic entries are worded from
    # `data` (tickets.timeline), what people wrote is as written.
    body = serializers.SerializerMethodField()
    author = PersonSerializer(read_only=True, allow_null=True)
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = TicketUpdate
        fields = [
            "id",
            "kind",
            "kind_label",
            "body",
            "is_public",
            "author",
            "data",
            "created_at",
            "attachments",
        ]
        read_only_fields = fields

    def get_body(self, update) -> str:
        return entry_text(update)

    def to_representation(self, update):
        # Built directly for the same reason as the ticket rows; a test holds it to DRF's.
        return {
            "id": update.pk,
            "kind": update.kind,
            "kind_label": label_of(UpdateKind, update.kind),
            "body": entry_text(update),
            "is_public": update.is_public,
            "author": _person(update.author) if update.author_id else None,
            "data": update.data,
            "created_at": _when(update.created_at, timezone.get_current_timezone()),
            "attachments": [
                {
                    "id": attachment.pk,
                    "token": attachment.token,
                    "filename": attachment.filename,
                    "size": attachment.size,
                    "content_type": attachment.content_type,
                    "url": reverse("tickets:attachment", args=[attachment.token]),
                }
                for attachment in update.attachments.all()
            ],
        }


# Input -----------------------------------------------------------------------------------


def _uploads():
    # Checked here as well as in the service so that a refused file is named `files`.
    return serializers.ListField(
        child=serializers.FileField(),
        required=False,
        validators=[validate_uploads],
        help_text=_("Up to %(count)d pictures, PDFs, ZIPs or text files (multipart only).")
        % {"count": MAX_FILES},
    )


NO_SUCH_ORGANIZATION = _("No organization has this slug.")
# The same message as the service's for another organization's category, so ids of other
# organizations can't be told apart from missing ones.
NOT_ITS_CATEGORY = _("Choose one of this organization's categories.")


class TicketOpenSerializer(StrictSerializerMixin, serializers.Serializer):
    organization = serializers.SlugField(help_text=_("The provider's slug."))
    subject = serializers.CharField(max_length=SUBJECT_MAX_LENGTH)
    body = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    category = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    files = _uploads()

    def validate(self, data):
        category_id = data.get("category")
        target = selectors.opening_target(data["organization"], category_id, data["priority"])
        if target.organization is None:
            raise serializers.ValidationError({"organization": [NO_SUCH_ORGANIZATION]})
        if category_id is not None and target.category is None:
            raise serializers.ValidationError({"category": [NOT_ITS_CATEGORY]})
        return {
            **data,
            "organization": target.organization,
            "category": target.category,
            "sla": target.sla,
        }


class CustomerUpdateCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    """A customer's follow-up. There is no `kind`: whatever a customer writes is public."""

    body = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    files = _uploads()


class StaffUpdateCreateSerializer(StrictSerializerMixin, serializers.Serializer):
    # No default: a note meant for colleagues must never reach the customer by omission.
    kind = serializers.ChoiceField(
        choices=[
            (UpdateKind.PROGRESS.value, UpdateKind.PROGRESS.label),
            (UpdateKind.INTERNAL.value, UpdateKind.INTERNAL.label),
        ]
    )
    body = serializers.CharField(max_length=TEXT_MAX_LENGTH)
    files = _uploads()


class AssignSerializer(StrictSerializerMixin, serializers.Serializer):
    # Any user id parses; the service accepts only the organization's agents, with the same
    # message, so other organizations' staff can't be probed.
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        allow_null=True,
        error_messages={"does_not_exist": _("Choose an agent of this organization.")},
    )


class StatusSerializer(StrictSerializerMixin, serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices)


class PrioritySerializer(StrictSerializerMixin, serializers.Serializer):
    priority = serializers.ChoiceField(choices=Priority.choices)


class ResolveSerializer(StrictSerializerMixin, serializers.Serializer):
    result = serializers.CharField(max_length=TEXT_MAX_LENGTH)


class InboxQuerySerializer(serializers.Serializer):
    """The staff inbox's query parameters."""

    view = serializers.ChoiceField(
        choices=[
            ("mine", _("Assigned to me")),
            ("queue", _("Open and unassigned")),
            ("all", _("All")),
        ],
        default="all",
    )
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = serializers.IntegerField(min_value=1, required=False)
    customer = serializers.IntegerField(min_value=1, required=False, help_text=_("A user id."))
    overdue = serializers.BooleanField(default=False)
    search = serializers.CharField(max_length=200, required=False, help_text=_("Subject or text."))
