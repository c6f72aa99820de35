from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from csportal.api.serializers import StrictSerializerMixin
from tickets.api.serializers import PersonSerializer

from ..models import (
    CODE_MAX,
    DESCRIPTION_MAX,
    KNACK_MAX,
    LABEL_MAX,
    NOTE_MAX,
    REASON_MAX,
    Audience,
    CallOutcome,
    CallStatus,
    Category,
    Stage,
)

# Output ----------------------------------------------------------------------------------


class GuidanceSerializer(serializers.Serializer):
    """The guidance for each audience, in the reader's language; absent for an audience the
    reader doesn't serve (a technician reads only the technician's)."""

    reception = serializers.CharField(required=False)
    technician = serializers.CharField(required=False)
    confirmation = serializers.CharField(required=False)


class CodeSerializer(serializers.Serializer):
    """A code of the organization's table. Texts of the default table are in the reader's
    language; `stored` has them as stored, for editing (managers only)."""

    id = serializers.IntegerField()
    category = serializers.ChoiceField(choices=Category.choices)
    code = serializers.CharField()
    label = serializers.CharField(source="label_shown")
    description = serializers.CharField(
        source="description_shown", help_text=_("What to look for.")
    )
    is_active = serializers.BooleanField(help_text=_("False once retired: it can't be picked."))
    position = serializers.IntegerField()
    guidance = serializers.SerializerMethodField()

    @extend_schema_field(GuidanceSerializer)
    def get_guidance(self, code) -> dict:
        audiences = self.context.get("audiences", Audience.values)
        return {
            knack.audience: knack.text_shown
            for knack in code.knacks.all()
            if knack.audience in audiences
        }


class CodeBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.ChoiceField(choices=Category.choices)
    code = serializers.CharField()
    label = serializers.CharField(source="label_shown")


class AssessmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer = serializers.IntegerField(source="customer_id")
    stage = serializers.ChoiceField(choices=Stage.choices)
    codes = CodeBriefSerializer(many=True, source="codes.all")
    by = PersonSerializer(allow_null=True)
    visit = serializers.IntegerField(source="visit_id", allow_null=True)
    ticket = serializers.IntegerField(source="ticket_id", allow_null=True)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


class CodeGuidanceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="code.pk")
    category = serializers.ChoiceField(source="code.category", choices=Category.choices)
    code = serializers.CharField(source="code.code")
    label = serializers.CharField(source="code.label_shown")
    description = serializers.CharField(source="code.description_shown")
    guidance = serializers.CharField(help_text=_("For the reader's audience; empty when none."))


class DispositionSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer_id")
    audience = serializers.ChoiceField(
        choices=Audience.choices, help_text=_("Whose guidance `codes` carry.")
    )
    category = serializers.CharField(
        help_text=_("The most delicate category among the codes; empty without codes.")
    )
    stage = serializers.CharField(help_text=_("The stage of the newest assessment that counts."))
    assessed_at = serializers.DateTimeField(allow_null=True)
    codes = CodeGuidanceSerializer(many=True)


class CallVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    summary = serializers.CharField()
    status = serializers.CharField()
    outcome = serializers.CharField(help_text=_("What the technician's report came to."))
    report = serializers.CharField()
    completed_at = serializers.DateTimeField(allow_null=True)
    technician = PersonSerializer(allow_null=True)


class CallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=CallStatus.choices)
    customer = PersonSerializer()
    visit = CallVisitSerializer()
    outcome = serializers.CharField(help_text=_("Empty until the call is recorded."))
    reason = serializers.CharField()
    further_visit = serializers.IntegerField(source="further_visit_id", allow_null=True)
    assessment = serializers.IntegerField(source="assessment_id", allow_null=True)
    called_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    codes = serializers.SerializerMethodField(
        help_text=_("The customer's current codes with the confirmation call's guidance.")
    )

    @extend_schema_field(CodeGuidanceSerializer(many=True))
    def get_codes(self, call) -> list:
        disposition = self.context["dispositions"].get(call.customer_id)
        codes = disposition.codes if disposition is not None else []
        return CodeGuidanceSerializer(codes, many=True).data


# Input -----------------------------------------------------------------------------------

CODES_HELP = _('Codes as typed ("N2") or their ids, from the table and in use.')


def _codes_field():
    return serializers.ListField(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=50,
        help_text=CODES_HELP,
    )


class GuidanceInputSerializer(StrictSerializerMixin, serializers.Serializer):
    reception = serializers.CharField(max_length=KNACK_MAX, required=False, allow_blank=True)
    technician = serializers.CharField(max_length=KNACK_MAX, required=False, allow_blank=True)
    confirmation = serializers.CharField(max_length=KNACK_MAX, required=False, allow_blank=True)


class CodeInputSerializer(StrictSerializerMixin, serializers.Serializer):
    """A code with its texts as they are to be stored. On PATCH every field is optional and
    what is left out keeps its stored value (a guidance left out too)."""

    category = serializers.ChoiceField(choices=Category.choices)
    code = serializers.CharField(max_length=CODE_MAX)
    label = serializers.CharField(max_length=LABEL_MAX)
    description = serializers.CharField(
        max_length=DESCRIPTION_MAX, required=False, allow_blank=True
    )
    guidance = GuidanceInputSerializer(required=False)
    is_active = serializers.BooleanField(required=False)


class CodeListQuerySerializer(serializers.Serializer):
    active = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text=_("Only the codes in use.")
    )


class AssessmentQuerySerializer(serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, help_text=_("The customer's user id."))


class AssessmentInputSerializer(StrictSerializerMixin, serializers.Serializer):
    customer = serializers.IntegerField(min_value=1, help_text=_("The customer's user id."))
    codes = _codes_field()
    stage = serializers.ChoiceField(
        choices=Stage.choices,
        help_text=_(
            "intake or confirmation for reception staff; visit for the visit's technician, "
            "once they have met the customer."
        ),
    )
    visit = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    ticket = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)


class CallInputSerializer(StrictSerializerMixin, serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CallOutcome.choices)
    codes = _codes_field()
    reason = serializers.CharField(
        max_length=REASON_MAX,
        required=False,
        allow_blank=True,
        help_text=_("Why they are dissatisfied, or what they ask for: a new visit request."),
    )
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True)
