"""Handling a complaint to closure: CMP-1 hand-overs and CMP-6 first response, notes,
outcome, follow-up call, reopening and closure.

Who may act on a complaint (`check_can_act`): its first responder, the person named at
the claims centre (CLM-12 tracks the case to closure), and the managers over the unit
that handles it (the outlet head there, the county manager, the city claims centre) —
never a read-only role. Only the first responder or those managers hand it over. The
original receiver keeps *seeing* a complaint after handing it over (CMP-1, the selectors
do that) but no longer acts on it: the new first responder owns it.

Nothing is ever deleted (CMP-6): each step writes a ComplaintEvent or a HandOver row and
saves the complaint through `save_with_reason`, so its history says who and why.

Every write locks the complaint row (`complaint_get(..., for_update=True)`) inside its
transaction, so two people acting at once take turns and the second sees the first's
result (e.g. a second outcome on a resolved complaint is refused).
"""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintEvent, HandOver, Severity
from complaints.selectors import complaint_get, complaint_timer
from core.access import check_can_write
from core.audit import save_with_reason
from core.models import Role, SlaTimer, User
from core.notifications import notify_customer_sms, notify_staff
from core.timers import timer_cancel, timer_meet, timer_start

# Staff who can own a complaint (CMP-1): not other systems, not auditors.
HANDLER_ROLES = (
    Role.CLERK,
    Role.CLAIMS_ASSIST,
    Role.OUTLET_HEAD,
    Role.COUNTY_MANAGER,
    Role.CLAIMS_CENTRE,
)
# The managers over the unit handling a complaint may act on it and hand it over.
AUTHORITY_ROLES = (Role.OUTLET_HEAD, Role.COUNTY_MANAGER, Role.CLAIMS_CENTRE)

RESPONSE_CODES = [f"CMP-4-response-{severity}" for severity in Severity.values]
RESOLUTION_CODES = [f"CMP-6-resolution-{severity}" for severity in Severity.values]
FOLLOW_UP_CODE = "CMP-6-follow-up"
REG_2_CODES = ["REG-2", "REG-2-extended", "REG-2-special"]
# The deadlines that belong to whoever owns the complaint and move with a hand-over.
# The CMP-5-1..3 escalation steps stay with the manager each step went to.
OWNER_TIMER_CODES = ["CMP-5", *RESPONSE_CODES, *RESOLUTION_CODES, FOLLOW_UP_CODE, *REG_2_CODES]

OPEN_STATUSES = (
    Complaint.Status.OPEN,
    Complaint.Status.FORWARDED,
    Complaint.Status.IN_PROGRESS,
)


class NotAllowed(PermissionDenied):
    """The user may see the complaint but not act on it (a 403 with this message)."""


# --- who may act -------------------------------------------------------------------


def is_manager_of(*, user: User, complaint: Complaint) -> bool:
    """A manager over the unit that handles the complaint (or a superuser)."""
    if user.is_superuser:
        return True
    return (
        user.is_active
        and user.role in AUTHORITY_ROLES
        and user.org_unit_id is not None
        and user.org_unit.contains(complaint.org_unit)
    )


def check_can_act(*, user: User, complaint: Complaint) -> None:
    """Raise unless `user` may record handling steps on the complaint (see the module)."""
    check_can_write(user)
    if user.pk in (complaint.first_responder_id, complaint.claims_owner_id):
        return
    if not is_manager_of(user=user, complaint=complaint):
        raise NotAllowed(
            _(
                "Only the first responder (%(owner)s) or a manager of the branch may act on "
                "this complaint."
            )
            % {"owner": complaint.first_responder}
        )


def check_can_hand_over(*, user: User, complaint: Complaint) -> None:
    """CMP-1: only the current first responder or a manager of the branch hands over."""
    check_can_write(user)
    if user.pk != complaint.first_responder_id and not is_manager_of(
        user=user, complaint=complaint
    ):
        raise NotAllowed(
            _(
                "Only the first responder (%(owner)s) or a manager of the branch may hand "
                "this complaint over."
            )
            % {"owner": complaint.first_responder}
        )


def can_act(*, user: User, complaint: Complaint) -> bool:
    try:
        check_can_act(user=user, complaint=complaint)
    except PermissionDenied:
        return False
    return True


def can_hand_over(*, user: User, complaint: Complaint) -> bool:
    try:
        check_can_hand_over(user=user, complaint=complaint)
    except PermissionDenied:
        return False
    return complaint.status != Complaint.Status.CLOSED


