"""Written refusals (CLM-3, REG-1 art. 24). Contract stub: its owner fills it in."""

import datetime as dt

from claims_assist.models import ClaimCase, RefusalLetter
from core.models import User


def refusal_issue(
    *, by: User, case: ClaimCase, kind: str, reasons: str, at: dt.datetime | None = None
) -> RefusalLetter:
    """Issue the written refusal of the locked case stating `reasons`: the PDF is
    rendered and kept as issued, and REG-1's 3-day notice timer runs until the letter
    is handed over (`refusal_delivered`)."""
    raise NotImplementedError
