"""Gap-free numbering from counter rows (complaint numbers CMP-7, claim case numbers,
queue tickets OUT-12): one row per key (e.g. county and day) holding the last number."""

from django.db import models, transaction
from django.db.models import F


def counter_next(model: type[models.Model], *, field: str = "last", **key) -> int:
    """The next number of `model`'s counter row for `key`.

    The row is locked FOR UPDATE until the caller's transaction ends, so concurrent
    callers queue here for a moment and each gets the next number; a caller that rolls
    back gives its number back, so numbers stay consecutive. The first caller of a key
    inserts the row: get_or_create does it in a savepoint and, on the IntegrityError of a
    concurrent first insert, reads (and locks) the row the other transaction committed.
    """
    with transaction.atomic():
        counter, _created = model.objects.select_for_update().get_or_create(**key)
        model.objects.filter(pk=counter.pk).update(**{field: F(field) + 1})
    return getattr(counter, field) + 1
