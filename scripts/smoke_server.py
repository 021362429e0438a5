#!/usr/bin/env python3
"""Server mode, end to end, on this machine: the smoke run of `make check-all`.

It sets up what docs/deploy.md describes, in a temporary folder:

1. a fresh PostgreSQL database (created through SMOKE_POSTGRES_URL, by default
   postgres://postgres@127.0.0.1:5432/postgres, and dropped at the end);
2. `backease migrate`, then two app processes, `backease serve --workers 2` (gunicorn) on two
   ports, each naming itself in an `X-Served-By` header (BACKEASE_SERVED_BY);
3. a self-signed certificate made with openssl, and Debian's nginx running the nginx
   configuration of docs/deploy.md (its host name, ports, certificate and upstream ports
   replaced), listening on HTTPS in front of both app processes;

then walks a therapist's and a client's journey through HTTPS only, keeping cookies and
CSRF tokens as a browser does, and checks that both app processes answered. Each step
prints its time; the first failure stops the run with a message and exit code 1. Whatever
it started is always stopped, and the database dropped.

    .venv/bin/python scripts/smoke_server.py [--nginx /usr/sbin/nginx] [--keep]
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
DEPLOY_DOC = ROOT / "docs" / "deploy.md"
HOST = "backease.smoke.test"
PASSWORD = "smoke test passphrase 7"
BIN = Path(sys.executable).parent


class SmokeFailure(Exception):
    """A step did not do what it should; the message says what was expected."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


# --- steps and timing ----------------------------------------------------------------------------


class Steps:
    """Prints each step with its duration, and the total at the end."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.timings: list[tuple[str, float]] = []
        self.current = ""

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        self.current = name
        begun = time.monotonic()
        yield
        spent = time.monotonic() - begun
        self.timings.append((name, spent))
        print(f"  ok {spent:6.2f} s  {name}", flush=True)

    def total(self) -> float:
        return time.monotonic() - self.started


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Started:
    name: str
    process: subprocess.Popen[bytes]
    log: Path


@dataclass
class World:
    """Everything this run made, so that `stop` can undo it."""

    tmp: Path
    keep: bool
    started: list[Started] = field(default_factory=list)
    admin_url: str = ""
    database: str = ""
    nginx: list[str] = field(default_factory=list)
    """nginx's command line with this run's prefix, configuration and error log."""

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> Started:
        log = self.tmp / f"{name}.log"
        handle = log.open("ab")  # a restarted process adds to its log
        process = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True, cwd=ROOT
        )
        handle.close()
        started = Started(name, process, log)
        self.started.append(started)
        return started

    def stop(self) -> None:
        for started in reversed(self.started):
            if started.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(started.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for started in reversed(self.started):
            try:
                started.process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(started.process.pid, signal.SIGKILL)
                started.process.wait()
        # Workers of a process group that outlived their master.
        for started in self.started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(started.process.pid, signal.SIGKILL)
        if self.database:
            with contextlib.suppress(Exception):
                _admin(self.admin_url, f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        if self.keep:
            print(f"kept {self.tmp} (logs, configuration, emails)", flush=True)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join("    | " + line for line in text[-lines:])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True, connect_timeout=5) as connection:
        connection.execute(sql)  # type: ignore[arg-type]


def run(command: list[str], env: dict[str, str], what: str) -> str:
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT, check=False
    )
    if result.returncode != 0:
        raise SmokeFailure(f"{what} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


# --- a browser: cookies, CSRF, forms, HTTPS to 127.0.0.1 under the public name -----------------


class _Connection(http.client.HTTPSConnection):
    """Connects to 127.0.0.1 whatever the host name, which is still sent as the TLS server
    name (and checked against the certificate) and as the Host header; from `source` (another
    loopback address, so nginx counts a load generator's browsers as different clients)."""

    source = "127.0.0.1"

    def connect(self) -> None:
        sock = socket.create_connection(
            ("127.0.0.1", self.port or 443), self.timeout, source_address=(self.source, 0)
        )
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _Https(urllib.request.HTTPSHandler):
    def __init__(self, context: ssl.SSLContext, source: str = "127.0.0.1") -> None:
        super().__init__(context=context)
        self.connection = type("_From", (_Connection,), {"source": source})

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req, context=self._context)  # type: ignore[attr-defined,no-any-return]


