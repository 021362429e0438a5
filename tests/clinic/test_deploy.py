"""Deploying server mode: production settings pass `check --deploy`, a server refuses to
start without what it needs (each with one clear line), sessions and rate limits are
shared by every app process, the proxy is trusted as docs/deploy.md sets it up, and
`make check-all` never skips the smoke run for want of nginx."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory

from backease.accounts.proxy import client_ip
from backease.web.middleware import served_by
from backease.web.server import gunicorn_command

ROOT = Path(__file__).resolve().parents[2]
BACKEASE = str(Path(sys.executable).with_name("backease"))
ORIGIN = "https://backease.example.org"
POSTGRES = os.environ.get("CI_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/backease")
SHOW_SETTINGS = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({name: getattr(s, name, None) for name in ["
    "'ALLOWED_HOSTS', 'CSRF_TRUSTED_ORIGINS', 'SESSION_ENGINE', 'SESSION_COOKIE_SECURE', "
    "'CSRF_COOKIE_SECURE', 'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', "
    "'TRUSTED_PROXY', 'CACHES', 'EMAIL_BACKEND', 'EMAIL_FILE_PATH', 'MIDDLEWARE', 'DATABASES']}, "
    "default=str))"
)


def environment(tmp_path: Path, **values: str) -> dict[str, str]:
    """This process's environment without any BACKEASE_ setting, plus `values`."""
    # The browser tests' conftest sets DJANGO_ALLOW_ASYNC_UNSAFE for this process; a deployment
    # never has it (check --deploy says async.E001), so it stays out of the child's environment.
    leave_out = ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith("BACKEASE_") and k not in leave_out}
    env.update(
        BACKEASE_DATA_DIR=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        DJANGO_SETTINGS_MODULE="backease.web.settings",
    )
    env.update(values)
    return env


