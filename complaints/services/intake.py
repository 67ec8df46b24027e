"""Complaint intake (CMP-1, CMP-2, CMP-3, CMP-4, CMP-7): who owns a new complaint, its
number, and the deadlines that start with it.

- CMP-1: whoever receives a complaint at the counter, face to face, on the phone or on a
  visit is its first responder.
- CMP-2: a letter or an online complaint that names a department goes there (the
  outlet's head; the county branch's designated receiver for the county itself);
  naming none, it goes to the county's designated receiver (ComplaintSettings).
- CMP-4: severity picks the first-response and resolution rules; REG-2 bounds the
  resolution; a claim complaint also starts the 1-hour forwarding timer (CMP-5).
- CMP-7: `{county code}-{yyyymmdd}-{seq:04d}`, from a per-county, per-day counter row.
"""

import datetime as dt

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from claims_assist.models import ClaimCase
from complaints.models import Channel, Complaint, ComplaintCounter, Severity, Topic
from complaints.selectors import complaint_settings_for
from core.access import check_can_write
from core.models import OrgUnit, Role, SlaTimer, User
from core.notifications import notify_staff
from core.sequences import counter_next
from core.timers import timer_start
from underwriting import selectors as underwriting_selectors
from underwriting.models import Policy

# CMP-2: channels on which the complaint reaches the office rather than a person; they
# are routed to the named department or the designated receiver.
ROUTED_CHANNELS = (Channel.LETTER, Channel.ONLINE)


# Numbering (CMP-7) -----------------------------------------------------------------------
def complaint_number_next(*, county: OrgUnit, day: dt.date) -> str:
    """The next number of `county` for `day`, e.g. "441823-20260302-0007". Locks the
    ComplaintCounter row of (county, day) until the caller's transaction ends
    (core.sequences)."""
    number = counter_next(ComplaintCounter, county=county, day=day)
    return f"{county.code}-{day:%Y%m%d}-{number:04d}"


# Routing (CMP-1, CMP-2) ------------------------------------------------------------------
def _designated_receiver(county: OrgUnit) -> User:
    receiver = complaint_settings_for(org_unit=county).designated_receiver
    if receiver is None or not receiver.is_active:
        raise ValidationError(
            _(
                "%(county)s has no designated receiver for letters and online complaints "
                "(CMP-2). A manager sets one in the administration under Complaint settings."
            )
            % {"county": county},
            code="no_designated_receiver",
        )
    return receiver


def _department_head(unit: OrgUnit) -> User | None:
    return (
        User.objects.filter(org_unit=unit, role=Role.OUTLET_HEAD, is_active=True)
        .order_by("pk")
        .first()
    )


def complaint_route(*, county: OrgUnit, named_department: OrgUnit | None) -> User:
    """CMP-2: the first responder of a letter or an online complaint.

    A named outlet's head takes it; the county unit itself, an outlet without a head
    (nobody there to own it) or no department named: the designated receiver."""
    if named_department is not None and named_department.kind == OrgUnit.Kind.OUTLET:
        head = _department_head(named_department)
        if head is not None:
            return head
    return _designated_receiver(county)


def _county_of(user: User) -> OrgUnit:
    county = user.org_unit.county if user.org_unit_id else None
    if county is None:
        raise ValidationError(
            _("Complaints are received in a county branch or one of its outlets."),
            code="no_county",
        )
    return county


def _check_department(named_department: OrgUnit | None, county: OrgUnit) -> None:
    if named_department is not None and not county.contains(named_department):
        raise ValidationError(
            {"named_department": _("Name a department of %(county)s.") % {"county": county}}
        )


# Intake (CMP-3, CMP-4) -------------------------------------------------------------------
def _start_timers(complaint: Complaint, *, by: User) -> None:
    """CMP-4/CMP-5/CMP-6/REG-2: the deadlines that start with the complaint, owned by the
    first responder at the complaint's unit."""
    common = {
        "subject": complaint,
        "org_unit": complaint.org_unit,
        "owner": complaint.first_responder,
        "started_at": complaint.received_at,
        "by": by,
    }
    timer_start(rule_code=f"CMP-4-response-{complaint.severity}", **common)
    bound = timer_start(rule_code="REG-2", **common)
    # REG-2 is the regulator's upper bound: the company's own resolution deadline may
    # never promise the complainant more than 15 days. Working days can outrun 15
    # calendar days across a long holiday (National Day, Spring Festival) or with a
    # county's longer rule; the bound holds through recomputation and pauses too.
    timer_start(
        rule_code=f"CMP-6-resolution-{complaint.severity}", not_after=bound.due_at, **common
    )
    if complaint.is_claim_complaint:
        timer_start(rule_code="CMP-5", **common)


