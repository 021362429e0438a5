"""The one settings module. Every value that can change comes from the environment,
read here and nowhere else, through the small typed helpers below.

| variable | default | meaning |
|---|---|---|
| BACKEASE_DATA_DIR | the platform's user data dir | the SQLite database and secret key (0700; files 0600) |
| DATABASE_URL | sqlite:///<data dir>/backease.sqlite3 | e.g. postgres://user@127.0.0.1:5432/backease |
| BACKEASE_SECRET_KEY | generated once into <data dir>/secret_key | Django's signing key (server: required) |
| BACKEASE_DEBUG | false | Django debug mode (never on a server) |
| BACKEASE_ALLOWED_HOSTS | 127.0.0.1,localhost,[::1] | host names the app answers to |
| BACKEASE_CSRF_TRUSTED_ORIGINS | (none) | origins of an HTTPS reverse proxy in front (docs/phone.md) |
| BACKEASE_MODE | personal | `personal` (one owner, no sign-in) or `server` (docs/deploy.md) |
| BACKEASE_PUBLIC_ORIGIN | (none) | server mode (required): the public origin, https://backease.example.org |
| BACKEASE_OPEN_SIGNUP | false | server mode: anyone may sign up (otherwise by invitation only) |
| BACKEASE_THERAPIST_MFA | false | server mode: therapists and admins must set up a second factor |
| BACKEASE_EMAIL_FROM | backease@localhost | the sender of account and clinic emails |
| BACKEASE_SMTP_HOST | (none) | send email through this SMTP server (otherwise printed to the console) |
| BACKEASE_SMTP_PORT / _USER / _PASSWORD | 587 / none / none | SMTP details (STARTTLS) |
| BACKEASE_EMAIL_DIR | (none) | write each email as a file in this folder instead (tests, the smoke run) |
| BACKEASE_TRUSTED_PROXY | server mode: true | trust the proxy's X-Forwarded-Proto and X-Forwarded-For |
| BACKEASE_SSL_REDIRECT | server mode: true | redirect plain HTTP to HTTPS (the proxy usually does it first) |
| BACKEASE_HSTS_SECONDS | server mode: 31536000 | Strict-Transport-Security max-age (0 turns it off) |
| BACKEASE_HSTS_SUBDOMAINS | server mode: true | HSTS covers the public host's subdomains too |
| BACKEASE_WORKERS | 3 | server mode: worker processes of `backease serve` (gunicorn) |
| BACKEASE_SERVED_BY | (none) | add `X-Served-By: <value> <pid>` to every response (the smoke run) |
| BACKEASE_REMINDER_EVERY | 1 | server mode: minutes between the job runner's scans (docs/deploy.md) |
| BACKEASE_DESKTOP_REMINDERS | true | personal: `backease serve` shows due reminders (docs/reminders.md) |
| BACKEASE_VAPID_PRIVATE_KEY | made once into <data dir> | Web Push's signing key (docs/notifications.md) |
| BACKEASE_VAPID_SUBJECT | public origin, or mailto:<email from> | whom push services may contact |
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import dj_database_url
import platformdirs


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def envstr(name: str, default: str) -> str:
    return os.environ.get(name) or default


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if not value else int(value)


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(envstr("BACKEASE_DATA_DIR", platformdirs.user_data_dir("backease", appauthor=False)))


def _private_dir(path: Path) -> None:
    """The data folder: made if needed, and readable only by its owner (0700)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        with contextlib.suppress(PermissionError):  # not ours: left as it is
            path.chmod(0o700)


def _private_file(path: Path) -> None:
    """A data file: created empty if needed, and readable only by its owner (0600).
    SQLite gives its -wal and -shm files the database file's permissions."""
    with contextlib.suppress(OSError):  # not ours, or read-only: SQLite will say so
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)


_private_dir(DATA_DIR)


MODE = envstr("BACKEASE_MODE", "personal").strip().lower()
if MODE not in ("personal", "server"):
    raise SystemExit(f"BACKEASE_MODE must be 'personal' or 'server', not {MODE!r}")
