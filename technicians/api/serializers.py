from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import OrganizationSerializer
from accounts.models import CustomerProfile
from csportal.api.serializers import StrictSerializerMixin
from tickets.api.serializers import PersonSerializer

from ..models import (
    ProductLine,
    ServiceArea,
    ServiceRequest,
    TimeOff,
    VisitOutcome,
    VisitPhoto,
    VisitStatus,
    Weekday,
    WorkingHours,
)
from ..photos import PICTURE_TYPES
from ..services.work import PHOTOS_PER_REQUEST

# Output ----------------------------------------------------------------------------------


class ProductLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProductLine
        fields = ["id", "skill", "name"]
        read_only_fields = fields


class BranchOfficeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AreaSerializer(serializers.ModelSerializer):
    branch_office = BranchOfficeBriefSerializer()

    class Meta:
        model = ServiceArea
        fields = ["id", "name", "branch_office"]
        read_only_fields = fields


def profile_photo_url(profile) -> str | None:
    return reverse("technicians:profile-photo", args=[profile.pk]) if profile.photo else None


class RatingSerializer(serializers.Serializer):
    points = serializers.FloatField(allow_null=True, help_text=_("0-100; null before reviews."))
    reviews = serializers.IntegerField()


class OfferSerializer(serializers.Serializer):
    """A technician who can come: who they are, as the customer sees them."""

    technician = PersonSerializer()
    profile = serializers.IntegerField(source="profile.pk")
    introduction = serializers.CharField(source="profile.introduction")
    years_of_experience = serializers.IntegerField(source="profile.years_of_experience")
    photo_url = serializers.SerializerMethodField()
    booked_minutes = serializers.IntegerField(help_text=_("Already booked that day."))
    rating = RatingSerializer(allow_null=True)

    def get_photo_url(self, offer) -> str | None:
        return profile_photo_url(offer.profile)

    def to_representation(self, offer) -> dict:
        return offer_json(offer)


# An answer of the search is written out rather than walked field by field: the walk
# deep-copied every nested serializer's fields per request and was a tenth of a search's
# time (bench/technicians_load.py). The declared fields stay for the schema, and tests hold
# both to the same output.
_MOMENT = serializers.DateTimeField()


def offer_json(offer) -> dict:
    technician, profile, rating = offer.technician, offer.profile, offer.rating
    return {
        "technician": {"id": technician.pk, "name": str(technician)},
        "profile": profile.pk,
        "introduction": profile.introduction,
        "years_of_experience": profile.years_of_experience,
        "photo_url": profile_photo_url(profile),
        "booked_minutes": offer.booked_minutes,
        "rating": {"points": rating.points, "reviews": rating.reviews} if rating else None,
    }


def area_json(area) -> dict:
    office = area.branch_office
    return {
        "id": area.pk,
        "name": area.name,
        "branch_office": {"id": office.pk, "name": office.name},
    }


def slot_json(slot) -> dict:
    return {
        "start": _MOMENT.to_representation(slot.start),
        "end": _MOMENT.to_representation(slot.end),
        "offer": offer_json(slot.offer),
    }


class SlotSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    offer = OfferSerializer()

    def to_representation(self, slot) -> dict:
        return slot_json(slot)


class AvailabilitySerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    product = ProductLineSerializer()
    area = AreaSerializer(allow_null=True, help_text=_("Null: the postal code isn't covered."))
    free = OfferSerializer(many=True, help_text=_("Free then; the lightest day first."))
    before = SlotSerializer(many=True, help_text=_("When nobody is free: nearest first."))
    after = SlotSerializer(many=True, help_text=_("When nobody is free: nearest first."))

    def to_representation(self, found) -> dict:
        product, area = found.product, found.area
        return {
            "start": _MOMENT.to_representation(found.start),
            "end": _MOMENT.to_representation(found.end),
            "product": {"id": product.pk, "skill": product.skill, "name": product.name},
            "area": area_json(area) if area is not None else None,
            "free": [offer_json(offer) for offer in found.free],
            "before": [slot_json(slot) for slot in found.before],
            "after": [slot_json(slot) for slot in found.after],
        }


class VisitPhotoSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = VisitPhoto
        fields = ["id", "filename", "content_type", "size", "url", "created_at"]
        read_only_fields = fields

    def get_url(self, photo) -> str:
        return reverse("technicians:visit-photo", args=[photo.token])


VISIT_FIELDS = [
    "id",
    "organization",
    "status",
    "status_label",
    "summary",
    "product",
    "postal_code",
    "address",
    "area",
    "symptoms",
    "customer_notes",
    "technician",
    "scheduled_start",
    "scheduled_end",
    "created_at",
    "on_the_way_at",
    "arrived_at",
    "started_at",
    "completed_at",
    "cancelled_at",
    "report",
    "parts_used",
    "time_spent_minutes",
    "outcome",
    "photos",
]


class VisitSerializer(serializers.ModelSerializer):
    """A visit as its customer sees it."""

    organization = OrganizationSerializer(read_only=True)
    status_label = serializers.CharField(read_only=True)
    product = ProductLineSerializer(read_only=True, allow_null=True)
    area = AreaSerializer(read_only=True, allow_null=True)
    technician = PersonSerializer(read_only=True, allow_null=True)
    photos = VisitPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = ServiceRequest
        fields = VISIT_FIELDS
        read_only_fields = fields


