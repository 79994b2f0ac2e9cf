"""The one settings module: everything that differs between machines comes from the environment.

`.env` (git-ignored, see `.env.example`) is loaded first; real environment variables win over it.
"""
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent.parent

load_dotenv(BASE_DIR / ".env")


def env_str(name, default=""):
    """The variable's value, or `default` when it is unset or empty."""
    return os.environ.get(name, "").strip() or default


def env_bool(name, default=False):
    value = env_str(name)
    if not value:
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default):
    value = env_str(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, not {value!r}.") from None


def env_list(name, default=""):
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Put SECRET_KEY=<a long random string> in .env or the environment "
            "(`make run` writes a .env with a fresh one), or set DEBUG=True for local development."
        )
    # Only ever used with DEBUG on, on a developer's machine.
    SECRET_KEY = "insecure-development-key-never-used-in-production-0123456789"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is required when DEBUG is off (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_yasg",
    "django_tasks",
    "django_tasks_db",
    "core",
    "users",
    "movies",
    "bookings",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.cache.ReadCacheMiddleware",
]

ROOT_URLCONF = "movie_booking.urls"
WSGI_APPLICATION = "movie_booking.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: SQLite file by default, PostgreSQL (or anything dj-database-url reads) via DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, checking a reused connection's health only after it sat idle (core/db_backends/postgresql).
    DATABASES["default"]["ENGINE"] = "core.db_backends.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks: BEGIN IMMEDIATE takes the write lock when a transaction opens, so
    # concurrent bookings queue (up to the busy timeout) instead of failing with "database is locked".
    # WAL lets readers go on while one writer holds that lock.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 30),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests race real threads, each with its own connection: that needs a file, not a shared in-memory DB.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-db.sqlite3")}
    # Django's, converting each statement's placeholders once (core/db_backends/sqlite3).
    DATABASES["default"]["ENGINE"] = "core.db_backends.sqlite3"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["users.backends.UsernameOrEmailBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Throttle counts must be shared by every worker process, and counted atomically (core.throttling), so no
# per-process LocMemCache and no FileBasedCache: a SQLite file of the cache's own serves all workers of one
# machine (core.cache_backends); REDIS_URL, below, replaces it for several machines.
# Entries the SQLite file holds at most: past it, the ones that expire soonest are culled, so requests that each
# miss (a flood of distinct searches) cannot grow the file without bound.
CACHE_MAX_ENTRIES = env_int("CACHE_MAX_ENTRIES", 10_000)
if CACHE_MAX_ENTRIES < 100:
    raise ImproperlyConfigured(f"CACHE_MAX_ENTRIES must be at least 100, not {CACHE_MAX_ENTRIES}.")
CACHES = {
    "default": {
        "BACKEND": "core.cache_backends.SQLiteCache",
        "LOCATION": str(Path(env_str("CACHE_DIR") or BASE_DIR / "var" / "cache") / "cache.sqlite3"),
        "OPTIONS": {"MAX_ENTRIES": CACHE_MAX_ENTRIES},
    }
}
# After the shared cache fails, each process leaves it alone this many seconds (core.cache's breaker): reads come
# from the database and throttles count in the process meanwhile, then one request tries the cache again.
CACHE_RETRY_SECONDS = env_int("CACHE_RETRY_SECONDS", 5)
if CACHE_RETRY_SECONDS < 1:
    raise ImproperlyConfigured(f"CACHE_RETRY_SECONDS must be at least 1, not {CACHE_RETRY_SECONDS}.")

# --- Several machines: one Redis shared by every app server ---------------------------------
# Throttle counts, cached reads and their versions must agree across servers, so with REDIS_URL the
# cache is Redis. A Redis on the same network answers in well under a millisecond; one that hangs must cost
# a request no more than this (to connect, or for an answer), once per CACHE_RETRY_SECONDS.
REDIS_TIMEOUT_MS = env_int("REDIS_TIMEOUT_MS", 50)
if not 1 <= REDIS_TIMEOUT_MS <= 5000:
    raise ImproperlyConfigured(f"REDIS_TIMEOUT_MS must be 1 to 5000, not {REDIS_TIMEOUT_MS}.")
if env_str("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "core.cache_backends.RedisCache",
            "LOCATION": env_str("REDIS_URL"),
            "OPTIONS": {"socket_connect_timeout": REDIS_TIMEOUT_MS / 1000, "socket_timeout": REDIS_TIMEOUT_MS / 1000},
        }
    }
