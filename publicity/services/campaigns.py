"""Publicity campaigns (PUB-8).

CONTRACT STUB written by the lead: the signatures are fixed; the bodies are written by
the campaigns helper."""

import datetime as dt

from django.core.files.uploadedfile import UploadedFile

from core.models import EvidencePhoto, OrgUnit, User
from publicity.models import Campaign


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
    raise NotImplementedError


def campaign_update(*, clerk: User, campaign: Campaign, **fields) -> Campaign:
    raise NotImplementedError


def campaign_photo_add(
    *, clerk: User, campaign: Campaign, upload: UploadedFile, caption: str = ""
) -> EvidencePhoto:
    raise NotImplementedError