class _Http(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        class Plain(http.client.HTTPConnection):
            def connect(self) -> None:
                self.sock = socket.create_connection(("127.0.0.1", self.port or 80), self.timeout)

        return self.do_open(Plain, req)  # type: ignore[no-any-return]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    text: str
    url: str

    def json(self) -> Any:
        return json.loads(self.text)

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]]
    attrs: dict[str, str]


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._options: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower(), [], a)
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "reset", "file"):
                self._form.fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            self._form.fields.append((a["name"], ""))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            self._options = []
        elif tag == "option" and self._select:
            # A browser sends the selected option, or the first one.
            value = a.get("value", "")
            self._options.insert(0, value) if "selected" in a else self._options.append(value)

    def handle_data(self, data: str) -> None:
        if self._form is not None and self._textarea is not None:
            name, value = self._form.fields[-1]
            self._form.fields[-1] = (name, value + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._form is not None and self._select is not None:
            if self._options:
                self._form.fields.append((self._select, self._options[0]))
            self._select = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


ANSWERS: collections.Counter[str] = collections.Counter()
"""How many answers each app process gave (its X-Served-By name), over the whole journey."""
SERVED_BY: collections.Counter[str] = collections.Counter()
"""The same, since it was last cleared (one step's answers)."""
WORKERS: collections.Counter[str] = collections.Counter()
"""Answers per worker ("app1 <pid>"), to tell the workers a reload started from the old ones."""


class Browser:
    """One person's browser: its own cookies; sends Origin and Referer on writes, and the
    CSRF token (from the page's form, or the csrftoken cookie for the JSON API)."""

    def __init__(self, who: str, origin: str, context: ssl.SSLContext, source: str = "127.0.0.1") -> None:
        self.who = who
        self.origin = origin
        self.context = context
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            _Https(context, source), _Http(), urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects()
        )
        self.last_url = origin + "/"

    def url(self, path: str) -> str:
        return path if path.startswith(("https://", "http://")) else self.origin + path

    def request(
        self,
        method: str,
        path: str,
        *,
        data: list[tuple[str, str]] | dict[str, str] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        expect: tuple[int, ...] | int | None = 200,
    ) -> Response:
        url = self.url(path)
        sent = {"User-Agent": "backease-smoke", "Accept": "text/html,application/json"}
        payload = None
        if data is not None:
            payload = urllib.parse.urlencode(data).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            payload = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if method not in ("GET", "HEAD"):
            sent["Origin"] = self.origin
            sent["Referer"] = self.last_url
            token = self.cookie("csrftoken")
            if token and data is None:
                sent["X-CSRFToken"] = token
        sent.update(headers or {})
        request = urllib.request.Request(url, data=payload, method=method, headers=sent)
        try:
            with self.opener.open(request, timeout=30) as answer:
                response = Response(answer.status, _lower(answer.headers), answer.read().decode(), url)
        except urllib.error.HTTPError as error:
            response = Response(error.code, _lower(error.headers), error.read().decode(errors="replace"), url)
        except OSError as exc:
            raise SmokeFailure(f"{self.who}: {method} {url} did not get an answer: {exc}") from exc
        if "x-served-by" in response.headers:
            name = response.headers["x-served-by"].split()[0]
            ANSWERS[name] += 1
            SERVED_BY[name] += 1
            WORKERS[response.headers["x-served-by"]] += 1
        if method == "GET" and response.status == 200:
            self.last_url = url
        wanted = (expect,) if isinstance(expect, int) else expect
        if wanted is not None and response.status not in wanted:
            raise SmokeFailure(
                f"{self.who}: {method} {path} answered {response.status}, "
                f"expected {' or '.join(map(str, wanted))}"
                + (f" (to {response.location})" if response.location else "")
                + f"\n{_excerpt(response.text)}"
            )
        return response

    def get(self, path: str, expect: tuple[int, ...] | int | None = 200) -> Response:
        return self.request("GET", path, expect=expect)

    def follow(self, path: str, limit: int = 5) -> Response:
        """GET, following redirects within the site like a browser."""
        response = self.get(path, expect=None)
        for _ in range(limit):
            if response.status not in (301, 302, 303, 307, 308):
                break
            response = self.get(urllib.parse.urljoin(response.url, response.location), expect=None)
        check(response.status == 200, f"{self.who}: {path} ended at {response.status} ({response.url})")
        return response

    def submit(
        self,
        page: Response,
        choose: str,
        values: dict[str, str] | None = None,
        expect: tuple[int, ...] | int = (302, 303),
    ) -> Response:
        """Fill in and send the first form of `page` whose address contains `choose`."""
        found = [
            (form, action)
            for form in forms_of(page.text)
            for action in [urllib.parse.urljoin(page.url, form.action or page.url)]
            if choose in urllib.parse.urlsplit(action).path
        ]
        check(found, f"{self.who}: no form sent to {choose!r} on {page.url}")
        form, action = found[0]
        fields = [(k, v) for k, v in form.fields if k not in (values or {})]
        fields += list((values or {}).items())
        self.last_url = page.url
        return self.request(form.method.upper(), action, data=fields, expect=expect)

    def cookie(self, name: str) -> str:
        return next((c.value or "" for c in self.jar if c.name == name), "")

    def sign_in(self, email: str, password: str = PASSWORD) -> Response:
        page = self.get("/accounts/login/")
        return self.submit(page, "/accounts/login/", {"login": email, "password": password})


def _lower(headers: Any) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


def _excerpt(text: str) -> str:
    plain = re.sub(r"<script.*?</script>|<style.*?</style>", "", text, flags=re.S)
    plain = re.sub(r"<[^>]+>", " ", plain)
    return "    " + re.sub(r"\s+", " ", plain).strip()[:600]


# --- set-up: database, app processes, certificate, nginx ----------------------------------------


def nginx_site(https_port: int, http_port: int, apps: list[int], tmp: Path) -> str:
    """docs/deploy.md's nginx configuration, with this run's names, ports and files."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```nginx\n(.*?)```", text, re.S)
    http = [b for b in blocks if "acme-challenge" in b]
    https = [b for b in blocks if "upstream backease_app" in b]
    check(http, f"{DEPLOY_DOC}: no ```nginx block with the port-80 server (acme-challenge)")
    check(https, f"{DEPLOY_DOC}: no ```nginx block with 'upstream backease_app'")
    site = http[0] + "\n" + https[0]
    replacements = [
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;\n", ""),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;\n", ""),
        ("/etc/letsencrypt/live/backease.example.org/fullchain.pem", str(tmp / "cert.pem")),
        ("/etc/letsencrypt/live/backease.example.org/privkey.pem", str(tmp / "key.pem")),
        ("root /var/www/letsencrypt;", f"root {tmp / 'acme'};"),
        ("server 127.0.0.1:8001", f"server 127.0.0.1:{apps[0]}"),
        ("server 127.0.0.1:8002", f"server 127.0.0.1:{apps[1]}"),
        ("backease.example.org", HOST),
        # $host has no port; the app builds its links (invitations, emails) from the Host it
        # gets, and this run's HTTPS port is not 443.
        ("proxy_set_header Host $host;", "proxy_set_header Host $http_host;"),
    ]
    for old, new in replacements:
        check(
            old in site,
            f"{DEPLOY_DOC}: the nginx configuration no longer has {old.strip()!r}; update the smoke run",
        )
        site = site.replace(old, new)
    return site


def nginx_main(tmp: Path) -> str:
    """The main nginx.conf around the site: everything in the temporary folder."""
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must reach the temp folder
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / 'nginx' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
daemon off;
pid {tmp / "nginx" / "nginx.pid"};
error_log {tmp / "nginx-error.log"} warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp / "nginx-access.log"};
{temp}
    include {tmp / "site.conf"};
}}
"""