# --- end of the Redis block ------------------------------------------------------------------

# Mail: the buyer's confirmation and cancellation mails, sent by a task queued after commit. With a worker
# (`manage.py db_worker`, the database backend: the default with DEBUG off) a mail server that is down only
# delays mail; the immediate backend (the default with DEBUG on) sends inline after commit, with no retry.
TASKS_BACKENDS = {"immediate": "django_tasks.backends.immediate.ImmediateBackend",
                  "database": "django_tasks_db.DatabaseBackend"}
TASKS_BACKEND = env_str("TASKS_BACKEND", "immediate" if DEBUG else "database")
if TASKS_BACKEND not in TASKS_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be immediate or database, not {TASKS_BACKEND!r}.")
TASKS = {"default": {"BACKEND": TASKS_BACKENDS[TASKS_BACKEND]}}
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
# With DEBUG on and no mail server configured, mail is printed to the console.
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend" if DEBUG and not env_str("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Movie Booking <tickets@localhost>")

# Booking mails (confirmations, cancellations, refunds) one address gets in an hour at most; the rest are logged
# and dropped, the tickets staying in the API: nobody can use us to flood a stranger's inbox.
MAIL_PER_ADDRESS_PER_HOUR = env_int("MAIL_PER_ADDRESS_PER_HOUR", 20)
if MAIL_PER_ADDRESS_PER_HOUR < 1:
    raise ImproperlyConfigured(f"MAIL_PER_ADDRESS_PER_HOUR must be at least 1, not {MAIL_PER_ADDRESS_PER_HOUR}.")
# Email verification (API.md, "Abuse limits, email verification"): signup mails a single-use token, valid for
# EMAIL_VERIFICATION_HOURS, to POST to /api/auth/verify-email/. `none`: no mail, nothing required. `optional`:
# the mail goes out, nothing is refused. `mandatory`: an unverified non-staff user may not book, hold or pay (403).
EMAIL_VERIFICATION_MODES = ("none", "optional", "mandatory")
EMAIL_VERIFICATION = env_str("EMAIL_VERIFICATION", "optional").lower()
if EMAIL_VERIFICATION not in EMAIL_VERIFICATION_MODES:
    raise ImproperlyConfigured(f"EMAIL_VERIFICATION must be none, optional or mandatory, not {EMAIL_VERIFICATION!r}.")
EMAIL_VERIFICATION_HOURS = env_int("EMAIL_VERIFICATION_HOURS", 48)
if EMAIL_VERIFICATION_HOURS < 1:
    raise ImproperlyConfigured(f"EMAIL_VERIFICATION_HOURS must be at least 1, not {EMAIL_VERIFICATION_HOURS}.")

# Seconds a hold keeps its seats for the buyer before they are free again (clients count down to `expires_at`).
HOLD_SECONDS = env_int("HOLD_SECONDS", 600)
if HOLD_SECONDS < 1:
    raise ImproperlyConfigured(f"HOLD_SECONDS must be at least 1, not {HOLD_SECONDS}.")

# The most seats one buyer has live in one show, holds and confirmed bookings together (staff at the box office
# are exempt): one account cannot take a show off sale.
MAX_SEATS_PER_BUYER = env_int("MAX_SEATS_PER_BUYER", 20)
if MAX_SEATS_PER_BUYER < 1:
    raise ImproperlyConfigured(f"MAX_SEATS_PER_BUYER must be at least 1, not {MAX_SEATS_PER_BUYER}.")

# Minutes before a show starts that its tickets open the door (check-in); the door closes when the show ends.
CHECK_IN_OPENS_MINUTES = env_int("CHECK_IN_OPENS_MINUTES", 120)
if CHECK_IN_OPENS_MINUTES < 0:
    raise ImproperlyConfigured(f"CHECK_IN_OPENS_MINUTES must not be negative, not {CHECK_IN_OPENS_MINUTES}.")

