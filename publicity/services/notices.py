"""Notice lifecycle (PUB-1..PUB-4, PUB-6, PUB-7): create from a source, post, record
postings and their evidence, close after the minimum period, withdraw.

Life of a notice:

1. `notice_create_for_group_policy` (PUB-1/PUB-2) or `notice_create_for_claim_payments`
   (PUB-7) makes a DRAFT with a copy of the source's lines (publicity.sources) and their
   totals. A draft may be refreshed from its source.
2. `notice_post` (PUB-3/PUB-4): the notice is up in the village; its first posting is
   recorded and the PUB-4 period timer starts at the posting time. More places with
   `posting_add`, photos and videos of each with `posting_evidence_add` (PUB-6).
3. At the period's end the PUB-4 handler tells the clerk the notice can be closed and
   starts "PUB-4-close" (publicity.handlers); a notice left open too long is flagged.
4. `notice_close` after `check_notice_close`: the period is over, a posting photo is
   kept, no objection of the period is open, the source's list is still the one shown.
   A group policy may then be finalised (PUB-1).

Lock order: a notice's timers before the notice itself. The sweep holds a timer while
its handler locks the notice, so taking them the other way round could deadlock.
"""

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

import filetype
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from simple_history.utils import bulk_create_with_history

from core.access import check_can_write
from core.audit import save_with_reason
from core.evidence import evidence_photo_add, evidence_video_add
from core.models import EvidencePhoto, EvidenceVideo, OrgUnit, SlaTimer, User
from core.timers import timer_cancel, timer_meet, timer_start
from publicity.models import NOTICE_CHANNELS, Notice, NoticeLine, NoticePosting, Objection
from publicity.selectors import notice_get, open_notice_for, posting_photos
from publicity.sources import (
    SourceLine,
    group_policy_source,
    source_for,
)
from underwriting.models import ZERO, Customer, Policy
from underwriting.selectors import policy_get
from underwriting.services.common import check_org_unit_is_outlet

PERIOD_RULE = "PUB-4"
_TITLE_MAX = Notice._meta.get_field("title").max_length
_PLACE_MAX = NoticePosting._meta.get_field("place").max_length
_NOTE_MAX = NoticePosting._meta.get_field("note").max_length
_COMMITTEE_SUFFIXES = ("村民委员会", "村委会")


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


