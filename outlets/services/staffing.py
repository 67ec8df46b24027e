"""OUT-10: the staffing check. The minimum comes from the outlet's annual premium by the
configurable bands (outlets.selectors_compliance.staffing_status); an outlet below it
has an open "OUT-10-staffing" finding until it is staffed again.

Staff records themselves (joining, leaving, agent qualifications) belong to the
registry (outlets.services.registry); the registry's writes and the daily beat task
call `staffing_check` afterwards.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.models import OrgUnit
from outlets.models import Finding
from outlets.selectors_compliance import StaffingStatus, staffing_status
from outlets.services.compliance import system_finding_close, system_finding_raise

STAFFING_STANDARD = "OUT-10-staffing"
# OUT-10/OUT-16: time given to recruit before an understaffing finding is overdue.
STAFFING_DUE_DAYS = 30


@transaction.atomic
def staffing_check(*, outlet: OrgUnit, on: dt.date | None = None, by=None) -> StaffingStatus:
    """OUT-10: compare the outlet's staff with the minimum of its premium band; open the
    understaffing finding (one at a time) or close it once the outlet is staffed again.
    Locks the open finding row, if any."""
    on = on or timezone.localdate()
    status = staffing_status(outlet=outlet, on=on)
    if status.understaffed:
        system_finding_raise(
            outlet=outlet,
            source=Finding.Source.STAFFING,
            standard=STAFFING_STANDARD,
            description=_(
                "OUT-10: %(staff)s staff for an annual premium of %(premium)s yuan; "
                "the minimum is %(minimum)s."
            )
            % {
                "staff": status.staff,
                "premium": f"{status.premium.amount:,.2f}",
                "minimum": status.minimum,
            },
            corrective_action=_("Recruit or assign %(short)s more staff.")
            % {"short": status.short},
            due_on=on + dt.timedelta(days=STAFFING_DUE_DAYS),
        )
    else:
        system_finding_close(
            outlet=outlet,
            standard=STAFFING_STANDARD,
            note=_("Staffed again: %(staff)s of at least %(minimum)s (OUT-10).")
            % {"staff": status.staff, "minimum": status.minimum},
            by=by,
        )
    return status


def staffing_check_all(*, on: dt.date | None = None) -> int:
    """The daily check of every active outlet; returns how many are understaffed."""
    short = 0
    for outlet in OrgUnit.objects.filter(kind=OrgUnit.Kind.OUTLET, is_active=True):
        short += staffing_check(outlet=outlet, on=on).understaffed
    return short
