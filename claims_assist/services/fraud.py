"""CLM-16: the watch list of proven false claims, and the flags shown at intake
(watch list, repeat claimant, high loss ratio). Contract stub: its owner fills it in."""

import datetime as dt

from claims_assist.models import ClaimCase, WatchListEntry
from core.models import OrgUnit, User


def fraud_flags_for(
    *,
    county: OrgUnit,
    insured_id_number: str,
    insured_name: str,
    at: dt.datetime | None = None,
    exclude_case: ClaimCase | None = None,
) -> list[dict]:
    """The CLM-16 flags of an insured in `county`: a list of {"code", "label",
    "detail"} dicts (codes "watch_list", "repeat_claimant", "high_loss_ratio"), empty
    when nothing is flagged."""
    raise NotImplementedError


def watch_list_add(
    *,
    by: User,
    county: OrgUnit,
    name: str,
    id_number: str,
    reason: str,
    case: ClaimCase | None = None,
) -> WatchListEntry:
    """Put a person on the county's watch list (CLM-16); an entry already active for
    the same ID is returned unchanged."""
    raise NotImplementedError
