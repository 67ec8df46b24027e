"""Source adapters of notices (PUB-1, PUB-5, PUB-7): one mechanism for every kind of
notice, one adapter per kind of source.

An adapter knows three things about the record a notice shows:
- how its lines are read (`lines()`, copied into NoticeLine when the notice is made);
- how a correction or removal decided on an objection (PUB-5) is written back to it,
  through the source's own audited services, and how the notice's copy follows;
- what closing the notice means for it (PUB-1: a group policy may be finalised).

Callers get one with `source_for(notice)` (an existing notice) or
`group_policy_source(policy)` / `ClaimPaymentSource()` (before the notice exists).

For the objections service (PUB-5), `apply_correction` and `apply_removal` do the whole
write: the source row, the notice line(s), the notice totals and `notice.revision`. The
caller only records the objection's outcome with the returned change.

The group policy adapter calls, in `underwriting.services.rows`:
- `household_row_correct(*, clerk, row, changes, reason)` with `changes` keyed by
  HouseholdRow field names (name, quantity, subject_type, village_group), values cleaned
  (quantity a Decimal > 0, strings stripped); it saves the row(s) with the reason and
  re-splits the list's premiums (UW-4);
- `household_row_remove(*, clerk, row, reason)`; it refuses the list's last row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from core.audit import save_with_reason
from publicity.models import Notice, NoticeLine
from underwriting.models import ZERO, HouseholdRow, Policy

if TYPE_CHECKING:
    from core.models import User

# What an objection may correct on a line (PUB-5), by notice kind.
UNDERWRITING_FIELDS = ("name", "quantity", "subject", "village_group")
CLAIM_PAYMENT_FIELDS = ("name", "quantity", "subject", "village_group", "amount")
# The notice line's own name of a household row field.
_ROW_FIELD = {
    "name": "name",
    "quantity": "quantity",
    "subject": "subject_type",
    "village_group": "village_group",
}
_PREMIUMS = ("farmer_share", "central", "provincial", "city", "county")
_COPIED = (
    "name",
    "village_group",
    "subject",
    "quantity",
    "unit",
    "farmer_share",
    "central",
    "provincial",
    "city",
    "county",
    "amount",
)
_TOTALS = ("quantity", "farmer_share", "central", "provincial", "city", "county", "amount")


@dataclass(frozen=True)
class SourceLine:
    """One line as the source gives it, before it is numbered on a notice. Never carries
    an ID number, a phone or a bank account (PUB-2)."""

    name: str
    village_group: str = ""
    subject: str = ""
    quantity: Decimal | None = None
    unit: str = ""
    farmer_share: Decimal = ZERO
    central: Decimal = ZERO
    provincial: Decimal = ZERO
    city: Decimal = ZERO
    county: Decimal = ZERO
    amount: Decimal = ZERO
    source_row_id: int | None = None

    def as_line(self, *, notice: Notice, position: int) -> NoticeLine:
        values = {name: getattr(self, name) for name in _COPIED}
        return NoticeLine(
            notice=notice, position=position, source_row_id=self.source_row_id, **values
        )


def _json(value):
    """A value as it is kept in Objection.change (JSON): Decimals as strings."""
    if value is None or isinstance(value, str):
        return value
    return str(value)


def _clean_changes(changes: dict, allowed: tuple[str, ...]) -> dict:
    """Validate the fields of a correction; every problem is listed at once."""
    problems = []
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        problems.append(
            ValidationError(
                _("These fields cannot be corrected on this notice: %(fields)s."),
                code="unknown_field",
                params={"fields": ", ".join(unknown)},
            )
        )
    cleaned = {}
    for name in allowed:
        if name not in changes:
            continue
        value = changes[name]
        if name in ("quantity", "amount"):
            try:
                value = Decimal(str(value).strip())
            except (ArithmeticError, ValueError):
                problems.append(
                    ValidationError(
                        _("%(field)s must be a number."), code="invalid", params={"field": name}
                    )
                )
                continue
            if not value.is_finite() or value <= 0:
                problems.append(
                    ValidationError(
                        _("%(field)s must be more than zero."),
                        code="invalid",
                        params={"field": name},
                    )
                )
                continue
        else:
            value = str(value or "").strip()
            if name == "name" and not value:
                problems.append(ValidationError(_("The name cannot be empty."), code="invalid"))
                continue
        cleaned[name] = value
    if problems:
        raise ValidationError(problems)
    if not cleaned:
        raise ValidationError(_("Give at least one corrected value."), code="no_change")
    return cleaned


def notice_recompute_totals(*, notice: Notice) -> Notice:
    """Totals of the notice from its lines (the PDF and public page show them). Sets the
    fields on `notice`; the caller saves it."""
    sums = notice.lines.aggregate(**{name: Sum(name) for name in _TOTALS})
    for name in _TOTALS:
        setattr(notice, name, sums[name] or (ZERO if name != "quantity" else Decimal(0)))
    notice.line_count = notice.lines.count()
    return notice


def _delete_line(line: NoticeLine, *, by: User, reason: str) -> None:
    """The line's deletion is kept in its history with who and why."""
    line._history_user = by
    line._change_reason = reason
    line.delete()