SERVER_MODE = MODE == "server"
"""Server mode: accounts, therapists and clients (backease.accounts, backease.clinic).
Read per request through `backease.accounts.mode.is_server()`, so tests can switch it."""

DESKTOP_REMINDERS = envbool("BACKEASE_DESKTOP_REMINDERS", True) and not SERVER_MODE
"""Personal mode: the running app checks once a minute and shows a due reminder as a desktop
notification (backease.reminders.desktop); server mode reaches people by Web Push and email."""


MAKE_A_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"


def _secret_key() -> str:
    configured = os.environ.get("BACKEASE_SECRET_KEY")
    if SERVER_MODE:
        # A server's key must come from its environment (and be the same in every process).
        if not configured:
            raise SystemExit(
                f"BACKEASE_SECRET_KEY must be set in server mode: make one with {MAKE_A_KEY} (docs/deploy.md)"
            )
        if len(configured) < 50 or len(set(configured)) < 5:
            # Django's own bar for a key (check --deploy, security.W009).
            raise SystemExit(
                f"BACKEASE_SECRET_KEY is too weak ({len(configured)} characters): use 50 or more random "
                f"characters, e.g. from {MAKE_A_KEY}"
            )
    if configured:
        return configured
    path = DATA_DIR / "secret_key"
    if not path.exists():
        # Created once, readable only by its owner; os.O_EXCL keeps two first starts
        # from writing different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
        except FileExistsError:
            pass
    _private_file(path)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("BACKEASE_DEBUG")
ALLOWED_HOSTS = envlist("BACKEASE_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
# Behind an HTTPS reverse proxy (docs/phone.md): the proxy's origin, e.g. https://backease.example.org.
CSRF_TRUSTED_ORIGINS = envlist("BACKEASE_CSRF_TRUSTED_ORIGINS", "")


def _public_origin() -> tuple[str, str, bool]:
    """BACKEASE_PUBLIC_ORIGIN as (origin, host name, is a trial on this machine).

    Server mode needs it: the host name the proxy passes on, the origin of forms, and the
    address in emailed links. It is HTTPS, except `http://127.0.0.1:<port>` (or localhost)
    for trying server mode on one's own machine, where nothing else can reach it."""
    origin = envstr("BACKEASE_PUBLIC_ORIGIN", "").strip().rstrip("/")
    if not origin:
        if SERVER_MODE:
            raise SystemExit(
                "BACKEASE_PUBLIC_ORIGIN must be set in server mode, "
                "e.g. https://backease.example.org (docs/deploy.md)"
            )
        return "", "", False
    scheme, _, rest = origin.partition("://")
    host = rest.split("/", 1)[0]
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    local = scheme == "http" and name in ("127.0.0.1", "localhost", "[::1]")
    if scheme not in ("https", "http") or not name or "/" in rest or (scheme == "http" and not local):
        raise SystemExit(
            f"BACKEASE_PUBLIC_ORIGIN must look like https://backease.example.org (no path), not {origin!r}"
        )
    return origin, name, local


PUBLIC_ORIGIN, _public_host, LOCAL_TRIAL = _public_origin()
PUBLIC_HOST = ""
"""Server mode: the one Host header the app answers to (backease.web.middleware.public_host)."""
PUBLIC_HOST_ALIASES: tuple[str, ...] = ()
if PUBLIC_ORIGIN:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, _public_host]
    CSRF_TRUSTED_ORIGINS = [*CSRF_TRUSTED_ORIGINS, PUBLIC_ORIGIN]
    if SERVER_MODE and not LOCAL_TRIAL:
        PUBLIC_HOST = PUBLIC_ORIGIN.split("://", 1)[1].lower()
        # nginx's $host carries no port; the default port written out is the same place.
        PUBLIC_HOST_ALIASES = (f"{PUBLIC_HOST}:443",) if ":" not in PUBLIC_HOST else ()