def _fmt(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


def county_short_name(org_unit: OrgUnit) -> str:
    """阳山县支公司 → 阳山县: the county as villagers name it, for the notice's title."""
    county = org_unit.county
    name = county.name if county else org_unit.name
    return name.removesuffix("支公司").removesuffix("分公司")


def village_of(policy: Policy, lines: list[SourceLine]) -> str:
    """The village of a group policy: its committee's name (东村村民委员会 → 东村), else
    the village group most of its households are in."""
    organiser = policy.organiser
    if organiser.organisation_type == Customer.OrganisationType.VILLAGE_COMMITTEE:
        name = organiser.name.strip()
        for suffix in _COMMITTEE_SUFFIXES:
            if name.endswith(suffix):
                name = name.removesuffix(suffix)
                return name if name.endswith("村") else f"{name}村"
    groups = Counter(line.village_group for line in lines if line.village_group)
    return groups.most_common(1)[0][0] if groups else organiser.name


def _title(*, county: str, village: str, product: str, season: str, kind: str) -> str:
    suffix = "承保公示" if kind == Notice.Kind.UNDERWRITING else "赔款公示"
    # Very long names lose their start rather than the kind of notice at the end.
    return f"{county}{village}{product}{season}{suffix}"[-_TITLE_MAX:]


def raise_all(problems: list[ValidationError]) -> None:
    """Raise every problem at once: by field when any names one (forms put them on the
    field), else as a list."""
    if not problems:
        return
    if any(hasattr(problem, "error_dict") for problem in problems):
        merged: dict = {}
        for problem in problems:
            problem.update_error_dict(merged)
        raise ValidationError(merged)
    raise ValidationError(problems)


def _check_channels(channels: list[str]) -> list[str]:
    """PUB-3: only the channels a notice may use beside its posting."""
    unknown = [channel for channel in channels if channel not in NOTICE_CHANNELS]
    if unknown:
        raise ValidationError(
            {
                "channels": ValidationError(
                    _("Unknown channel: %(channels)s.")
                    % {"channels": ", ".join(map(str, unknown))},
                    code="invalid_channel",
                )
            }
        )
    # Keep the order of NOTICE_CHANNELS so that equal sets compare equal.
    return [str(channel) for channel in NOTICE_CHANNELS if channel in channels]


def _make_lines(*, notice: Notice, lines: list[SourceLine], by: User, reason: str) -> None:
    bulk_create_with_history(
        [
            line.as_line(notice=notice, position=position)
            for position, line in enumerate(lines, start=1)
        ],
        NoticeLine,
        default_user=by,
        default_change_reason=reason,
    )


def _set_totals(notice: Notice, lines: list[SourceLine]) -> None:
    """The notice's totals from the lines it is about to get (saved with the notice)."""
    notice.line_count = len(lines)
    notice.quantity = sum((line.quantity for line in lines if line.quantity), Decimal(0))
    for name in ("farmer_share", "central", "provincial", "city", "county", "amount"):
        setattr(notice, name, sum((getattr(line, name) for line in lines), ZERO))


# --- Creation (PUB-1, PUB-2, PUB-7) ---------------------------------------------------
def check_notice_create_for_group_policy(*, clerk: User, policy: Policy) -> None:
    """PUB-1: may `clerk` notice `policy`? A LISTED group policy in scope with an
    accepted household list and no draft or posted notice."""
    check_can_write(clerk, policy)
    problems = []
    if policy.kind != Policy.Kind.GROUP or policy.status != Policy.Status.LISTED:
        problems.append(
            ValidationError(
                _(
                    "Only a group policy with an accepted household list is publicly "
                    "noticed (PUB-1)."
                ),
                code="not_noticeable",
            )
        )
    elif group_policy_source(policy).revision() is None:
        problems.append(
            ValidationError(_("This policy has no accepted household list."), code="no_list")
        )
    if open_notice_for(source=policy) is not None:
        problems.append(
            ValidationError(
                _("This policy already has a notice in progress; close or withdraw it first."),
                code="notice_open",
            )
        )
    raise_all(problems)


@transaction.atomic
def notice_create_for_group_policy(
    *, clerk: User, policy: Policy, objection_phone: str = "", objection_place: str = ""
) -> Notice:
    """PUB-1/PUB-2: a draft notice of `policy`'s accepted household list: one line per
    household (name, village group, subject, quantity, premium split; no ID number,
    phone or bank account), with totals. Locks the policy row."""
    policy = policy_get(user=clerk, pk=policy.pk, for_update=True)
    check_notice_create_for_group_policy(clerk=clerk, policy=policy)
    source = group_policy_source(policy)
    lines = source.lines()
    village = village_of(policy, lines)
    county = county_short_name(policy.org_unit)
    reason = _("Notice made from the household list (PUB-1)")
    notice = Notice(
        kind=Notice.Kind.UNDERWRITING,
        org_unit=policy.org_unit,
        source_type=ContentType.objects.get_for_model(Policy),
        source_id=policy.pk,
        source_revision=source.revision(),
        title=_title(
            county=county,
            village=village,
            product=policy.product.name,
            season=policy.season,
            kind=Notice.Kind.UNDERWRITING,
        ),
        county_name=county,
        village=village,
        product_name=policy.product.name,
        season=policy.season,
        objection_phone=objection_phone.strip(),
        objection_place=objection_place.strip() or policy.org_unit.name,
        responsible=clerk,
        created_by=clerk,
    )
    _set_totals(notice, lines)
    notice.full_clean(exclude=["token"])
    save_with_reason(notice, by=clerk, reason=reason)
    _make_lines(notice=notice, lines=lines, by=clerk, reason=reason)
    return notice


def _check_claim_lines(lines: list[ClaimPaymentLine]) -> list[ValidationError]:
    if not lines:
        return [ValidationError(_("A claim payment notice needs at least one payee."), "no_lines")]
    problems = []
    for number, line in enumerate(lines, start=1):
        if not line.name.strip():
            problems.append(
                ValidationError(
                    _("Line %(number)s: the payee's name is missing."),
                    code="invalid_line",
                    params={"number": number},
                )
            )
        if line.amount is None or not Decimal(line.amount).is_finite() or line.amount <= 0:
            problems.append(
                ValidationError(
                    _("Line %(number)s: the claim payment must be more than zero."),
                    code="invalid_line",
                    params={"number": number},
                )
            )
        if line.quantity is not None and line.quantity <= 0:
            problems.append(
                ValidationError(
                    _("Line %(number)s: the quantity must be more than zero."),
                    code="invalid_line",
                    params={"number": number},
                )
            )
    return problems


@transaction.atomic
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
    """PUB-7: a draft claim payment notice with the given lines (the claims app will pass
    its payment list as `source`; until then the lines are entered directly)."""
    check_can_write(clerk, org_unit)
    check_org_unit_is_outlet(org_unit)
    problems = []
    for name, value in (("village", village), ("product_name", product_name)):
        if not value.strip():
            problems.append(ValidationError({name: _("This field is required.")}))
    problems.extend(_check_claim_lines(lines))
    if source is not None and open_notice_for(source=source) is not None:
        problems.append(
            ValidationError(
                _("This payment list already has a notice in progress."), code="notice_open"
            )
        )
    raise_all(problems)
    given = [
        SourceLine(
            name=line.name.strip(),
            village_group=line.village_group.strip(),
            subject=line.loss.strip(),
            quantity=line.quantity,
            unit=line.unit.strip(),
            amount=Decimal(line.amount),
            source_row_id=line.source_row_id,
        )
        for line in lines
    ]
    county = county_short_name(org_unit)
    reason = _("Claim payment notice made (PUB-7)")
    notice = Notice(
        kind=Notice.Kind.CLAIM_PAYMENT,
        org_unit=org_unit,
        source_type=ContentType.objects.get_for_model(source) if source is not None else None,
        source_id=source.pk if source is not None else None,
        title=_title(
            county=county,
            village=village.strip(),
            product=product_name.strip(),
            season=season.strip(),
            kind=Notice.Kind.CLAIM_PAYMENT,
        ),
        county_name=county,
        village=village.strip(),
        product_name=product_name.strip(),
        season=season.strip(),
        objection_phone=objection_phone.strip(),
        objection_place=objection_place.strip() or org_unit.name,
        responsible=clerk,
        created_by=clerk,
    )
    _set_totals(notice, given)
    notice.full_clean(exclude=["token"])
    save_with_reason(notice, by=clerk, reason=reason)
    _make_lines(notice=notice, lines=given, by=clerk, reason=reason)
    return notice


# --- Editing --------------------------------------------------------------------------
def _check_open(notice: Notice, *, states=Notice.OPEN_STATES) -> None:
    if notice.state not in states:
        raise ValidationError(
            _("This notice is %(state)s; it can no longer be changed.")
            % {"state": notice.get_state_display()},
            code="wrong_state",
        )


@transaction.atomic
def notice_update(
    *,
    clerk: User,
    notice: Notice,
    objection_phone: str | None = None,
    objection_place: str | None = None,
    channels: list[str] | None = None,
) -> Notice:
    """How to object and the additional channels (PUB-2, PUB-3); draft or posted.
    Locks the notice row."""
    notice = notice_get(user=clerk, pk=notice.pk, for_update=True)
    check_can_write(clerk, notice)
    _check_open(notice)
    if objection_phone is not None:
        notice.objection_phone = objection_phone.strip()
    if objection_place is not None:
        notice.objection_place = objection_place.strip()
    if channels is not None:
        notice.channels = _check_channels(channels)
    notice.full_clean(exclude=["token"])
    return save_with_reason(notice, by=clerk, reason=_("Notice details changed"))


@transaction.atomic
def notice_refresh_lines(*, clerk: User, notice: Notice) -> Notice:
    """Draft only: copy the lines again from the source (its list may have changed).
    A claim payment notice entered directly has no source to refresh from. Locks the
    notice row."""
    notice = notice_get(user=clerk, pk=notice.pk, for_update=True)
    check_can_write(clerk, notice)
    _check_open(notice, states=(Notice.State.DRAFT,))
    if notice.kind != Notice.Kind.UNDERWRITING:
        raise ValidationError(
            _("This notice's lines were entered directly; there is no list to refresh from."),
            code="no_source",
        )
    source = source_for(notice)
    reason = _("Lines copied again from the household list")
    lines = source.lines()
    notice.lines.all().delete()
    notice.source_revision = source.revision()
    _make_lines(notice=notice, lines=lines, by=clerk, reason=reason)
    _set_totals(notice, lines)
    notice.revision += 1
    return save_with_reason(notice, by=clerk, reason=reason)


# --- Posting (PUB-3, PUB-4, PUB-6) ----------------------------------------------------
def _posting_problems(
    *, notice: Notice, place_kind: str, place: str, posted_at: dt.datetime, note: str
) -> list[ValidationError]:
    problems = []
    if place_kind not in NoticePosting.Place.values:
        problems.append(ValidationError({"place_kind": _("Choose where the notice was put up.")}))
    if not place.strip():
        problems.append(ValidationError({"place": _("Say where exactly the notice is up.")}))
    elif len(place.strip()) > _PLACE_MAX:
        problems.append(
            ValidationError({"place": _("At most %(max)s characters.") % {"max": _PLACE_MAX}})
        )
    if len(note.strip()) > _NOTE_MAX:
        problems.append(
            ValidationError({"note": _("At most %(max)s characters.") % {"max": _NOTE_MAX}})
        )
    if posted_at is None or timezone.is_naive(posted_at):
        problems.append(ValidationError({"posted_at": _("Enter when the notice was put up.")}))
    elif posted_at > timezone.now():
        problems.append(
            ValidationError({"posted_at": _("The notice cannot be put up in the future.")})
        )
    elif posted_at < notice.created_at:
        # A later entry cannot date the posting before the notice existed: the period
        # of PUB-4 would run from a time nobody could have seen it.
        problems.append(
            ValidationError(
                {
                    "posted_at": _(
                        "The notice was made on %(created)s; it cannot have been put up "
                        "before that."
                    )
                    % {"created": _fmt(notice.created_at)}
                }
            )
        )
    return problems


@transaction.atomic
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
    """PUB-3/PUB-4: the notice is up: first posting recorded, the PUB-4 period timer
    started at `posted_at` (owner: the responsible clerk), `ends_at` its due time.
    Locks the notice row."""
    notice = notice_get(user=clerk, pk=notice.pk, for_update=True)
    check_can_write(clerk, notice)
    _check_open(notice, states=(Notice.State.DRAFT,))
    problems = _posting_problems(
        notice=notice, place_kind=place_kind, place=place, posted_at=posted_at, note=note
    )
    if notice.kind == Notice.Kind.UNDERWRITING:
        problems.extend(source_for(notice).check_current(notice=notice))
    if channels is not None:
        try:
            notice.channels = _check_channels(channels)
        except ValidationError as exc:
            problems.append(exc)
    raise_all(problems)
    timer = timer_start(
        subject=notice,
        rule_code=PERIOD_RULE,
        org_unit=notice.org_unit,
        owner=notice.responsible,
        started_at=posted_at,
        by=clerk,
    )
    notice.state = Notice.State.POSTED
    notice.posted_at, notice.ends_at, notice.period_timer = posted_at, timer.due_at, timer
    save_with_reason(notice, by=clerk, reason=_("Notice posted (PUB-4 period started)"))
    posting = NoticePosting(
        notice=notice,
        place_kind=place_kind,
        place=place.strip(),
        posted_at=posted_at,
        posted_by=clerk,
        note=note.strip(),
    )
    save_with_reason(posting, by=clerk, reason=_("Notice posted"))
    return notice


@transaction.atomic
def posting_add(
    *,
    clerk: User,
    notice: Notice,
    place_kind: str,
    place: str,
    posted_at: dt.datetime,
    note: str = "",
) -> NoticePosting:
    """PUB-3: another place where the posted notice is up. Locks the notice row."""
    notice = notice_get(user=clerk, pk=notice.pk, for_update=True)
    check_can_write(clerk, notice)
    _check_open(notice, states=(Notice.State.POSTED,))
    problems = _posting_problems(
        notice=notice, place_kind=place_kind, place=place, posted_at=posted_at, note=note
    )
    if not problems and posted_at < notice.posted_at:
        problems.append(
            ValidationError(
                {
                    "posted_at": _(
                        "The notice was first put up on %(posted)s; record the first "
                        "posting's place again rather than an earlier one."
                    )
                    % {"posted": _fmt(notice.posted_at)}
                }
            )
        )
    raise_all(problems)
    posting = NoticePosting(
        notice=notice,
        place_kind=place_kind,
        place=place.strip(),
        posted_at=posted_at,
        posted_by=clerk,
        note=note.strip(),
    )
    return save_with_reason(posting, by=clerk, reason=_("Posting place added"))


def _looks_like_video(upload: UploadedFile) -> bool:
    """From the first bytes, not the name: a renamed file goes where its content says."""
    upload.seek(0)
    head = upload.read(262)
    upload.seek(0)
    kind = filetype.guess(head)
    return kind is not None and kind.mime.startswith("video/")


def posting_evidence_add(
    *, clerk: User, posting: NoticePosting, upload: UploadedFile, caption: str = ""
) -> EvidencePhoto | EvidenceVideo:
    """PUB-6: a photo or a video of the posting, checked for what it claims to be (core
    evidence services), kept with the notice of the underwriting file. Refused on a
    withdrawn notice."""
    check_can_write(clerk, posting)
    notice = Notice.objects.get(pk=posting.notice_id)
    if notice.state not in (Notice.State.POSTED, Notice.State.CLOSED):
        raise ValidationError(
            _("Evidence is kept for a notice that was posted; this one is %(state)s.")
            % {"state": notice.get_state_display()},
            code="wrong_state",
        )
    add = evidence_video_add if _looks_like_video(upload) else evidence_photo_add
    return add(
        subject=posting,
        org_unit=notice.org_unit,
        upload=upload,
        uploaded_by=clerk,
        caption=caption,
    )


# --- Closing (PUB-1, PUB-4, PUB-5, PUB-6) ---------------------------------------------
def check_notice_close(*, clerk: User, notice: Notice, now: dt.datetime | None = None) -> None:
    """May the notice close? Raises a ValidationError listing every reason it may not,
    each naming its rule."""
    check_can_write(clerk, notice)
    if notice.state != Notice.State.POSTED:
        raise ValidationError(
            _("Only a posted notice can be closed; this one is %(state)s.")
            % {"state": notice.get_state_display()},
            code="wrong_state",
        )
    now = now or timezone.now()
    problems = []
    if now < notice.ends_at:
        problems.append(
            ValidationError(
                _(
                    "PUB-4: the notice must stay up for its full period; it may be closed "
                    "from %(ends)s."
                )
                % {"ends": _fmt(notice.ends_at)},
                code="period_running",
            )
        )
    if not posting_photos(notice=notice).exists():
        problems.append(
            ValidationError(
                _("PUB-6: add at least one photo of the notice where it was posted."),
                code="no_posting_photo",
            )
        )
    open_objections = notice.objections.filter(state=Objection.State.OPEN, late=False).count()
    if open_objections:
        problems.append(
            ValidationError(
                ngettext(
                    "PUB-5: %(count)s objection raised during the notice is still being verified.",
                    "PUB-5: %(count)s objections raised during the notice are still being "
                    "verified.",
                    open_objections,
                )
                % {"count": open_objections},
                code="objections_open",
            )
        )
    if notice.kind == Notice.Kind.UNDERWRITING:
        problems.extend(source_for(notice).check_current(notice=notice))
    if problems:
        raise ValidationError(problems, code="cannot_close")


def _lock_timers(*timers: SlaTimer | None) -> None:
    """Lock the notice's timers before the notice (see the module's lock order)."""
    ids = [timer.pk for timer in timers if timer is not None]
    if ids:
        list(SlaTimer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def _end_timers(*timers: SlaTimer | None, by: User, detail: str, meet: bool) -> None:
    for timer in timers:
        if timer is None:
            continue
        timer.refresh_from_db()
        if timer.state in (SlaTimer.State.RUNNING, SlaTimer.State.PAUSED):
            (timer_meet if meet else timer_cancel)(timer=timer, by=by, detail=detail)


@transaction.atomic
def notice_close(*, clerk: User, notice: Notice, note: str = "") -> Notice:
    """Close the notice and tell its source (PUB-1: the group policy may be finalised,
    its `notice_completed_at` set to the closing time). The period and close-overdue
    timers are met. Locks the timers, then the notice row."""
    current = notice_get(user=clerk, pk=notice.pk)
    _lock_timers(current.period_timer, current.overdue_timer)
    notice = notice_get(user=clerk, pk=notice.pk, for_update=True)
    check_notice_close(clerk=clerk, notice=notice)
    notice.state = Notice.State.CLOSED
    notice.closed_at, notice.closed_by = timezone.now(), clerk
    notice.close_note = note.strip()
    save_with_reason(notice, by=clerk, reason=_("Notice closed"))
    _end_timers(
        notice.period_timer,
        notice.overdue_timer,
        by=clerk,
        detail=_("Notice closed"),
        meet=True,
    )
    source_for(notice).on_close(notice=notice)
    notice.refresh_from_db()
    return notice


@transaction.atomic
def notice_withdraw(*, clerk: User, notice: Notice, reason: str) -> Notice:
    """Withdraw a draft or posted notice (e.g. its list was replaced); its timers and
    those of its open objections are cancelled. The source is free for a new notice.
    Locks the timers, then the notice row."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the notice is withdrawn.")})
    current = notice_get(user=clerk, pk=notice.pk)
    objection_timers = [
        objection.timer
        for objection in current.objections.filter(
            state=Objection.State.OPEN, timer__isnull=False
        ).select_related("timer")
    ]
    timers = [current.period_timer, current.overdue_timer, *objection_timers]
    _lock_timers(*timers)
    notice = notice_get(user=clerk, pk=notice.pk, for_update=True)
    check_can_write(clerk, notice)
    _check_open(notice)
    notice.state = Notice.State.WITHDRAWN
    notice.withdrawn_reason = reason
    save_with_reason(notice, by=clerk, reason=reason)
    _end_timers(*timers, by=clerk, detail=_("Notice withdrawn"), meet=False)
    notice.refresh_from_db()
    return notice
