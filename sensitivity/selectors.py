"""Reads: the code table, a customer's current disposition with its guidance, the call list,
the statistics and the access log.

The current disposition is derived from the assessment history. The newest judgement of
someone who met the customer or called them after the work (a technician's re-code, the
confirmation call's final code) stands until the next such judgement; a receptionist's intake
coding after it adds to it rather than replacing it (the people who met the customer weigh
more), and a newer intake replaces an older intake. So at most two assessments count: the
newest judged one and the newest intake after it.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber, TruncMonth

from .models import (
    JUDGED_STAGES,
    Assessment,
    CallOutcome,
    CallStatus,
    Category,
    CodeRead,
    ConfirmationCall,
    Knack,
    SensitivityCode,
    Stage,
    shown,
)

CATEGORY_ORDER: list[str] = [Category.POSITIVE, Category.EXPECTED, Category.NEGATIVE]


def table(organization_id: int, *, active_only: bool = False) -> QuerySet[SensitivityCode]:
    """The organization's codes in table order (positive, expected, negative, then their
    position), each with its knacks: two queries, and a queryset the API pages through."""
    codes = SensitivityCode.objects.filter(organization_id=organization_id)
    if active_only:
        codes = codes.filter(is_active=True)
    category_order = Case(
        *(When(category=c, then=Value(i)) for i, c in enumerate(CATEGORY_ORDER)),
        output_field=IntegerField(),
    )
    return (
        codes.prefetch_related(Prefetch("knacks", queryset=Knack.objects.order_by("audience")))
        .annotate(category_order=category_order)
        .order_by("category_order", "position", "code", "pk")
    )


def grouped(codes: Iterable[SensitivityCode]) -> list[tuple[str, str, list[SensitivityCode]]]:
    """(category, its label, its codes) in the order positive, expected, negative."""
    by_category: dict[str, list[SensitivityCode]] = {c: [] for c in CATEGORY_ORDER}
    for code in codes:
        by_category[code.category].append(code)
    return [(c, str(Category(c).label), by_category[c]) for c in CATEGORY_ORDER]


@dataclass
class CodeGuidance:
    code: SensitivityCode
    guidance: str  # for the audience asked, in the reader's language; "" when none written


@dataclass
class Disposition:
    customer_id: int
    codes: list[CodeGuidance] = field(default_factory=list)
    assessed_at: datetime | None = None  # the newest assessment that counts
    stage: str = ""  # of that assessment

    @property
    def category(self) -> str:
        """The most delicate category among the codes: negative over expected over positive."""
        categories = {item.code.category for item in self.codes}
        for category in reversed(CATEGORY_ORDER):
            if category in categories:
                return category
        return ""


def _counting(organization_id: int, customer_ids: list[int]) -> QuerySet[Assessment]:
    """The newest assessment of each stage for each customer (one query).

    By stage rather than judged or not: the window then reads the customer's rows in the
    order of the index assessment_customer_stage, with no sort, and the query is cheaper to
    build (bench/sensitivity_load.py); the caller keeps the newer of the two judged stages."""
    return (
        Assessment.objects.filter(organization_id=organization_id, customer_id__in=customer_ids)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("customer_id"), F("stage")],
                order_by=[F("created_at").desc(), F("id").desc()],
            )
        )
        .filter(rank=1)
        .only("id", "customer_id", "stage", "created_at")
    )


def dispositions(
    organization_id: int, customer_ids: Iterable[int], audience: str
) -> dict[int, Disposition]:
    """Each customer's current codes with the guidance for `audience`, in three queries
    whatever the number of customers; a customer never assessed has an empty disposition."""
    customer_ids = list(dict.fromkeys(customer_ids))
    result = {customer_id: Disposition(customer_id) for customer_id in customer_ids}
    if not customer_ids:
        return result
    newest: dict[int, dict[bool, Assessment]] = {}
    for assessment in _counting(organization_id, customer_ids):
        pair = newest.setdefault(assessment.customer_id, {})
        is_judged = assessment.stage in JUDGED_STAGES
        if is_judged not in pair or _after(assessment, pair[is_judged]):
            pair[is_judged] = assessment
    counting: list[Assessment] = []
    for pair in newest.values():
        judged, intake = pair.get(True), pair.get(False)
        if judged is not None:
            counting.append(judged)
        if intake is not None and (judged is None or _after(intake, judged)):
            counting.append(intake)
    if not counting:
        return result
    through = Assessment.codes.through
    links = through.objects.filter(assessment_id__in=[a.pk for a in counting]).select_related(
        "sensitivitycode"
    )
    codes_of: dict[int, list[SensitivityCode]] = {}
    for link in links:
        codes_of.setdefault(link.assessment_id, []).append(link.sensitivitycode)
    code_ids = {code.pk for codes in codes_of.values() for code in codes}
    guidance = dict(
        Knack.objects.filter(code_id__in=code_ids, audience=audience).values_list("code_id", "text")
    )
    for assessment in sorted(counting, key=lambda a: (a.created_at, a.pk)):
        disposition = result[assessment.customer_id]
        disposition.assessed_at, disposition.stage = assessment.created_at, assessment.stage
        seen = {item.code.pk for item in disposition.codes}
        for code in codes_of.get(assessment.pk, []):
            if code.pk not in seen:
                disposition.codes.append(CodeGuidance(code, shown(guidance.get(code.pk, ""))))
    for disposition in result.values():
        disposition.codes.sort(
            key=lambda item: (
                -CATEGORY_ORDER.index(item.code.category),
                item.code.position,
                item.code.code,
            )
        )
    return result


def _after(first: Assessment, second: Assessment) -> bool:
    return (first.created_at, first.pk) > (second.created_at, second.pk)


def disposition(organization_id: int, customer_id: int, audience: str) -> Disposition:
    return dispositions(organization_id, [customer_id], audience)[customer_id]


def history(organization_id: int, customer_id: int) -> QuerySet[Assessment]:
    """Every assessment of the customer, newest first, with who made it and its codes."""
    return (
        Assessment.objects.filter(organization_id=organization_id, customer_id=customer_id)
        .select_related("by", "visit")
        .prefetch_related("codes")
        .order_by("-created_at", "-id")
    )


def pending_calls(organization_id: int) -> QuerySet[ConfirmationCall]:
    """The confirmation calls still to make, oldest visit first."""
    return (
        ConfirmationCall.objects.filter(organization_id=organization_id, status=CallStatus.PENDING)
        .select_related("customer", "visit__technician", "visit__product")
        .order_by("created_at", "pk")
    )


def recent_calls(organization_id: int) -> QuerySet[ConfirmationCall]:
    return (
        ConfirmationCall.objects.filter(organization_id=organization_id, status=CallStatus.DONE)
        .select_related("customer", "called_by", "visit", "assessment")
        .prefetch_related("assessment__codes")
        .order_by("-called_at", "-pk")
    )


def distribution_by_month(organization_id: int, since: datetime) -> list[dict]:
    """Per month and category, how many codes were given (one query)."""
    return list(
        Assessment.objects.filter(organization_id=organization_id, created_at__gte=since)
        .annotate(month=TruncMonth("created_at"))
        .values("month", "codes__category")
        .annotate(count=Count("codes"))
        .order_by("month", "codes__category")
    )


def code_counts(organization_id: int, since: datetime) -> dict[int, int]:
    """How often each code was given since then (one query)."""
    # Filtering before annotating counts only the assessments the filter kept.
    return dict(
        SensitivityCode.objects.filter(
            organization_id=organization_id, assessments__created_at__gte=since
        )
        .annotate(given=Count("assessments"))
        .values_list("id", "given")
    )


def dissatisfaction_by_code(organization_id: int, since: datetime) -> dict[int, tuple[int, int]]:
    """For each code given to a customer before a confirmation call (at intake or at the
    visit the call was about): (calls, of them dissatisfied), in one query."""
    call = "assessments__visit__sensitivity_call"
    rows = (
        SensitivityCode.objects.filter(
            organization_id=organization_id,
            assessments__stage__in=[Stage.INTAKE, Stage.VISIT],
            **{f"{call}__status": CallStatus.DONE, f"{call}__called_at__gte": since},
        )
        .annotate(
            calls=Count("assessments__visit", distinct=True),
            dissatisfied=Count(
                "assessments__visit",
                distinct=True,
                filter=Q(**{f"{call}__outcome": CallOutcome.DISSATISFIED}),
            ),
        )
        .values_list("id", "calls", "dissatisfied")
    )
    return {code_id: (calls, dissatisfied) for code_id, calls, dissatisfied in rows}


def reads(organization_id: int) -> QuerySet[CodeRead]:
    """The access log, newest first."""
    return (
        CodeRead.objects.filter(organization_id=organization_id)
        .select_related("reader", "customer")
        .order_by("-at", "-pk")
    )