# --- Money: the currency, and how seats are paid for (API.md, "Payments and refunds") -------------------------
# One currency with two decimals (cents): every price is in it, and Stripe is sent amounts in its cents.
CURRENCY = env_str("CURRENCY", "EUR").upper()
# ISO 4217 codes whose minor unit is not the hundredth: amounts in cents would be wrong for them.
NOT_TWO_DECIMAL_CURRENCIES = {"BIF", "BHD", "CLP", "DJF", "GNF", "IQD", "ISK", "JOD", "JPY", "KMF", "KRW", "KWD",
                              "LYD", "OMR", "PYG", "RWF", "TND", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
if len(CURRENCY) != 3 or not CURRENCY.isalpha() or not CURRENCY.isascii() or CURRENCY in NOT_TWO_DECIMAL_CURRENCIES:
    raise ImproperlyConfigured(f"CURRENCY must be an ISO 4217 code of a currency with two decimals, not {CURRENCY!r}.")
# `none`: a reservation system, paid at the counter. `stripe`: buyers pay online before a hold is confirmed.
PAYMENT_PROVIDER = env_str("PAYMENT_PROVIDER", "none").lower()
if PAYMENT_PROVIDER not in ("none", "stripe"):
    raise ImproperlyConfigured(f"PAYMENT_PROVIDER must be none or stripe, not {PAYMENT_PROVIDER!r}.")
STRIPE_SECRET_KEY = env_str("STRIPE_SECRET_KEY")
STRIPE_PUBLISHABLE_KEY = env_str("STRIPE_PUBLISHABLE_KEY")
STRIPE_WEBHOOK_SECRET = env_str("STRIPE_WEBHOOK_SECRET")
# Stripe's own API unless a test points the library at a Stripe-compatible server.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com")
# Seconds a call to Stripe may take before the request that made it answers 503 (the buyer retries).
STRIPE_TIMEOUT_SECONDS = env_int("STRIPE_TIMEOUT_SECONDS", 20)
# Retries of a call that met a network error or a Stripe server error (the library waits between them).
STRIPE_NETWORK_RETRIES = env_int("STRIPE_NETWORK_RETRIES", 2)
if PAYMENT_PROVIDER == "stripe":
    missing = [name for name in ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")
               if not globals()[name]]
    if missing:
        raise ImproperlyConfigured(f"PAYMENT_PROVIDER=stripe needs {', '.join(missing)}.")
# What a buyer's self-service cancel of a paid booking keeps: this share of the price (the rest is refunded).
CANCELLATION_FEE_PERCENT = env_int("CANCELLATION_FEE_PERCENT", 0)
if not 0 <= CANCELLATION_FEE_PERCENT <= 100:
    raise ImproperlyConfigured(f"CANCELLATION_FEE_PERCENT must be 0 to 100, not {CANCELLATION_FEE_PERCENT}.")
# Self-service cancelling of a booking closes this many minutes before its show (0: until it starts).
CANCEL_UNTIL_MINUTES = env_int("CANCEL_UNTIL_MINUTES", 0)
if CANCEL_UNTIL_MINUTES < 0:
    raise ImproperlyConfigured(f"CANCEL_UNTIL_MINUTES must not be negative, not {CANCEL_UNTIL_MINUTES}.")
# A payment still pending this long is asked about at Stripe by `manage.py reconcile_payments` (a lost webhook).
RECONCILE_AFTER_MINUTES = env_int("RECONCILE_AFTER_MINUTES", 5)

# Longest time (seconds) a rendered catalogue read or seat map is kept in the cache; every write that changes
# one replaces its key at once, so this only bounds what an idle cache holds, and how long an answer could
# outlive a write whose version bump the cache did not take (it was down at that instant).
READ_CACHE_SECONDS = env_int("READ_CACHE_SECONDS", 60)

# Requests are small JSON documents; a bigger body is refused (413) before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 64 * 1024)


def throttle_rate(name, default):
    """A DRF rate such as `20/minute`, or None (no limit) when the variable says `off`."""
    value = env_str(name, default)
    return None if value.lower() in {"off", "none"} else value


THROTTLE_AUTH = throttle_rate("THROTTLE_AUTH", "20/minute")
THROTTLE_BOOKING = throttle_rate("THROTTLE_BOOKING", "60/minute")
THROTTLE_VERIFY_RESEND = throttle_rate("THROTTLE_VERIFY_RESEND", "3/hour")  # per user: each one sends a mail

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["users.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_RENDERER_CLASSES": ["core.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "core.negotiation.ContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "core.pagination.PageNumberPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "core.exception_handler.api_exception_handler",
    # 0: the client is the connection's address; a forged X-Forwarded-For changes nothing.
    "NUM_PROXIES": env_int("NUM_PROXIES", 0),
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env_int("JWT_ACCESS_MINUTES", 10)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env_int("JWT_REFRESH_DAYS", 7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "SIGNING_KEY": SECRET_KEY,
    "ALGORITHM": "HS256",
    # Each token carries a hash of the password hash it was issued under: a password change revokes them all.
    "CHECK_REVOKE_TOKEN": True,
}

SWAGGER_USE_COMPAT_RENDERERS = False
SWAGGER_SETTINGS = {
    "SECURITY_DEFINITIONS": {
        "Bearer": {
            "type": "apiKey",
            "name": "Authorization",
            "in": "header",
            "description": "The access token from POST /api/auth/login/, typed as `Bearer eyJ...`",
        }
    },
    "USE_SESSION_AUTH": False,
    "DEFAULT_AUTO_SCHEMA_CLASS": "core.schema.ErrorAwareAutoSchema",
    "DEFAULT_GENERATOR_CLASS": "core.schema.ApiSchemaGenerator",
}

# Browser clients on other origins (django-cors-headers): CORS_ALLOWED_ORIGINS lists the web apps
# (scheme://host[:port], comma-separated) that may call the API from a browser; by default none may.
INSTALLED_APPS += ["corsheaders"]
# First, so that a preflight OPTIONS is answered before anything can redirect or refuse it (no token needed).
MIDDLEWARE.insert(0, "corsheaders.middleware.CorsMiddleware")
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_HEADERS = ["authorization", "content-type", "idempotency-key", "if-none-match"]
CORS_EXPOSE_HEADERS = ["ETag", "Location", "Retry-After", "Idempotent-Replayed"]

# Transport security: on by default in production (DEBUG off); a plain-HTTP deployment on loopback
# turns each off explicitly. With DEBUG on they default to off. The proxy's HTTPS header is off by default.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=SECURE_HSTS_SECONDS > 0)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=SECURE_HSTS_SECONDS > 0)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# Trusted only when the deployment says a TLS-terminating proxy sets it (and strips it from clients): believed
# by default, any client's `X-Forwarded-Proto: https` would pass for HTTPS on a plain-HTTP server.
_proxy_ssl_header = env_list("SECURE_PROXY_SSL_HEADER", "off")
if _proxy_ssl_header == ["off"]:
    SECURE_PROXY_SSL_HEADER = None
elif len(_proxy_ssl_header) == 2:
    SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header)
else:
    raise ImproperlyConfigured("SECURE_PROXY_SSL_HEADER must be HEADER,VALUE (HTTP_X_FORWARDED_PROTO,https) or off.")
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # 4xx answers are the API working (a flash sale is thousands of 409s); keep server errors.
        "django.request": {"level": env_str("REQUEST_LOG_LEVEL", "ERROR")},
    },
}

