"""Publicity campaigns (PUB-8): what an outlet did to explain agricultural insurance,
to whom (farmers, local government departments …), about what (policy, service
standards, regulation, how to insure, products) and through which channels (leaflets,
letters to farmers, posters, wall ads, broadcast, TV, web, SMS), with photos.

A campaign belongs to one outlet; the outlet's staff record and correct it, managers
above read every outlet of their branch (publicity.selectors.campaign_list). Every
change is kept in the campaign's history with who made it.
"""

import datetime as dt

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import check_can_write
from core.audit import save_with_reason
from core.evidence import evidence_photo_add
from core.models import EvidencePhoto, OrgUnit, User
from core.selectors import evidence_for
from publicity.models import Campaign, Channel

# PUB-8 lists every channel of the platform (newspaper included: it is a medium too).
CAMPAIGN_CHANNELS: tuple[str, ...] = tuple(Channel.values)
# A campaign is documented by a handful of photos; a hundred is a mistake.
MAX_PHOTOS = 20
# A village campaign reaches hundreds, a county TV spot tens of thousands; beyond this
# the number is a typing error.
REACH_MAX = 1_000_000
EDITABLE_FIELDS = (
    "held_on",
    "title",
    "audience",
    "topics",
    "channels",
    "place",
    "materials",
    "reach",
    "description",
)
_TITLE_MAX = Campaign._meta.get_field("title").max_length
_PLACE_MAX = Campaign._meta.get_field("place").max_length
_MATERIALS_MAX = Campaign._meta.get_field("materials").max_length


def _distinct(values) -> list[str]:
    """The values once each, in the order given (a multi-select may repeat one)."""
    return list(dict.fromkeys(str(value) for value in (values or [])))


def check_campaign(
    *,
    clerk: User,
    org_unit: OrgUnit,
    held_on: dt.date | None,
    title: str,
    audience: str,
    topics: list[str],
    channels: list[str],
    place: str,
    materials: str = "",
    reach: int = 0,
) -> None:
    """PUB-8: may `clerk` record this campaign at `org_unit`? Raises a ValidationError
    listing every problem (field by field)."""
    check_can_write(clerk, org_unit)
    errors: dict[str, list[ValidationError]] = {}

    def problem(field: str, code: str, message: str) -> None:
        errors.setdefault(field, []).append(ValidationError(message, code=code))

    if org_unit.kind != OrgUnit.Kind.OUTLET:
        problem("org_unit", "not_outlet", _("Campaigns are recorded for an outlet (PUB-8)."))
    if held_on is None:
        problem("held_on", "required", _("Enter the date of the campaign."))
    elif held_on > timezone.localdate():
        problem(
            "held_on",
            "future",
            _("Record a campaign once it has been held: the date is in the future."),
        )
    _check_text(problem, "title", title, _TITLE_MAX, required=_("Enter a title."))
    if audience not in Campaign.Audience.values:
        problem("audience", "invalid_choice", _("Choose who the campaign was for (PUB-8)."))
    _check_choices(
        problem,
        "topics",
        topics,
        tuple(Campaign.Topic.values),
        required=_("Choose at least one topic of the campaign (PUB-8)."),
    )
    _check_choices(
        problem,
        "channels",
        channels,
        CAMPAIGN_CHANNELS,
        required=_("Choose at least one channel of the campaign (PUB-8)."),
    )
    _check_text(
        problem, "place", place, _PLACE_MAX, required=_("Enter where the campaign was held.")
    )
    _check_text(problem, "materials", materials, _MATERIALS_MAX)
    if not isinstance(reach, int) or isinstance(reach, bool) or not 0 <= reach <= REACH_MAX:
        problem(
            "reach",
            "out_of_range",
            _("Enter the number of people reached, from 0 to %(max)s.") % {"max": REACH_MAX},
        )
    if errors:
        raise ValidationError(errors)


def _check_text(problem, field: str, value: str, limit: int, *, required: str = "") -> None:
    value = (value or "").strip()
    if required and not value:
        problem(field, "required", required)
    elif len(value) > limit:
        problem(
            field, "too_long", _("This is too long (at most %(max)s characters).") % {"max": limit}
        )


def _check_choices(problem, field: str, values, allowed: tuple[str, ...], *, required: str):
    values = _distinct(values)
    unknown = [value for value in values if value not in allowed]
    if not values:
        problem(field, "required", required)
    elif unknown:
        problem(
            field,
            "invalid_choice",
            _("Unknown choices: %(values)s.") % {"values": ", ".join(unknown)},
        )


