"""CLM-11: status queries. A customer (or their representative) asking at the counter or
through a partner system learns how their claim stands only on the insured's ID number
and the policy number, both matching the case; a representative also shows a power of
attorney with a copy of the insured's ID.

Every query is kept as a StatusQuery row, answered or refused, with who asked, where,
through which channel and why it was refused. A refusal reveals nothing: "no such case"
and "the ID does not match the policy" get the same words, so the query cannot be used
to learn whether someone has a claim.
"""

import dataclasses
import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from claims_assist import selectors_cases
from claims_assist.models import CaseEvent, ClaimCase, StatusQuery
from core.access import check_can_write
from core.models import User
from underwriting.identity import IdentityError, normalise_identity

Stage = ClaimCase.Stage

# CLM-11: why a query is not answered: (the input it concerns, the reason as recorded,
# the message shown). Invalid ID numbers show underwriting.identity's message instead,
# which says what is wrong with the number.
REFUSALS = {
    "id_missing": (
        "id_number",
        _("Insured's ID number missing"),
        _("The insured's ID number is required to tell the status of a claim (CLM-11)."),
    ),
    "id_invalid": ("id_number", _("Insured's ID number not valid"), None),
    "attorney_missing": (
        "attorney_name",
        _("Representative's name or ID number missing"),
        _(
            "A representative must give their name and ID number and show the power of "
            "attorney (CLM-11)."
        ),
    ),
    "attorney_id_invalid": (
        "attorney_id_number",
        _("Representative's ID number not valid"),
        None,
    ),
    "attorney_documents_missing": (
        "attorney_documents_seen",
        _("Power of attorney or copy of the insured's ID not shown"),
        _(
            "A representative must show the power of attorney and a copy of the insured's "
            "ID before the status is told (CLM-11)."
        ),
    ),
    "policy_missing": (
        "policy_number",
        _("Policy number missing"),
        _("The policy number is required to tell the status of a claim (CLM-11)."),
    ),
    "no_match": (
        None,
        _("No case of this policy and insured ID in the branch"),
        _(
            "No claim can be told on these details: check the policy number and the "
            "insured's ID number, or call 95518 (CLM-11)."
        ),
    ),
}

# What happens next, as the customer is told at each stage.
NEXT_STEPS = {
    Stage.REPORTED: _("Report the claim to 95518 and give the outlet the 95518 report number."),
    Stage.FORWARDED: _("The claims centre arranges the survey of the loss."),
    Stage.SURVEY: _("The loss is surveyed and assessed."),
    Stage.ASSESSED: _("Hand in the claim documents the outlet listed for this case."),
    Stage.FILE_COMPLETE: _(
        "The outlet sends the documents to the claims centre within 3 working days."
    ),
    Stage.TRANSFERRED: _("The claims centre reviews the file and decides on the claim."),
    Stage.APPROVED: _(
        "The amount is paid to the account given: within 3 working days below 5,000 yuan, "
        "otherwise within 7."
    ),
    Stage.PAID: _("The amount has been paid; the case is then closed."),
    Stage.CLOSED: _("Nothing more: the case is closed."),
    Stage.REFUSED: _(
        "The refusal letter states the reasons; to dispute them, ask the outlet or call 95518."
    ),
    Stage.WITHDRAWN: _("Nothing more: the claim was withdrawn."),
}


@dataclasses.dataclass(frozen=True)
class CaseStatus:
    """What the customer is told about one case."""

    number: str
    stage: str
    stage_label: str
    reported_at: dt.datetime
    last_event_label: str
    last_event_at: dt.datetime | None
    next_step: str
    hotline_number: str


@dataclasses.dataclass(frozen=True)
class StatusAnswer:
    """The answer to one query: `cases` when answered, else the refusal `reason` (a key
    of REFUSALS), the input it concerns (`field`) and the `message` to show."""

    query: StatusQuery
    answered: bool
    cases: list[CaseStatus] = dataclasses.field(default_factory=list)
    reason: str = ""
    field: str | None = None
    message: str = ""


def _refusal_message(reason: str, detail: str | None) -> str:
    return detail or str(REFUSALS[reason][2])


