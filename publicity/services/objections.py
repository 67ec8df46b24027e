"""Objections to a notice (PUB-5): recorded at the counter or filed online, verified
within the PUB-5 timer, resolved with a recorded outcome, and corrections written back
to the source through its own services (underwriting) with audit.

Life of an objection:

1. `objection_record` (phone, in person) or `objection_submit_online` (the public notice
   page, no user) records it against a posted or closed notice, optionally on one line.
   Raised after the notice period (`ends_at`) or on a closed notice it is LATE: the
   noticed list is no longer changed by it, it is handled as a policy change. An
   objection of the period starts the PUB-5 verification timer (owner: the notice's
   responsible clerk), and the notice cannot close while it is open.
2. `objection_resolve` records the verification outcome:
   - CORRECTED: the line's source is corrected (`publicity.sources`: a group policy's
     household row through `underwriting.services.rows`, with audit and the premium
     split re-allocated; a claim payment line itself); the notice's line, totals and
     revision follow and the objection keeps the change as {field: [before, after]};
   - REMOVED: the household (payee) is taken off the source and the notice;
   - NO_CHANGE / REJECTED: nothing changes; the note says what was verified;
   - POLICY_CHANGE (late objections only): linked to a policy change of the same policy.
   The PUB-5 timer is met.
3. A PUB-5 breach (not verified within 2 working days) tells the outlet head.

Lock order, as for notices: the objection's timer, then the notice, then the objection
(the sweep holds a timer while its handler runs).
"""

import datetime as dt
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import check_can_write
from core.audit import save_with_reason
from core.models import SlaTimer, User
from core.notifications import notify_staff
from core.timers import breach_handler, timer_meet, timer_start
from publicity.models import Notice, NoticeLine, Objection
from publicity.selectors import notice_get, objection_get
from publicity.sources import source_for
from underwriting.models import Policy, PolicyChange

