"""Lost-update protection for PUT/PATCH: `ETag` out, `If-Match` in, 412 when stale.

The version of a resource is the id of the latest history record (simple-history) of
the rows it is made of: every write through the services leaves one, so it changes with
every write and costs one indexed query. GET and the updating endpoint return it as
`ETag`; a client that sends it back as `If-Match` gets 412 (nothing changed) when
someone wrote in between. `If-Match` is optional: callers that do not send it keep
last-write-wins (older integrations and the browser forms do not send it); `*` matches
any current version.

`guarded_write` takes the row lock, checks the precondition and lets the caller write
in the same transaction, so no write can slip in between the check and the update.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import models, transaction
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _(
        "The resource was changed since you read it (If-Match does not match its ETag). "
        "Read it again and repeat your change."
    )
    default_code = "precondition_failed"


def history_version(*querysets: models.QuerySet) -> int:
    """The latest history id over the history rows given (0: no history yet)."""
    latest = 0
    for queryset in querysets:
        found = queryset.order_by("-history_id").values_list("history_id", flat=True).first()
        latest = max(latest, found or 0)
    return latest


def object_version(obj: models.Model) -> int:
    return history_version(obj.history.all())


def etag(tag: str, version: int) -> str:
    return f'"{tag}-{version}"'


def object_etag(obj: models.Model) -> str:
    return etag(f"{obj._meta.model_name}.{obj.pk}", object_version(obj))


def _matches(header: str, current: str) -> bool:
    candidates = [part.strip() for part in header.split(",") if part.strip()]
    # Weak validators (W/"...") are compared by their opaque part: ours are never weak.
    return any(c == "*" or c.removeprefix("W/") == current for c in candidates)


def check_if_match(request, current: str) -> None:
    header = request.headers.get("If-Match")
    if header is not None and not _matches(header, current):
        raise PreconditionFailed()


@contextmanager
def guarded_write(request, lock: models.Model, *, current: Callable[[], str]) -> Iterator[None]:
    """Lock `lock`'s row, check If-Match against `current()`, run the body; one
    transaction. `lock` is refreshed from the database once locked, so the write starts
    from the latest values."""
    with transaction.atomic():
        type(lock)._default_manager.select_for_update().filter(pk=lock.pk).values_list(
            "pk", flat=True
        ).first()
        lock.refresh_from_db()
        check_if_match(request, current())
        yield


def with_etag(response, value: str):
    response["ETag"] = value
    return response
