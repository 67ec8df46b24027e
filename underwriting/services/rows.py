"""Corrections of single household rows of a listed group policy's current list, as the
public notice's objections require them (PUB-5): a name, subject type, quantity or
village group corrected, or a household taken off the list.

Rules:

- only a LISTED group policy's current (accepted) list is corrected here; once the
  policy is issued its households change by an endorsement (UW-12);
- every save is kept in the row's (and the policy's) history with the user and the
  reason, which is required (UW-6: no silent change to a verified list);
- a quantity change re-prices the row and re-allocates the subsidies of the whole list
  with `RowAllocator` in row order, because cumulative rounding (UW-4) may move a cent
  in the rows after it; the list's and the policy's totals follow, so the rows add up
  to the policy to the cent (the CHECK constraints hold);
- the row's UW-5 flags that depend on what changed are evaluated again: unusually large
  quantity, epidemic zone and capacity of its village;
- the last household of a list is never removed (a list without households is no list).
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from core.access import check_can_write
from core.audit import save_with_reason
from core.formats import plain_decimal
from core.models import User
from underwriting.imports.validation import (
    EPIDEMIC_ZONE,
    LARGE_QUANTITY,
    MAX_QUANTITY,
    OVER_CAPACITY,
    QUANTUM,
)
from underwriting.models import HouseholdList, HouseholdRow, Policy, Village
from underwriting.premiums import LEVELS, RowAllocator, Split, premium_for, to_cent
from underwriting.selectors import current_household_list, policy_get, subsidy_rates_for

# What an objection may correct on a row, by model field.
CORRECTABLE = ("name", "subject_type", "quantity", "village_group")
SPLIT_FIELDS = ("premium", "farmer_share", *LEVELS)
BATCH = 2000
_MAX_LENGTH = {
    name: HouseholdRow._meta.get_field(name).max_length
    for name in ("name", "subject_type", "village_group")
}


@dataclass(frozen=True)
class RowCorrection:
    """What a correction did: the saved row, the fields that changed as {field: [before,
    after]} (text, ready for a JSON record), and how many other rows had their subsidy
    allocation moved by the re-allocation (UW-4)."""

    row: HouseholdRow
    changes: dict[str, list[str]]
    rows_reallocated: int = 0


@dataclass(frozen=True)
class RowRemoval:
    """What a removal did: the removed row as it was (no longer in the database) and how
    many remaining rows had their subsidy allocation moved."""

    row: HouseholdRow
    rows_reallocated: int = 0


# --- Checks -------------------------------------------------------------------------------
def _locked(*, clerk: User, row: HouseholdRow) -> tuple[Policy, HouseholdList, HouseholdRow]:
    """Lock the policy row (finalisation and other corrections wait), then the household
    row; check that it is on the current list of a LISTED group policy."""
    policy = policy_get(user=clerk, pk=row.household_list.policy_id, for_update=True)
    check_can_write(clerk, policy)
    if policy.kind != Policy.Kind.GROUP:
        raise ValidationError(_("Only group policies have a household list."), code="not_group")
    household_list = current_household_list(policy=policy)
    if policy.status != Policy.Status.LISTED or household_list is None:
        raise ValidationError(
            _(
                "The household list of this policy can no longer be corrected here: the "
                "policy is %(status)s. Change an issued policy's households by an "
                "endorsement (UW-12)."
            )
            % {"status": policy.get_status_display()},
            code="list_not_editable",
        )
    row = HouseholdRow.objects.select_for_update().filter(pk=row.pk).first()
    if row is None or row.household_list_id != household_list.pk:
        raise ValidationError(
            _("This household is not on the policy's current list (it was replaced)."),
            code="row_not_current",
        )
    return policy, household_list, row


def _reason_message() -> str:
    return _("A reason is required for this change (UW-6).")


def _clean_changes(changes: dict, reason: str) -> dict:
    """The asked-for values, normalised; a ValidationError lists every problem."""
    errors: dict[str, list[str]] = {}
    if not (reason or "").strip():
        errors["reason"] = [_reason_message()]
    unknown = sorted(set(changes) - set(CORRECTABLE))
    if unknown:
        errors.setdefault("__all__", []).append(
            _("These fields cannot be corrected on a household row: %(fields)s.")
            % {"fields": ", ".join(unknown)}
        )
    cleaned: dict = {}
    for name in ("name", "subject_type", "village_group"):
        if name not in changes:
            continue
        value = str(changes[name] or "").strip()
        if name == "name" and not value:
            errors.setdefault(name, []).append(_("The name cannot be empty."))
        elif len(value) > _MAX_LENGTH[name]:
            errors.setdefault(name, []).append(
                _("At most %(n)s characters.") % {"n": _MAX_LENGTH[name]}
            )
        else:
            cleaned[name] = value
    if "quantity" in changes:
        try:
            quantity = Decimal(str(changes["quantity"]).strip()).quantize(
                QUANTUM, rounding=ROUND_HALF_UP
            )
        except (InvalidOperation, ValueError):
            quantity = None
        if quantity is None or not quantity.is_finite():
            errors.setdefault("quantity", []).append(_("Enter the quantity as a number."))
        elif quantity <= 0 or quantity >= MAX_QUANTITY:
            errors.setdefault("quantity", []).append(
                _(
                    "The quantity must be more than 0; to take the household off the list, "
                    "remove it."
                )
            )
        else:
            cleaned["quantity"] = quantity
    if not changes:
        errors.setdefault("__all__", []).append(_("Say what is to be corrected."))
    if errors:
        raise ValidationError(errors, code="invalid_correction")
    return cleaned


def check_household_row_correct(
    *, clerk: User, row: HouseholdRow, changes: dict, reason: str
) -> dict:
    """May `clerk` correct `row` so? Returns the normalised values; raises a
    ValidationError listing every problem (the reason is required, UW-6)."""
    check_can_write(clerk, row.household_list.policy)
    return _clean_changes(changes, reason)


# --- Re-allocation and totals (UW-4) ------------------------------------------------------
def _as_text(value) -> str:
    return plain_decimal(value) if isinstance(value, Decimal) else str(value)


def _reallocate(
    *,
    policy: Policy,
    household_list: HouseholdList,
    by: User,
    reason: str,
    changed: HouseholdRow | None = None,
) -> tuple[Split, int]:
    """UW-4: price every row of the list again (the changed row with its new quantity)
    and allocate the subsidies in row order. `changed` gets its new split in memory (the
    caller saves it); every other row whose split moved is saved with history and the
    reason. Returns the policy's split and how many other rows moved. The caller holds
    the policy lock; the rows are locked here."""
    product = policy.product
    rows = household_list.rows.all()
    list(rows.select_for_update().values_list("pk", flat=True))
    allocator = RowAllocator(
        rates=subsidy_rates_for(
            product=product, org_unit=policy.org_unit, year=policy.application_date.year
        )
    )
    moved: dict[int, Split] = {}
    stream = rows.order_by("row_number").values_list("pk", "quantity", *SPLIT_FIELDS)
    for pk, quantity, *stored in stream.iterator(chunk_size=BATCH):
        if changed is not None and pk == changed.pk:
            quantity = changed.quantity
        split = allocator.allocate(
            premium_for(
                quantity=quantity,
                sum_insured_per_unit=product.sum_insured_per_unit,
                rate=product.rate,
            )
        )
        if changed is not None and pk == changed.pk:
            for field in SPLIT_FIELDS:
                setattr(changed, field, getattr(split, field))
        elif tuple(stored) != tuple(getattr(split, field) for field in SPLIT_FIELDS):
            moved[pk] = split
    pks = list(moved)
    for start in range(0, len(pks), BATCH):
        batch = list(HouseholdRow.objects.filter(pk__in=pks[start : start + BATCH]))
        for row in batch:
            for field in SPLIT_FIELDS:
                setattr(row, field, getattr(moved[row.pk], field))
        bulk_update_with_history(
            batch,
            HouseholdRow,
            list(SPLIT_FIELDS),
            default_user=by,
            default_change_reason=reason,
        )
    return allocator.total(), len(moved)


def _refresh_totals(
    *, policy: Policy, household_list: HouseholdList, totals: Split, by: User, reason: str
) -> None:
    """The list's and the policy's figures from the rows (UW-4: to the cent), the
    applicant label "{first}等N户" (UW-2) and the subjects, as the import sets them."""
    rows = household_list.rows.all()
    sums = rows.aggregate(
        households=Count("pk"),
        quantity=Sum("quantity"),
        **{field: Sum(field) for field in SPLIT_FIELDS},
    )
    if any(sums[field] != getattr(totals, field) for field in SPLIT_FIELDS):
        raise AssertionError(f"UW-4: rows {sums} do not add up to the policy {totals}")
    first_name = rows.order_by("row_number").values_list("name", flat=True)[0]
    subjects = list(
        rows.order_by("subject_type").values_list("subject_type", flat=True).distinct()[:4]
    )
    before = {
        field: getattr(policy, field)
        for field in (*SPLIT_FIELDS, "quantity", "sum_insured", "applicant_label", "subject")
    }
    for field in SPLIT_FIELDS:
        setattr(policy, field, getattr(totals, field))
    policy.quantity = sums["quantity"]
    policy.sum_insured = to_cent(sums["quantity"] * policy.product.sum_insured_per_unit)
    policy.applicant_label = f"{first_name}等{sums['households']}户"[:120]
    policy.subject = "、".join(subjects)[:100]
    if any(getattr(policy, field) != value for field, value in before.items()):
        save_with_reason(policy, by=by, reason=reason, require_reason=True)
    household_list.household_count = sums["households"]
    household_list.quantity = sums["quantity"]
    household_list.premium = totals.premium
    household_list.save(update_fields=["household_count", "quantity", "premium"])


# --- UW-5 flags of the corrected row ------------------------------------------------------
def _village_of(policy: Policy, village_group: str) -> Village | None:
    """The outlet's village the group belongs to (东村三组 → 东村), as the import reads it."""
    if not village_group:
        return None
    villages = Village.objects.filter(org_unit_id=policy.org_unit_id).prefetch_related("capacities")
    found = [village for village in villages if village_group.startswith(village.name)]
    return max(found, key=lambda village: len(village.name), default=None)


