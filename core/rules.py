"""The timer rules of DOMAIN.md with their default durations and clocks (SLA-3).

Rows are created on migrate when missing and never overwritten: a manager's change in
the admin wins. Apps start timers by these codes.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from core.models import Clock


@dataclass(frozen=True)
class RuleDefault:
    code: str
    name: str
    clock: str
    duration: dt.timedelta
    on_breach: str
    minimum: dt.timedelta | None = None
    # The duration is counted back from a date the timer is anchored to (core.timers).
    lead_time: bool = False


H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)

DEFAULT_RULES = [
    RuleDefault(
        "OUT-5",
        _("Lease ends soon"),
        Clock.WALL,
        90 * D,
        _("The outlet head and the county manager are told the lease ends soon."),
        lead_time=True,
    ),
    RuleDefault(
        "OUT-10-qualification",
        _("Agent qualification expires soon"),
        Clock.WALL,
        30 * D,
        _("The outlet head is told the qualification expires soon."),
        lead_time=True,
    ),
    RuleDefault(
        "OUT-11-duty",
        _("Holiday service without anyone on duty"),
        Clock.WALL,
        3 * D,
        _("A finding is raised if nobody is on duty for the promised holiday."),
        lead_time=True,
    ),
    RuleDefault(
        "OUT-16",
        _("Corrective action due"),
        Clock.WALL,
        dt.timedelta(0),
        _("The finding is overdue; its owner and the county manager are told."),
        lead_time=True,
    ),
    RuleDefault(
        "OUT-12",
        _("Counter wait"),
        Clock.WALL,
        30 * dt.timedelta(minutes=1),
        _("Counted as a wait breach of the outlet; the outlet head is told."),
    ),
    RuleDefault(
        "OUT-13",
        _("Motor policy issuance"),
        Clock.WALL,
        15 * dt.timedelta(minutes=1),
        _("Counted as an issuance breach of the outlet."),
    ),
    # Anchored to the reply time promised to the customer.
    RuleDefault(
        "OUT-14",
        _("Consultation reply"),
        Clock.WALL,
        dt.timedelta(0),
        _("The promised reply time passed; the owner and the outlet head are told."),
        lead_time=True,
    ),
    RuleDefault(
        "PUB-4",
        _("Public notice minimum period"),
        Clock.WALL,
        7 * D,
        _("The responsible clerk is told the notice can be closed."),
        minimum=7 * D,
    ),
    RuleDefault(
        "PUB-4-close",
        _("Close a public notice after its period"),
        Clock.WALL,
        3 * D,
        _("The notice is flagged as left open and the county manager is told."),
    ),
    RuleDefault(
        "PUB-5",
        _("Verify an objection to a public notice"),
        Clock.WORKING_DAYS,
        2 * D,
        _("The outlet head is told the objection is still unverified."),
    ),
    RuleDefault(
        "CLM-1",
        _("95518 report number recorded"),
        Clock.WALL,
        24 * H,
        _("The case is flagged: no 95518 report number; the outlet head is told."),
    ),
    RuleDefault(
        "CLM-4",
        _("Major case report to head office"),
        Clock.WALL,
        24 * H,
        _("Escalated to the county manager and the city claims centre."),
    ),
    RuleDefault(
        "CLM-6",
        _("Adjuster authorisation expires soon"),
        Clock.WALL,
        30 * D,
        _("The holder and the county manager are told to evaluate and renew it."),
        lead_time=True,
    ),
    RuleDefault(
        "CLM-7",
        _("Remote assessment upload"),
        Clock.WALL,
        24 * H,
        _("The case is flagged for missing remote-assessment materials."),
    ),
    RuleDefault(
        "CLM-9",
        _("Transfer documents to the claims centre"),
        Clock.WORKING_DAYS,
        3 * D,
        _("The case is flagged and the outlet head is told."),
    ),
    RuleDefault(
        "CLM-10-review",
        _("Review of a complete file"),
        Clock.WORKING_DAYS,
        3 * D,
        _("The claims centre is told the review is late."),
    ),
    RuleDefault(
        "CLM-10-pay-small",
        _("Payment under 5,000 yuan"),
        Clock.WORKING_DAYS,
        3 * D,
        _("The claims centre is told the payment is late."),
    ),
    RuleDefault(
        "CLM-10-pay",
        _("Payment of 5,000 yuan or more"),
        Clock.WORKING_DAYS,
        7 * D,
        _("The claims centre is told the payment is late."),
    ),
    RuleDefault(
        "CLM-10-special",
        _("Special or complex case"),
        Clock.WORKING_DAYS,
        30 * D,
        _("Escalated to the city claims centre."),
    ),
    RuleDefault(
        "CLM-10-progress",
        _("Progress message to the customer"),
        Clock.WORKING_DAYS,
        3 * D,
        _("A progress message is sent to the customer and the next one scheduled."),
    ),
    RuleDefault(
        "REG-1-decision",
        _("Claim decided (Insurance Law art. 23)"),
        Clock.WALL,
        30 * D,
        _("Regulatory bound breached: the county manager and the claims centre are told."),
    ),
    RuleDefault(
        "REG-1-payment",
        _("Agreed payment made (Insurance Law art. 23)"),
        Clock.WALL,
        10 * D,
        _("Regulatory bound breached: the county manager and the claims centre are told."),
    ),
    RuleDefault(
        "REG-1-refusal",
        _("Refusal notified with reasons (Insurance Law art. 24)"),
        Clock.WALL,
        3 * D,
        _("Regulatory bound breached: the outlet head and the county manager are told."),
    ),
    RuleDefault(
        "CMP-5",
        _("Forward a claim complaint to the claims centre"),
        Clock.WORKING_HOURS,
        H,
        _("Escalated along the chain: outlet head, county manager, city claims centre."),
    ),
    # CMP-5: each step of the escalation chain has its own deadline; a step that is not
    # acted on in time escalates to the next.
    RuleDefault(
        "CMP-5-1",
        _("Escalated claim complaint: outlet head to act"),
        Clock.WORKING_HOURS,
        H,
        _("Escalated to the county branch manager."),
    ),
    RuleDefault(
        "CMP-5-2",
        _("Escalated claim complaint: county manager to act"),
        Clock.WORKING_HOURS,
        H,
        _("Escalated to the city claims centre."),
    ),
    RuleDefault(
        "CMP-5-3",
        _("Escalated claim complaint: city claims centre to act"),
        Clock.WORKING_HOURS,
        2 * H,
        _("The city claims centre's managers are told again."),
    ),
    RuleDefault(
        "CMP-4-response-major",
        _("First response to a major complaint"),
        Clock.WORKING_HOURS,
        2 * H,
        _("The outlet head and the county manager are told."),
    ),
    RuleDefault(
        "CMP-4-response-general",
        _("First response to a complaint"),
        Clock.WORKING_DAYS,
        D,
        _("The outlet head is told."),
    ),
    RuleDefault(
        "CMP-4-response-minor",
        _("First response to a minor complaint"),
        Clock.WORKING_DAYS,
        2 * D,
        _("The outlet head is told."),
    ),
    RuleDefault(
        "CMP-6-resolution-major",
        _("Major complaint resolved and complainant told"),
        Clock.WORKING_DAYS,
        5 * D,
        _("The county manager is told."),
    ),
    RuleDefault(
        "CMP-6-resolution-general",
        _("Complaint resolved and complainant told"),
        Clock.WORKING_DAYS,
        8 * D,
        _("The outlet head and the county manager are told."),
    ),
    RuleDefault(
        "CMP-6-resolution-minor",
        _("Minor complaint resolved and complainant told"),
        Clock.WORKING_DAYS,
        10 * D,
        _("The outlet head is told."),
    ),
    RuleDefault(
        "CMP-6-follow-up",
        _("Follow-up call after closure"),
        Clock.WORKING_DAYS,
        3 * D,
        _("The first responder is reminded to call the complainant."),
    ),
    RuleDefault(
        "REG-2",
        _("Complaint decided and complainant told"),
        Clock.WALL,
        15 * D,
        _("Regulatory bound breached: the county manager is told."),
    ),
    RuleDefault(
        "REG-2-extended",
        _("Complex complaint decided (extended)"),
        Clock.WALL,
        30 * D,
        _("Regulatory bound breached: the county manager is told."),
    ),
    RuleDefault(
        "REG-2-special",
        _("Specially complex complaint decided (extended again)"),
        Clock.WALL,
        60 * D,
        _("Regulatory bound breached: the county manager and the city branch are told."),
    ),
]


def ensure_default_rules() -> int:
    """Create the default rule rows that do not exist yet; returns how many."""
    from django.utils import translation

    from core.models import TimerRule

    # Stored as the English msgid so that the UI can translate it to the reader's language.
    with translation.override("en"):
        return sum(_ensure(rule, TimerRule) for rule in DEFAULT_RULES)


def _ensure(rule: RuleDefault, model) -> bool:
    _, was_created = model.objects.get_or_create(
        code=rule.code,
        county=None,
        defaults={
            "name": str(rule.name),
            "clock": rule.clock,
            "duration": rule.duration,
            "minimum": rule.minimum,
            "on_breach": str(rule.on_breach),
            "lead_time": rule.lead_time,
        },
    )
    return was_created