def make_certificate(tmp: Path, env: dict[str, str]) -> None:
    """A new self-signed certificate for HOST in tmp/cert.pem and tmp/key.pem."""
    run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
            "-keyout", str(tmp / "key.pem"), "-out", str(tmp / "cert.pem"),
        ],
        env,
        "openssl",
    )  # fmt: skip


def _served_certificate(origin: str) -> bytes:
    """The certificate nginx presents now (DER), whoever signed it."""
    port = urllib.parse.urlsplit(origin).port or 443
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with (
        socket.create_connection(("127.0.0.1", port), timeout=10) as raw,
        context.wrap_socket(raw, server_hostname=HOST) as tls,
    ):
        return tls.getpeercert(binary_form=True) or b""


def start_app(world: World, env: dict[str, str], index: int, port: int) -> Started:
    """`backease serve` in server mode: gunicorn with two workers, named app<index>."""
    command = [str(BIN / "backease"), "serve", "--port", str(port), "--workers", "2"]
    return world.start(f"app{index}", command, {**env, "BACKEASE_SERVED_BY": f"app{index}"})


def stop_one(started: Started) -> None:
    """Stop one process as systemd does (TERM to its group; gunicorn finishes what is in flight)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(started.process.pid, signal.SIGTERM)
    try:
        started.process.wait(timeout=35)
    except subprocess.TimeoutExpired as exc:
        raise SmokeFailure(f"{started.name} did not stop within 35 s of TERM") from exc


def wait_for_health(started: Started, port: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if started.process.poll() is not None:
            raise SmokeFailure(
                f"{started.name} stopped (exit {started.process.returncode}):\n{tail(started.log)}"
            )
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200 and answer.read() == b"ok\n":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SmokeFailure(f"{started.name} did not answer /healthz within {seconds:.0f} s:\n{tail(started.log)}")


def documented_block(heading: str, fence: str) -> str:
    """The first ```<fence> block under the docs/deploy.md heading that starts with `heading`."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    start = text.find(heading)
    check(start >= 0, f"{DEPLOY_DOC}: no heading {heading!r}; update the smoke run")
    found = re.search(rf"```{fence}\n(.*?)```", text[start:], re.S)
    check(found, f"{DEPLOY_DOC}: no ```{fence} block under {heading!r}")
    return found.group(1)  # type: ignore[union-attr]


class Load:
    """A load generator: `threads` signed-in browsers (copies of one person's cookies), each
    reading a page, writing a diary entry through the API and reading a list, over and over
    through nginx until stopped; every request that does not get its answer is a failure."""

    def __init__(self, model: Browser, threads: int = 4) -> None:
        self.model = model
        self.threads = threads
        self.stopped = threading.Event()
        self.requests = 0
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.workers: list[threading.Thread] = []

    def _browser(self, index: int) -> Browser:
        # Each thread from its own loopback address, as different people are: nginx allows
        # each address 10 requests a second, and each thread keeps under that.
        browser = Browser(f"load {index}", self.model.origin, self.model.context, f"127.0.0.{11 + index}")
        for cookie in self.model.jar:
            browser.jar.set_cookie(cookie)
        return browser

    def _run(self, index: int) -> None:
        browser = self._browser(index)
        calls: list[tuple[str, str, Any, int]] = [
            ("GET", "/today/", None, 200),
            ("POST", "/api/pain", {"pain": 2, "note": f"smoke: load {index}"}, 201),
            ("GET", "/api/sessions", None, 200),
        ]
        deadline = time.monotonic() + 300  # bounded whatever happens
        while not self.stopped.is_set() and time.monotonic() < deadline:
            for method, path, body, status in calls:
                began = time.monotonic()
                try:
                    browser.request(method, path, body=body, expect=status)
                except SmokeFailure as failure:
                    with self.lock:
                        self.failures.append(str(failure).splitlines()[0])
                with self.lock:
                    self.requests += 1
                time.sleep(max(0.0, 0.15 - (time.monotonic() - began)))  # under 7 a second

    def __enter__(self) -> Load:
        self.workers = [
            threading.Thread(target=self._run, args=(i,), daemon=True) for i in range(self.threads)
        ]
        for worker in self.workers:
            worker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        for worker in self.workers:
            worker.join(60)


def run_documented_upgrade(world: World, env: dict[str, str], apps: list[int]) -> list[str]:
    """docs/deploy.md's upgrade lines, as this machine can run them: the code is already in
    place (git and pip are skipped), `backease migrate` runs, `systemctl reload|restart
    backease@PORT` signals that app process as systemd would (HUP, or TERM and a new start),
    and `curl ... /healthz` waits as curl --retry does. Returns what it did, line by line."""
    ports = {"8001": (1, apps[0]), "8002": (2, apps[1])}
    done = []
    for raw in documented_block("## 9. Upgrades", "sh").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith(("cd ", "sudo -u backease git ", "sudo -u backease .venv/bin/pip ")):
            done.append(f"skipped (the code is in place): {line}")
            continue
        if line == "sudo backease-env backease migrate":
            run([str(BIN / "backease"), "migrate"], env, "backease migrate")
        elif found := re.fullmatch(r"sudo systemctl (reload|restart) backease@(800[12])", line):
            action, port = found.groups()
            index, real_port = ports[port]
            started = [s for s in world.started if s.name == f"app{index}" and s.process.poll() is None][-1]
            if action == "reload":
                os.kill(started.process.pid, signal.SIGHUP)
            else:
                stop_one(started)
                start_app(world, env, index, real_port)
        elif line == "sudo systemctl restart backease-jobs":
            # As its unit does: TERM, and KILL after TimeoutStopSec (10 s).
            runner = [s for s in world.started if s.name == "jobs" and s.process.poll() is None][-1]
            with contextlib.suppress(ProcessLookupError):
                os.killpg(runner.process.pid, signal.SIGTERM)
            try:
                runner.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(runner.process.pid, signal.SIGKILL)
                runner.process.wait(timeout=10)
            start_runner(world, env)
        elif found := re.fullmatch(
            r"curl -fsS (?:--retry (\d+) )?.*http://127\.0\.0\.1:(800[12])/healthz", line
        ):
            tries, port = int(found.group(1) or 1), found.group(2)
            index, real_port = ports[port]
            started = [s for s in world.started if s.name == f"app{index}"][-1]
            wait_for_health(started, real_port, seconds=max(tries, 5))
        else:
            raise SmokeFailure(f"{DEPLOY_DOC}: the smoke run cannot run the upgrade line {line!r}; teach it")
        done.append(line)
    return done