def _notify_routed(complaint: Complaint) -> None:
    """A routed complaint reaches its first responder in the inbox (CMP-2)."""
    notify_staff(
        org_unit=complaint.org_unit,
        recipients=[complaint.first_responder],
        subject=_("New complaint %(number)s for you") % {"number": complaint.number},
        body=_("A %(channel)s complaint was routed to you as its first responder (CMP-2).")
        % {"channel": complaint.get_channel_display()},
        dedup_key=f"complaint:{complaint.pk}:routed",
        link=reverse("complaints:complaint_detail", args=[complaint.pk]),
    )


def _create(
    *,
    county: OrgUnit,
    received_by: User,
    first_responder: User,
    received_at: dt.datetime,
    notify: bool,
    **fields,
) -> Complaint:
    """Number, save and start the timers; the caller holds the transaction."""
    fields["claim_case"] = _county_claim_case(county, fields.get("claim_reference", ""))
    complaint = Complaint.objects.create(
        number=complaint_number_next(county=county, day=timezone.localdate(received_at)),
        county=county,
        org_unit=first_responder.org_unit,
        received_by=received_by,
        first_responder=first_responder,
        received_at=received_at,
        status=Complaint.Status.OPEN,
        **fields,
    )
    _start_timers(complaint, by=received_by)
    if notify:
        _notify_routed(complaint)
    return complaint


def _county_claim_case(county: OrgUnit, reference: str) -> ClaimCase | None:
    """CLM-12: the county's case that `reference` names, by the outlet's case number or
    the 95518 report number; an unknown reference stays text only."""
    if not reference:
        return None
    return (
        ClaimCase.objects.filter(org_unit__path__startswith=county.path)
        .filter(Q(number=reference) | Q(hotline_number=reference))
        .first()
    )


def _check_text(**required: str) -> None:
    missing = {
        name: _("This field is required.")
        for name, value in required.items()
        if not (value or "").strip()
    }
    if missing:
        raise ValidationError(missing)


@transaction.atomic
def complaint_receive(
    *,
    by: User,
    channel: str,
    topic: str,
    severity: str,
    urgent: bool,
    complainant_name: str,
    contact_phone: str,
    what_happened: str,
    what_is_asked: str,
    contact_address: str = "",
    policy: Policy | None = None,
    claim_reference: str = "",
    named_department: OrgUnit | None = None,
    received_at: dt.datetime | None = None,
) -> Complaint:
    """Record a complaint received by a member of staff (CMP-1..CMP-4, CMP-7).

    Counter, face to face, phone and visit: `by` is the first responder (CMP-1). Letters:
    routed as CMP-2 says. The policy must be one `by` may see. Locks the county's
    counter row of the day (CMP-7); everything is saved, numbered and timed in one
    transaction or not at all.
    """
    check_can_write(by)
    county = _county_of(by)
    received_at = received_at or timezone.now()
    if received_at > timezone.now():
        raise ValidationError({"received_at": _("A complaint cannot be received in the future.")})
    if channel not in Channel.values or topic not in Topic.values:
        raise ValidationError(_("Unknown channel or topic."))
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Unknown severity.")})
    _check_text(
        complainant_name=complainant_name, what_happened=what_happened, what_is_asked=what_is_asked
    )
    _check_department(named_department, county)
    if policy is not None:
        # Only a policy of the receiver's branch can be linked (OUT-1: NotInScope).
        policy = underwriting_selectors.policy_get(user=by, pk=policy.pk)
    if channel in ROUTED_CHANNELS:
        first_responder = complaint_route(county=county, named_department=named_department)
    else:
        first_responder = by
    return _create(
        county=county,
        received_by=by,
        first_responder=first_responder,
        received_at=received_at,
        notify=first_responder != by,
        channel=channel,
        topic=topic,
        severity=severity,
        urgent=urgent,
        complainant_name=complainant_name.strip(),
        contact_phone=contact_phone.strip(),
        contact_address=contact_address.strip(),
        policy=policy,
        claim_reference=claim_reference.strip(),
        named_department=named_department,
        what_happened=what_happened.strip(),
        what_is_asked=what_is_asked.strip(),
    )