def _over_capacity(
    policy: Policy, household_list: HouseholdList, village: Village, row: HouseholdRow
) -> bool:
    """Is the village over its recorded capacity this season with `row` as corrected
    (not saved yet)?"""
    capacity = next((c for c in village.capacities.all() if c.unit == policy.product.unit), None)
    if capacity is None:
        return False
    others = household_list.rows.filter(village_group__startswith=village.name).exclude(pk=row.pk)
    here = (others.aggregate(total=Sum("quantity"))["total"] or Decimal(0)) + row.quantity
    elsewhere = HouseholdRow.objects.filter(
        household_list__state=HouseholdList.State.ACCEPTED,
        household_list__policy__product_id=policy.product_id,
        household_list__policy__season=policy.season,
        household_list__policy__status__in=(Policy.Status.LISTED, Policy.Status.ISSUED),
        village_group__startswith=village.name,
    ).exclude(household_list__policy_id=policy.pk).aggregate(total=Sum("quantity"))[
        "total"
    ] or Decimal(0)
    return here + elsewhere > capacity.quantity


def _flags_after(
    *, policy: Policy, household_list: HouseholdList, row: HouseholdRow, fields: set[str]
) -> list[str]:
    """UW-5: the row's flags with those depending on `fields` evaluated again for the
    corrected (unsaved) row. Flags of other rows of the village are left as the import
    set them."""
    flags = list(row.flags or [])

    def setflag(code: str, on: bool) -> None:
        if on and code not in flags:
            flags.append(code)
        elif not on and code in flags:
            flags.remove(code)

    if "quantity" in fields:
        limit = policy.product.flag_quantity_over
        setflag(LARGE_QUANTITY, limit is not None and row.quantity > limit)
    if fields & {"quantity", "village_group"}:
        village = _village_of(policy, row.village_group)
        if "village_group" in fields:
            setflag(EPIDEMIC_ZONE, village is not None and village.epidemic_zone)
        setflag(
            OVER_CAPACITY,
            village is not None and _over_capacity(policy, household_list, village, row),
        )
    return flags