def _changed_line(*, notice: Notice, by: User, reason: str) -> None:
    """After a correction: totals recomputed, revision bumped, saved with the reason."""
    notice_recompute_totals(notice=notice)
    notice.revision += 1
    save_with_reason(notice, by=by, reason=reason)


class NoticeSource:
    """What every source adapter offers. Subclasses override what differs."""

    kind: str = ""
    correctable_fields: tuple[str, ...] = ()
    record = None

    def lines(self) -> list[SourceLine]:
        """The lines to copy into a new notice (or into a draft, on refresh)."""
        raise NotImplementedError

    def revision(self) -> int | None:
        """Which version of the source's list the lines are (Notice.source_revision)."""
        return None

    def check_current(self, *, notice: Notice) -> list[ValidationError]:
        """PUB-1: problems if the list shown is no longer the source's list."""
        return []

    def apply_correction(
        self, *, notice: Notice, line: NoticeLine, by: User, changes: dict, reason: str
    ) -> dict:
        """PUB-5: write `changes` (keys of `correctable_fields`) to the source and to the
        notice: the line is refreshed with `corrected_at`, totals recomputed,
        `notice.revision` bumped, everything audited with `reason`. Returns
        {field: [before, after]} of the corrected line (JSON-ready). Raises a
        ValidationError when nothing would change or a value is invalid. The caller
        holds the notice locked (select_for_update) and has checked the user's scope."""
        raise NotImplementedError

    def apply_removal(self, *, notice: Notice, line: NoticeLine, by: User, reason: str) -> dict:
        """PUB-5: take the line's household (payee) off the source and delete the line
        (an objection keeps its `line_position`); totals and revision follow. Returns
        {field: [before, None]} of what was removed."""
        raise NotImplementedError

    def on_close(self, *, notice: Notice) -> None:
        """What a closed notice means for the source (nothing by default)."""


@dataclass
class GroupPolicySource(NoticeSource):
    """A LISTED group policy's accepted household list (PUB-1). Corrections go through
    `underwriting.services.rows` (UW-4 premiums re-split, audited), so the premium
    columns of every line may move when one quantity changes; all lines are refreshed."""

    record: Policy
    kind: str = Notice.Kind.UNDERWRITING
    correctable_fields: tuple[str, ...] = field(default=UNDERWRITING_FIELDS)

    def _current_list(self):
        from underwriting.selectors import current_household_list

        return current_household_list(policy=self.record)

    def _rows(self):
        from underwriting.selectors import household_rows

        household_list = self._current_list()
        if household_list is None:
            return HouseholdRow.objects.none()
        return household_rows(household_list=household_list)

    def lines(self) -> list[SourceLine]:
        return [_row_line(row) for row in self._rows()]

    def revision(self) -> int | None:
        household_list = self._current_list()
        return household_list.pk if household_list else None

    def check_current(self, *, notice: Notice) -> list[ValidationError]:
        if notice.source_revision != self.revision():
            return [
                ValidationError(
                    _(
                        "PUB-1: the household list was replaced after this notice was made; "
                        "withdraw it and notice the current list."
                    ),
                    code="source_replaced",
                )
            ]
        return []

    def _row_of(self, line: NoticeLine) -> HouseholdRow:
        row = self._rows().filter(pk=line.source_row_id).first()
        if row is None:
            raise ValidationError(
                _("This line's household is no longer on the policy's current list."),
                code="row_gone",
            )
        return row

    def _refresh(self, *, notice: Notice, by: User, reason: str) -> None:
        """Copy the current values of every row onto its line (matched by source row);
        only the lines that differ are written, with history."""
        rows = {row.pk: _row_line(row) for row in self._rows()}
        changed = []
        for line in notice.lines.all():
            fresh = rows.get(line.source_row_id)
            if fresh is None:
                continue
            values = {name: getattr(fresh, name) for name in _COPIED}
            if any(getattr(line, name) != value for name, value in values.items()):
                for name, value in values.items():
                    setattr(line, name, value)
                changed.append(line)
        if changed:
            bulk_update_with_history(
                changed,
                NoticeLine,
                list(_COPIED),
                default_user=by,
                default_change_reason=reason,
            )

    def apply_correction(
        self, *, notice: Notice, line: NoticeLine, by: User, changes: dict, reason: str
    ) -> dict:
        from underwriting.services.rows import household_row_correct

        cleaned = _clean_changes(changes, self.correctable_fields)
        change = {
            name: [_json(getattr(line, name)), _json(value)]
            for name, value in cleaned.items()
            if getattr(line, name) != value
        }
        if not change:
            raise ValidationError(_("The corrected values are the same as the list."), "same")
        row = self._row_of(line)
        premiums_before = {name: getattr(line, name) for name in _PREMIUMS}
        household_row_correct(
            clerk=by,
            row=row,
            changes={_ROW_FIELD[name]: cleaned[name] for name in change},
            reason=reason,
        )
        self._refresh(notice=notice, by=by, reason=reason)
        line.refresh_from_db()
        line.corrected_at = timezone.now()
        save_with_reason(line, by=by, reason=reason)
        # UW-4: a quantity moves the line's premium split; the change shows that too.
        for name, before in premiums_before.items():
            if getattr(line, name) != before:
                change[name] = [_json(before), _json(getattr(line, name))]
        _changed_line(notice=notice, by=by, reason=reason)
        return change

    def apply_removal(self, *, notice: Notice, line: NoticeLine, by: User, reason: str) -> dict:
        from underwriting.services.rows import household_row_remove

        row = self._row_of(line)
        removed = {name: [_json(getattr(line, name)), None] for name in UNDERWRITING_FIELDS}
        household_row_remove(clerk=by, row=row, reason=reason)
        _delete_line(line, by=by, reason=reason)
        self._refresh(notice=notice, by=by, reason=reason)
        _changed_line(notice=notice, by=by, reason=reason)
        return removed

    def on_close(self, *, notice: Notice) -> None:
        """PUB-1 hook: the policy may now be finalised."""
        from underwriting.services.group import group_policy_mark_noticed

        group_policy_mark_noticed(policy=self.record, completed_at=notice.closed_at)


