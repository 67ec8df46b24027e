"""Changes to issued policies (UW-12): endorsements (批改) and surrenders (退保).

A change is requested as a draft with its whole effect computed (field by field before
and after, the new premium split, the refund) so that the clerk can show it to the
customer; confirming applies it, withdrawing drops it. One open draft per policy.
Every applied field change is saved with the change's reason and the user (UW-6, REG-3),
and the change record keeps its own history.

Endorsement rules (refused with the rule's explanation; see ENDORSEMENT_RULES):

- E1 only issued policies whose cover has not ended change (surrenders too);
- E2 the product, the policy number and the insured person (ID number) never change;
- E3 the insured quantity may increase only before the cover starts (UW-6 fraud guard:
  no insuring a loss that has already happened);
- E4 a decrease after the cover started is a partial surrender: each part of the premium
  of the removed quantity is returned pro rata for the unexpired days (the refund rule
  below); the quantity stays above zero, ending the whole cover is a surrender;
- E5 the effective date lies between today and the end of the cover;
- E6 contact and bank details change at any time; no other field is endorsed;
- E7 an endorsement changes something.

Group policies are endorsed one household row of the current list at a time (bank
account, bank, phone, village/group, quantity under E3/E4). A changed row's split is
recomputed with `premiums.split_premium` and the policy and list totals move by the same
deltas, so the rows still add up to the policy to the cent (UW-4).

Refund rule (surrenders and E4 decreases), per part of the premium (farmer's share,
central, provincial, city, county):

- before the cover starts (effective on or before the start date) the part is returned
  in full;
- after it starts, pro rata by unexpired days: returned = part × unexpired_days /
  cover_days, rounded half up to the cent, where cover_days counts the start and end
  dates and unexpired_days counts from the effective date to the end date, both
  included (the cover ends at 0:00 of the effective date).

The farmer's part is the refund to the customer; the subsidy parts are not paid to the
farmer but returned to the finance levels (`subsidy_returned`). A surrender ends the
whole policy, a group policy included (households leave a group policy only with the
whole list); the policy keeps the split it was written with, and the change records what
went back. `premium_delta` is the change of the policy premium: the premium returned
(negative) for surrenders and decreases, the extra premium for increases.
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.access import check_can_write
from core.audit import save_with_reason
from core.formats import plain_decimal
from core.models import User
from underwriting.identity import IdentityError, normalise_identity
from underwriting.models import HouseholdRow, Policy, PolicyChange
from underwriting.premiums import LEVELS, Split, premium_for, split_premium, to_cent
from underwriting.selectors import current_household_list, subsidy_rates_for

PARTS: tuple[str, ...] = ("farmer_share", *LEVELS)
SPLIT_FIELDS: tuple[str, ...] = ("premium", *PARTS)
# The individual insured's contact and bank details live on the customer (E6).
CUSTOMER_FIELDS = ("phone", "address", "village_group", "bank_account", "bank_name")
ROW_FIELDS = ("phone", "village_group", "bank_account", "bank_name")
# E2: what identifies the contract; asked for, it is refused rather than ignored.
FIXED_FIELDS = ("product", "number", "id_number")


# --- Computations -------------------------------------------------------------------------
@dataclass(frozen=True)
class CoverShare:
    """How much of the cover is left on the effective date (the refund rule)."""

    unexpired_days: int
    cover_days: int

    @property
    def before_start(self) -> bool:
        return self.unexpired_days == self.cover_days

    def of(self, amount: Decimal) -> Decimal:
        return to_cent(amount * self.unexpired_days / self.cover_days)


def cover_share(*, policy: Policy, effective_on: dt.date) -> CoverShare:
    cover_days = (policy.ends_on - policy.starts_on).days + 1
    if effective_on <= policy.starts_on:
        return CoverShare(unexpired_days=cover_days, cover_days=cover_days)
    unexpired = max(0, (policy.ends_on - effective_on).days + 1)
    return CoverShare(unexpired_days=unexpired, cover_days=cover_days)


def split_of(record) -> Split:
    """The stored split of a policy or household row."""
    return Split(**{name: getattr(record, name) for name in SPLIT_FIELDS})


def _money(split: Split) -> dict[str, str]:
    return {name: str(value) for name, value in split.as_dict().items()}


def _minus(a: Split, b: Split) -> Split:
    return Split(**{name: getattr(a, name) - getattr(b, name) for name in SPLIT_FIELDS})


def _returned(*, removed: Split, share: CoverShare) -> Split:
    """Each part of the removed premium, pro rata; the total is the sum of the parts so
    that the split still adds up."""
    parts = {name: share.of(getattr(removed, name)) for name in PARTS}
    return Split(premium=sum(parts.values()), **parts)


def _rates(policy: Policy) -> dict[str, Decimal]:
    """UW-4: the subsidy rates the policy was written with (its application year)."""
    return subsidy_rates_for(
        product=policy.product, org_unit=policy.org_unit, year=policy.application_date.year
    )


# --- Endorsement rules ----------------------------------------------------------------------
@dataclass
class Proposal:
    """An endorsement as asked for: the target (the policy or one household row), the
    current and the asked-for values."""

    policy: Policy
    row: HouseholdRow | None
    today: dt.date
    effective_on: dt.date
    asked: dict[str, str]
    before: dict[str, str] = field(default_factory=dict)
    after: dict[str, str] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)

    @property
    def cover_started(self) -> bool:
        return self.today >= self.policy.starts_on

    @property
    def quantity_before(self) -> Decimal:
        return Decimal(self.before["quantity"])

    @property
    def quantity_after(self) -> Decimal | None:
        return Decimal(self.after["quantity"]) if "quantity" in self.after else None


@dataclass(frozen=True)
class EndorsementRule:
    code: str
    explanation: str
    broken: Callable[[Proposal], bool]


def _cover_over(policy: Policy, today: dt.date) -> bool:
    return (
        policy.status != Policy.Status.ISSUED
        or policy.starts_on is None
        or policy.ends_on is None
        or today > policy.ends_on
    )


def _increase_after_start(p: Proposal) -> bool:
    after = p.quantity_after
    return after is not None and after > p.quantity_before and p.cover_started


def _quantity_to_zero(p: Proposal) -> bool:
    after = p.quantity_after
    return after is not None and after <= 0


def _effective_outside(policy: Policy, effective_on: dt.date, today: dt.date) -> bool:
    return effective_on < today or effective_on > policy.ends_on


ENDORSEMENT_RULES: tuple[EndorsementRule, ...] = (
    EndorsementRule(
        "E1",
        gettext_lazy("Only issued policies whose cover has not ended can be changed."),
        lambda p: _cover_over(p.policy, p.today),
    ),
    EndorsementRule(
        "E2",
        gettext_lazy(
            "The product, the policy number and the insured person (ID number) cannot "
            "change: a different person or product needs a surrender and a new policy."
        ),
        lambda p: bool(p.fixed),
    ),
    EndorsementRule(
        "E3",
        gettext_lazy(
            "The insured quantity can only be increased before the cover starts "
            "(UW-6: no insuring after a loss)."
        ),
        _increase_after_start,
    ),
    EndorsementRule(
        "E4",
        gettext_lazy(
            "A decrease after the cover has started is a partial surrender: the premium of "
            "the removed quantity is returned pro rata for the unexpired days. The quantity "
            "stays above zero; to end the whole cover, surrender the policy."
        ),
        _quantity_to_zero,
    ),
    EndorsementRule(
        "E5",
        gettext_lazy("The effective date lies between today and the end of the cover."),
        lambda p: _effective_outside(p.policy, p.effective_on, p.today),
    ),
    EndorsementRule(
        "E6",
        gettext_lazy(
            "Contact and bank details can change at any time; no other field is endorsed."
        ),
        lambda p: bool(p.unknown),
    ),
    EndorsementRule(
        "E7",
        gettext_lazy("An endorsement must change at least one field."),
        lambda p: not p.after and not p.fixed and not p.unknown,
    ),
)


RULE = {rule.code: rule for rule in ENDORSEMENT_RULES}


def _refusal(rules: list[EndorsementRule]) -> ValidationError:
    return ValidationError(
        [
            ValidationError(
                _("Refused by endorsement rule %(code)s (UW-12): %(why)s")
                % {"code": rule.code, "why": rule.explanation},
                code=f"rule_{rule.code.lower()}",
            )
            for rule in rules
        ]
    )


def is_changeable(*, policy: Policy, today: dt.date) -> bool:
    """E1: the policy is issued and its cover has not ended."""
    return not _cover_over(policy, today)


def _check_changeable(policy: Policy, today: dt.date) -> None:
    """E1 for surrenders as well as endorsements; the other rules read the cover period,
    so a policy without one is refused on E1 alone."""
    if _cover_over(policy, today):
        raise _refusal([RULE["E1"]])


def _parse_quantity(value: str) -> Decimal:
    try:
        quantity = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError(
            {"quantity": _("Enter the quantity as a number.")}, code="invalid"
        ) from None
    if not quantity.is_finite() or quantity.as_tuple().exponent < -4:
        raise ValidationError(
            {"quantity": _("Enter the quantity with at most four decimals.")}, code="invalid"
        )
    return quantity


def _normalised(name: str, value) -> str:
    value = "" if value is None else str(value)
    if name == "bank_account":
        return "".join(value.split())
    return value.strip()


def _fixed_differs(policy: Policy, row: HouseholdRow | None, name: str, value: str) -> bool:
    if name == "product":
        return value not in {str(policy.product_id), policy.product.code}
    if name == "number":
        return value != policy.number
    current = row.id_number if row is not None else policy.insured.id_number
    try:
        return normalise_identity(value) != current
    except IdentityError:
        return True


def _check_length(model, name: str, value: str) -> None:
    limit = model._meta.get_field(name).max_length
    if len(value) > limit:
        raise ValidationError(
            {name: _("At most %(limit)s characters.") % {"limit": limit}}, code="max_length"
        )


def _proposal(
    *,
    policy: Policy,
    row: HouseholdRow | None,
    values: dict[str, str],
    effective_on: dt.date,
    today: dt.date,
) -> Proposal:
    """Read the asked-for values against the target's current ones. A blank value leaves
    the field as it is, so that a form need not show personal data in full to keep it."""
    asked = {name: _normalised(name, value) for name, value in values.items()}
    asked = {name: value for name, value in asked.items() if value}
    p = Proposal(policy=policy, row=row, today=today, effective_on=effective_on, asked=asked)
    target = row if row is not None else policy
    holder = row if row is not None else policy.insured
    editable = ROW_FIELDS if row is not None else CUSTOMER_FIELDS
    p.before["quantity"] = plain_decimal(target.quantity)
    for name, value in asked.items():
        if name in FIXED_FIELDS:
            if _fixed_differs(policy, row, name, value):
                p.fixed.append(name)
        elif name == "quantity":
            quantity = _parse_quantity(value)
            if quantity != target.quantity:
                p.after["quantity"] = plain_decimal(quantity)
        elif name in editable:
            _check_length(type(holder), name, value)
            if value != getattr(holder, name):
                p.before[name] = getattr(holder, name)
                p.after[name] = value
        else:
            p.unknown.append(name)
    return p


def check_endorsement(*, user: User, proposal: Proposal) -> None:
    """UW-12: refuse with every endorsement rule the proposal breaks."""
    check_can_write(user, proposal.policy)
    _check_changeable(proposal.policy, proposal.today)
    broken = [rule for rule in ENDORSEMENT_RULES if rule.broken(proposal)]
    if broken:
        raise _refusal(broken)


def endorsement_effect(*, proposal: Proposal) -> dict:
    """The effect of an allowed endorsement, as stored in PolicyChange.changes: fields
    before/after and, when the quantity changes, the target's and the policy's split
    before/after, what goes back (E4) and what the farmer pays extra (E3)."""
    policy, row = proposal.policy, proposal.row
    fields = [
        {"field": name, "before": proposal.before.get(name, ""), "after": value}
        for name, value in proposal.after.items()
    ]
    effect: dict = {
        "request": {
            "values": proposal.asked,
            "row_number": row.row_number if row is not None else None,
        },
        "target": "row" if row is not None else "policy",
        "fields": fields,
    }
    if row is not None:
        effect["row"] = {"id": row.pk, "row_number": row.row_number, "name": row.name}
    quantity = proposal.quantity_after
    if quantity is None:
        return effect
    target = row if row is not None else policy
    before = split_of(target)
    full = split_premium(
        premium=premium_for(
            quantity=quantity,
            sum_insured_per_unit=policy.product.sum_insured_per_unit,
            rate=policy.product.rate,
        ),
        rates=_rates(policy),
    )
    if quantity > target.quantity:
        # E3: before the cover starts an increase costs the full extra premium.
        after, returned = full, None
    else:
        share = cover_share(policy=policy, effective_on=proposal.effective_on)
        returned = _returned(removed=_minus(before, full), share=share)
        after = _minus(before, returned)
        effect["cover"] = {
            "unexpired_days": share.unexpired_days,
            "cover_days": share.cover_days,
        }
        effect["returned"] = _money(returned)
    delta = _minus(after, before)
    policy_before = split_of(policy)
    policy_after = Split(
        **{name: getattr(policy_before, name) + getattr(delta, name) for name in SPLIT_FIELDS}
    )
    effect["split"] = {"before": _money(before), "after": _money(after), "delta": _money(delta)}
    effect["policy_split"] = {"before": _money(policy_before), "after": _money(policy_after)}
    effect["quantity_delta"] = str(quantity - target.quantity)
    effect["collect"] = str(max(delta.farmer_share, Decimal(0)))
    return effect


def _endorsement_amounts(effect: dict) -> dict[str, Decimal]:
    returned = effect.get("returned")
    delta = effect.get("split", {}).get("delta", {})
    return {
        "premium_delta": Decimal(delta.get("premium", "0")),
        "refund": Decimal(returned["farmer_share"]) if returned else Decimal("0.00"),
        "subsidy_returned": (
            sum((Decimal(returned[level]) for level in LEVELS), Decimal("0.00"))
            if returned
            else Decimal("0.00")
        ),
    }


def surrender_effect(*, policy: Policy, effective_on: dt.date) -> dict:
    """The refund table of a surrender (the refund rule of this module)."""
    share = cover_share(policy=policy, effective_on=effective_on)
    paid = split_of(policy)
    returned = _returned(removed=paid, share=share)
    return {
        "cover": {"unexpired_days": share.unexpired_days, "cover_days": share.cover_days},
        "before_start": share.before_start,
        "paid": _money(paid),
        "returned": _money(returned),
        "kept": _money(_minus(paid, returned)),
    }


def _surrender_amounts(effect: dict) -> dict[str, Decimal]:
    returned = {name: Decimal(value) for name, value in effect["returned"].items()}
    return {
        "refund": returned["farmer_share"],
        "subsidy_returned": sum((returned[level] for level in LEVELS), Decimal("0.00")),
        "premium_delta": -returned["premium"],
    }


# --- Requests -----------------------------------------------------------------------------
def _required(value: str, name: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({name: message}, code="required")
    return value


def _check_no_open_change(policy: Policy) -> None:
    if policy.changes.filter(state=PolicyChange.State.DRAFT).exists():
        raise ValidationError(
            _(
                "This policy already has a change awaiting confirmation; confirm or withdraw "
                "it first."
            ),
            code="change_open",
        )


def _row_of(policy: Policy, row_number, *, for_update: bool = False) -> HouseholdRow:
    household_list = current_household_list(policy=policy)
    rows = HouseholdRow.objects.filter(household_list=household_list)
    if for_update:
        rows = rows.select_for_update()
    try:
        return rows.get(row_number=int(row_number))
    except (HouseholdRow.DoesNotExist, TypeError, ValueError):
        raise ValidationError(
            {"row_number": _("There is no such row on the policy's household list.")},
            code="no_row",
        ) from None


def _history_reason(change: PolicyChange) -> str:
    return f"{change.get_kind_display()} #{change.pk}: {change.reason}"


def _insert(change: PolicyChange, *, by: User) -> PolicyChange:
    try:
        with transaction.atomic():
            save_with_reason(change, by=by, reason=change.reason, require_reason=True)
    except IntegrityError:
        # A colleague opened a change on the same policy a moment ago.
        raise ValidationError(
            _("This policy already has a change awaiting confirmation."), code="change_open"
        ) from None
    return change


def _effective_on(value: dt.date | None, today: dt.date) -> dt.date:
    return value or today


@transaction.atomic
def change_request_endorsement(
    *,
    by: User,
    policy: Policy,
    reason: str,
    values: dict[str, str],
    effective_on: dt.date | None = None,
    row_number: int | None = None,
) -> PolicyChange:
    """Request an endorsement (UW-12) as a draft with its effect computed. A group policy
    is endorsed one household row (`row_number` of the current list) at a time. Locks the
    policy row."""
    check_can_write(by, policy)
    reason = _required(reason, "reason", _("Give the reason for the endorsement."))
    policy = (
        Policy.objects.select_for_update(of=("self",))
        .select_related("product", "insured", "org_unit")
        .get(pk=policy.pk)
    )
    today = timezone.localdate()
    effective_on = _effective_on(effective_on, today)
    row = None
    if policy.kind == Policy.Kind.GROUP:
        if row_number in (None, ""):
            raise ValidationError(
                {"row_number": _("Choose the household row to endorse.")}, code="required"
            )
        row = _row_of(policy, row_number)
    proposal = _proposal(
        policy=policy, row=row, values=values, effective_on=effective_on, today=today
    )
    check_endorsement(user=by, proposal=proposal)
    _check_no_open_change(policy)
    effect = endorsement_effect(proposal=proposal)
    change = PolicyChange(
        policy=policy,
        kind=PolicyChange.Kind.ENDORSEMENT,
        reason=reason,
        changes=effect,
        effective_on=effective_on,
        requested_by=by,
        **_endorsement_amounts(effect),
    )
    return _insert(change, by=by)


@transaction.atomic
def change_request_surrender(
    *,
    by: User,
    policy: Policy,
    reason: str,
    true_reason: str,
    retention: str,
    retention_note: str,
    effective_on: dt.date | None = None,
) -> PolicyChange:
    """Request a surrender (UW-12): the stated reason, the true reason found out by
    talking to the customer and the retention attempt are required. A customer who
    stayed gets the request withdrawn at once with the note, and nothing changes;
    otherwise the draft carries the refund table for confirmation. Locks the policy row."""
    check_can_write(by, policy)
    reason = _required(reason, "reason", _("Give the reason the customer states."))
    true_reason = _required(
        true_reason, "true_reason", _("Record the true reason after talking to the customer.")
    )
    if retention not in {PolicyChange.Retention.RETAINED, PolicyChange.Retention.DECLINED}:
        raise ValidationError(
            {"retention": _("Record the outcome of the retention attempt.")}, code="required"
        )
    retention_note = _required(
        retention_note, "retention_note", _("Note what was offered to keep the customer.")
    )
    policy = (
        Policy.objects.select_for_update(of=("self",))
        .select_related("product", "org_unit")
        .get(pk=policy.pk)
    )
    today = timezone.localdate()
    _check_changeable(policy, today)
    effective_on = _effective_on(effective_on, today)
    if _effective_outside(policy, effective_on, today):
        raise _refusal([RULE["E5"]])
    _check_no_open_change(policy)
    effect = surrender_effect(policy=policy, effective_on=effective_on)
    change = _insert(
        PolicyChange(
            policy=policy,
            kind=PolicyChange.Kind.SURRENDER,
            reason=reason,
            true_reason=true_reason,
            retention=retention,
            retention_note=retention_note,
            changes=effect,
            effective_on=effective_on,
            requested_by=by,
            **_surrender_amounts(effect),
        ),
        by=by,
    )
    if retention == PolicyChange.Retention.RETAINED:
        change.state = PolicyChange.State.WITHDRAWN
        save_with_reason(change, by=by, reason=retention_note)
    return change


# --- Confirm and withdraw -------------------------------------------------------------------
def _locked(change: PolicyChange) -> tuple[PolicyChange, Policy]:
    policy = (
        Policy.objects.select_for_update(of=("self",))
        .select_related("product", "insured", "org_unit")
        .get(pk=change.policy_id)
    )
    change = PolicyChange.objects.select_for_update().get(pk=change.pk)
    change.policy = policy
    return change, policy


def _check_draft(change: PolicyChange) -> None:
    if change.state != PolicyChange.State.DRAFT:
        raise ValidationError(
            _("This change is %(state)s and can no longer be confirmed or withdrawn.")
            % {"state": change.get_state_display()},
            code="not_draft",
        )


def _check_same_figures(change: PolicyChange, effect: dict) -> None:
    if effect != change.changes:
        raise ValidationError(
            _(
                "The policy or the date has moved on since these figures were shown, so they "
                "no longer hold. Withdraw this request and make a new one."
            ),
            code="stale",
        )


def check_change_confirm(*, by: User, change: PolicyChange) -> tuple[PolicyChange, Policy, dict]:
    """Lock the policy and the change, re-apply the rules as of today and recompute the
    effect: it must be exactly what was shown. Returns the locked records and the effect;
    the row of a group endorsement is locked as well."""
    check_can_write(by, change.policy)
    change, policy = _locked(change)
    _check_draft(change)
    today = timezone.localdate()
    if change.kind == PolicyChange.Kind.SURRENDER:
        _check_changeable(policy, today)
        if change.effective_on < today:
            raise _refusal([RULE["E5"]])
        effect = surrender_effect(policy=policy, effective_on=change.effective_on)
    else:
        request = change.changes["request"]
        row = (
            _row_of(policy, request["row_number"], for_update=True)
            if request["row_number"] is not None
            else None
        )
        proposal = _proposal(
            policy=policy,
            row=row,
            values=request["values"],
            effective_on=change.effective_on,
            today=today,
        )
        check_endorsement(user=by, proposal=proposal)
        effect = endorsement_effect(proposal=proposal)
    _check_same_figures(change, effect)
    return change, policy, effect


def _apply_split(record, split: dict[str, str]) -> None:
    for name, value in split.items():
        setattr(record, name, Decimal(value))


def _do_endorsement(*, by: User, change: PolicyChange, policy: Policy) -> None:
    """Write the endorsement: fields, split and totals, each save audited with the
    change's reason (UW-6)."""
    effect = change.changes
    reason = _history_reason(change)
    after = {item["field"]: item["after"] for item in effect["fields"]}
    quantity_delta = Decimal(effect.get("quantity_delta", "0"))
    unit_sum = policy.product.sum_insured_per_unit
    if effect["target"] == "row":
        row = HouseholdRow.objects.select_for_update().get(pk=effect["row"]["id"])
        for name, value in after.items():
            setattr(row, name, Decimal(value) if name == "quantity" else value)
        if "split" in effect:
            _apply_split(row, effect["split"]["after"])
        save_with_reason(row, by=by, reason=reason, require_reason=True)
        if quantity_delta:
            household_list = row.household_list
            household_list.quantity += quantity_delta
            household_list.premium += Decimal(effect["split"]["delta"]["premium"])
            household_list.save(update_fields=["quantity", "premium"])
    else:
        contact = {name: value for name, value in after.items() if name != "quantity"}
        if contact:
            customer = policy.insured
            for name, value in contact.items():
                setattr(customer, name, value)
            customer.full_clean()
            save_with_reason(customer, by=by, reason=reason, require_reason=True)
    if quantity_delta:
        policy.quantity += quantity_delta
        # As at issuance and import: the sum insured of the whole quantity, to the cent.
        policy.sum_insured = to_cent(policy.quantity * unit_sum)
        _apply_split(policy, effect["policy_split"]["after"])
        save_with_reason(policy, by=by, reason=reason, require_reason=True)