def latest_email(folder: Path, to: str, containing: str, seconds: float = 10) -> str:
    """The newest email to `to` whose text contains `containing` (the file backend's folder)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for path in sorted(folder.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
            text = path.read_text(errors="replace")
            for message in text.split("-" * 79):
                if f"To: {to}" in message and containing in message:
                    return message
        time.sleep(0.2)
    raise SmokeFailure(f"no email to {to} containing {containing!r} in {folder}")


def reminders_to(folder: Path, to: str) -> int:
    """How many reminder emails (the job runner's) went to `to` (the file backend's folder)."""
    return sum(
        1
        for path in folder.glob("*.log")
        for message in path.read_text(errors="replace").split("-" * 79)
        if f"To: {to}" in message and "your session at" in message
    )


def start_runner(world: World, env: dict[str, str]) -> Started:
    """`backease server jobs`: the job runner (django-q2) that sends the reminders."""
    return world.start("jobs", [str(BIN / "backease"), "server", "jobs"], env)


def link_in(message: str, path_prefix: str) -> str:
    found = re.search(r"https://[^\s\"'<>]+" + re.escape(path_prefix) + r"[^\s\"'<>]*", message)
    check(found, f"no {path_prefix} link in the email:\n{message[:800]}")
    return found.group(0)  # type: ignore[union-attr]


# --- the journey -------------------------------------------------------------------------------


PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "causes": ["posture"],
    "tools": ["hands", "wall", "tennis_ball"],
    "minutes": 10,
    "pressure": "moderate",
    "no_floor": False,
    "stress": 5,
}

THERAPIST, CLIENT = "sam@smoke.test", "alex@smoke.test"
OUTSIDER, OTHER_CLIENT = "other-therapist@smoke.test", "other-client@smoke.test"
OPERATOR_MADE = [
    (THERAPIST, "therapist", "Sam Rivera"),
    (OUTSIDER, "therapist", "Other Therapist"),
    (OTHER_CLIENT, "client", ""),
]
"""The accounts the operator makes with `backease server add-user` (the client is invited)."""


def add_users(env: dict[str, str]) -> list[subprocess.Popen[str]]:
    """Start `backease server add-user --json` for each account the operator makes."""
    return [
        subprocess.Popen(
            [str(BIN / "backease"), "server", "add-user", email, "--role", role, "--name", name, "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        for email, role, name in OPERATOR_MADE
    ]


def one_time_links(adding: list[subprocess.Popen[str]]) -> dict[str, str]:
    """Each account's one-time link to set a password, as add-user printed it."""
    links = {}
    for (email, _, _), process in zip(OPERATOR_MADE, adding, strict=True):
        out, err = process.communicate(timeout=120)
        check(process.returncode == 0, f"backease server add-user {email} failed:\n{out}{err}")
        links[email] = json.loads(out)["link"]
    return links


PROGRAMME = "Desk shoulders"
TECHNIQUE = "upper_trapezius_stretch"
PSFS = [("Reaching up to a shelf", 4), ("Sitting at a desk for an hour", 5), ("Carrying shopping", 3)]


