"""REG-3 and the audit trail: who changed what and why, who saw or exported personal data.

Business models keep their history with django-simple-history (`history =
HistoricalRecords()`); this module sets who and why on a change and reads the history
back for auditors.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _
from simple_history.models import HistoricalRecords

from core.models import PersonalDataAccess


def save_with_reason(instance: models.Model, *, by, reason: str = "", require_reason: bool = False):
    """Save `instance`, recording `by` and `reason` in its history. Apps pass
    require_reason=True for changes after issuance (REG-3, UW-6)."""
    reason = (reason or "").strip()
    if require_reason and not reason:
        raise ValidationError({"reason": _("A reason is required for this change.")})
    instance._history_user = by
    instance._change_reason = reason
    instance.save()
    return instance


def audited() -> HistoricalRecords:
    """History with reasons of any length: why a complaint was handed over, a household
    row corrected or a name imposed runs longer than simple-history's 100 characters."""
    return HistoricalRecords(history_change_reason_field=models.TextField(null=True))


@dataclass(frozen=True)
class HistoryEntry:
    at: object
    user: object
    kind: str
    reason: str
    changes: list[tuple[str, object, object]]


def history_of(obj: models.Model) -> list[HistoryEntry]:
    """The change history of a record, newest first, with the field-level differences."""
    records = list(obj.history.select_related("history_user").order_by("-history_date", "-pk"))
    entries = []
    for index, record in enumerate(records):
        older = records[index + 1] if index + 1 < len(records) else None
        changes = []
        if older is not None:
            delta = record.diff_against(older)
            changes = [(change.field, change.old, change.new) for change in delta.changes]
        entries.append(
            HistoryEntry(
                at=record.history_date,
                user=record.history_user,
                kind=record.get_history_type_display(),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
    return entries


def personal_data_logged(
    *,
    user,
    action: str,
    model: type[models.Model] | models.Model,
    object_id: str = "",
    fields: list[str] | tuple[str, ...] = (),
    purpose: str = "",
    row_count: int = 1,
    ip_address: str | None = None,
) -> PersonalDataAccess:
    """REG-3: record that `user` saw a full personal value or exported personal data."""
    return PersonalDataAccess.objects.create(
        user=user,
        action=action,
        model=model._meta.label,
        object_id=str(object_id),
        fields=",".join(fields),
        purpose=purpose,
        row_count=row_count,
        ip_address=ip_address,
    )