def awaits_forwarding(complaint: Complaint) -> bool:
    """A claim complaint not yet forwarded to the claims centre (CMP-5)."""
    return complaint.is_claim_complaint and complaint.forwarded_at is None


def _check_not_closed(complaint: Complaint) -> None:
    if complaint.status == Complaint.Status.CLOSED:
        raise ValidationError(_("This complaint is closed."))


def _locked(*, by: User, complaint: Complaint) -> Complaint:
    """The complaint row, locked for this transaction, as `by` may see it (else 404)."""
    return complaint_get(user=by, pk=complaint.pk, for_update=True)


def _event(complaint: Complaint, kind: str, *, by: User | None, text: str = "", at=None):
    return ComplaintEvent.objects.create(
        complaint=complaint, kind=kind, at=at or timezone.now(), by=by, text=text
    )


def _meet(complaint: Complaint, codes: list[str], *, by: User, detail: str) -> None:
    """Meet whichever of `codes` runs on the complaint (severity or REG-2 step may vary)."""
    for code in codes:
        timer = complaint_timer(complaint=complaint, rule_code=code)
        if timer is not None:
            timer_meet(timer=timer, by=by, detail=detail)


def _open_timers(complaint: Complaint) -> QuerySet[SlaTimer]:
    return SlaTimer.objects.filter(
        subject_type=ContentType.objects.get_for_model(Complaint),
        subject_id=complaint.pk,
        state__in=SlaTimer.OPEN_STATES,
    )


def _link(complaint: Complaint) -> str:
    return reverse("complaints:complaint_detail", args=[complaint.pk])


# --- CMP-1 hand-over ---------------------------------------------------------------


def hand_over_candidates(*, complaint: Complaint) -> QuerySet[User]:
    """CMP-1: the colleagues a complaint may be handed to: active staff with a unit in the
    complaint's county (not other systems, not auditors), except its first responder.

    Hand-overs stay in the county, whose working hours the complaint's deadlines run on;
    the city claims centre takes claim complaints through forwarding (CMP-5, CLM-12).
    """
    return (
        User.objects.filter(
            is_active=True,
            role__in=HANDLER_ROLES,
            org_unit__path__startswith=complaint.county.path,
        )
        .exclude(pk=complaint.first_responder_id)
        .select_related("org_unit")
        .order_by("org_unit__path", "display_name", "username")
    )


def check_hand_over(*, by: User, complaint: Complaint, to_user: User, reason: str) -> str:
    """Validate a hand-over; returns the cleaned reason."""
    check_can_hand_over(user=by, complaint=complaint)
    _check_not_closed(complaint)
    errors = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why the complaint is handed over.")
    if to_user.pk == complaint.first_responder_id:
        errors["to_user"] = _("This person is already the first responder.")
    elif not hand_over_candidates(complaint=complaint).filter(pk=to_user.pk).exists():
        errors["to_user"] = _(
            "A complaint can only be handed to an active member of staff of its county."
        )
    if errors:
        raise ValidationError(errors)
    return reason


@transaction.atomic
def complaint_hand_over(*, by: User, complaint: Complaint, to_user: User, reason: str) -> HandOver:
    """CMP-1: hand the complaint to `to_user`, who becomes its first responder.

    Locks the complaint row. Records the link of the chain (from, to, unit, when, why),
    moves the complaint to the new first responder's unit and moves the owner's running
    deadlines (OWNER_TIMER_CODES) to them: the same timers with the same due times, not
    new ones — a hand-over does not buy time. The receiver keeps seeing the complaint
    until closure (selectors); the new first responder is told in the inbox.
    """
    complaint = _locked(by=by, complaint=complaint)
    reason = check_hand_over(by=by, complaint=complaint, to_user=to_user, reason=reason)
    handover = HandOver.objects.create(
        complaint=complaint,
        from_user=complaint.first_responder,
        to_user=to_user,
        to_unit=to_user.org_unit,
        at=timezone.now(),
        reason=reason,
    )
    complaint.first_responder = to_user
    complaint.org_unit = to_user.org_unit
    save_with_reason(complaint, by=by, reason=reason)
    _open_timers(complaint).filter(rule__code__in=OWNER_TIMER_CODES).update(
        owner=to_user, org_unit=to_user.org_unit
    )
    notify_staff(
        org_unit=to_user.org_unit,
        recipients=[to_user],
        subject=_("Complaint %(number)s handed over to you") % {"number": complaint.number},
        body=_("From %(from)s: %(reason)s") % {"from": handover.from_user, "reason": reason},
        dedup_key=f"complaint:{complaint.pk}:handover:{handover.pk}",
        link=_link(complaint),
    )
    return handover


