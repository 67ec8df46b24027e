"""Deadlines and escalation of complaints: CMP-5 (a claim complaint reaches the claims
centre within the hour, else the escalation chain), CLM-12 (a named person at the claims
centre answers for it and the customer is told the progress), REG-2 (the regulator's
15-day bound and its two extensions) and the breach handlers of every complaint rule.

The CMP-5 escalation chain
--------------------------
Intake starts the CMP-5 timer on a claim complaint. When it breaches, step 1 fires: an
Escalation row, the outlet head(s) told, and the timer CMP-5-1 started for them. When
CMP-5-1 breaches, step 2 goes to the county branch manager(s) with CMP-5-2; when CMP-5-2
breaches, step 3 goes to the city claims centre with CMP-5-3; when CMP-5-3 breaches the
claims centre is told again and the chain ends there.

The chain is configured through the TimerRule rows CMP-5, CMP-5-1, CMP-5-2 and CMP-5-3:
their durations and clocks are each step's deadline, and a county manager overrides
them for their county in the admin (core.timers.rule_for picks the county's row). The
step timers run on the complaint's own unit so that the county's override applies.
A step with nobody to tell (no outlet head at a county-level desk, say) tells the next
step's people instead, so that nobody misses a breach.

Acting stops the chain: forwarding the complaint to the claims centre or a claims centre
member taking it (CLM-12) meets CMP-5 and the running step timer, and marks the open
Escalation acted. Each step fires once (SLA-2: the sweep locks the timer row; the unique
Escalation per complaint and step and the outbox dedup keys guard the rest).

Breach handlers run inside the sweep's transaction with the timer row locked: they only
write rows (Escalation, outbox messages, follow-up timers) and never lock the complaint,
so that they cannot deadlock with a member of staff acting on it at the same moment.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Complaint, ComplaintEvent, Escalation, Severity
from complaints.selectors import complaint_list, complaint_timer
from core.access import NotInScope, ReadOnlyRole
from core.audit import save_with_reason
from core.models import MANAGER_ROLES, OrgUnit, Role, SlaTimer, User
from core.notifications import notify_customer_sms, notify_staff
from core.timers import breach_handler, timer_cancel, timer_meet, timer_start

# CMP-5: the rule whose breach fires each step, the step, who it goes to and the rule
# of the step's own deadline.
FORWARD_RULE = "CMP-5"


@dataclass(frozen=True)
class Step:
    number: int
    role: str
    rule_code: str


CHAIN: dict[str, Step] = {
    "CMP-5": Step(1, Role.OUTLET_HEAD, "CMP-5-1"),
    "CMP-5-1": Step(2, Role.COUNTY_MANAGER, "CMP-5-2"),
    "CMP-5-2": Step(3, Role.CLAIMS_CENTRE, "CMP-5-3"),
}
LAST_STEP_RULE = "CMP-5-3"
STEP_RULES = [step.rule_code for step in CHAIN.values()]

# REG-2: the rule each extension level moves to; both count from receipt.
REG2_RULES = {0: "REG-2", 1: "REG-2-extended", 2: "REG-2-special"}


class ClaimsCentreOnly(PermissionDenied):
    """CLM-12: only a member of the city claims centre can take a complaint for it."""


# --- who is told ---------------------------------------------------------------------


def _active(**lookup) -> list[User]:
    return list(User.objects.filter(is_active=True, **lookup).order_by("pk"))


def claims_centre_unit(complaint: Complaint) -> OrgUnit | None:
    """The city unit above the complaint's county that has the claims centre."""
    ids = [int(part) for part in complaint.county.path.strip("/").split("/") if part]
    return OrgUnit.objects.filter(pk__in=ids, has_claims_centre=True).first()


def claims_centre_staff(complaint: Complaint) -> list[User]:
    centre = claims_centre_unit(complaint)
    return _active(role=Role.CLAIMS_CENTRE, org_unit=centre) if centre else []


