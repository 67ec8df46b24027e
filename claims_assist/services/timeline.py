"""CLM-8..CLM-10 and REG-1 after the file is complete: decision, payment, closure.
Contract stub: its owner fills it in."""

import datetime as dt
from decimal import Decimal

from claims_assist.models import ClaimCase
from core.models import User


def case_decide(
    *,
    case: ClaimCase,
    by: User,
    decision: str,
    amount: Decimal | None = None,
    reason: str = "",
    false_claim: bool = False,
    at: dt.datetime | None = None,
) -> ClaimCase:
    """Record the decision on the locked case: pay `amount` (CLM-10 payment timer, 3 or
    7 working days, and REG-1's 10 days) or refuse with `reason` (REG-1: refusal
    notified within 3 days; `false_claim` puts the insured on the watch list, CLM-16).
    Needs a complete file; a case not settled one-stop needs the claims centre's review."""
    raise NotImplementedError