# The accounts and clinic apps are installed in both modes (one schema, one test run);
# in personal mode their pages answer 404 and nobody signs in (backease.accounts.middleware).
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",  # allauth.mfa's pages use it
    "django.contrib.staticfiles",
    "ninja",
    # Before allauth: its page templates (backease/accounts/templates) replace allauth's.
    "backease.accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "backease.store",
    "backease.reminders",
    "backease.clinic",
    "backease.front",
    # Templates of what several front ends render (the report, charts): backease.exports.
    "backease.exports",
    # The job runner (django-q2): its queue and schedule are tables in this same database.
    "django_q",
    # The history of treatment notes (backease/clinic/notes_models.py).
    "simple_history",
]

MIDDLEWARE = [
    "backease.web.middleware.public_host",
    "django.middleware.security.SecurityMiddleware",
    "backease.web.middleware.api_json_errors",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "backease.accounts.middleware.person",
    "backease.accounts.middleware.therapist_mfa",
    "backease.web.middleware.privacy_headers",
    # Last, as django-axes asks: it turns a lockout into its own response.
    "axes.middleware.AxesMiddleware",
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First, as django-axes asks: it refuses a locked-out sign-in before any other backend.
    "axes.backends.AxesStandaloneBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"

# django-allauth: sign in with email and password; the address is verified before use.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
# Clinic mode adds sign-up by invitation to accounts' own adapter (backease.accounts.adapter).
ACCOUNT_ADAPTER = "backease.clinic.adapter.ClinicAccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "backease: "
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = "backease"
OPEN_SIGNUP = envbool("BACKEASE_OPEN_SIGNUP")
THERAPIST_MFA = envbool("BACKEASE_THERAPIST_MFA")
# Rate limits (allauth counts in the cache; docs/accounts.md). Wrong passwords are
# django-axes' job (below); allauth only slows down one address trying many accounts.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "30/10m/ip",
    "signup": "20/h/ip",
    # Per requester only: a per-address limit let a stranger use up the owner's reset
    # emails. backease.accounts.views.password_reset adds 3 an hour per requester and address.
    "reset_password": "20/h/ip",
    "reset_password_from_key": "20/h/ip",
    "change_password": "5/m/user",
}

# django-axes: 5 failed sign-ins for one address from one IP lock it for 30 minutes.
AXES_FAILURE_LIMIT = envint("BACKEASE_LOCKOUT_FAILURES", 5)
AXES_COOLOFF_TIME = 0.5  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "backease.accounts.lockout.username"
AXES_LOCKOUT_CALLABLE = "backease.accounts.lockout.locked_out"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = True
AXES_VERBOSE = False
# Server mode runs behind a reverse proxy that terminates TLS (docs/deploy.md), and its app
# processes listen where only that proxy reaches them: without trusting the proxy's
# X-Forwarded-Proto every request would look like plain HTTP (and redirect forever), and
# without its X-Forwarded-For every client would share the proxy's address, so five bad
# passwords from anyone would lock an account for everyone.
TRUSTED_PROXY = envbool("BACKEASE_TRUSTED_PROXY", SERVER_MODE and not LOCAL_TRIAL)
if TRUSTED_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = False
    # The client's address is the LAST X-Forwarded-For entry: the one our proxy added
    # (earlier entries come from the client and can say anything).
    ALLAUTH_TRUSTED_PROXY_COUNT = 1
AXES_CLIENT_IP_CALLABLE = "backease.accounts.proxy.client_ip"

DEFAULT_FROM_EMAIL = envstr("BACKEASE_EMAIL_FROM", "backease@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Web Push (backease.reminders.webpush): the VAPID key signs every push; unset, one is made
# on first use and kept in the data folder. The subject tells a push service whom to contact.
VAPID_PRIVATE_KEY = envstr("BACKEASE_VAPID_PRIVATE_KEY", "").strip()
VAPID_SUBJECT = envstr(
    "BACKEASE_VAPID_SUBJECT",
    PUBLIC_ORIGIN if PUBLIC_ORIGIN.startswith("https://") else f"mailto:{DEFAULT_FROM_EMAIL}",
)

if os.environ.get("BACKEASE_SMTP_HOST"):
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_HOST = envstr("BACKEASE_SMTP_HOST", "")
    EMAIL_PORT = envint("BACKEASE_SMTP_PORT", 587)
    EMAIL_HOST_USER = envstr("BACKEASE_SMTP_USER", "")
    EMAIL_HOST_PASSWORD = envstr("BACKEASE_SMTP_PASSWORD", "")
    EMAIL_USE_TLS = True
elif os.environ.get("BACKEASE_EMAIL_DIR"):
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = envstr("BACKEASE_EMAIL_DIR", "")
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"

ROOT_URLCONF = "backease.web.urls"
WSGI_APPLICATION = "backease.web.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backease.front.context.safety",
                "backease.accounts.context.mode",
            ],
        },
    },
]