# --- first response and notes ------------------------------------------------------


@transaction.atomic
def complaint_first_response(*, by: User, complaint: Complaint, text: str) -> ComplaintEvent:
    """CMP-4/CMP-6: the complainant heard from us for the first time. Locks the complaint
    row; meets the CMP-4-response timer. An open complaint goes in progress, except a
    claim complaint still to be forwarded, which stays open until forwarded (CMP-5)."""
    complaint = _locked(by=by, complaint=complaint)
    check_can_act(user=by, complaint=complaint)
    _check_not_closed(complaint)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Say what the complainant was told.")})
    if complaint.first_response_at is not None:
        raise ValidationError(_("The first response is already recorded; add a note instead."))
    now = timezone.now()
    complaint.first_response_at = now
    if complaint.status == Complaint.Status.OPEN and not awaits_forwarding(complaint):
        complaint.status = Complaint.Status.IN_PROGRESS
    save_with_reason(complaint, by=by, reason=_("First response"))
    _meet(complaint, RESPONSE_CODES, by=by, detail=_("First response given"))
    return _event(complaint, ComplaintEvent.Kind.FIRST_RESPONSE, by=by, text=text, at=now)


@transaction.atomic
def complaint_note(*, by: User, complaint: Complaint, text: str) -> ComplaintEvent:
    """A progress note on the timeline; allowed in any state, after closure too (a later
    call from the complainant is recorded). Locks the complaint row."""
    complaint = _locked(by=by, complaint=complaint)
    check_can_act(user=by, complaint=complaint)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("The note is empty.")})
    return _event(complaint, ComplaintEvent.Kind.NOTE, by=by, text=text)


# --- CMP-6 outcome, follow-up, reopening, closure ----------------------------------


def check_tell_outcome(
    *, by: User, complaint: Complaint, outcome: str, told_at: dt.datetime
) -> str:
    """Validate telling the outcome; returns the cleaned outcome."""
    check_can_act(user=by, complaint=complaint)
    if complaint.status not in OPEN_STATUSES:
        raise ValidationError(_("The outcome of this complaint was already told."))
    if awaits_forwarding(complaint):
        raise ValidationError(
            _("A claim complaint is forwarded to the claims centre before its outcome (CMP-5).")
        )
    errors = {}
    outcome = (outcome or "").strip()
    if not outcome:
        errors["outcome"] = _("Write the outcome told to the complainant.")
    if told_at > timezone.now():
        errors["told_at"] = _("The outcome cannot be told in the future.")
    elif told_at < complaint.received_at:
        errors["told_at"] = _("The outcome cannot be told before the complaint was received.")
    if errors:
        raise ValidationError(errors)
    return outcome


@transaction.atomic
def complaint_tell_outcome(
    *, by: User, complaint: Complaint, outcome: str, told_at: dt.datetime | None = None
) -> Complaint:
    """CMP-6: the complainant was told the outcome (`told_at`, default now). Locks the
    complaint row.

    The complaint is resolved; the resolution timer and whichever REG-2 bound runs
    (REG-2, -extended, -special) are met; if no first response was recorded, this is it
    (the CMP-4 timer is met too). The complainant gets the outcome by SMS when a phone is
    known, and the CMP-6-follow-up timer starts for the follow-up call.
    """
    complaint = _locked(by=by, complaint=complaint)
    told_at = told_at or timezone.now()
    outcome = check_tell_outcome(by=by, complaint=complaint, outcome=outcome, told_at=told_at)
    complaint.outcome = outcome
    complaint.outcome_told_at = told_at
    complaint.status = Complaint.Status.RESOLVED
    if complaint.first_response_at is None:
        complaint.first_response_at = told_at
        _meet(complaint, RESPONSE_CODES, by=by, detail=_("Outcome told"))
    save_with_reason(complaint, by=by, reason=_("Outcome told"))
    _event(complaint, ComplaintEvent.Kind.OUTCOME_TOLD, by=by, text=outcome, at=told_at)
    _meet(complaint, RESOLUTION_CODES + REG_2_CODES, by=by, detail=_("Outcome told"))
    if complaint.contact_phone:
        notify_customer_sms(
            org_unit=complaint.org_unit,
            phone=complaint.contact_phone,
            body=_("Your complaint %(number)s: %(outcome)s")
            % {"number": complaint.number, "outcome": outcome},
            dedup_key=f"complaint:{complaint.pk}:outcome:{complaint.reopen_count}",
        )
    timer_start(
        subject=complaint,
        rule_code=FOLLOW_UP_CODE,
        org_unit=complaint.org_unit,
        owner=complaint.first_responder,
        started_at=told_at,
        by=by,
    )
    return complaint