def complaint_policy_lookup(*, user: User, number: str) -> Policy:
    """CMP-4: the policy a complaint is about, by its number, among those `user` may see."""
    policy = underwriting_selectors.policy_list(user=user).filter(number=number.strip()).first()
    if policy is None:
        raise ValidationError(
            {"policy_number": _("No policy with this number in your branch.")},
            code="policy_not_found",
        )
    return policy


def _county_policy(county: OrgUnit, number: str) -> Policy | None:
    return (
        Policy.objects.filter(number=number, org_unit__path__startswith=county.path)
        .only("pk")
        .first()
    )


@transaction.atomic
def complaint_receive_online(
    *,
    county: OrgUnit,
    complainant_name: str,
    contact_phone: str,
    topic: str,
    what_happened: str,
    what_is_asked: str,
    named_department: OrgUnit | None = None,
    contact_address: str = "",
    policy_number: str = "",
    claim_reference: str = "",
) -> Complaint:
    """An online complaint (public form, or another system through the API): channel
    online, routed as CMP-2 says.

    Nobody on staff received it, so the routed first responder is also recorded as
    `received_by`: they are the first staff member to hold it (CMP-1), and the
    receiver's right to keep seeing it (selectors) then adds nothing. Severity is
    "general" until the first responder assesses it (CMP-4). A policy number is linked
    when it names a policy of the county; otherwise it is kept in the text, so that a
    mistyped number neither loses the complaint nor tells the public which numbers
    exist.
    """
    if county.kind != OrgUnit.Kind.COUNTY:
        raise ValidationError(_("Online complaints are received by a county branch."))
    if topic not in Topic.values:
        raise ValidationError({"topic": _("Unknown topic.")})
    _check_text(
        complainant_name=complainant_name,
        contact_phone=contact_phone,
        what_happened=what_happened,
        what_is_asked=what_is_asked,
    )
    _check_department(named_department, county)
    first_responder = complaint_route(county=county, named_department=named_department)
    what_happened = what_happened.strip()
    policy = None
    if policy_number.strip():
        policy = _county_policy(county, policy_number.strip())
        if policy is None:
            what_happened += "\n\n" + _("Policy number given: %(number)s (not found).") % {
                "number": policy_number.strip()
            }
    return _create(
        county=county,
        received_by=first_responder,
        first_responder=first_responder,
        received_at=timezone.now(),
        notify=True,  # nobody on staff has seen it yet
        channel=Channel.ONLINE,
        topic=topic,
        severity=Severity.GENERAL,
        urgent=False,
        complainant_name=complainant_name.strip(),
        contact_phone=contact_phone.strip(),
        contact_address=contact_address.strip(),
        policy=policy,
        claim_reference=claim_reference.strip(),
        named_department=named_department,
        what_happened=what_happened,
        what_is_asked=what_is_asked.strip(),
    )


# Reads shared by the intake pages and endpoints (candidates for complaints/selectors.py)
def complaint_departments(*, county: OrgUnit | None):
    """CMP-2: the departments a complainant can name: the county branch and its outlets."""
    if county is None:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(path__startswith=county.path, is_active=True).order_by("path")


def complaint_timers(*, complaint: Complaint) -> list[SlaTimer]:
    """SLA-6: every deadline of the complaint, the open ones first by due time, then the
    ended ones in the order they ended."""
    timers = SlaTimer.objects.filter(
        subject_type=ContentType.objects.get_for_model(Complaint), subject_id=complaint.pk
    ).select_related("rule", "owner")
    return sorted(
        timers,
        key=lambda t: (
            not t.is_open,
            t.due_at if t.is_open and t.due_at else t.ended_at or t.started_at,
            t.pk,
        ),
    )