# Each worker keeps its connection for a minute, checked before reuse: a database restart
# (an upgrade, a failover to a replica) costs no failed request.
DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'backease.sqlite3'}"),
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    if DATABASES["default"]["NAME"] == str(DATA_DIR / "backease.sqlite3"):
        _private_file(DATA_DIR / "backease.sqlite3")
    # WAL lets the web server and the CLI use the database at the same time.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file too (not shared-cache memory), so the browser tests' live server
    # and the test itself lock the way the real app does.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-backease.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
WHITENOISE_USE_FINDERS = True  # personal mode: straight from the package, no collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG
if SERVER_MODE:
    # `backease migrate` collects the static files into STATIC_ROOT with a hash of each
    # file's content in its name (app.3f9a1c2b7d4e.css); pages link to those names, which
    # WhiteNoise serves as immutable (cached for a year and more), and a changed file gets
    # a new name. Names without a hash are still served, for a minute.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
    }
    WHITENOISE_USE_FINDERS = False

# The only cookie is Django's CSRF token; it never leaves this site.
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = False  # the player's JavaScript sends it back as a header
SESSION_COOKIE_SAMESITE = "Strict"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000

# Sessions live in the database, so every app process (and every host) behind the proxy
# knows every session; nothing is kept in one process's memory.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
WORKERS = envint("BACKEASE_WORKERS", 3)
SERVED_BY = envstr("BACKEASE_SERVED_BY", "")
if SERVED_BY:
    MIDDLEWARE.insert(0, "backease.web.middleware.served_by")

if SERVER_MODE:
    # On the internet, behind a reverse proxy that terminates TLS (docs/deploy.md).
    HTTPS = not LOCAL_TRIAL
    SESSION_COOKIE_SECURE = HTTPS
    CSRF_COOKIE_SECURE = HTTPS
    SECURE_SSL_REDIRECT = envbool("BACKEASE_SSL_REDIRECT", HTTPS)
    # The proxy's health check asks an app process directly, over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = envint("BACKEASE_HSTS_SECONDS", 31_536_000 if HTTPS else 0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("BACKEASE_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = False
    ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
    SESSION_COOKIE_AGE = 14 * 24 * 3600
    # The session cookie must survive the link in an invitation or verification email.
    SESSION_COOKIE_SAMESITE = "Lax"
    CSRF_COOKIE_SAMESITE = "Lax"
    # Rate limits (django-allauth's) count in the cache: one table shared by every process,
    # made by `backease migrate` (a per-process memory cache would let N workers allow N times as much).
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "backease_cache"}
    }
    SILENCED_SYSTEM_CHECKS = [
        # HSTS preload is the operator's choice (docs/deploy.md); it cannot be undone quickly.
        "security.W021",
    ]

# The job runner, `backease server jobs` (django-q2, docs/deploy.md "The job runner"). Its
# queue is a table of this database (the ORM broker): nothing to run beside PostgreSQL.
REMINDER_SCAN_MINUTES = envint("BACKEASE_REMINDER_EVERY", 1)
Q_CLUSTER = {
    "name": "backease",
    "orm": "default",
    "workers": 1,
    # A task still running after 4 minutes is stopped; one whose runner died (killed,
    # restarted) is handed out again after 5. The scan's own claims make a second run harmless.
    "timeout": 240,
    "retry": 300,
    "max_attempts": 2,
    # After the runner was down, one scan (its window catches up), not one per minute missed.
    "catch_up": False,
    "save_limit": 200,
    "ack_failures": True,
    "poll": 1,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