def _check_query(
    *,
    id_number: str,
    policy_number: str,
    via_attorney: bool,
    attorney_name: str,
    attorney_id_number: str,
    attorney_documents_seen: bool,
) -> str:
    """The insured's normalised ID number, or ValidationError whose code is the reason
    (a key of REFUSALS) and whose message says what to do (CLM-11)."""
    if not (id_number or "").strip():
        raise ValidationError(_refusal_message("id_missing", None), code="id_missing")
    try:
        normalised = normalise_identity(id_number, kind="farmer")
    except IdentityError as exc:
        raise ValidationError(exc.messages[0], code="id_invalid") from None
    if via_attorney:
        if not attorney_name.strip() or not (attorney_id_number or "").strip():
            raise ValidationError(
                _refusal_message("attorney_missing", None), code="attorney_missing"
            )
        try:
            normalise_identity(attorney_id_number, kind="farmer")
        except IdentityError as exc:
            raise ValidationError(exc.messages[0], code="attorney_id_invalid") from None
        if not attorney_documents_seen:
            raise ValidationError(
                _refusal_message("attorney_documents_missing", None),
                code="attorney_documents_missing",
            )
    if not (policy_number or "").strip():
        raise ValidationError(_refusal_message("policy_missing", None), code="policy_missing")
    return normalised


def _matching_cases(*, by: User, policy_number: str, id_number: str) -> list[ClaimCase]:
    """The cases in the asker's scope of this policy and this insured, newest first."""
    latest_first = CaseEvent.objects.order_by("-at", "-pk")
    return list(
        selectors_cases.case_list(user=by)
        .filter(insured_id_number=id_number, policy_number__iexact=policy_number.strip())
        .prefetch_related(Prefetch("events", queryset=latest_first, to_attr="events_latest"))
        .order_by("-reported_at", "-pk")
    )


def _status(case: ClaimCase) -> CaseStatus:
    last = case.events_latest[0] if case.events_latest else None
    return CaseStatus(
        number=case.number,
        stage=case.stage,
        stage_label=str(case.get_stage_display()),
        reported_at=case.reported_at,
        last_event_label=str(last.get_stage_display()) if last else "",
        last_event_at=last.at if last else None,
        next_step=str(NEXT_STEPS[case.stage]),
        hotline_number=case.hotline_number,
    )


def case_status_query(
    *,
    by: User,
    channel: str,
    policy_number: str,
    id_number: str,
    via_attorney: bool = False,
    attorney_name: str = "",
    attorney_id_number: str = "",
    attorney_documents_seen: bool = False,
) -> StatusAnswer:
    """Answer a status query (CLM-11) and record it, answered or refused.

    Answered only when the insured's ID number (normalised) and the policy number match
    cases in `by`'s scope; a representative (`via_attorney`) also gives their name and a
    valid ID number and the clerk confirms seeing the power of attorney and the copy of
    the insured's ID. Writes one StatusQuery row (asked at `by`'s unit) and locks
    nothing. Raises ReadOnlyRole for read-only roles and ValidationError when `by` is
    placed nowhere in the tree (the query could not be recorded).
    """
    check_can_write(by)
    if by.org_unit_id is None:
        raise ValidationError(
            _("Status queries are recorded at a branch: ask as a member of staff placed at one."),
            code="no_branch",
        )
    reason, detail, cases = "", None, []
    try:
        normalised = _check_query(
            id_number=id_number,
            policy_number=policy_number,
            via_attorney=via_attorney,
            attorney_name=attorney_name,
            attorney_id_number=attorney_id_number,
            attorney_documents_seen=attorney_documents_seen,
        )
    except ValidationError as exc:
        reason, detail = exc.code, exc.messages[0]
    else:
        cases = _matching_cases(by=by, policy_number=policy_number, id_number=normalised)
        if not cases:
            reason = "no_match"
    with translation.override(settings.LANGUAGE_CODE):
        # Kept in the site's language, whatever the asker's, like the case's records.
        recorded_reason = str(REFUSALS[reason][1]) if reason else ""
    with transaction.atomic():
        query = StatusQuery.objects.create(
            case=cases[0] if cases else None,
            org_unit_id=by.org_unit_id,
            channel=channel,
            asked_by=by,
            policy_number=(policy_number or "").strip()[:32],
            via_attorney=via_attorney,
            attorney_name=attorney_name.strip()[:100] if via_attorney else "",
            answered=not reason,
            refusal=recorded_reason[:200],
        )
    if reason:
        return StatusAnswer(
            query=query,
            answered=False,
            reason=reason,
            field=REFUSALS[reason][0],
            message=_refusal_message(reason, detail),
        )
    return StatusAnswer(query=query, answered=True, cases=[_status(case) for case in cases])