# --- Services -----------------------------------------------------------------------------
@transaction.atomic
def household_row_correct(
    *, clerk: User, row: HouseholdRow, changes: dict, reason: str
) -> RowCorrection:
    """Correct `row` of a LISTED group policy's current list (PUB-5 objections, UW-6).

    `changes` maps any of CORRECTABLE (name, subject_type, quantity, village_group) to
    the new value. A quantity change re-prices the row, re-allocates the subsidies of
    the whole list in row order and updates the list's and the policy's totals (UW-4);
    the row's UW-5 flags follow. Every save has `clerk` and `reason` (required) in its
    history. Values equal to the current ones change nothing.

    Locks the policy row, then the household row, then (quantity) every row of the list.
    """
    policy, household_list, row = _locked(clerk=clerk, row=row)
    cleaned = check_household_row_correct(clerk=clerk, row=row, changes=changes, reason=reason)
    reason = reason.strip()
    diff = {
        field: [_as_text(getattr(row, field)), _as_text(value)]
        for field, value in cleaned.items()
        if getattr(row, field) != value
    }
    if not diff:
        return RowCorrection(row=row, changes={})
    for field, value in cleaned.items():
        setattr(row, field, value)
    moved = 0
    totals = None
    if "quantity" in diff:
        totals, moved = _reallocate(
            policy=policy, household_list=household_list, by=clerk, reason=reason, changed=row
        )
    row.flags = _flags_after(
        policy=policy, household_list=household_list, row=row, fields=set(diff)
    )
    save_with_reason(row, by=clerk, reason=reason, require_reason=True)
    if totals is None:
        totals = Split(**{field: getattr(policy, field) for field in SPLIT_FIELDS})
    _refresh_totals(
        policy=policy, household_list=household_list, totals=totals, by=clerk, reason=reason
    )
    return RowCorrection(row=row, changes=diff, rows_reallocated=moved)