def _people(complaint: Complaint, role: str) -> list[User]:
    if role == Role.OUTLET_HEAD:
        return _active(role=Role.OUTLET_HEAD, org_unit=complaint.org_unit)
    if role == Role.COUNTY_MANAGER:
        return _active(role=Role.COUNTY_MANAGER, org_unit=complaint.county)
    return claims_centre_staff(complaint)


def _people_from(complaint: Complaint, step: Step) -> list[User]:
    """The step's people, else those of the next steps (CMP-5: nobody misses a breach)."""
    roles = [s.role for s in CHAIN.values() if s.number >= step.number]
    for role in roles:
        people = _people(complaint, role)
        if people:
            return people
    return []


def _link(complaint: Complaint) -> str:
    return reverse("complaints:complaint_detail", args=[complaint.pk])


def _complaint_of(timer: SlaTimer) -> Complaint:
    return Complaint.objects.select_related("county", "org_unit", "first_responder").get(
        pk=timer.subject_id
    )


# --- CMP-5 chain: breach handlers ----------------------------------------------------


def _chain_stopped(complaint: Complaint) -> bool:
    """Someone already acted (forwarded, or the claims centre took it) or the complaint is
    settled: a late breach of a step then escalates nothing."""
    return (
        complaint.forwarded_at is not None
        or complaint.claims_owner_id is not None
        or complaint.status in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED)
    )


def _escalate(timer: SlaTimer) -> None:
    """CMP-5: the breached rule's step fires once — Escalation row, its people told,
    the step's own deadline started."""
    step = CHAIN[timer.rule.code]
    complaint = _complaint_of(timer)
    if _chain_stopped(complaint):
        return
    now = timezone.now()
    try:
        with transaction.atomic():
            Escalation.objects.create(
                complaint=complaint,
                step=step.number,
                role=step.role,
                due_at=timer.due_at,
                escalated_at=now,
            )
    except IntegrityError:
        # SLA-2: this step was recorded already (a replayed breach); never twice.
        return
    people = _people_from(complaint, step)
    notify_staff(
        recipients=people,
        org_unit=complaint.org_unit,
        subject=_("Claim complaint %(number)s not forwarded: escalated to you (step %(step)d)")
        % {"number": complaint.number, "step": step.number},
        body=_(
            "The claim complaint %(number)s was not forwarded to the claims centre in time "
            "(due %(due)s). Forward it or have the claims centre take it."
        )
        % {"number": complaint.number, "due": _fmt(timer.due_at)},
        dedup_key=f"complaint:{complaint.pk}:escalation:{step.number}",
        link=_link(complaint),
    )
    timer_start(
        subject=complaint,
        rule_code=step.rule_code,
        org_unit=complaint.org_unit,
        owner=people[0] if people else None,
        started_at=now,
    )


for _code in CHAIN:
    breach_handler(_code)(_escalate)


@breach_handler(LAST_STEP_RULE)
def _claims_centre_told_again(timer: SlaTimer) -> None:
    """CMP-5: the last step's deadline passed; the claims centre is told again and the
    chain ends."""
    complaint = _complaint_of(timer)
    if _chain_stopped(complaint):
        return
    notify_staff(
        recipients=claims_centre_staff(complaint) or None,
        org_unit=claims_centre_unit(complaint) or complaint.county,
        subject=_("Claim complaint %(number)s still not taken by the claims centre")
        % {"number": complaint.number},
        body=_("The last step of the escalation passed its deadline (due %(due)s).")
        % {"due": _fmt(timer.due_at)},
        dedup_key=f"complaint:{complaint.pk}:escalation:{len(CHAIN)}:again",
        link=_link(complaint),
    )


# --- other complaint rules: breach handlers ------------------------------------------


def _tell(timer: SlaTimer, complaint: Complaint, people: list[User], subject: str) -> None:
    notify_staff(
        # Nobody in the role: the unit's responsible managers (core.notifications).
        recipients=people or None,
        org_unit=complaint.org_unit,
        subject=subject,
        body=timer.rule.on_breach,
        dedup_key=f"timer:{timer.pk}:breach",
        link=_link(complaint),
    )