def _do_surrender(*, by: User, change: PolicyChange, policy: Policy) -> None:
    policy.status = Policy.Status.SURRENDERED
    save_with_reason(policy, by=by, reason=_history_reason(change), require_reason=True)


@transaction.atomic
def change_confirm(*, by: User, change: PolicyChange) -> PolicyChange:
    """Apply a drafted change (UW-12) in one transaction; see check_change_confirm for the
    locks. Nothing is written when a rule now refuses it or the figures moved."""
    change, policy, _effect = check_change_confirm(by=by, change=change)
    if change.kind == PolicyChange.Kind.SURRENDER:
        _do_surrender(by=by, change=change, policy=policy)
    else:
        _do_endorsement(by=by, change=change, policy=policy)
    change.state = PolicyChange.State.CONFIRMED
    change.confirmed_by = by
    change.confirmed_at = timezone.now()
    return save_with_reason(change, by=by, reason=_history_reason(change), require_reason=True)


@transaction.atomic
def change_withdraw(*, by: User, change: PolicyChange, note: str = "") -> PolicyChange:
    """Drop a drafted change; nothing on the policy changes. Locks the change row."""
    check_can_write(by, change.policy)
    change = PolicyChange.objects.select_for_update().select_related("policy").get(pk=change.pk)
    _check_draft(change)
    change.state = PolicyChange.State.WITHDRAWN
    return save_with_reason(change, by=by, reason=note.strip() or _("Withdrawn"))