# --- Login lockout (django-axes) -------------------------------------------------------------------------------
# Repeated failed logins for one account from one client IP lock that pair out, at the admin's login form and the
# API's login alike (axes hooks authenticate(): one count per account whichever door is used). The admin shows
# axes' 429 page; the API answers 429 `throttled` (users.serializers.AccountLocked). A successful login resets
# the pair's count. Neither half locks alone: an address locked for everyone would lock out a whole carrier NAT or
# office proxy for one guesser, and an account locked from everywhere would let anyone lock a victim out by name.
# Guessing stays bounded per address by THROTTLE_AUTH, and per account and address by AXES_FAILURE_LIMIT.
INSTALLED_APPS += ["axes"]
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as axes requires
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *AUTHENTICATION_BACKENDS]  # first
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME.total_seconds() < 60:
    raise ImproperlyConfigured("AXES_FAILURE_LIMIT and AXES_COOLOFF_MINUTES must be at least 1.")
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # the pair: both must match to lock
AXES_RESET_ON_SUCCESS = True
# One account however its identifier is spelled; the client IP as the throttles see it (NUM_PROXIES).
AXES_USERNAME_CALLABLE = "users.backends.login_attempt_account"
AXES_CLIENT_IP_CALLABLE = "core.throttling.client_ip"
AXES_VERBOSE = False  # no start-up banner on every manage.py command; failures and lockouts are still logged
# --- end of login lockout --------------------------------------------------------------------------------------
