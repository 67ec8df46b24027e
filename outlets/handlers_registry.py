"""Breach handlers of the registry area: the lease end warning (OUT-5), the agent
qualification expiry warning (OUT-10-qualification) and the overdue corrective action
of a finding (OUT-16).

They run inside the sweep's transaction with the timer row locked (core.timers): their
only effects are outbox rows, each with a dedup key, so a breach tells people exactly
once (SLA-2).
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from core.models import OrgUnit, Role, SlaTimer, User
from core.notifications import notify_staff, responsible_managers
from core.timers import breach_handler
from outlets.models import Finding, Lease, StaffMember
from outlets.services.registry import LEASE_RULE, QUALIFICATION_RULE
from outlets.standards import standard_label


def _county_managers(outlet: OrgUnit) -> list[User]:
    county = outlet.county
    if county is None:
        return []
    return list(User.objects.filter(is_active=True, role=Role.COUNTY_MANAGER, org_unit=county))


def _unique(users) -> list[User]:
    return list({user.pk: user for user in users if user is not None}.values())


@breach_handler(LEASE_RULE)
def lease_ends_soon(timer: SlaTimer) -> None:
    """OUT-5: the lease ends within the lead time; the outlet head and the county
    manager are told."""
    lease = Lease.objects.select_related("outlet").filter(pk=timer.subject_id).first()
    if lease is None:
        return
    notify_staff(
        recipients=_unique([*responsible_managers(lease.outlet), *_county_managers(lease.outlet)]),
        org_unit=lease.outlet,
        subject=_("Lease of %(outlet)s ends on %(day)s")
        % {"outlet": lease.outlet, "day": lease.ends_on},
        body=_("The lease with %(landlord)s ends on %(day)s. Renew it or record the move (OUT-5).")
        % {"landlord": lease.landlord, "day": lease.ends_on},
        dedup_key=f"outlet-lease:{lease.pk}:timer:{timer.pk}",
        link=reverse("outlets:outlet_detail", args=[lease.outlet_id]),
    )


@breach_handler(QUALIFICATION_RULE)
def qualification_expires_soon(timer: SlaTimer) -> None:
    """OUT-10: an agent's qualification expires within the lead time; the outlet head
    is told."""
    member = StaffMember.objects.select_related("outlet").filter(pk=timer.subject_id).first()
    if member is None or member.left_on is not None:
        return
    notify_staff(
        recipients=_unique([timer.owner, *responsible_managers(member.outlet)]),
        org_unit=member.outlet,
        subject=_("Agent qualification of %(name)s expires on %(day)s")
        % {"name": member.name, "day": member.qualification_expires_on},
        body=_(
            "Qualification %(number)s expires on %(day)s; without a renewed one the agent "
            "may not sell (OUT-10)."
        )
        % {"number": member.qualification_number, "day": member.qualification_expires_on},
        dedup_key=f"outlet-qualification:{member.pk}:timer:{timer.pk}",
        link=reverse("outlets:outlet_detail", args=[member.outlet_id]),
    )


@breach_handler("OUT-16")
def finding_overdue(timer: SlaTimer) -> None:
    """OUT-16: the corrective action is overdue; its owner and the county manager are
    told."""
    finding = Finding.objects.select_related("outlet", "owner").filter(pk=timer.subject_id).first()
    if finding is None or finding.state != Finding.State.OPEN:
        return
    notify_staff(
        recipients=_unique([finding.owner, *_county_managers(finding.outlet)]),
        org_unit=finding.outlet,
        subject=_("Corrective action overdue at %(outlet)s: %(standard)s")
        % {"outlet": finding.outlet, "standard": standard_label(finding.standard)},
        body=_("%(action)s was due on %(day)s (OUT-16).")
        % {"action": finding.corrective_action, "day": finding.due_on},
        dedup_key=f"outlet-finding:{finding.pk}:timer:{timer.pk}",
        link=reverse("outlets:finding_detail", args=[finding.pk]),
    )
