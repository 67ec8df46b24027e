"""Objections to a notice (PUB-5): recorded at the counter or filed online, verified
within the PUB-5 timer, resolved with a recorded outcome, and corrections written back
to the source through its own services (underwriting) with audit.

CONTRACT STUB written by the lead: the signatures are fixed; the bodies are written by
the objections helper."""

import datetime as dt

from core.models import User
from publicity.models import Notice, NoticeLine, Objection


def objection_record(
    *,
    clerk: User,
    notice: Notice,
    line: NoticeLine | None,
    raiser_kind: str,
    raiser_name: str,
    channel: str,
    claim: str,
    details: str,
    contact_phone: str = "",
    raised_at: dt.datetime | None = None,
) -> Objection:
    """PUB-5: an objection received by phone or in person."""
    raise NotImplementedError


def objection_submit_online(
    *,
    notice: Notice,
    line_position: int | None,
    raiser_name: str,
    claim: str,
    details: str,
    contact_phone: str = "",
    ip_address: str | None = None,
) -> Objection:
    """PUB-5: an objection filed on the public notice page (no user)."""
    raise NotImplementedError


def objection_resolve(
    *,
    clerk: User,
    objection: Objection,
    outcome: str,
    note: str,
    corrections: dict | None = None,
    policy_change=None,
) -> Objection:
    """PUB-5: record the verification outcome; CORRECTED/REMOVED change the list."""
    raise NotImplementedError
