"""/healthz: database, Redis (or the embedded broker) and the age of the last sweep (SLA-1)."""

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

from core.timers import sweep_heartbeat_age


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_broker() -> str:
    if not settings.REDIS_URL:
        return "embedded"
    import redis

    redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    return "ok"


@never_cache
def healthz(request):
    checks, healthy = {}, True
    for name, check in (("database", _check_database), ("redis", _check_broker)):
        try:
            checks[name] = check()
        except Exception as exc:
            checks[name] = f"error: {type(exc).__name__}"
            healthy = False
    try:
        age = sweep_heartbeat_age()
    except Exception:
        age = None
    stale = age is None or age.total_seconds() > settings.SLA_HEARTBEAT_STALE_SECONDS
    checks["sweep"] = {
        "age_seconds": None if age is None else round(age.total_seconds()),
        "stale": stale,
    }
    healthy = healthy and not stale
    return JsonResponse(
        {"status": "ok" if healthy else "degraded", "checks": checks},
        status=200 if healthy else 503,
    )