class CustomerContactSerializer(PersonSerializer):
    phone = serializers.CharField(allow_blank=True)


class WorkerVisitSerializer(VisitSerializer):
    """A visit as its technician and the organization's visit staff see it: with whom to
    call."""

    customer = serializers.SerializerMethodField()

    class Meta(VisitSerializer.Meta):
        fields = [*VISIT_FIELDS, "customer"]
        read_only_fields = fields

    @extend_schema_field(CustomerContactSerializer)
    def get_customer(self, visit) -> dict:
        customer = visit.customer
        try:
            phone = customer.customer_profile.phone
        except CustomerProfile.DoesNotExist:
            phone = ""
        return {"id": customer.pk, "name": str(customer), "phone": phone}


class SlotTakenSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()
    availability = AvailabilitySerializer()


class WorkingHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkingHours
        fields = ["weekday", "start", "end"]


class TimeOffSerializer(serializers.ModelSerializer):
    class Meta:
        model = TimeOff
        fields = ["id", "start", "end", "reason"]
        read_only_fields = ["id"]


# Input -----------------------------------------------------------------------------------

ORGANIZATION_HELP = _("The provider's slug.")


class OrganizationQuerySerializer(serializers.Serializer):
    organization = serializers.SlugField(help_text=ORGANIZATION_HELP)


class AvailabilityQuerySerializer(serializers.Serializer):
    """Times without an offset are in the organization's time zone."""

    organization = serializers.SlugField(help_text=ORGANIZATION_HELP)
    postal_code = serializers.CharField(max_length=32)
    skill = serializers.SlugField(help_text=_("A product line's skill."))
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(
        required=False, help_text=_("Default: start plus the organization's usual visit length.")
    )


class BookingSerializer(StrictSerializerMixin, serializers.Serializer):
    """Times without an offset are in the organization's time zone."""

    organization = serializers.SlugField(help_text=ORGANIZATION_HELP)
    technician = serializers.IntegerField(min_value=1, help_text=_("A technician's user id."))
    skill = serializers.SlugField(help_text=_("A product line's skill."))
    postal_code = serializers.CharField(max_length=32)
    address = serializers.CharField(max_length=500)
    symptoms = serializers.CharField(max_length=2000)
    customer_notes = serializers.CharField(max_length=1000, required=False, allow_blank=True)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False)
    ticket = serializers.IntegerField(min_value=1, required=False, allow_null=True)


class CallerBookingSerializer(BookingSerializer):
    """The desk books for a caller, named by their account's email."""

    organization = None  # in the address
    customer = serializers.EmailField(help_text=_("The caller's account email."))


class RescheduleSerializer(StrictSerializerMixin, serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(required=False)
    technician = serializers.IntegerField(
        min_value=1, required=False, help_text=_("Another technician's user id.")
    )


class StepSerializer(StrictSerializerMixin, serializers.Serializer):
    step = serializers.ChoiceField(
        choices=[
            (VisitStatus.ON_THE_WAY, VisitStatus.ON_THE_WAY.label),
            (VisitStatus.ARRIVED, VisitStatus.ARRIVED.label),
            (VisitStatus.IN_PROGRESS, VisitStatus.IN_PROGRESS.label),
        ]
    )


def _photos(max_count: int):
    kinds = ", ".join(ext[0].upper() for ext in PICTURE_TYPES.values())
    return serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=max_count,
        help_text=_("Up to %(count)d pictures (%(kinds)s), multipart only.")
        % {"count": max_count, "kinds": kinds},
    )


class CompleteSerializer(StrictSerializerMixin, serializers.Serializer):
    report = serializers.CharField(max_length=4000, help_text=_("The work done."))
    outcome = serializers.ChoiceField(choices=VisitOutcome.choices)
    parts_used = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    time_spent_minutes = serializers.IntegerField(
        min_value=1, max_value=24 * 60, required=False, allow_null=True
    )
    photos = _photos(PHOTOS_PER_REQUEST)


class PhotoSerializer(StrictSerializerMixin, serializers.Serializer):
    photo = serializers.FileField()


class WorkingHoursInputSerializer(serializers.Serializer):
    weekday = serializers.ChoiceField(choices=Weekday.choices)
    start = serializers.TimeField()
    end = serializers.TimeField()


class WeekSerializer(StrictSerializerMixin, serializers.Serializer):
    hours = WorkingHoursInputSerializer(many=True, max_length=7 * 6)


class TimeOffInputSerializer(StrictSerializerMixin, serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True)


class VisitListQuerySerializer(serializers.Serializer):
    """The organization's visits: every one for its visit staff, their own for a
    technician. Days are the organization's local days."""

    since = serializers.DateField(required=False, help_text=_("From this day on."))
    until = serializers.DateField(required=False, help_text=_("Up to and with this day."))
    status = serializers.ChoiceField(choices=VisitStatus.choices, required=False)
    technician = serializers.IntegerField(min_value=1, required=False, help_text=_("A user id."))
    area = serializers.IntegerField(min_value=1, required=False)
    branch_office = serializers.IntegerField(min_value=1, required=False)

    def validate(self, attrs):
        if attrs.get("since") and attrs.get("until") and attrs["until"] < attrs["since"]:
            raise serializers.ValidationError({"until": _("Choose a day after `since`.")})
        return attrs