def _unique(*groups: list[User]) -> list[User]:
    seen: dict[int, User] = {}
    for group in groups:
        for user in group:
            seen.setdefault(user.pk, user)
    return list(seen.values())


def _response_breached(timer: SlaTimer) -> None:
    """CMP-4: first response late — the outlet head, and for a major complaint the county
    manager too."""
    complaint = _complaint_of(timer)
    people = _people(complaint, Role.OUTLET_HEAD)
    if timer.rule.code.endswith(Severity.MAJOR):
        people = _unique(people, _people(complaint, Role.COUNTY_MANAGER))
    _tell(
        timer,
        complaint,
        people,
        _("Complaint %(number)s: first response late") % {"number": complaint.number},
    )


# CMP-6: who is told when the resolution deadline passes, per severity (core/rules.py).
RESOLUTION_ROLES = {
    Severity.MAJOR: (Role.COUNTY_MANAGER,),
    Severity.GENERAL: (Role.OUTLET_HEAD, Role.COUNTY_MANAGER),
    Severity.MINOR: (Role.OUTLET_HEAD,),
}


def _resolution_breached(timer: SlaTimer) -> None:
    """CMP-6: not resolved and told in time."""
    complaint = _complaint_of(timer)
    severity = timer.rule.code.rsplit("-", 1)[-1]
    people = _unique(*(_people(complaint, role) for role in RESOLUTION_ROLES[severity]))
    _tell(
        timer,
        complaint,
        people,
        _("Complaint %(number)s: resolution late") % {"number": complaint.number},
    )


for _severity in Severity.values:
    breach_handler(f"CMP-4-response-{_severity}")(_response_breached)
    breach_handler(f"CMP-6-resolution-{_severity}")(_resolution_breached)


def _regulatory_bound_breached(timer: SlaTimer) -> None:
    """REG-2: the regulator's bound passed — the county manager, and after the special
    extension the city branch's managers too."""
    complaint = _complaint_of(timer)
    people = _people(complaint, Role.COUNTY_MANAGER)
    if timer.rule.code == REG2_RULES[2]:
        city = complaint.county.parent
        people = _unique(people, _active(role__in=MANAGER_ROLES, org_unit=city))
    _tell(
        timer,
        complaint,
        people,
        _("Complaint %(number)s: regulatory bound breached (REG-2)") % {"number": complaint.number},
    )


for _code in REG2_RULES.values():
    breach_handler(_code)(_regulatory_bound_breached)


@breach_handler("CMP-6-follow-up")
def _follow_up_due(timer: SlaTimer) -> None:
    """CMP-6: the follow-up call is due; the first responder is reminded."""
    complaint = _complaint_of(timer)
    _tell(
        timer,
        complaint,
        [timer.owner or complaint.first_responder],
        _("Complaint %(number)s: call the complainant back") % {"number": complaint.number},
    )


# --- acting on a complaint -----------------------------------------------------------


def _check_can_act(by: User, complaint: Complaint) -> None:
    """Writers who can see the complaint (CMP-1 widens who sees it); auditors read only."""
    if by.is_read_only:
        raise ReadOnlyRole(_("Your role is read-only."))
    if not complaint_list(user=by).filter(pk=complaint.pk).exists():
        raise NotInScope(_("Not found."))


def _locked(complaint: Complaint) -> Complaint:
    """Lock the complaint row for our writes. FOR NO KEY UPDATE: a sweep escalating this
    complaint at the same moment inserts an Escalation, whose foreign key check takes a
    key-share lock on this row; FOR UPDATE would deadlock with it while we wait on the
    timer the sweep holds (see _stop_chain)."""
    return (
        Complaint.objects.select_for_update(of=("self",), no_key=True)
        .select_related("county", "org_unit")
        .get(pk=complaint.pk)
    )