def check_follow_up(*, by: User, complaint: Complaint, satisfaction: str, note: str) -> str:
    """Validate the follow-up call; returns the cleaned note."""
    check_can_act(user=by, complaint=complaint)
    if complaint.status != Complaint.Status.RESOLVED:
        raise ValidationError(_("The follow-up call comes after the outcome was told."))
    errors = {}
    note = (note or "").strip()
    if satisfaction not in Complaint.Satisfaction.values:
        errors["satisfaction"] = _("Choose what the complainant answered.")
    elif satisfaction == Complaint.Satisfaction.UNSATISFIED and not note:
        errors["note"] = _("Say why the complainant is not satisfied: the complaint reopens.")
    if errors:
        raise ValidationError(errors)
    return note


@transaction.atomic
def complaint_record_follow_up(
    *, by: User, complaint: Complaint, satisfaction: str, note: str = ""
) -> Complaint:
    """CMP-6: the follow-up call after the outcome was told. Locks the complaint row and
    meets the CMP-6-follow-up timer.

    - satisfied: the complaint is closed.
    - no answer: the call was made and the complainant could not be reached; the outcome
      was already told within the bound, so the complaint is closed with satisfaction
      recorded as unknown ("no_answer", counted apart by CMP-8). Calling back later is a
      note; a new complaint starts afresh.
    - unsatisfied: the complaint reopens (see do_reopen).
    """
    complaint = _locked(by=by, complaint=complaint)
    note = check_follow_up(by=by, complaint=complaint, satisfaction=satisfaction, note=note)
    complaint.satisfaction = satisfaction
    label = Complaint.Satisfaction(satisfaction).label
    _event(
        complaint,
        ComplaintEvent.Kind.FOLLOW_UP,
        by=by,
        text=f"{label}: {note}" if note else str(label),
    )
    _meet(complaint, [FOLLOW_UP_CODE], by=by, detail=str(label))
    if satisfaction == Complaint.Satisfaction.UNSATISFIED:
        return do_reopen(by=by, complaint=complaint, reason=note)
    return do_close(by=by, complaint=complaint)


def do_close(*, by: User, complaint: Complaint) -> Complaint:
    """CMP-6: close a resolved complaint. The caller holds the complaint row lock. Any
    deadline still open on it (an escalation step, say) no longer applies: cancelled."""
    now = timezone.now()
    complaint.status = Complaint.Status.CLOSED
    complaint.closed_at = now
    save_with_reason(complaint, by=by, reason=_("Closed after the follow-up call"))
    _event(complaint, ComplaintEvent.Kind.CLOSED, by=by, at=now)
    for timer in _open_timers(complaint):
        timer_cancel(timer=timer, by=by, detail=_("Complaint closed"))
    return complaint


def do_reopen(*, by: User, complaint: Complaint, reason: str) -> Complaint:
    """CMP-6: an unsatisfied outcome reopens the complaint. The caller holds the
    complaint row lock.

    The outcome that was told stays in the timeline (OUTCOME_TOLD event) and the history;
    the record's outcome is cleared because a new one is owed. A new resolution timer
    starts for the severity, and so does a fresh REG-2 bound: the reopened complaint
    needs a new decision told within 15 days (the first bound was met when the outcome
    was told). A REG-2 timer still running is kept rather than doubled.
    """
    now = timezone.now()
    complaint.status = Complaint.Status.IN_PROGRESS
    complaint.reopen_count += 1
    complaint.outcome = ""
    complaint.outcome_told_at = None
    save_with_reason(complaint, by=by, reason=_("Reopened: %(reason)s") % {"reason": reason})
    _event(complaint, ComplaintEvent.Kind.REOPENED, by=by, text=reason, at=now)
    common = {
        "subject": complaint,
        "org_unit": complaint.org_unit,
        "owner": complaint.first_responder,
        "started_at": now,
        "by": by,
    }
    bound = _open_timers(complaint).filter(rule__code__in=REG_2_CODES).first()
    if bound is None:
        bound = timer_start(rule_code="REG-2", **common)
    # The new resolution deadline stays within the regulator's bound (REG-2).
    timer_start(
        rule_code=f"CMP-6-resolution-{complaint.severity}", not_after=bound.due_at, **common
    )
    return complaint
