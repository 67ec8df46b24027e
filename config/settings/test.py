"""Tests run on real PostgreSQL and Redis (localhost defaults, overridable by env)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sannong")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")

from .base import *  # noqa: F403
from .base import BASE_DIR

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
# WhiteNoise warns for every request when the collected-static folder is missing.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CELERY_TASK_ALWAYS_EAGER = False
# Rate-limit and throttle counters live in the cache: one prefix per test run keeps a
# run from inheriting the previous run's counts (worker subprocesses inherit it).
CACHES["default"]["KEY_PREFIX"] = "test-" + os.environ.setdefault(  # noqa: F405
    "SANNONG_TEST_RUN", os.urandom(4).hex()
)
# The public pages' rate-limit counters (django-ratelimit) live in a local cache that
# tests/conftest.py empties before each test: tests (and the browser's 127.0.0.1) then
# never spend each other's quota, while the limit itself is still enforced and tested.
CACHES["ratelimit"] = {  # noqa: F405
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "ratelimit",
}
RATELIMIT_USE_CACHE = "ratelimit"
