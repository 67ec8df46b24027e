"""Breach and period handlers of the publicity timers (PUB-4, PUB-4-close).

Both run inside the sweep's transaction with the timer locked (core.timers); their
writes (outbox rows, the follow-up timer, the flag) commit with it, exactly once
(SLA-2). They lock the notice after the timer, the order the lifecycle services keep.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import save_with_reason
from core.models import Role, SlaTimer, User
from core.notifications import notify_staff, responsible_managers
from core.timers import breach_handler, timer_start
from publicity.models import Notice

CLOSE_RULE = "PUB-4-close"


def _notice_of(timer: SlaTimer) -> Notice:
    return (
        Notice.objects.select_for_update(of=("self",))
        .select_related("org_unit", "responsible")
        .get(pk=timer.subject_id)
    )


def _link(notice: Notice) -> str:
    return reverse("publicity:notice_detail", args=[notice.pk])


def county_managers(notice: Notice) -> list[User]:
    """The managers of the notice's county (else whoever answers for the outlet)."""
    county = notice.org_unit.county
    managers = User.objects.filter(
        org_unit=county, is_active=True, role=Role.COUNTY_MANAGER
    ).order_by("pk")
    return list(managers) or responsible_managers(notice.org_unit)


@breach_handler("PUB-4", period=True)
def notice_period_elapsed(timer: SlaTimer) -> None:
    """PUB-4: the minimum period is over. The responsible clerk is told that the notice
    can be closed, and the "PUB-4-close" timer starts: a notice left open past it is
    flagged to the county. Nothing for a notice closed or withdrawn meanwhile."""
    notice = _notice_of(timer)
    if notice.state != Notice.State.POSTED:
        return
    notify_staff(
        recipients=[notice.responsible],
        org_unit=notice.org_unit,
        subject=_("Notice period over: %(title)s") % {"title": notice.title},
        body=_(
            "The notice has been up for its full period (PUB-4). Check the objections and "
            "the posting photos, then close it."
        ),
        dedup_key=f"notice:{notice.pk}:period-over",
        link=_link(notice),
    )
    if notice.overdue_timer_id is None:
        notice.overdue_timer = timer_start(
            subject=notice,
            rule_code=CLOSE_RULE,
            org_unit=notice.org_unit,
            owner=notice.responsible,
            started_at=timer.due_at,
        )
        save_with_reason(notice, by=None, reason=_("Notice period over (PUB-4)"))


@breach_handler(CLOSE_RULE)
def notice_left_open(timer: SlaTimer) -> None:
    """PUB-4-close: the notice is still open well after its period; it is flagged and
    the county's managers are told."""
    notice = _notice_of(timer)
    if notice.state != Notice.State.POSTED:
        return
    notice.overdue_flagged_at = timezone.now()
    save_with_reason(notice, by=None, reason=_("Notice left open after its period (PUB-4)"))
    notify_staff(
        recipients=county_managers(notice),
        org_unit=notice.org_unit,
        subject=_("Notice left open: %(title)s") % {"title": notice.title},
        body=_(
            "The notice's period ended on %(ends)s and it is still not closed (PUB-4); "
            "what it is about cannot be final until it is."
        )
        % {"ends": timezone.localtime(notice.ends_at).strftime("%Y-%m-%d %H:%M")},
        dedup_key=f"notice:{notice.pk}:left-open",
        link=_link(notice),
    )