@transaction.atomic
def campaign_create(
    *,
    clerk: User,
    org_unit: OrgUnit,
    held_on: dt.date,
    title: str,
    audience: str,
    topics: list[str],
    channels: list[str],
    place: str,
    materials: str = "",
    reach: int = 0,
    description: str = "",
) -> Campaign:
    """PUB-8: record a campaign held by the outlet `org_unit` (in the clerk's branch)."""
    check_campaign(
        clerk=clerk,
        org_unit=org_unit,
        held_on=held_on,
        title=title,
        audience=audience,
        topics=topics,
        channels=channels,
        place=place,
        materials=materials,
        reach=reach,
    )
    campaign = Campaign(
        org_unit=org_unit,
        held_on=held_on,
        title=title.strip(),
        audience=audience,
        topics=_distinct(topics),
        channels=_distinct(channels),
        place=place.strip(),
        materials=materials.strip(),
        reach=reach,
        description=description.strip(),
        created_by=clerk,
    )
    return save_with_reason(campaign, by=clerk, reason=_("Campaign recorded."))


@transaction.atomic
def campaign_update(*, clerk: User, campaign: Campaign, reason: str = "", **fields) -> Campaign:
    """PUB-8: correct a campaign record; only EDITABLE_FIELDS (the outlet stays). The
    campaign row is locked (`select_for_update`) while it is checked and saved; the
    history keeps the clerk and `reason`."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise ValidationError(
            _("These fields of a campaign cannot be changed: %(fields)s.")
            % {"fields": ", ".join(unknown)},
            code="not_editable",
        )
    check_can_write(clerk, campaign)
    campaign = Campaign.objects.select_for_update().select_related("org_unit").get(pk=campaign.pk)
    values = {field: getattr(campaign, field) for field in EDITABLE_FIELDS} | fields
    for text_field in ("title", "place", "materials", "description"):
        values[text_field] = (values[text_field] or "").strip()
    check_campaign(
        clerk=clerk,
        org_unit=campaign.org_unit,
        held_on=values["held_on"],
        title=values["title"],
        audience=values["audience"],
        topics=values["topics"],
        channels=values["channels"],
        place=values["place"],
        materials=values["materials"],
        reach=values["reach"],
    )
    values["topics"] = _distinct(values["topics"])
    values["channels"] = _distinct(values["channels"])
    for field, value in values.items():
        setattr(campaign, field, value)
    return save_with_reason(campaign, by=clerk, reason=reason.strip() or _("Campaign corrected."))


def campaign_photo_add(
    *, clerk: User, campaign: Campaign, upload: UploadedFile, caption: str = ""
) -> EvidencePhoto:
    """PUB-8: a photo of the campaign (a real image, checked and kept by core.evidence
    with its SHA-256 and capture time); at most MAX_PHOTOS per campaign."""
    check_can_write(clerk, campaign)
    if evidence_for(user=clerk, subject=campaign).count() >= MAX_PHOTOS:
        raise ValidationError(
            _("A campaign keeps at most %(max)s photos.") % {"max": MAX_PHOTOS},
            code="too_many_photos",
        )
    return evidence_photo_add(
        subject=campaign,
        org_unit=campaign.org_unit,
        upload=upload,
        uploaded_by=clerk,
        caption=caption,
    )


@transaction.atomic
def campaign_delete(*, clerk: User, campaign: Campaign, reason: str) -> None:
    """PUB-8: take back a campaign recorded by mistake (e.g. twice). The history keeps
    the record, the clerk and `reason`; a campaign with photos stays, since its photos
    are evidence. Locks the campaign row (`select_for_update`)."""
    check_can_write(clerk, campaign)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    errors: dict[str, list[ValidationError]] = {}
    if not reason.strip():
        errors["reason"] = [ValidationError(_("Say why the campaign is deleted."), code="required")]
    if evidence_for(user=clerk, subject=campaign).exists():
        errors[NON_FIELD_ERRORS] = [
            ValidationError(
                _("A campaign with photos is kept: its photos are evidence (PUB-8)."),
                code="has_photos",
            )
        ]
    if errors:
        raise ValidationError(errors)
    campaign._history_user = clerk
    campaign._change_reason = reason.strip()
    campaign.delete()