def _stop_chain(*, by: User, complaint: Complaint, detail: str) -> None:
    """CMP-5: meet the forwarding timer and the running step timer, and mark the open
    step acted. The timers are read one after the other in chain order: a sweep
    escalating at this moment holds the timer we wait on, and the next step timer it
    starts is visible to the following read once it has committed."""
    now = timezone.now()
    for code in (FORWARD_RULE, *STEP_RULES):
        timer = complaint_timer(complaint=complaint, rule_code=code)
        if timer is not None:
            timer_meet(timer=timer, by=by, detail=detail)
    open_step = (
        Escalation.objects.select_for_update()
        .filter(complaint=complaint, acted_at__isnull=True)
        .order_by("-step")
        .first()
    )
    if open_step is not None:
        open_step.acted_at, open_step.acted_by = now, by
        open_step.save(update_fields=["acted_at", "acted_by"])


def check_forward(*, by: User, complaint: Complaint) -> Complaint:
    """CMP-5: a claim complaint still open can be forwarded. Locks the complaint row and
    returns it."""
    _check_can_act(by, complaint)
    complaint = _locked(complaint)
    if not complaint.is_claim_complaint:
        raise ValidationError(
            _("Only a complaint about a claim is forwarded to the claims centre.")
        )
    if complaint.status != Complaint.Status.OPEN:
        raise ValidationError(
            _("This complaint is %(status)s; only an open complaint can be forwarded.")
            % {"status": complaint.get_status_display()}
        )
    return complaint


@transaction.atomic
def complaint_forward_to_claims(*, by: User, complaint: Complaint, note: str = "") -> Complaint:
    """CMP-5: forward a claim complaint to the city claims centre, which is told in its
    inbox; the forwarding timer and any escalation stop. Locks the complaint row, then
    the chain's timers (see _stop_chain)."""
    complaint = check_forward(by=by, complaint=complaint)
    now = timezone.now()
    _stop_chain(by=by, complaint=complaint, detail=_("Forwarded to the claims centre"))
    complaint.status = Complaint.Status.FORWARDED
    complaint.forwarded_at = now
    save_with_reason(complaint, by=by, reason=note or _("Forwarded to the claims centre"))
    ComplaintEvent.objects.create(
        complaint=complaint, kind=ComplaintEvent.Kind.FORWARDED, at=now, by=by, text=note
    )
    notify_staff(
        recipients=claims_centre_staff(complaint) or None,
        org_unit=claims_centre_unit(complaint) or complaint.county,
        subject=_("Claim complaint %(number)s forwarded to the claims centre")
        % {"number": complaint.number},
        body=note or complaint.what_is_asked,
        dedup_key=f"complaint:{complaint.pk}:forwarded",
        link=_link(complaint),
    )
    return complaint


def _customer_sms(complaint: Complaint, body: str, dedup_key: str) -> None:
    """An SMS to the complainant, when they left a phone."""
    if complaint.contact_phone:
        notify_customer_sms(
            org_unit=complaint.org_unit,
            phone=complaint.contact_phone,
            body=body,
            dedup_key=dedup_key,
        )


def check_take(*, by: User, complaint: Complaint) -> Complaint:
    """CLM-12: a claims centre member above the complaint names themselves responsible
    for a claim complaint that nobody there holds yet. Locks the complaint row."""
    _check_can_act(by, complaint)
    centre = claims_centre_unit(complaint)
    if by.role != Role.CLAIMS_CENTRE or centre is None or by.org_unit_id != centre.pk:
        raise ClaimsCentreOnly(_("Only a member of the city claims centre can take a complaint."))
    complaint = _locked(complaint)
    if not complaint.is_claim_complaint:
        raise ValidationError(_("Only a complaint about a claim is taken by the claims centre."))
    if complaint.status == Complaint.Status.CLOSED:
        raise ValidationError(_("This complaint is closed."))
    if complaint.claims_owner_id is not None:
        raise ValidationError(
            _("%(name)s at the claims centre is already responsible for this complaint.")
            % {"name": complaint.claims_owner}
        )
    return complaint