@dataclass
class ClaimPaymentSource(NoticeSource):
    """PUB-7: a claim payment list given directly to the service (the claims app is not
    there yet, so there is nothing to read lines from): the notice's lines are the list,
    and a correction is written to the line itself."""

    record: object = None
    kind: str = Notice.Kind.CLAIM_PAYMENT
    correctable_fields: tuple[str, ...] = field(default=CLAIM_PAYMENT_FIELDS)

    def apply_correction(
        self, *, notice: Notice, line: NoticeLine, by: User, changes: dict, reason: str
    ) -> dict:
        cleaned = _clean_changes(changes, self.correctable_fields)
        change = {
            name: [_json(getattr(line, name)), _json(value)]
            for name, value in cleaned.items()
            if getattr(line, name) != value
        }
        if not change:
            raise ValidationError(_("The corrected values are the same as the list."), "same")
        for name in change:
            setattr(line, name, cleaned[name])
        line.corrected_at = timezone.now()
        save_with_reason(line, by=by, reason=reason)
        _changed_line(notice=notice, by=by, reason=reason)
        return change

    def apply_removal(self, *, notice: Notice, line: NoticeLine, by: User, reason: str) -> dict:
        if notice.lines.count() <= 1:
            raise ValidationError(
                _("The last line of a notice cannot be removed; withdraw the notice."),
                code="last_line",
            )
        removed = {name: [_json(getattr(line, name)), None] for name in CLAIM_PAYMENT_FIELDS}
        _delete_line(line, by=by, reason=reason)
        _changed_line(notice=notice, by=by, reason=reason)
        return removed


def _row_line(row: HouseholdRow) -> SourceLine:
    """A household row as a notice shows it: no ID number, phone or bank account."""
    return SourceLine(
        name=row.name,
        village_group=row.village_group,
        subject=row.subject_type,
        quantity=row.quantity,
        unit=row.unit,
        farmer_share=row.farmer_share,
        central=row.central,
        provincial=row.provincial,
        city=row.city,
        county=row.county,
        source_row_id=row.pk,
    )


def group_policy_source(policy: Policy) -> GroupPolicySource:
    return GroupPolicySource(record=policy)


def source_for(notice: Notice) -> NoticeSource:
    """The adapter of an existing notice's source."""
    if notice.kind == Notice.Kind.UNDERWRITING:
        policy_type = ContentType.objects.get_for_model(Policy)
        if notice.source_type_id != policy_type.pk:
            raise ValueError(f"notice {notice.pk} has no group policy source")
        return GroupPolicySource(record=Policy.objects.get(pk=notice.source_id))
    return ClaimPaymentSource(record=notice.source)
