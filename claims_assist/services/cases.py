"""The case kernel shared by every part of claims assist: numbers, stages, customer
messages (CLM-10 progress) and the case's timers.

Callers hold the case row locked (`case_lock`) inside their transaction; these
functions write the stage, its event, the message and the timers together with it.
"""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from claims_assist.models import CaseEvent, CaseMessage, ClaimCase, ClaimCaseCounter
from core.access import check_can_write, get_in_scope
from core.models import OrgUnit, SlaTimer, User
from core.notifications import notify_customer_sms
from core.sequences import counter_next
from core.timers import timer_cancel, timer_meet, timer_start

# CLM-10: the regular progress message to the customer.
PROGRESS_RULE = "CLM-10-progress"
OPEN_TIMER_STATES = SlaTimer.OPEN_STATES


# Numbering -------------------------------------------------------------------------------
def case_number_next(*, county: OrgUnit, day: dt.date) -> str:
    """The next case number of `county` for `day`, e.g. "441823-L20261122-0007".

    Locks the (county, day) counter row until the caller's transaction ends, so
    concurrent intakes get consecutive numbers and a failed intake rolls its number back.
    """
    number = counter_next(ClaimCaseCounter, county=county, day=day)
    return f"{county.code}-L{day:%Y%m%d}-{number:04d}"


# Access ----------------------------------------------------------------------------------
def case_lock(*, user: User, pk: int) -> ClaimCase:
    """The case in the user's scope, locked FOR UPDATE until the transaction ends, after
    checking the user may write (404 outside the branch, 403 for read-only roles)."""
    case = get_in_scope(ClaimCase.objects.select_for_update(of=("self",)), user, pk=pk)
    check_can_write(user, case)
    return case


# Timers ----------------------------------------------------------------------------------
def case_timer(*, case: ClaimCase, rule_code: str) -> SlaTimer | None:
    """The case's running or paused timer of `rule_code`, if any."""
    return (
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(ClaimCase),
            subject_id=case.pk,
            rule__code=rule_code,
            state__in=OPEN_TIMER_STATES,
        )
        .order_by("-started_at")
        .first()
    )


def case_timers(*, case: ClaimCase):
    """Every timer of the case, open or ended, oldest first (SLA-6)."""
    return (
        SlaTimer.objects.filter(
            subject_type=ContentType.objects.get_for_model(ClaimCase), subject_id=case.pk
        )
        .select_related("rule", "owner")
        .order_by("started_at", "pk")
    )


def case_timer_start(
    *,
    case: ClaimCase,
    rule_code: str,
    by: User | None = None,
    at: dt.datetime | None = None,
    owner: User | None = None,
    not_after: dt.datetime | None = None,
) -> SlaTimer:
    """Start the case's timer of `rule_code` (owned by the case's follower by default);
    an open one of the same rule is left as it is and returned."""
    running = case_timer(case=case, rule_code=rule_code)
    if running is not None:
        return running
    return timer_start(
        subject=case,
        rule_code=rule_code,
        org_unit=case.org_unit,
        owner=owner or case.owner,
        started_at=at or timezone.now(),
        by=by,
        not_after=not_after,
    )


def case_timer_meet(
    *, case: ClaimCase, rule_code: str, by: User | None = None, detail: str = ""
) -> SlaTimer | None:
    """End the case's open timer of `rule_code` as met, if there is one."""
    timer = case_timer(case=case, rule_code=rule_code)
    if timer is None:
        return None
    return timer_meet(timer=timer, by=by, detail=detail)


def case_timers_end(*, case: ClaimCase, by: User | None = None, detail: str = "") -> None:
    """A final stage ends every open timer of the case: cancelled, nothing is due."""
    for timer in case_timers(case=case).filter(state__in=OPEN_TIMER_STATES):
        timer_cancel(timer=timer, by=by, detail=detail)


# Stages and messages ------------------------------------------------------------------------
def _stage_message(case: ClaimCase) -> str:
    return _(
        "[PICC] Your claim %(number)s (%(insured)s): %(stage)s. Questions: call 95518 or "
        "visit %(outlet)s."
    ) % {
        "number": case.number,
        "insured": case.insured_name,
        "stage": case.get_stage_display(),
        "outlet": case.org_unit.name,
    }


def case_stage_set(
    *,
    case: ClaimCase,
    stage: str,
    by: User | None,
    at: dt.datetime | None = None,
    note: str = "",
    tell_customer: bool = True,
) -> CaseEvent:
    """Move the (locked) case to `stage`, record the event and, by default, tell the
    customer (CLM-10: each stage reached is a progress message). A final stage ends the
    case's open timers; a timer that runs after it (REG-1's refusal notice) is started
    by the caller afterwards."""
    at = at or timezone.now()
    case.stage = stage
    case.stage_changed_at = at
    if stage == ClaimCase.Stage.CLOSED and case.closed_at is None:
        case.closed_at = at
    case.save(update_fields=["stage", "stage_changed_at", "closed_at"])
    event = CaseEvent.objects.create(case=case, stage=stage, at=at, by=by, note=note)
    if tell_customer:
        case_message_send(case=case, kind=CaseMessage.Kind.STAGE, body=None, by=by, at=at)
    if stage in ClaimCase.FINAL_STAGES:
        case_timers_end(case=case, by=by, detail=case.get_stage_display())
    return event


def case_message_send(
    *,
    case: ClaimCase,
    kind: str,
    body: str | None,
    by: User | None = None,
    at: dt.datetime | None = None,
    restart_progress: bool = True,
) -> CaseMessage:
    """Send the customer a message about the (locked) case through the SMS outbox and
    restart the CLM-10 progress clock: the next message is due 3 working days later.
    Without `body` the message says the stage the case is at, in the customer's
    language (the site's default). The progress timer's own handler restarts the clock
    itself (`restart_progress=False`)."""
    at = at or timezone.now()
    if body is None:
        with translation.override(settings.LANGUAGE_CODE):
            body = _stage_message(case)
    message = CaseMessage.objects.create(
        case=case, kind=kind, phone=case.reporter_phone, body=body, sent_at=at, sent_by=by
    )
    message.outbox = notify_customer_sms(
        org_unit=case.org_unit,
        phone=case.reporter_phone,
        body=body,
        dedup_key=f"claim-case:{case.pk}:message:{message.pk}",
        subject=case.number,
    )
    message.save(update_fields=["outbox"])
    case.last_progress_at = at
    case.save(update_fields=["last_progress_at"])
    if not restart_progress:
        return message
    case_timer_meet(case=case, rule_code=PROGRESS_RULE, by=by)
    if case.is_open:
        case_timer_start(case=case, rule_code=PROGRESS_RULE, by=by, at=at)
    return message