RULE = "PUB-5"
# Objections are received while the notice is up, and after (late) while it is shown.
RECEIVING_STATES = (Notice.State.POSTED, Notice.State.CLOSED)
# Claims that only make sense for one kind of notice.
CLAIMS_OF_KIND = {
    Objection.Claim.WRONG_PREMIUM: Notice.Kind.UNDERWRITING,
    Objection.Claim.WRONG_PAYMENT: Notice.Kind.CLAIM_PAYMENT,
}
CHANGING_OUTCOMES = (Objection.Outcome.CORRECTED, Objection.Outcome.REMOVED)
NOTE_OUTCOMES = (Objection.Outcome.NO_CHANGE, Objection.Outcome.REJECTED)
DETAILS_MAX = 4000
# Two identical online objections within this time are one double submission.
RESUBMIT_WINDOW = dt.timedelta(minutes=10)
_NAME_MAX = Objection._meta.get_field("raiser_name").max_length
_PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{9,11}|\d{7,8})$")
_PHONE_NOISE = re.compile(r"[\s\-()]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _fmt(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def _text(value) -> str:
    """Free text from a form or the public page: NFKC, no control characters."""
    return _CONTROL.sub("", unicodedata.normalize("NFKC", str(value or ""))).strip()


# --- Recording ------------------------------------------------------------------------------
def _clean_input(
    *,
    notice: Notice,
    line: NoticeLine | None,
    raiser_kind: str,
    raiser_name: str,
    channel: str,
    claim: str,
    details: str,
    contact_phone: str,
    raised_at: dt.datetime,
    now: dt.datetime,
) -> dict:
    """PUB-5: what an objection must say, normalised; a ValidationError lists every
    problem by field."""
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if notice.state not in RECEIVING_STATES:
        problem(
            "__all__",
            _("This notice is %(state)s: objections are received once it is posted in the village.")
            % {"state": notice.get_state_display()},
        )
    if raiser_kind not in Objection.Raiser.values:
        problem("raiser_kind", _("Choose who raised the objection."))
    raiser_name = _text(raiser_name)
    if not raiser_name:
        problem("raiser_name", _("Enter the name of who raised the objection."))
    elif len(raiser_name) > _NAME_MAX:
        problem("raiser_name", _("At most %(n)s characters.") % {"n": _NAME_MAX})
    if channel not in Objection.Channel.values:
        problem("channel", _("Choose how the objection was received."))
    if claim not in Objection.Claim.values:
        problem("claim", _("Choose what is claimed."))
    elif CLAIMS_OF_KIND.get(claim, notice.kind) != notice.kind:
        problem(
            "claim",
            _("“%(claim)s” does not apply to a %(kind)s.")
            % {"claim": Objection.Claim(claim).label, "kind": notice.get_kind_display()},
        )
    elif claim == Objection.Claim.MISSING and line is not None:
        problem(
            "line",
            _("A household missing from the list has no line: leave the line empty."),
        )
    details = _text(details)
    if not details:
        problem("details", _("Say what is wrong, as the objection was put."))
    elif len(details) > DETAILS_MAX:
        problem("details", _("At most %(n)s characters.") % {"n": DETAILS_MAX})
    phone = _PHONE_NOISE.sub("", _text(contact_phone))
    if phone and not _PHONE.match(phone):
        problem("contact_phone", _("Enter a mobile or landline number, or leave it empty."))
    if line is not None and line.notice_id != notice.pk:
        problem("line", _("This line is not on this notice."))
    if timezone.is_naive(raised_at):
        raise ValueError("raised_at must be an aware datetime")
    if raised_at > now:
        problem("raised_at", _("An objection cannot be raised in the future."))
    elif notice.posted_at and raised_at < notice.posted_at:
        problem(
            "raised_at",
            _("The notice was posted at %(posted)s; an objection cannot be raised before.")
            % {"posted": _fmt(notice.posted_at)},
        )
    if errors:
        raise ValidationError(errors, code="invalid_objection")
    return {
        "raiser_kind": raiser_kind,
        "raiser_name": raiser_name,
        "channel": channel,
        "claim": claim,
        "details": details,
        "contact_phone": phone,
    }


def is_late(*, notice: Notice, raised_at: dt.datetime) -> bool:
    """PUB-5: raised after the notice period, or on a closed notice."""
    if notice.state == Notice.State.CLOSED:
        return True
    return notice.ends_at is not None and raised_at > notice.ends_at


def _objection_link(objection: Objection) -> str:
    return reverse("publicity:objection_detail", args=[objection.pk])


def _save_new(
    *, notice: Notice, line: NoticeLine | None, fields: dict, raised_at, by, **extra
) -> Objection:
    """Save the objection, start its PUB-5 timer unless late and tell the responsible
    clerk (unless they recorded it themselves)."""
    late = is_late(notice=notice, raised_at=raised_at)
    objection = Objection(
        notice=notice,
        line=line,
        line_position=line.position if line is not None else None,
        raised_at=raised_at,
        late=late,
        recorded_by=by,
        **fields,
        **extra,
    )
    reason = (
        _("Late objection recorded (after the notice period): handled as a policy change")
        if late
        else _("Objection recorded (PUB-5)")
    )
    save_with_reason(objection, by=by, reason=reason)
    if not late:
        objection.timer = timer_start(
            subject=objection,
            rule_code=RULE,
            org_unit=notice.org_unit,
            owner=notice.responsible,
            started_at=raised_at,
            by=by,
        )
        objection.save(update_fields=["timer"])
    if by is None or by.pk != notice.responsible_id:
        notify_staff(
            recipients=[notice.responsible],
            org_unit=notice.org_unit,
            subject=(
                _("Late objection to %(notice)s") if late else _("New objection to %(notice)s")
            )
            % {"notice": notice.title},
            body=_("%(claim)s, raised by %(name)s (%(channel)s) at %(at)s: %(details)s")
            % {
                "claim": objection.get_claim_display(),
                "name": objection.raiser_name,
                "channel": objection.get_channel_display(),
                "at": _fmt(raised_at),
                "details": objection.details[:300],
            },
            dedup_key=f"objection:{objection.pk}:new",
            link=_objection_link(objection),
        )
    return objection


@transaction.atomic
def objection_record(
    *,
    clerk: User,
    notice: Notice,
    line: NoticeLine | None,
    raiser_kind: str,
    raiser_name: str,
    channel: str,
    claim: str,
    details: str,
    contact_phone: str = "",
    raised_at: dt.datetime | None = None,
) -> Objection:
    """PUB-5: an objection received by phone or in person, raised at `raised_at`
    (default now; not in the future, not before the notice was posted). Late when raised
    after the period (no timer then); otherwise the PUB-5 timer starts at `raised_at`.
    Online objections come only through `objection_submit_online`. Locks the notice."""
    check_can_write(clerk, notice)
    notice = notice_get(user=clerk, pk=notice.pk, for_update=True)
    now = timezone.now()
    raised_at = raised_at or now
    fields = _clean_input(
        notice=notice,
        line=line,
        raiser_kind=raiser_kind,
        raiser_name=raiser_name,
        channel=channel,
        claim=claim,
        details=details,
        contact_phone=contact_phone,
        raised_at=raised_at,
        now=now,
    )
    if fields["channel"] == Objection.Channel.ONLINE:
        raise ValidationError(
            {"channel": _("Online objections are filed by villagers on the public notice.")},
            code="online_by_staff",
        )
    return _save_new(notice=notice, line=line, fields=fields, raised_at=raised_at, by=clerk)


# What a villager may claim about each kind of notice (PUB-5, PUB-7).
PUBLIC_CLAIMS = {
    Notice.Kind.UNDERWRITING: [
        claim for claim in Objection.Claim if claim != Objection.Claim.WRONG_PAYMENT
    ],
    Notice.Kind.CLAIM_PAYMENT: [
        claim
        for claim in Objection.Claim
        if claim not in (Objection.Claim.WRONG_PREMIUM, Objection.Claim.WRONG_SUBJECT)
    ],
}
# Claims that are not about one line of the notice.
LINE_FREE_CLAIMS = (Objection.Claim.MISSING,)
LINE_OPTIONAL_CLAIMS = (Objection.Claim.OTHER,)


def check_public_objection(
    *, notice: Notice, claim: str, line_position: int | None
) -> ValidationError | None:
    """PUB-5: the problems of an objection filed online (page and API alike), by field:
    the claim must fit the notice's kind, a claim about a household names its line and a
    missing household names none. Whether the named line exists is the service's check."""
    problems: dict[str, list[ValidationError]] = {}
    if claim not in PUBLIC_CLAIMS[notice.kind]:
        problems.setdefault("claim", []).append(
            ValidationError(
                _("This cannot be claimed about this notice."), code="claim_not_for_notice"
            )
        )
    elif claim in LINE_FREE_CLAIMS and line_position is not None:
        problems.setdefault("line_position", []).append(
            ValidationError(
                _("A household missing from the list has no line: choose no line."),
                code="line_not_expected",
            )
        )
    elif claim not in LINE_FREE_CLAIMS + LINE_OPTIONAL_CLAIMS and line_position is None:
        problems.setdefault("line_position", []).append(
            ValidationError(_("Choose the line your objection is about."), code="line_required")
        )
    return ValidationError(problems) if problems else None


@transaction.atomic
def objection_submit_online(
    *,
    notice: Notice,
    line_position: int | None,
    raiser_name: str,
    claim: str,
    details: str,
    contact_phone: str = "",
    ip_address: str | None = None,
    raiser_kind: str = Objection.Raiser.VILLAGER,
) -> Objection:
    """PUB-5: an objection filed on the public notice page (no user), on the line at
    `line_position` (or none). The notice must be public (posted or closed; after the
    period it is recorded as late). The same objection sent twice from the same address
    within a few minutes (a double tap, a reload) is recorded once: the first is
    returned. Locks the notice."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    now = timezone.now()
    line = None
    position_error = None
    if line_position not in (None, ""):
        try:
            line = notice.lines.filter(position=int(line_position)).first()
        except (TypeError, ValueError):
            line = None
        if line is None:
            position_error = _("There is no line %(n)s on this notice.") % {"n": line_position}
    try:
        fields = _clean_input(
            notice=notice,
            line=line,
            raiser_kind=raiser_kind,
            raiser_name=raiser_name,
            channel=Objection.Channel.ONLINE,
            claim=claim,
            details=details,
            contact_phone=contact_phone,
            raised_at=now,
            now=now,
        )
    except ValidationError as exc:
        if position_error:
            exc.error_dict.setdefault("line_position", []).append(
                ValidationError(position_error, code="no_line")
            )
        raise
    if position_error:
        raise ValidationError({"line_position": position_error}, code="no_line")
    repeated = (
        notice.objections.filter(
            channel=Objection.Channel.ONLINE,
            submitted_ip=ip_address,
            raised_at__gte=now - RESUBMIT_WINDOW,
            line=line,
            raiser_name=fields["raiser_name"],
            claim=fields["claim"],
            details=fields["details"],
        )
        .order_by("pk")
        .first()
    )
    if repeated is not None:
        return repeated
    return _save_new(
        notice=notice,
        line=line,
        fields=fields,
        raised_at=now,
        by=None,
        submitted_ip=ip_address,
    )


# --- Resolution -----------------------------------------------------------------------------
def check_objection_resolve(
    *,
    clerk: User,
    objection: Objection,
    outcome: str,
    note: str,
    corrections: dict | None = None,
    policy_change: PolicyChange | None = None,
) -> None:
    """May `clerk` resolve `objection` so (PUB-5)? Raises a ValidationError listing
    every problem by field. The values themselves of a correction are checked by the
    source when it is applied."""
    notice = objection.notice
    check_can_write(clerk, notice)
    if objection.state != Objection.State.OPEN:
        raise ValidationError(_("This objection is already resolved."), code="resolved")
    errors: dict[str, list[str]] = {}

    def problem(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if outcome not in Objection.Outcome.values:
        problem("outcome", _("Choose the outcome of the verification."))
    if outcome in NOTE_OUTCOMES and not (note or "").strip():
        problem(
            "note",
            _("Say what was verified and why the list stays as it is."),
        )
    if outcome in CHANGING_OUTCOMES:
        if objection.late:
            problem(
                "outcome",
                _(
                    "This objection was raised after the notice period: the noticed list is "
                    "no longer changed by it; handle it as a policy change (PUB-5)."
                ),
            )
        elif notice.state != Notice.State.POSTED:
            problem(
                "outcome",
                _("The notice is %(state)s: its list is no longer changed through it.")
                % {"state": notice.get_state_display()},
            )
        if objection.line_id is None:
            problem(
                "outcome",
                _(
                    "The objection names no line of the notice, so there is nothing to "
                    "correct or remove. A household missing from the list comes onto it "
                    "with a new household list."
                ),
            )
    if outcome == Objection.Outcome.CORRECTED and not corrections:
        problem("__all__", _("Enter the corrected values."))
    elif corrections and outcome != Objection.Outcome.CORRECTED:
        problem("__all__", _("Corrected values are only entered when the list is corrected."))
    if outcome == Objection.Outcome.POLICY_CHANGE:
        if not objection.late:
            problem(
                "outcome",
                _(
                    "Only a late objection is handled as a policy change; during the notice "
                    "the list itself is corrected."
                ),
            )
        if policy_change is None:
            problem("policy_change", _("Choose the policy change that handles it."))
        elif not (
            notice.kind == Notice.Kind.UNDERWRITING
            and notice.source_id == policy_change.policy_id
            and notice.source_type.model_class() is Policy
        ):
            problem("policy_change", _("The policy change must be of this notice's policy."))
        else:
            check_can_write(clerk, policy_change)
            if policy_change.state == PolicyChange.State.WITHDRAWN:
                problem("policy_change", _("This policy change was withdrawn."))
    elif policy_change is not None:
        problem("policy_change", _("A policy change is only linked to a late objection."))
    if errors:
        raise ValidationError(errors, code="cannot_resolve")


def _history_reason(objection: Objection, note: str) -> str:
    """The reason kept with every change an objection makes (UW-6)."""
    reason = _("PUB-5 objection #%(pk)s (%(claim)s) of %(name)s") % {
        "pk": objection.pk,
        "claim": objection.get_claim_display(),
        "name": objection.raiser_name,
    }
    return f"{reason}: {note}" if note else reason


@transaction.atomic
def objection_resolve(
    *,
    clerk: User,
    objection: Objection,
    outcome: str,
    note: str,
    corrections: dict | None = None,
    policy_change=None,
) -> Objection:
    """PUB-5: record the verification outcome; CORRECTED/REMOVED change the list.

    CORRECTED takes `corrections` with any of name, quantity, subject, village_group
    (and amount on a claim payment notice); the source applies them (publicity.sources)
    and the objection keeps the change made. The PUB-5 timer is met. Nothing is saved
    when anything is refused.

    Locks the objection's timer, then the notice, then the objection.
    """
    current = objection_get(user=clerk, pk=objection.pk)
    if current.timer_id:
        list(SlaTimer.objects.select_for_update().filter(pk=current.timer_id))
    notice = notice_get(user=clerk, pk=current.notice_id, for_update=True)
    objection = objection_get(user=clerk, pk=objection.pk, for_update=True)
    objection.notice = notice
    note = _text(note)
    check_objection_resolve(
        clerk=clerk,
        objection=objection,
        outcome=outcome,
        note=note,
        corrections=corrections,
        policy_change=policy_change,
    )
    reason = _history_reason(objection, note)
    change: dict = {}
    if outcome == Objection.Outcome.CORRECTED:
        change = source_for(notice).apply_correction(
            notice=notice, line=objection.line, by=clerk, changes=corrections, reason=reason
        )
    elif outcome == Objection.Outcome.REMOVED:
        change = source_for(notice).apply_removal(
            notice=notice, line=objection.line, by=clerk, reason=reason
        )
        # The line is gone (its objections keep `line_position`).
        objection.line = None
    objection.state = Objection.State.RESOLVED
    objection.outcome = outcome
    objection.outcome_note = note
    objection.change = change
    objection.policy_change = policy_change if outcome == Objection.Outcome.POLICY_CHANGE else None
    objection.resolved_by = clerk
    objection.resolved_at = timezone.now()
    save_with_reason(
        objection,
        by=clerk,
        reason=_("Resolved: %(outcome)s") % {"outcome": objection.get_outcome_display()},
    )
    if objection.timer_id:
        objection.timer = timer_meet(
            timer=objection.timer, by=clerk, detail=objection.get_outcome_display()
        )
    return objection


# --- PUB-5 breach ---------------------------------------------------------------------------
@breach_handler(RULE)
def objection_unverified(timer: SlaTimer) -> None:
    """PUB-5: an objection of the notice period is still unverified after its 2 working
    days: the outlet head (else the managers above) is told. Reads only; the sweep holds
    the timer row."""
    objection = (
        Objection.objects.select_related("notice__org_unit", "notice__responsible")
        .filter(pk=timer.subject_id)
        .first()
    )
    if objection is None or objection.state != Objection.State.OPEN:
        return
    notice = objection.notice
    notify_staff(
        org_unit=notice.org_unit,
        subject=_("Objection not verified in time (PUB-5): %(notice)s") % {"notice": notice.title},
        body=_(
            "%(claim)s, raised by %(name)s at %(at)s, is still being verified; %(clerk)s is "
            "responsible for the notice."
        )
        % {
            "claim": objection.get_claim_display(),
            "name": objection.raiser_name,
            "at": _fmt(objection.raised_at),
            "clerk": notice.responsible.get_full_name() or notice.responsible.username,
        },
        dedup_key=f"objection:{objection.pk}:pub5-breach",
        link=_objection_link(objection),
    )