def production(tmp_path: Path, **values: str) -> dict[str, str]:
    """A practice's server: PostgreSQL, a strong key, its public HTTPS origin."""
    chosen = {
        "BACKEASE_MODE": "server",
        "BACKEASE_SECRET_KEY": secrets.token_urlsafe(50),
        "BACKEASE_PUBLIC_ORIGIN": ORIGIN,
        "DATABASE_URL": POSTGRES,
    }
    return environment(tmp_path, **{**chosen, **values})


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python ARGS`, or the `backease` command when ARGS start with it."""
    command = list(args) if args[0] == BACKEASE else [sys.executable, *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)


def settings_of(env: dict[str, str]) -> dict[str, object]:
    result = run(env, "-c", SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    return dict(json.loads(result.stdout))


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    result = run(production(tmp_path), "-m", "django", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr and "ERROR" not in result.stderr


def test_server_mode_without_a_secret_key_refuses_to_start_with_one_clear_line(tmp_path: Path) -> None:
    env = production(tmp_path)
    del env["BACKEASE_SECRET_KEY"]
    result = run(env, BACKEASE, "serve")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "BACKEASE_SECRET_KEY must be set in server mode: make one with "
        "python3 -c 'import secrets; print(secrets.token_urlsafe(50))' (docs/deploy.md)"
    ]


def test_server_mode_refuses_a_short_secret_key(tmp_path: Path) -> None:
    result = run(production(tmp_path, BACKEASE_SECRET_KEY="changeme"), "-m", "django", "check")
    assert result.returncode == 1
    assert "BACKEASE_SECRET_KEY is too weak (8 characters)" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("origin", ["", "http://backease.example.org", "https://example.org/backease"])
def test_server_mode_needs_its_public_https_origin(tmp_path: Path, origin: str) -> None:
    result = run(production(tmp_path, BACKEASE_PUBLIC_ORIGIN=origin), "-m", "django", "check")
    assert result.returncode == 1
    assert result.stderr.startswith("BACKEASE_PUBLIC_ORIGIN must")
    assert len(result.stderr.strip().splitlines()) == 1


def test_server_mode_shares_sessions_and_rate_limits_between_processes_and_trusts_its_proxy(
    tmp_path: Path,
) -> None:
    found = settings_of(production(tmp_path))
    assert found["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"
    assert found["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"  # type: ignore[index]
    assert "backease.example.org" in found["ALLOWED_HOSTS"]  # type: ignore[operator]
    assert found["CSRF_TRUSTED_ORIGINS"] == [ORIGIN]
    assert found["TRUSTED_PROXY"] is True
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["SESSION_COOKIE_SECURE"] is True and found["CSRF_COOKIE_SECURE"] is True
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_HSTS_SECONDS"] == 31_536_000
    database = found["DATABASES"]["default"]  # type: ignore[index]
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["CONN_HEALTH_CHECKS"] is True  # a PostgreSQL restart costs no request


def test_an_operator_can_stop_trusting_the_proxy(tmp_path: Path) -> None:
    found = settings_of(production(tmp_path, BACKEASE_TRUSTED_PROXY="false"))
    assert found["TRUSTED_PROXY"] is False
    assert found["SECURE_PROXY_SSL_HEADER"] is None


def test_personal_mode_still_answers_on_this_machine_only_and_trusts_no_proxy(tmp_path: Path) -> None:
    found = settings_of(environment(tmp_path))
    assert found["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]
    assert found["TRUSTED_PROXY"] is False
    assert found["SECURE_PROXY_SSL_HEADER"] is None
    assert found["SECURE_SSL_REDIRECT"] is False
    assert found["SESSION_COOKIE_SECURE"] is False
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert not any("served_by" in name for name in found["MIDDLEWARE"])  # type: ignore[attr-defined]


def test_a_local_trial_of_server_mode_runs_over_plain_http_on_this_machine(tmp_path: Path) -> None:
    found = settings_of(production(tmp_path, BACKEASE_PUBLIC_ORIGIN="http://127.0.0.1:8000"))
    assert found["SESSION_COOKIE_SECURE"] is False
    assert found["SECURE_SSL_REDIRECT"] is False
    assert found["SECURE_HSTS_SECONDS"] == 0
    assert found["TRUSTED_PROXY"] is False


def test_email_can_go_to_files_and_responses_can_name_their_process(tmp_path: Path) -> None:
    found = settings_of(
        production(tmp_path, BACKEASE_EMAIL_DIR=str(tmp_path / "mail"), BACKEASE_SERVED_BY="app1")
    )
    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.filebased.EmailBackend"
    assert found["EMAIL_FILE_PATH"] == str(tmp_path / "mail")
    assert found["MIDDLEWARE"][0] == "backease.web.middleware.served_by"  # type: ignore[index]


def test_serve_in_server_mode_waits_for_backease_migrate(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = run(production(tmp_path, DATABASE_URL=database), BACKEASE, "serve")
    assert result.returncode == 1
    assert "run `backease migrate` once, then start the app processes" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_backease_migrate_brings_a_fresh_database_up_to_date_once(tmp_path: Path) -> None:
    env = production(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    first = run(env, BACKEASE, "migrate", "--json")
    assert first.returncode == 0, first.stderr
    assert "store.0001_initial" in json.loads(first.stdout)["applied"]
    again = run(env, BACKEASE, "migrate", "--json")
    assert json.loads(again.stdout) == {"applied": []}
    assert run(env, BACKEASE, "migrate").stdout == "The database is up to date.\n"


def test_personal_mode_serve_has_no_workers_option(tmp_path: Path) -> None:
    result = run(environment(tmp_path), BACKEASE, "serve", "--workers", "2")
    assert result.returncode == 1
    assert "--workers is for server mode" in result.stderr


def test_server_mode_runs_gunicorn_with_several_workers_and_no_shared_control_socket() -> None:
    command = gunicorn_command("127.0.0.1", 8001, 4)
    assert command[1:4] == ["-m", "gunicorn", "backease.web.wsgi:application"]
    assert command[command.index("--bind") + 1] == "127.0.0.1:8001"
    assert command[command.index("--workers") + 1] == "4"
    assert "--no-control-socket" in command


@pytest.mark.django_db
def test_the_health_check_answers_over_plain_http_while_pages_redirect(settings: object) -> None:
    settings.SECURE_SSL_REDIRECT = True  # type: ignore[attr-defined]
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # type: ignore[attr-defined]
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-store" in response["Cache-Control"]
    assert Client().get("/today/").status_code == 301


@pytest.mark.django_db
def test_the_health_check_is_open_in_personal_mode_too(settings: object) -> None:
    settings.MODE = "personal"  # type: ignore[attr-defined]
    assert Client().get("/healthz").status_code == 200


def test_the_health_check_says_503_when_the_database_cannot_be_reached() -> None:
    # No django_db mark: pytest-django refuses every query here, as a database that is down would.
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.content == b"database unavailable\n"


def test_a_trusted_proxy_gives_the_client_address_it_saw(settings: object) -> None:
    settings.TRUSTED_PROXY = True  # type: ignore[attr-defined]
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7", REMOTE_ADDR="127.0.0.1")
    assert client_ip(request) == "203.0.113.7"  # the first entry is the client's own claim
    settings.TRUSTED_PROXY = False  # type: ignore[attr-defined]
    assert client_ip(request) == "127.0.0.1"


def test_sign_in_lockouts_count_per_client_address_behind_the_proxy(settings: object) -> None:
    # django-axes locks (address, IP) pairs: behind nginx every IP would be 127.0.0.1, so five
    # wrong passwords from anyone would lock the account for everyone.
    from axes.helpers import get_client_ip_address

    settings.TRUSTED_PROXY = True  # type: ignore[attr-defined]
    request = RequestFactory().post(
        "/accounts/login/", HTTP_X_FORWARDED_FOR="203.0.113.7", REMOTE_ADDR="127.0.0.1"
    )
    assert get_client_ip_address(request) == "203.0.113.7"


def test_served_by_names_the_process(settings: object) -> None:
    settings.SERVED_BY = "app2"  # type: ignore[attr-defined]
    response = served_by(lambda request: HttpResponse("hi"))(RequestFactory().get("/"))
    assert response["X-Served-By"] == f"app2 {os.getpid()}"


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_check_all_fails_naming_nginx_when_it_is_missing_and_cannot_be_installed(tmp_path: Path) -> None:
    missing = tmp_path / "no-nginx"
    result = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "nginx", f"NGINX={missing}", "APT_GET=nothing"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert f"nginx is missing at {missing}" in result.stderr
    assert "apt-get install nginx" in result.stderr


def test_check_all_is_the_tests_and_the_smoke_run_and_ci_calls_it() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    rule = next(line for line in makefile.splitlines() if line.startswith("check-all:"))
    assert rule.split(":", 1)[1].split() == ["test", "smoke"]
    assert "scripts/smoke_server.py" in makefile
    assert "make check-all" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
