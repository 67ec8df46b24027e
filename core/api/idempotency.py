"""`Idempotency-Key` on every POST under /api/v1/: a retry never runs an action twice.

The first request with a (caller, key) pair runs; its response (status, body, content
type, Location) is stored. A retry with the same key and the same method, path and body
gets the stored response back with `Idempotent-Replayed: true` and runs nothing; the
same key with another request is refused with 422; a retry while the first one still
runs gets 409. Keys expire after settings.IDEMPOTENCY_KEY_TTL (lazily: an expired pair is
replaced when it is used again; `idempotency_keys_purge` deletes the rest). Server
errors (5xx) and transient refusals (409, 429) are not stored: the retry runs again.
A request without the header behaves as before; anonymous callers (the public
objection form) are not keyed, as there is no caller to key them by.

Why a middleware that authenticates with the view's own authenticators, rather than a
decorator on each `post`: the key must hold for *every* POST (other systems retry
whatever they call, claims_assist included, whose files other people own), and one
place cannot be forgotten on the next endpoint. Plain middleware only sees session
users, so `process_view` builds the DRF request of the resolved view
(`view.initialize_request`) and asks it for the user: the same authenticators, in the
same order, as the view will use (token or session; a per-view override is honoured).
It costs one more token lookup, only on requests that carry the header. Being outside
the view also keeps the claim (committed before the view starts) and the stored response
(written after the view's own transaction has committed) out of the view's transaction,
so a concurrent duplicate sees the claim at once and gets 409 instead of running.
"""

import hashlib
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import APIException

from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 100
API_PREFIX = "/api/v1/"
# Answers that say "not now" rather than "this is the outcome": a retry must run again.
_NOT_STORED = {409, 429}


def _ttl() -> timedelta:
    return getattr(settings, "IDEMPOTENCY_KEY_TTL", timedelta(hours=24))


def _stale_after() -> timedelta:
    # A claim still running after this is taken to be dead (worker killed mid-request).
    return getattr(settings, "IDEMPOTENCY_STALE_AFTER", timedelta(minutes=10))


def _error(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


def _fingerprint(request) -> str | None:
    """method + path + query + body; for multipart the parsed fields and the files'
    digests (the raw body of a large upload is not kept in memory)."""
    digest = hashlib.sha256()
    digest.update(f"{request.method} {request.get_full_path()}\n".encode())
    if request.content_type == "multipart/form-data":
        for name in sorted(request.POST):
            for value in request.POST.getlist(name):
                digest.update(f"f:{name}={value}\n".encode())
        for name in sorted(request.FILES):
            for upload in request.FILES.getlist(name):
                file_digest = hashlib.sha256()
                for chunk in upload.chunks():
                    file_digest.update(chunk)
                upload.seek(0)
                digest.update(f"u:{name}={upload.size}:{file_digest.hexdigest()}\n".encode())
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _caller(request, view_func, view_args, view_kwargs):
    """The user the DRF view will see, or None (not a DRF view, not authenticated)."""
    view_class = getattr(view_func, "cls", None)
    if view_class is None:
        return None
    view = view_class(**getattr(view_func, "initkwargs", {}))
    view.args, view.kwargs = view_args, view_kwargs
    drf_request = view.initialize_request(request, *view_args, **view_kwargs)
    try:
        user = drf_request.user
    except APIException:
        return None  # the view answers 401/403 itself
    return user if user is not None and user.is_authenticated else None


def _replay(record: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(
        bytes(record.body or b""),
        status=record.status_code,
        content_type=record.content_type or None,
    )
    if record.location:
        response["Location"] = record.location
    response[REPLAYED_HEADER] = "true"
    return response


def _claim(*, user, key: str, request, fingerprint: str):
    """Insert the claim, or return the existing row (or an error response)."""
    now = timezone.now()
    values = {
        "method": request.method,
        "path": request.path[:500],
        "fingerprint": fingerprint,
        "created_at": now,
        "expires_at": now + _ttl(),
    }
    for _attempt in range(2):
        IdempotencyKey.objects.filter(user=user, key=key, expires_at__lte=now).delete()
        IdempotencyKey.objects.filter(
            user=user, key=key, completed_at__isnull=True, created_at__lte=now - _stale_after()
        ).delete()
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(user=user, key=key, **values), None
        except IntegrityError:
            existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is None:  # expired or released between the two statements
            continue
        if existing.fingerprint != fingerprint:
            return None, _error(
                422,
                "idempotency_key_reused",
                _("This Idempotency-Key was used for a different request."),
            )
        if existing.completed_at is None:
            return None, _error(
                409,
                "idempotency_request_in_progress",
                _("A request with this Idempotency-Key is still being processed."),
            )
        return None, _replay(existing)
    return None, _error(
        409,
        "idempotency_request_in_progress",
        _("A request with this Idempotency-Key is still being processed."),
    )


def _finish(record: IdempotencyKey, response) -> None:
    status = response.status_code
    if status >= 500 or status in _NOT_STORED or response.streaming:
        IdempotencyKey.objects.filter(pk=record.pk).delete()
        return
    IdempotencyKey.objects.filter(pk=record.pk).update(
        completed_at=timezone.now(),
        status_code=status,
        content_type=response.get("Content-Type", "")[:200],
        location=response.get("Location", "")[:500],
        body=response.content,
    )


class IdempotencyMiddleware:
    """Place after AuthenticationMiddleware (see the module docstring)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except BaseException:
            record = getattr(request, "_idempotency_record", None)
            if record is not None:
                IdempotencyKey.objects.filter(pk=record.pk).delete()
            raise
        record = getattr(request, "_idempotency_record", None)
        if record is not None:
            _finish(record, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST" or not request.path.startswith(API_PREFIX):
            return None
        key = request.headers.get(HEADER)
        if key is None:
            return None
        if not 1 <= len(key) <= MAX_KEY_LENGTH:
            return _error(
                400,
                "invalid_idempotency_key",
                _("Idempotency-Key must be 1 to 100 characters long."),
            )
        user = _caller(request, view_func, view_args, view_kwargs)
        if user is None:
            return None
        record, response = _claim(
            user=user, key=key, request=request, fingerprint=_fingerprint(request)
        )
        if record is not None:
            request._idempotency_record = record
        return response


def idempotency_keys_purge(*, now=None) -> int:
    """Delete the expired keys; returns how many."""
    deleted, _rows = IdempotencyKey.objects.filter(expires_at__lte=now or timezone.now()).delete()
    return deleted