def journey(
    step: Steps,
    env: dict[str, str],
    origin: str,
    context: ssl.SSLContext,
    mail: Path,
    http_port: int,
    world: World,
    apps: list[int],
    links: dict[str, str],
) -> None:
    therapist_email, client_email, outsider_email, other_client_email = (
        THERAPIST,
        CLIENT,
        OUTSIDER,
        OTHER_CLIENT,
    )
    therapist = Browser("therapist", origin, context)
    client = Browser("client", origin, context)
    outsider = Browser("outsider therapist", origin, context)
    other = Browser("other client", origin, context)

    with step("plain HTTP on the proxy redirects to HTTPS"):
        plain = Browser("visitor", f"http://{HOST}:{http_port}", context)
        answer = plain.get("/today/", expect=301)
        check(answer.location == f"https://{HOST}/today/", f"redirected to {answer.location!r}")

    with step("port 80 serves a file from the ACME webroot; no nginx version on port 80 or 443"):
        token = secrets.token_urlsafe(16)
        challenge = world.tmp / "acme" / ".well-known" / "acme-challenge"
        challenge.mkdir(parents=True, exist_ok=True)
        (challenge / token).write_text(f"{token}.smoke-key-authorisation")
        answer = plain.get(f"/.well-known/acme-challenge/{token}", expect=200)
        check(answer.text == f"{token}.smoke-key-authorisation", f"the challenge file read {answer.text!r}")
        for response in (answer, plain.get("/no-such-page", expect=301), therapist.get("/healthz")):
            server = response.headers.get("server", "")
            check(server == "nginx", f"the Server header says {server!r}: server_tokens is not off")
        missing = plain.get("/.well-known/acme-challenge/none", expect=404)
        check("nginx/" not in missing.text, "nginx's 404 page names its version")

    with step("HTTPS: signed-out visitors are sent to sign in; HSTS and secure cookies"):
        answer = therapist.get("/", expect=302)
        check(answer.location.startswith("/accounts/login/"), f"/ redirected to {answer.location!r}")
        check("max-age=31536000" in answer.headers.get("strict-transport-security", ""), "no HSTS header")
        page = therapist.get("/accounts/login/")
        check(any(c.secure for c in therapist.jar if c.name == "csrftoken"), "the CSRF cookie is not Secure")
        check(forms_of(page.text), "the sign-in page has no form")

    with step("static files: pages link to hashed names, served as cached for a year"):
        found = re.search(r'href="(/static/[^"]+\.css)"', page.text)
        check(found, "the sign-in page links to no stylesheet")
        css = found.group(1)  # type: ignore[union-attr]
        check(
            re.search(r"\.[0-9a-f]{12}\.css$", css), f"the stylesheet {css} has no content hash in its name"
        )
        cache = therapist.get(css).headers.get("cache-control", "")
        age = re.search(r"max-age=(\d+)", cache)
        check(age and int(age.group(1)) >= 31_536_000, f"{css} is served with {cache!r}, not for a year")  # type: ignore[union-attr]
        plain_name = re.sub(r"\.[0-9a-f]{12}\.css$", ".css", css)
        cache = therapist.get(plain_name).headers.get("cache-control", "")
        check("immutable" not in cache, f"{plain_name} (no hash) is served as immutable: {cache!r}")

    with step("the therapists and the other client set their passwords from the operator's one-time links"):
        for email, browser in (
            (therapist_email, therapist),
            (outsider_email, outsider),
            (other_client_email, other),
        ):
            link = links[email]
            check(link.startswith(origin + "/accounts/"), f"the one-time link is {link!r}, not on {origin}")
            page = browser.follow(link)
            answer = browser.submit(
                page, "/accounts/password/reset/key/", {"password1": PASSWORD, "password2": PASSWORD}
            )
            check("done" in answer.location, f"setting {email}'s password went to {answer.location!r}")

    with step("the other client plans a session for this minute: the job runner is to remind them"):
        phone = Browser("other client's phone", origin, context)
        phone.sign_in(other_client_email)
        zone = phone.request("GET", "/api/schedule").json()["time_zone"]
        local = datetime.now(ZoneInfo(zone))
        day = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[local.weekday()]
        planned = phone.request("PUT", "/api/schedule", body={"days": [day], "time": f"{local:%H:%M}"}).json()
        check(planned["reminders"], f"reminders are off for a new schedule: {planned}")

    with step("the therapist signs in"):
        answer = therapist.sign_in(therapist_email)
        check(
            answer.location.startswith("/clinic/"), f"a therapist lands on {answer.location!r}, not /clinic/"
        )
        check(any(c.name == "sessionid" and c.secure for c in therapist.jar), "no Secure session cookie")

    with step("the therapist invites a client by email"):
        page = therapist.get("/clinic/invitations/")
        therapist.submit(
            page, "/clinic/invitations/", {"email": client_email, "note": "Twice a week, gently."}
        )
        invite_url = link_in(latest_email(mail, client_email, "/invite/"), "/invite/")
        check(
            invite_url.startswith(origin + "/invite/"),
            f"the invitation link is {invite_url!r}, not on {origin}",
        )

    with step("the client opens the invitation and signs up (email verified from the emailed link)"):
        page = client.get(invite_url)
        check("Sam Rivera" in page.text, "the invitation does not name the therapist")
        signup = re.search(r'href="(/accounts/signup/[^"]*)"', page.text)
        check(signup, "the invitation page has no sign-up link")
        form = client.get(signup.group(1).replace("&amp;", "&"))  # type: ignore[union-attr]
        client.submit(
            form, "/accounts/signup/", {"email": client_email, "password1": PASSWORD, "password2": PASSWORD}
        )
        confirm_url = link_in(
            latest_email(mail, client_email, "/accounts/confirm-email/"), "/accounts/confirm-email/"
        )
        confirm = client.get(confirm_url)
        client.submit(confirm, "/accounts/confirm-email/")
        if not client.cookie("sessionid") or client.get("/today/", expect=None).status != 200:
            client.sign_in(client_email)
        client.get("/today/")

    with step("the invitation opens one sign-up: a second visitor with the link is told it was used"):
        second = Browser("second visitor", origin, context)
        page = second.get(invite_url, expect=410)
        check("used already" in page.text, "a second visitor of a used invitation is not told it was used")
        signup = second.get("/accounts/signup/")
        check('name="password1"' not in signup.text, "a used invitation still opens the sign-up form")

    with step("the client accepts, sharing diary and sessions"):
        page = client.get(invite_url)
        answer = client.submit(page, "/invite/", {"share": "full"})
        check("/me/sharing/" in answer.location, f"accepting went to {answer.location!r}")
        sharing = client.get("/me/sharing/")
        check("Sam Rivera" in sharing.text, "the sharing page does not show the therapist")
        found = re.search(r"/me/sharing/(\d+)/share/", sharing.text)
        check(found, "the sharing page has no form to change what is shared")
        link_id = found.group(1)  # type: ignore[union-attr]

    with step("app1 stops, as in an upgrade: nginx sends every request to app2 and none fails"):
        stop_one(next(started for started in world.started if started.name == "app1"))
        SERVED_BY.clear()
        for _ in range(6):
            client.get("/today/")
            client.get("/clinic/", expect=(403, 404))
        client.request(
            "POST", "/api/pain", body={"pain": 3, "note": "smoke: while app1 restarts"}, expect=201
        )
        check(set(SERVED_BY) == {"app2"}, f"answers came from {dict(SERVED_BY)} while app1 was stopped")
        restarted = start_app(world, env, 1, apps[0])

    with step("the therapist makes a template and gives it to the client (/clinic/templates/)"):
        found = re.search(r'href="/clinic/clients/(\d+)/"', therapist.get("/clinic/").text)
        check(found, "the therapist's dashboard links to no client")
        client_id = found.group(1)  # type: ignore[union-attr]
        page = therapist.get("/clinic/templates/new/")
        fields = {"title": PROGRAMME, "days_per_week": "3", "note": "Slowly, and stop if it hurts."}
        page = therapist.submit(
            page,
            "/clinic/templates/new/",
            {**fields, "action": "add", "add_technique": TECHNIQUE},
            expect=200,
        )
        check(forms_of(page.text) and 'name="step-0-technique"' in page.text, "the step was not added")
        answer = therapist.submit(page, "/clinic/templates/new/", {**fields, "action": "save"})
        check("saved=" in answer.location, f"saving the template went to {answer.location!r}")
        templates = therapist.get(answer.location)
        found = re.search(r'action="(/clinic/templates/(\d+)/assign/)"', templates.text)
        check(found, "the templates page has no form to give the template to clients")
        answer = therapist.submit(templates, found.group(1), {"clients": client_id})  # type: ignore[union-attr]
        check("assigned=1" in answer.location, f"assigning went to {answer.location!r}")

    with step("the client sees 'From your therapist' on Today, starts it and does the session"):
        today = client.get("/today/")
        check(
            f"From your therapist: {PROGRAMME}" in today.text, "Today does not show the therapist's programme"
        )
        found = re.search(r'action="/me/programmes/(\d+)/start/"', today.text)
        check(found, "Today has no Start button for the therapist's programme")
        programme_id = found.group(1)  # type: ignore[union-attr]
        answer = client.submit(today, f"/me/programmes/{programme_id}/start/")
        found = re.search(r"/session/(\d+)/", answer.location)
        check(found, f"starting the programme went to {answer.location!r}, not to a session")
        session_id = found.group(1)  # type: ignore[union-attr]
        client.follow(answer.location)
        client.get("/api/csrf")
        client.request("PATCH", f"/api/sessions/{session_id}", body={"pain_before": 6})
        client.request("PUT", f"/api/sessions/{session_id}/steps/0", body={"seconds_done": 60})
        client.request(
            "POST", f"/api/sessions/{session_id}/finish", body={"status": "completed", "pain_after": 4}
        )
        client.request(
            "POST", "/api/pain", body={"pain": 4, "note": "smoke: easier after the session"}, expect=201
        )
        check(
            len(client.get("/api/sessions").json()) == 1,
            "the client's session list does not have one session",
        )

    with step("the client checks in: pain now and PSFS (/me/outcomes/), and a bad day in the diary"):
        page = client.get("/me/outcomes/")
        answers = {"pain": "5"}
        for index, (activity, score) in enumerate(PSFS):
            answers |= {f"activity_{index}": activity, f"score_{index}": str(score)}
        client.submit(page, "/me/outcomes/", answers)
        check(
            "Reaching up to a shelf" in client.get("/me/outcomes/").text,
            "the check-in does not list its activities",
        )
        client.request("POST", "/api/pain", body={"pain": 8, "note": "smoke: a bad day"}, expect=201)

    with step(
        "the therapist's dashboard shows the client, the session, pain, PSFS and a flag (also emailed)"
    ):
        dashboard = therapist.get("/clinic/")
        check(
            f'href="/clinic/clients/{client_id}/"' in dashboard.text, "the dashboard does not list the client"
        )
        check('data-flag="pain_high"' in dashboard.text, "no 'pain 7 or more' flag on the dashboard")
        page = therapist.get(f"/clinic/clients/{client_id}/")
        check(client_email in page.text, "the client page does not name the client")
        check("<dt>Last session</dt><dd>None yet" not in page.text, "the client page shows no session")
        check(PROGRAMME in page.text, "the client page does not show the programme")
        psfs = re.search(r"PSFS mean.*?</th>\s*<td>([^<]*)</td>", page.text, re.S)
        first = psfs.group(1).strip() if psfs else ""
        check(re.fullmatch(r"4(\.0+)?", first), f"the first PSFS mean on the client page is {first!r}, not 4")
        check('data-flag="pain_high"' in page.text, "the client page shows no 'pain 7 or more' flag")
        notice = latest_email(mail, therapist_email, "New flag for")
        link = link_in(notice, f"/clinic/clients/{client_id}/")
        check(link.startswith(origin), f"the flag email links to {link!r}, not to {origin}")

    with step("the therapist acknowledges the flag"):
        found = re.search(r'action="(/clinic/flags/(\d+)/acknowledge/)"', page.text)
        check(found, "no Acknowledge button on the client page")
        flag_action, flag_id = found.group(1), found.group(2)  # type: ignore[union-attr]
        therapist.submit(page, flag_action)
        page = therapist.get(f"/clinic/clients/{client_id}/")
        check(flag_action not in page.text, "the flag can still be acknowledged after acknowledging it")

    with step("an outsider therapist and another client see none of it"):
        outsider.sign_in(outsider_email)
        invitations = outsider.get("/clinic/invitations/")
        check(client_email not in invitations.text, "the outsider's invitations show the client")
        check(client_email not in outsider.get("/clinic/").text, "the outsider's dashboard shows the client")
        outsider.get(f"/clinic/clients/{client_id}/", expect=404)
        outsider.get(f"/clinic/clients/{client_id}/programme/", expect=404)
        outsider.get(f"/clinic/programmes/{programme_id}/handout/", expect=404)
        token = {"csrfmiddlewaretoken": outsider.cookie("csrftoken")}
        outsider.request("POST", f"/clinic/flags/{flag_id}/acknowledge/", data=token, expect=404)
        other.sign_in(other_client_email)
        other.get(f"/api/sessions/{session_id}", expect=404)
        check("smoke: easier" not in other.get("/api/pain").text, "another client reads the client's diary")
        other.get("/clinic/invitations/", expect=(403, 404))
        other.get("/clinic/", expect=(403, 404))
        other.get(f"/clinic/clients/{client_id}/", expect=(403, 404))
        other.get(f"/me/programmes/{programme_id}/handout/", expect=404)
        check(PROGRAMME not in other.get("/today/").text, "another client's Today shows the programme")
        check("Sam Rivera" not in other.get("/me/sharing/").text, "another client's sharing page shows Sam")
        other.get(f"/me/sharing/{link_id}/end/", expect=404)
        other.get("/api/csrf")
        other.request(
            "POST",
            f"/me/sharing/{link_id}/end/",
            data={"csrfmiddlewaretoken": other.cookie("csrftoken")},
            expect=404,
        )
        check("Sam Rivera" in client.get("/me/sharing/").text, "another client ended the client's sharing")

    with step("app1 is back (restarted meanwhile) and answers again through nginx"):
        wait_for_health(restarted, apps[0])
        deadline = time.monotonic() + 20  # nginx leaves a failed process out for 10 s
        while "app1" not in SERVED_BY and time.monotonic() < deadline:
            client.get("/today/")
            time.sleep(0.2)
        check("app1" in SERVED_BY, f"after its restart app1 answered nothing in 20 s: {dict(SERVED_BY)}")

    with step("the documented rolling upgrade (docs/deploy.md, 9), under load: no request fails"):
        before = set(WORKERS)
        with Load(client, threads=4) as load:
            time.sleep(1.0)  # the load is running before the upgrade starts
            done = run_documented_upgrade(world, env, apps)
            # The load goes on until both processes answer from new workers (those started
            # by the reload: the old ones finish what they hold and take nothing new).
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                fresh = {w.split()[0] for w in set(WORKERS) - before}
                if fresh == {"app1", "app2"}:
                    break
                time.sleep(0.2)
            time.sleep(1.0)
            WORKERS.clear()
            time.sleep(1.5)
        check(load.requests > 50, f"the load generator made only {load.requests} requests")
        check(
            not load.failures,
            f"{len(load.failures)} of {load.requests} requests failed during the upgrade:\n    "
            + "\n    ".join(load.failures[:10]),
        )
        after = set(WORKERS)
        check(after and not after & before, f"old workers still answered after the upgrade: {after & before}")
        check({w.split()[0] for w in after} == {"app1", "app2"}, f"after the upgrade only {after} answered")
        print(
            f"           {load.requests} requests by 4 threads during the upgrade, 0 failed; "
            f"{len([d for d in done if not d.startswith('skipped')])} documented lines run",
            flush=True,
        )

    with step("the documented cron line (docs/deploy.md) reaches the server's database"):
        env_file = world.tmp / "env"
        keys = [k for k in env if k.startswith("BACKEASE_") or k in ("DATABASE_URL",)]
        env_file.write_text("".join(f"{k}={env[k]}\n" for k in keys if k != "BACKEASE_SERVED_BY"))
        line = next(
            raw
            for raw in documented_block("With cron instead of a timer", "cron").splitlines()
            if raw.strip() and not raw.startswith("#")
        )
        command = line.split(None, 6)[6]  # minute hour day month weekday user command
        command = (
            command.replace("/srv/backease/app", str(ROOT))
            .replace("/etc/backease/env", str(env_file))
            .replace(".venv/bin/backease", str(BIN / "backease"))
        )
        cron_env = {"PATH": "/usr/bin:/bin", "HOME": str(world.tmp), "SHELL": "/bin/sh"}
        result = subprocess.run(
            ["/bin/sh", "-c", command], env=cron_env, capture_output=True, text=True, timeout=120, check=False
        )
        check(
            result.returncode == 0,
            f"the cron line failed ({result.returncode}):\n{result.stdout}{result.stderr}",
        )
        check(
            "Checked 1 clients" in result.stdout,
            f"the cron line did not check the server's one sharing client: {result.stdout!r}",
        )
        bare = subprocess.run(
            ["/bin/sh", "-c", f"cd {ROOT} && {BIN / 'backease'} clinic daily"],
            env=cron_env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        check(
            bare.returncode == 2 and "server-mode command" in bare.stderr,
            f"without the environment the daily job did not refuse ({bare.returncode}): "
            f"{bare.stdout}{bare.stderr}",
        )

    with step("requests were answered by both app processes"):
        seen = dict(ANSWERS)
        check(set(seen) == {"app1", "app2"}, f"answers came from {seen}, not from both app1 and app2")
        print(f"           answers per app process: {seen}", flush=True)

    with step("the job runner emailed the other client's reminder once; killed, restarted: no second one"):
        latest_email(mail, other_client_email, "your session at", seconds=120)
        check(
            reminders_to(mail, other_client_email) == 1,
            f"{reminders_to(mail, other_client_email)} reminder emails to the other client, not 1",
        )
        runner = [s for s in world.started if s.name == "jobs"][-1]
        os.killpg(runner.process.pid, signal.SIGKILL)
        runner.process.wait(timeout=10)
        start_runner(world, env)
        scan = json.loads(
            run([str(BIN / "backease"), "server", "remind", "--json"], env, "backease server remind")
        )
        check(scan["sent"] == 0, f"a scan by hand after the reminder went sent {scan}")
        time.sleep(2)
        check(
            reminders_to(mail, other_client_email) == 1,
            f"after the restart, {reminders_to(mail, other_client_email)} reminder emails, not 1",
        )

    with step("certificate renewal: after the certificate changes, the deploy hook makes nginx serve it"):
        served = _served_certificate(origin)
        make_certificate(world.tmp, env)  # what certbot's renewal does to the files
        check(_served_certificate(origin) == served, "nginx served the new certificate before any reload")
        hook = documented_block("/etc/letsencrypt/renewal-hooks/deploy/reload-nginx", "sh")
        nginx = " ".join(world.nginx)
        hook = hook.replace("nginx -t -q", f"{nginx} -t -q").replace(
            "systemctl reload nginx", f"{nginx} -s reload"
        )
        result = subprocess.run(
            ["/bin/sh", "-c", hook], capture_output=True, text=True, timeout=30, check=False
        )
        check(result.returncode == 0, f"the deploy hook failed:\n{result.stdout}{result.stderr}")
        deadline = time.monotonic() + 10
        while _served_certificate(origin) == served and time.monotonic() < deadline:
            time.sleep(0.2)
        check(
            _served_certificate(origin) != served,
            "after the deploy hook nginx still serves the old certificate",
        )


# --- main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--nginx", default=shutil.which("nginx") or "/usr/sbin/nginx", help="the nginx binary"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, emails)")
    args = parser.parse_args()

    nginx = Path(args.nginx)
    if not os.access(nginx, os.X_OK):
        print(f"smoke: nginx is missing at {nginx} (apt-get install nginx)", file=sys.stderr)
        return 1
    if shutil.which("openssl") is None:
        print("smoke: openssl is missing (apt-get install openssl)", file=sys.stderr)
        return 1

    tmp = Path(tempfile.mkdtemp(prefix="backease-smoke-"))
    world = World(tmp=tmp, keep=args.keep)
    step = Steps()
    # A stop from outside (Ctrl-C, a CI timeout) still cleans up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    print(f"backease server smoke run in {tmp}", flush=True)
    try:
        admin_url = os.environ.get("SMOKE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        apps = [free_port(), free_port()]
        https_port, http_port = free_port(), free_port()
        origin = f"https://{HOST}:{https_port}"
        mail = tmp / "mail"
        mail.mkdir()

        with step("a fresh PostgreSQL database"):
            world.admin_url = admin_url
            name = f"backease_smoke_{secrets.token_hex(4)}"
            try:
                _admin(admin_url, f'CREATE DATABASE "{name}"')
            except Exception as exc:
                raise SmokeFailure(f"cannot create a database through {admin_url}: {exc}") from exc
            world.database = name
            database_url = urllib.parse.urlunsplit(urllib.parse.urlsplit(admin_url)._replace(path=f"/{name}"))

        leave_out = ("DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE")  # a server never has them from here
        env = {k: v for k, v in os.environ.items() if not k.startswith("BACKEASE_") and k not in leave_out}
        env.update(
            BACKEASE_MODE="server",
            BACKEASE_SECRET_KEY=secrets.token_urlsafe(50),
            BACKEASE_PUBLIC_ORIGIN=origin,
            DATABASE_URL=database_url,
            BACKEASE_DATA_DIR=str(tmp / "data"),
            BACKEASE_EMAIL_DIR=str(mail),
            DJANGO_SETTINGS_MODULE="backease.web.settings",
        )

        with step("backease migrate (once, before the app processes)"):
            run([str(BIN / "backease"), "migrate"], env, "backease migrate")

        with step("two app processes (backease serve: gunicorn, 2 workers each) answer /healthz"):
            servers = [start_app(world, env, index, port) for index, port in enumerate(apps, start=1)]
            # Meanwhile the operator makes the first accounts (docs/accounts.md).
            adding = add_users(env)
            for started, port in zip(servers, apps, strict=True):
                wait_for_health(started, port)

        with step("the job runner starts (backease server jobs: django-q2, reminders every minute)"):
            runner = start_runner(world, env)
            time.sleep(1)
            check(runner.process.poll() is None, f"the job runner stopped:\n{tail(runner.log)}")

        with step("the operator made two therapists and a client (backease server add-user --json)"):
            links = one_time_links(adding)

        with step("a self-signed certificate (openssl) and nginx with docs/deploy.md's configuration"):
            make_certificate(tmp, env)
            (tmp / "nginx").mkdir()
            (tmp / "acme").mkdir()
            if os.geteuid() == 0:
                tmp.chmod(0o755)
            (tmp / "site.conf").write_text(nginx_site(https_port, http_port, apps, tmp))
            (tmp / "nginx.conf").write_text(nginx_main(tmp))
            base = [
                str(nginx),
                "-p",
                str(tmp / "nginx"),
                "-c",
                str(tmp / "nginx.conf"),
                "-e",
                str(tmp / "nginx-error.log"),
            ]
            world.nginx = base
            run([*base, "-t", "-q"], env, "nginx -t (the configuration)")
            proxy = world.start("nginx", base)
            context = ssl.create_default_context(cafile=str(tmp / "cert.pem"))
            deadline = time.monotonic() + 15
            while True:
                if proxy.process.poll() is not None:
                    raise SmokeFailure(f"nginx stopped:\n{tail(proxy.log)}\n{tail(tmp / 'nginx-error.log')}")
                with contextlib.suppress(OSError, SmokeFailure):
                    if Browser("probe", origin, context).get("/healthz", expect=None).status == 200:
                        break
                if time.monotonic() > deadline:
                    raise SmokeFailure(f"nginx did not answer on {origin}:\n{tail(tmp / 'nginx-error.log')}")
                time.sleep(0.1)
            ANSWERS.clear()

        journey(step, env, origin, context, mail, http_port, world, apps, links)
    except SmokeFailure as failure:
        print(f"\nSMOKE FAILED at step: {step.current}\n{failure}", file=sys.stderr, flush=True)
        for started in world.started:
            if started.name.startswith("app"):
                print(f"  last lines of {started.name}'s log:\n{tail(started.log, 15)}", file=sys.stderr)
        print(f"  nginx error log:\n{tail(tmp / 'nginx-error.log', 10)}", file=sys.stderr, flush=True)
        return 1
    finally:
        began = time.monotonic()
        world.stop()
        print(f"  stopped everything in {time.monotonic() - began:.2f} s", flush=True)
    print(f"backease server smoke run passed: {len(step.timings)} steps in {step.total():.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