@transaction.atomic
def complaint_take_for_claims_centre(*, by: User, complaint: Complaint) -> Complaint:
    """CLM-12: `by` becomes responsible for the complaint at the claims centre and tracks
    it to closure; the escalation stops (CMP-5) and the customer is told by SMS who
    handles it now. Locks the complaint row, then the chain's timers."""
    complaint = check_take(by=by, complaint=complaint)
    now = timezone.now()
    _stop_chain(by=by, complaint=complaint, detail=_("Taken by the claims centre"))
    complaint.claims_owner = by
    if complaint.forwarded_at is None:
        # The complaint reached the claims centre: that is what CMP-5 asks for.
        complaint.forwarded_at = now
    if complaint.status == Complaint.Status.OPEN:
        complaint.status = Complaint.Status.FORWARDED
    save_with_reason(complaint, by=by, reason=_("Taken by the claims centre (CLM-12)"))
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.CLAIMS_OWNER,
        at=now,
        by=by,
        text=str(by),
    )
    # The customer reads Chinese whatever language the member of staff uses.
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "Your complaint %(number)s is now handled by %(name)s of the claims centre"
            "%(phone)s. We will keep you told of the progress."
        ) % {
            "number": complaint.number,
            "name": by,
            "phone": _(", phone %(phone)s") % {"phone": by.phone} if by.phone else "",
        }
    _customer_sms(complaint, body, f"complaint:{complaint.pk}:claims-owner:{by.pk}")
    return complaint


ACTIONS = {"forward": complaint_forward_to_claims, "take": complaint_take_for_claims_centre}


def complaint_escalation_act(*, by: User, complaint: Complaint, action: str) -> Complaint:
    """CMP-5: act on an escalated claim complaint — forward it ("forward") or take it for
    the claims centre ("take"). Either stops the chain."""
    if action not in ACTIONS:
        raise ValidationError(_("Unknown action."))
    return ACTIONS[action](by=by, complaint=complaint)


@transaction.atomic
def complaint_progress_told(
    *, by: User, complaint: Complaint, text: str, sms: bool = True
) -> ComplaintEvent:
    """CLM-12: record what the complainant was told of the progress, and send it by SMS.
    Locks the complaint row so that events of one complaint are written in order."""
    _check_can_act(by, complaint)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write what the complainant is told.")})
    complaint = _locked(complaint)
    if complaint.status == Complaint.Status.CLOSED:
        raise ValidationError(_("This complaint is closed."))
    if sms and not complaint.contact_phone:
        raise ValidationError({"sms": _("The complainant left no phone for an SMS.")})
    event = ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.PROGRESS_TOLD,
        at=timezone.now(),
        by=by,
        text=text,
    )
    if sms:
        _customer_sms(complaint, text, f"complaint:{complaint.pk}:progress:{event.pk}")
    return event


# --- REG-2 extensions ----------------------------------------------------------------


def extension_level(*, complaint: Complaint) -> int:
    """REG-2: how many times the deadline was extended (0, 1 or 2)."""
    return complaint.events.filter(kind=ComplaintEvent.Kind.EXTENDED).count()


def is_senior(*, user: User, complaint: Complaint) -> bool:
    """REG-2: who may approve the special extension: a county manager of the complaint's
    county, or a member of staff at its city or province branch (auditors excepted)."""
    if not user.is_active or user.is_read_only or user.org_unit_id is None:
        return False
    unit = user.org_unit
    if not unit.contains(complaint.county):
        return False
    return user.role == Role.COUNTY_MANAGER or unit.kind in (
        OrgUnit.Kind.CITY,
        OrgUnit.Kind.PROVINCE,
    )


def senior_approvers(*, complaint: Complaint) -> list[User]:
    """The people who may approve a special extension (REG-2), for the form."""
    ids = [int(part) for part in complaint.county.path.strip("/").split("/") if part]
    candidates = User.objects.filter(is_active=True, org_unit_id__in=ids).filter(
        Q(role=Role.COUNTY_MANAGER)
        | Q(org_unit__kind__in=[OrgUnit.Kind.CITY, OrgUnit.Kind.PROVINCE])
    )
    return [
        user
        for user in candidates.select_related("org_unit")
        if is_senior(user=user, complaint=complaint)
    ]