def check_household_row_remove(*, clerk: User, row: HouseholdRow, reason: str) -> None:
    """May `clerk` take `row` off its list? Raises a ValidationError listing every
    problem. Reads without locking (for forms)."""
    check_can_write(clerk, row.household_list.policy)
    problems = []
    if not (reason or "").strip():
        problems.append(_reason_message())
    if row.household_list.rows.count() <= 1:
        problems.append(_last_row_message())
    if problems:
        raise ValidationError(problems, code="cannot_remove")


def _last_row_message() -> str:
    return _(
        "This is the only household on the list and cannot be removed: a group policy "
        "needs at least one household. Cancel the policy instead."
    )


@transaction.atomic
def household_row_remove(*, clerk: User, row: HouseholdRow, reason: str) -> RowRemoval:
    """Take `row` off a LISTED group policy's current list (PUB-5: listed but did not
    insure). The deletion is kept in the row's history with `clerk` and `reason`
    (required, UW-6); the subsidies of the remaining rows are re-allocated in row order
    and the list's and the policy's totals, label and subjects follow (UW-4). The last
    household is never removed.

    Locks the policy row, then the household row, then every row of the list.
    """
    policy, household_list, row = _locked(clerk=clerk, row=row)
    check_household_row_remove(clerk=clerk, row=row, reason=reason)
    reason = reason.strip()
    row._history_user = clerk
    row._change_reason = reason
    removed_pk = row.pk
    row.delete()
    row.pk = removed_pk
    totals, moved = _reallocate(
        policy=policy, household_list=household_list, by=clerk, reason=reason
    )
    _refresh_totals(
        policy=policy, household_list=household_list, totals=totals, by=clerk, reason=reason
    )
    return RowRemoval(row=row, rows_reallocated=moved)
