"""Payment requests (the last step of one-stop service, or after approval). Contract
stub: its owner fills it in."""

import datetime as dt
from decimal import Decimal

from claims_assist.models import ClaimCase, PaymentRequest
from core.models import User


def payment_request_create(
    *,
    case: ClaimCase,
    by: User,
    amount: Decimal,
    payee_name: str,
    payee_id_number: str,
    bank_name: str,
    bank_account: str,
    at: dt.datetime | None = None,
) -> PaymentRequest:
    """Request payment of the locked, approved case to the payee's account: at most the
    approved amount, one live request per case."""
    raise NotImplementedError