def check_extend(
    *,
    by: User,
    complaint: Complaint,
    level: int,
    reason: str,
    approved_by: User | None,
    complainant_told_at: dt.datetime | None,
) -> tuple[Complaint, SlaTimer]:
    """REG-2: level 1 extends to 30 days, level 2 by a further 30 with a senior's
    approval; each in order, once, while the deadline runs, the complainant told.
    Locks the complaint row; returns it and the running REG-2 timer to replace."""
    _check_can_act(by, complaint)
    errors: dict[str, list[str]] = {}
    if level not in (1, 2):
        errors["level"] = [_("An extension is level 1 (30 days) or level 2 (60 days).")]
    if not (reason or "").strip():
        errors["reason"] = [_("Say why the complaint needs more time.")]
    if complainant_told_at is None:
        errors["complainant_told_at"] = [_("The complainant must be told of the extension.")]
    elif complainant_told_at > timezone.now() + dt.timedelta(minutes=5):
        errors["complainant_told_at"] = [_("The complainant cannot have been told in the future.")]
    if level == 2 and approved_by is None:
        errors["approved_by"] = [_("A further extension needs a senior's approval.")]
    elif approved_by is not None and not is_senior(user=approved_by, complaint=complaint):
        errors["approved_by"] = [
            _("Only a county branch manager or the city or province branch can approve it.")
        ]
    if errors:
        raise ValidationError(errors)
    complaint = _locked(complaint)
    done = extension_level(complaint=complaint)
    if done >= level:
        raise ValidationError(
            {
                "level": _("This complaint was already extended to %(days)d days.")
                % {"days": 30 * done}
            }
        )
    if done < level - 1:
        raise ValidationError(
            {"level": _("The further extension (60 days) needs the 30-day extension first.")}
        )
    timer = complaint_timer(complaint=complaint, rule_code=REG2_RULES[done])
    if timer is None:
        raise ValidationError(
            _("The regulatory deadline is no longer running; it can no longer be extended.")
        )
    return complaint, timer


@transaction.atomic
def complaint_extend(
    *,
    by: User,
    complaint: Complaint,
    level: int,
    reason: str,
    approved_by: User | None = None,
    complainant_told_at: dt.datetime | None = None,
) -> SlaTimer:
    """REG-2: extend the decision deadline (see check_extend). The running REG-2 timer is
    replaced by the longer rule counted from the original receipt, so 30 and 60 days run
    from the day the complaint came in; the complainant is told by SMS as well. Returns
    the new timer. Locks the complaint row, then the old timer."""
    complaint, old = check_extend(
        by=by,
        complaint=complaint,
        level=level,
        reason=reason,
        approved_by=approved_by,
        complainant_told_at=complainant_told_at,
    )
    rule_code = REG2_RULES[level]
    timer_cancel(timer=old, by=by, detail=_("Extended: %(rule)s") % {"rule": rule_code})
    timer = timer_start(
        subject=complaint,
        rule_code=rule_code,
        org_unit=complaint.org_unit,
        owner=old.owner,
        started_at=complaint.received_at,
        by=by,
    )
    now = timezone.now()
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.EXTENDED,
        at=now,
        by=by,
        approved_by=approved_by,
        text=_("Extended to %(days)d days (%(rule)s), due %(due)s: %(reason)s")
        % {"days": 30 * level, "rule": rule_code, "due": _fmt(timer.due_at), "reason": reason},
    )
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=ComplaintEvent.Kind.PROGRESS_TOLD,
        at=complainant_told_at,
        by=by,
        text=_("Told of the extension to %(days)d days") % {"days": 30 * level},
    )
    with translation.override(settings.LANGUAGE_CODE):
        body = _(
            "Your complaint %(number)s needs more time: we will give you our decision by %(due)s."
        ) % {"number": complaint.number, "due": timezone.localtime(timer.due_at).date()}
    _customer_sms(complaint, body, f"complaint:{complaint.pk}:extended:{level}")
    return timer


def _fmt(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"
