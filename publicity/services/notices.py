"""Notice lifecycle (PUB-1..PUB-4, PUB-6, PUB-7): create from a source, post, record
postings and their evidence, close after the minimum period, withdraw.

CONTRACT STUB written by the lead: the signatures are fixed; the bodies are written by
the lifecycle helper."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile

from core.models import EvidencePhoto, EvidenceVideo, OrgUnit, User
from publicity.models import Notice, NoticePosting
from underwriting.models import Policy


@dataclass(frozen=True)
class ClaimPaymentLine:
    """PUB-7: one payee of a claim payment list (who, what loss, how much)."""

    name: str
    village_group: str
    loss: str
    amount: Decimal
    quantity: Decimal | None = None
    unit: str = ""
    source_row_id: int | None = None


def notice_create_for_group_policy(
    *, clerk: User, policy: Policy, objection_phone: str = "", objection_place: str = ""
) -> Notice:
    """PUB-1/PUB-2: a draft notice of `policy`'s accepted household list."""
    raise NotImplementedError


def notice_create_for_claim_payments(
    *,
    clerk: User,
    org_unit: OrgUnit,
    village: str,
    product_name: str,
    season: str,
    lines: list[ClaimPaymentLine],
    objection_phone: str = "",
    objection_place: str = "",
    source=None,
) -> Notice:
    """PUB-7: a draft claim payment notice with the given lines."""
    raise NotImplementedError


def notice_update(
    *,
    clerk: User,
    notice: Notice,
    objection_phone: str | None = None,
    objection_place: str | None = None,
    channels: list[str] | None = None,
) -> Notice:
    """How to object and the additional channels (PUB-2, PUB-3); draft or posted."""
    raise NotImplementedError


def notice_refresh_lines(*, clerk: User, notice: Notice) -> Notice:
    """Draft only: copy the lines again from the source (its list may have changed)."""
    raise NotImplementedError


def notice_post(
    *,
    clerk: User,
    notice: Notice,
    posted_at: dt.datetime,
    place_kind: str,
    place: str,
    channels: list[str] | None = None,
    note: str = "",
) -> Notice:
    """PUB-3/PUB-4: the notice is up: first posting recorded, period timer started."""
    raise NotImplementedError


def posting_add(
    *,
    clerk: User,
    notice: Notice,
    place_kind: str,
    place: str,
    posted_at: dt.datetime,
    note: str = "",
) -> NoticePosting:
    """PUB-3: another place where the posted notice is up."""
    raise NotImplementedError


def posting_evidence_add(
    *, clerk: User, posting: NoticePosting, upload: UploadedFile, caption: str = ""
) -> EvidencePhoto | EvidenceVideo:
    """PUB-6: a photo or a video of the posting, checked for what it claims to be."""
    raise NotImplementedError


def check_notice_close(*, clerk: User, notice: Notice, now: dt.datetime | None = None) -> None:
    """May the notice close? Raises a ValidationError listing every reason it may not."""
    raise NotImplementedError


def notice_close(*, clerk: User, notice: Notice, note: str = "") -> Notice:
    """Close the notice and tell its source (PUB-1: the group policy may be finalised)."""
    raise NotImplementedError


def notice_withdraw(*, clerk: User, notice: Notice, reason: str) -> Notice:
    """Withdraw a draft or posted notice (e.g. its list was replaced); timers cancelled."""
    raise NotImplementedError
