"""What a manager sets up: branch offices, service areas and their postal-code prefixes,
product lines, technicians' profiles and skills, and the organization's visit rules.

Each is one service that saves a new row or changes an existing one (`office=None` makes
one). All of them tell the visit staff live, as they change who can be booked where.
"""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import AgentSkill, Membership, Organization, Role, User, normalize_phone
from csportal.caching import forget

from ..models import (
    MAX_VISIT,
    BranchOffice,
    PostalPrefix,
    ProductLine,
    ServiceArea,
    TechnicianProfile,
    VisitSettings,
    normalize_postal_code,
)
from ..photos import sniff_picture, stored_name
from ..selectors import settings_key
from ._common import require_manager, require_text
from .events import publish_setup

INTRODUCTION_MAX = 1000
LONGEST_CAREER = 70


def _same_organization(obj, organization: Organization, field: str, message: str) -> None:
    if obj is not None and obj.organization_id != organization.pk:
        raise ValidationError({field: message})


def _name_taken(field: str = "name") -> ValidationError:
    return ValidationError({field: _("Another one has this name already.")})


# Branch offices ----------------------------------------------------------------------------


def branch_office_save(
    *,
    organization: Organization,
    by: User,
    name: str,
    address: str = "",
    phone: str = "",
    office: BranchOffice | None = None,
) -> BranchOffice:
    require_manager(by, organization)
    _same_organization(office, organization, "office", _("Choose one of your offices."))
    name = require_text(name, "name", _("Name the office."))
    if phone:
        try:
            phone = normalize_phone(phone)
        except ValidationError as error:
            raise ValidationError({"phone": error.messages}) from None
    office = office or BranchOffice(organization=organization)
    office.name, office.address, office.phone = name[:100], (address or "").strip(), phone
    try:
        with transaction.atomic():
            office.save()
            publish_setup(organization.pk, "branch_office")
    except IntegrityError:
        raise _name_taken() from None
    return office


def branch_office_delete(*, office: BranchOffice, by: User) -> None:
    require_manager(by, office.organization)
    try:
        with transaction.atomic():
            office.delete()
            publish_setup(office.organization_id, "branch_office")
    except ProtectedError:
        raise ValidationError(
            _("Move this office's areas to another office before closing it.")
        ) from None


# Service areas -----------------------------------------------------------------------------


def service_area_save(
    *,
    organization: Organization,
    by: User,
    name: str,
    branch_office: BranchOffice,
    prefixes: Iterable[str],
    area: ServiceArea | None = None,
) -> ServiceArea:
    """An area with exactly these postal-code prefixes. A prefix belongs to one area of the
    organization: giving one that another area has is refused, naming that area."""
    require_manager(by, organization)
    _same_organization(area, organization, "area", _("Choose one of your areas."))
    _same_organization(
        branch_office, organization, "branch_office", _("Choose one of your offices.")
    )
    name = require_text(name, "name", _("Name the area."))
    cleaned = set()
    for prefix in prefixes:
        if not (prefix or "").strip():
            continue
        try:
            cleaned.add(normalize_postal_code(prefix))
        except ValidationError:
            raise ValidationError(
                {"prefixes": _("%(prefix)s is not a postal code prefix.") % {"prefix": prefix}}
            ) from None
    if not cleaned:
        raise ValidationError({"prefixes": _("Give the area at least one postal code prefix.")})
    taken = PostalPrefix.objects.filter(organization=organization, prefix__in=cleaned)
    if area is not None:
        taken = taken.exclude(area=area)
    elsewhere = taken.select_related("area").first()
    if elsewhere is not None:
        raise ValidationError(
            {
                "prefixes": _("%(prefix)s is in %(area)s already.")
                % {"prefix": elsewhere.prefix, "area": elsewhere.area.name}
            }
        )
    area = area or ServiceArea(organization=organization)
    area.name, area.branch_office = name[:100], branch_office
    try:
        with transaction.atomic():
            area.save()
            area.prefixes.exclude(prefix__in=cleaned).delete()
            kept = set(area.prefixes.values_list("prefix", flat=True))
            PostalPrefix.objects.bulk_create(
                PostalPrefix(organization=organization, area=area, prefix=prefix)
                for prefix in sorted(cleaned - kept)
            )
            publish_setup(organization.pk, "area")
    except IntegrityError:
        # The name, or a prefix another manager gave another area meanwhile.
        raise ValidationError(
            {"name": _("Another area has this name or one of these prefixes.")}
        ) from None
    return area


def service_area_delete(*, area: ServiceArea, by: User) -> None:
    """Its visits keep their history without an area; its technicians cover the others."""
    require_manager(by, area.organization)
    with transaction.atomic():
        area.delete()
        publish_setup(area.organization_id, "area")


# Product lines -----------------------------------------------------------------------------


