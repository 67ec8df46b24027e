"""Settings shared by every environment; values come from the environment (12-factor).

With no DATABASE_URL / REDIS_URL the product falls back to an embedded default (a SQLite
file and kombu's filesystem broker) so that `make run` works on any machine.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
env = environ.Env()

# Runtime state of the embedded default (SQLite file, broker folder, beat schedule, cache).
VAR_DIR = Path(env("SANNONG_VAR_DIR", default=str(BASE_DIR / "var")))

SECRET_KEY = env("DJANGO_SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "simple_history",
    "core",
    "outlets",
    "underwriting",
    "publicity",
    "claims_assist",
    "complaints",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes requires.
    "axes.middleware.AxesMiddleware",
    # Idempotency-Key on API POSTs; authenticates through the view's own DRF
    # authenticators in process_view, so its place after axes does not matter.
    "core.api.idempotency.IdempotencyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Data stores -------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'sannong.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A connection kept across requests is checked first, so one the server dropped is
# replaced instead of failing the next request.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves web, worker and beat from one file.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

# --- Authentication ------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Failed-login lockout: 5 failures lock the username for 30 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# Lock by username only: an outlet's staff share one NAT address, and one person's typos
# must not lock the whole counter out.
AXES_LOCKOUT_PARAMETERS = ["username"]
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Covering indexes (INCLUDE columns) are PostgreSQL's; SQLite keeps the key columns.
    SILENCED_SYSTEM_CHECKS.append("models.W040")
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads it to send X-CSRFToken

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media ----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 25 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Content security: everything is served locally (intranet, no CDN) -------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'self'"],
    }
}

# --- REST API ----------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["core.api.permissions.IsActiveStaffOrClient"],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.NestedSerializerAutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env("API_THROTTLE_ANON", default="60/minute"),
        "user": env("API_THROTTLE_USER", default="1200/minute"),
        # PUB-2: the public notice endpoints (no login), per client address.
        "public_notice": env("API_THROTTLE_PUBLIC_NOTICE", default="120/minute"),
        "public_objection": env("API_THROTTLE_PUBLIC_OBJECTION", default="5/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    # Idempotency-Key on POSTs, If-Match/412 on PUT/PATCH (core.api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.document_idempotency_and_preconditions",
    ],
    "TITLE": "Sannong Desk API",
    "DESCRIPTION": (
        "三农服务台 REST API. Every list is scoped to the caller's branch of the org tree."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets that share a field name ("kind", "state") get names of their own.
    "ENUM_NAME_OVERRIDES": {
        "CustomerKindEnum": "underwriting.models.Customer.Kind",
        "PolicyChangeKindEnum": "underwriting.models.PolicyChange.Kind",
        "TimerStateEnum": "core.models.SlaTimer.State",
        "ComplaintStatusEnum": "complaints.models.Complaint.Status",
        "PolicyStatusEnum": "underwriting.models.Policy.Status",
        "ComplaintEventKindEnum": "complaints.models.ComplaintEvent.Kind",
        "ComplaintChannelEnum": "complaints.models.Channel",
        "ComplaintSeverityEnum": "complaints.models.Severity",
        "ComplaintTopicEnum": "complaints.models.Topic",
        "NoticeKindEnum": "publicity.models.Notice.Kind",
        "NoticeStateEnum": "publicity.models.Notice.State",
        "ObjectionStateEnum": "publicity.models.Objection.State",
        "NoticeDocumentStateEnum": "publicity.models.NoticeDocument.State",
        "NoticeChannelEnum": "publicity.api.notices.NOTICE_CHANNEL_CHOICES",
        "PublicityChannelEnum": "publicity.models.Channel",
        "CampaignTopicEnum": "publicity.models.Campaign.Topic",
        "ConsultationTopicEnum": "outlets.models.Consultation.Topic",
        "QueueTicketPurposeEnum": "outlets.models.QueueTicket.Purpose",
        "StaffMemberKindEnum": "outlets.models.StaffMember.Kind",
    },
}

# --- Celery --------------------------------------------------------------------------
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    # A task taken by a worker that died is delivered again after this long (Redis's
    # default is an hour); late acks make the work itself safe to repeat.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=30 * 60)
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("processed", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# WeasyPrint holds a whole laid-out document (about 220 MB per 1,000 annex rows) and the
# allocator does not give it back: a worker child above this (KiB) is replaced after its
# task, so one long group policy print does not pin the memory for good.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=1_500_000
)
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Sannong Desk ------------------------------------------------------------------
# How long an API Idempotency-Key is remembered (core.api.idempotency).
IDEMPOTENCY_KEY_TTL = timedelta(hours=env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24))
SLA_SWEEP_INTERVAL_SECONDS = env.float("SLA_SWEEP_INTERVAL_SECONDS", default=30)
SLA_SWEEP_BATCH_SIZE = env.int("SLA_SWEEP_BATCH_SIZE", default=100)
# SLA-1: a sweep older than this is itself an alarm.
SLA_HEARTBEAT_STALE_SECONDS = env.int("SLA_HEARTBEAT_STALE_SECONDS", default=180)
SLA_RETRY_BACKOFF_SECONDS = env.int("SLA_RETRY_BACKOFF_SECONDS", default=60)
OUTBOX_DELIVERY_INTERVAL_SECONDS = env.float("OUTBOX_DELIVERY_INTERVAL_SECONDS", default=15)
# Working hours used when a county has not published its own (SLA-3).
DEFAULT_WORKING_PERIODS = [("08:30", "12:00"), ("14:00", "17:30")]
SMS_BACKEND = env("SMS_BACKEND", default="core.notifications.ConsoleSmsBackend")

PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=15 * 1024 * 1024)
PHOTO_MAX_PIXELS = env.int("PHOTO_MAX_PIXELS", default=50_000_000)
PHOTO_DISPLAY_SIZE = 1600
PHOTO_THUMB_SIZE = 320

CELERY_BEAT_SCHEDULE = {
    "sla-sweep": {
        "task": "core.tasks.sweep_timers",
        "schedule": SLA_SWEEP_INTERVAL_SECONDS,
    },
    "outbox-deliver": {
        "task": "core.tasks.deliver_outbox",
        "schedule": OUTBOX_DELIVERY_INTERVAL_SECONDS,
    },
    # API idempotency keys past their time to live (a key is also replaced when reused).
    "idempotency-keys-purge": {
        "task": "core.tasks.purge_idempotency_keys",
        "schedule": crontab(hour=3, minute=15),
    },
    # OUT-10 understaffing findings and the OUT-16 monthly scores, at night.
    "outlets-staffing-check": {
        "task": "outlets.tasks.check_staffing_all",
        "schedule": crontab(hour=2, minute=0),
    },
    "outlets-compliance-recompute": {
        "task": "outlets.tasks.recompute_compliance_all",
        "schedule": crontab(hour=2, minute=30),
    },
    # Issue 8: the dashboards' issuance summary up to yesterday (today is read live).
    "dashboards-issuance-summary": {
        "task": "dashboards.tasks.refresh_issuance_summary",
        "schedule": crontab(hour="*", minute=5),
    },
    # The ended timers and the counter queue by day, the same way.
    "dashboards-timer-summary": {
        "task": "dashboards.tasks.refresh_timer_summary",
        "schedule": crontab(hour="*", minute=10),
    },
    "dashboards-queue-summary": {
        "task": "dashboards.tasks.refresh_queue_summary",
        "schedule": crontab(hour="*", minute=15),
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # WeasyPrint logs every layout step at INFO.
    "loggers": {"weasyprint.progress": {"level": "WARNING"}},
}

# UW-13: the address printed in a policy's QR code for its public verification page.
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

# PUB-6: evidence videos of notice postings (MP4, MOV or WebM).
VIDEO_MAX_BYTES = env.int("VIDEO_MAX_BYTES", default=100 * 1024 * 1024)
# CLM-8: a scanned claim document (PDF or image).
CLAIM_DOCUMENT_MAX_BYTES = env.int("CLAIM_DOCUMENT_MAX_BYTES", default=20 * 1024 * 1024)
# PUB-2: the online notice page and its objection form are public; these bound abuse
# per client address (django-ratelimit rates, e.g. "10/h").
PUBLIC_NOTICE_VIEW_RATE = env("PUBLIC_NOTICE_VIEW_RATE", default="120/m")
PUBLIC_OBJECTION_RATE = env("PUBLIC_OBJECTION_RATE", default="5/h")
