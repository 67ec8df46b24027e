"""CLM-4: major cases. Contract stub: its owner fills it in."""

import datetime as dt

from claims_assist.models import ClaimCase
from core.models import User


def case_major_evaluate(*, case: ClaimCase, by: User | None, at: dt.datetime | None = None) -> bool:
    """Re-evaluate the automatic CLM-4 reasons of the locked case (deaths, the estimate
    or sum insured over the county's major amount) after intake or a change of the
    estimate; a case that becomes major is flagged and its 24-hour head-office timer
    starts from the report. Returns whether the case is major."""
    raise NotImplementedError