def product_line_save(
    *,
    organization: Organization,
    by: User,
    name: str,
    skill: str = "",
    product: ProductLine | None = None,
) -> ProductLine:
    """A product line customers can book for; its skill (from the name unless given) is
    fixed once made, as technicians' skills refer to it by value."""
    require_manager(by, organization)
    _same_organization(product, organization, "product", _("Choose one of your products."))
    name = require_text(name, "name", _("Name the product line."))
    if product is None:
        skill = slugify(skill or name)[:50]
        if not skill:
            raise ValidationError({"skill": _("Give a skill of letters, digits or dashes.")})
        product = ProductLine(organization=organization, skill=skill)
    product.name = name[:100]
    try:
        with transaction.atomic():
            product.save()
            publish_setup(organization.pk, "product_line")
    except IntegrityError:
        raise ValidationError({"name": _("Another product line has this name or skill.")}) from None
    return product


def product_line_delete(*, product: ProductLine, by: User) -> None:
    """Customers can't book it anymore; visits for it keep their history. Technicians keep
    the skill, which other parts (ticket routing) may use too."""
    require_manager(by, product.organization)
    with transaction.atomic():
        product.delete()
        publish_setup(product.organization_id, "product_line")


# Technicians -----------------------------------------------------------------------------


def technician_profile_save(
    *,
    membership: Membership,
    by: User,
    areas: Iterable[ServiceArea] | None = None,
    introduction: str | None = None,
    years_of_experience: int | None = None,
    photo=None,
) -> TechnicianProfile:
    """Make or change a technician's profile; what is None stays as it is. A photo is a
    JPEG, PNG or WebP picture whose name agrees with its content."""
    organization = membership.organization
    require_manager(by, organization)
    if membership.role != Role.TECHNICIAN:
        raise ValidationError({"membership": _("Only technicians have a technician profile.")})
    if introduction is not None and len(introduction.strip()) > INTRODUCTION_MAX:
        raise ValidationError({"introduction": _("Keep the introduction under 1000 characters.")})
    if years_of_experience is not None and not 0 <= years_of_experience <= LONGEST_CAREER:
        raise ValidationError({"years_of_experience": _("Give the years as a number up to 70.")})
    areas = list(areas) if areas is not None else None
    for area in areas or []:
        _same_organization(area, organization, "areas", _("Choose areas of your organization."))
    checked = None
    if photo is not None:
        try:
            checked = sniff_picture(photo)
        except ValidationError as error:
            raise ValidationError({"photo": error.messages}) from None
    with transaction.atomic():
        profile, _created = TechnicianProfile.objects.get_or_create(
            membership=membership, defaults={"organization": organization}
        )
        if introduction is not None:
            profile.introduction = introduction.strip()
        if years_of_experience is not None:
            profile.years_of_experience = years_of_experience
        if checked is not None:
            content_type, extension = checked
            old = profile.photo.name
            profile.photo.save(stored_name(extension), photo, save=False)
            profile.photo_type = content_type
            if old:
                # Gone only once the new one is in: a rollback keeps the old photo.
                storage = profile.photo.storage
                transaction.on_commit(lambda: storage.delete(old))
        profile.save()
        if areas is not None:
            profile.areas.set(areas)
        publish_setup(organization.pk, "profile", technician_id=membership.user_id)
    return profile


def technician_skills_set(
    *, profile: TechnicianProfile, product_lines: Iterable[ProductLine], by: User
) -> list[str]:
    """The product lines the technician is booked for, kept as the skills of their
    membership (accounts.AgentSkill). Skills that are no product line's are left alone."""
    organization = profile.organization
    require_manager(by, organization)
    chosen = list(product_lines)
    for product in chosen:
        _same_organization(product, organization, "skills", _("Choose your product lines."))
    wanted = {product.skill for product in chosen}
    catalogue = set(
        ProductLine.objects.filter(organization=organization).values_list("skill", flat=True)
    )
    with transaction.atomic():
        skills = AgentSkill.objects.filter(membership_id=profile.membership_id)
        skills.filter(skill__in=catalogue - wanted).delete()
        have = set(skills.values_list("skill", flat=True))
        AgentSkill.objects.bulk_create(
            AgentSkill(membership_id=profile.membership_id, skill=skill)
            for skill in sorted(wanted - have)
        )
        publish_setup(organization.pk, "skills", technician_id=profile.membership.user_id)
    return sorted(wanted)


# Rules -----------------------------------------------------------------------------------


def visit_settings_set(
    *,
    organization: Organization,
    by: User,
    change_cutoff_hours: int,
    visit_minutes: int,
    slot_minutes: int,
    reminder_hours: int,
) -> VisitSettings:
    """The organization's visit rules. Reminders of visits booked already keep the time they
    were given."""
    require_manager(by, organization)
    limits = {
        "change_cutoff_hours": (change_cutoff_hours, 0, 24 * 14),
        "visit_minutes": (visit_minutes, 15, MAX_VISIT.seconds // 60),
        "slot_minutes": (slot_minutes, 5, 240),
        "reminder_hours": (reminder_hours, 0, 24 * 7),
    }
    errors = {
        name: _("Give a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        for name, (value, low, high) in limits.items()
        if not isinstance(value, int) or not low <= value <= high
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        rules, _created = VisitSettings.objects.update_or_create(
            organization=organization,
            defaults={name: value for name, (value, _low, _high) in limits.items()},
        )
        forget(settings_key(organization.pk))
        publish_setup(organization.pk, "settings")
    return rules
