"""The one settings module. Every value that can change comes from the environment,
read here and nowhere else, through the small typed helpers below.

| variable | default | meaning |
|---|---|---|
| BACKEASE_DATA_DIR | the platform's user data dir | the SQLite database and secret key (0700; files 0600) |
| DATABASE_URL | sqlite:///<data dir>/backease.sqlite3 | e.g. postgres://user@127.0.0.1:5432/backease |
| BACKEASE_SECRET_KEY | generated once into <data dir>/secret_key | Django's signing key |
| BACKEASE_DEBUG | false | Django debug mode (never on a server) |
| BACKEASE_ALLOWED_HOSTS | 127.0.0.1,localhost,[::1] | host names the app answers to |
| BACKEASE_CSRF_TRUSTED_ORIGINS | (none) | origins of an HTTPS reverse proxy in front (docs/phone.md) |
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


def _secret_key() -> str:
    configured = os.environ.get("BACKEASE_SECRET_KEY")
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

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.staticfiles",
    "ninja",
    "backease.store",
    "backease.front",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "backease.web.middleware.api_json_errors",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "backease.web.middleware.privacy_headers",
]

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
                "backease.front.context.safety",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{DATA_DIR / 'backease.sqlite3'}"), conn_max_age=60
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
WHITENOISE_USE_FINDERS = True  # serve straight from the package: no collectstatic step
WHITENOISE_AUTOREFRESH = DEBUG

# The only cookie is Django's CSRF token; it never leaves this site.
CSRF_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = False  # the player's JavaScript sends it back as a header
SESSION_COOKIE_SAMESITE = "Strict"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
