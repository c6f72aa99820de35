from datetime import timedelta

from django.utils import timezone

from sensitivity import services
from sensitivity.models import Assessment, SensitivityCode, Stage


def codes(organization, *texts: str) -> list[SensitivityCode]:
    """The organization's codes by their code ("N2"), its table copied first if need be."""
    services.table_for(organization)
    found = {c.code: c for c in SensitivityCode.objects.filter(organization=organization)}
    return [found[text] for text in texts]


def assessed(
    organization,
    customer,
    *texts: str,
    stage=Stage.INTAKE,
    by=None,
    visit=None,
    minutes_ago: int = 0,
) -> Assessment:
    """An assessment as stored, skipping the services' role checks."""
    assessment = Assessment.objects.create(
        organization=organization,
        customer=customer,
        stage=stage,
        by=by,
        visit=visit,
        created_at=timezone.now() - timedelta(minutes=minutes_ago),
    )
    assessment.codes.set(codes(organization, *texts))
    return assessment
