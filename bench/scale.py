"""How backease serves a long history: 10 years of daily use, and 100,000 sessions.

    .venv/bin/python bench/scale.py                     # SQLite and PostgreSQL, 10 years and 100k
    .venv/bin/python bench/scale.py --databases sqlite --sizes 3650 --requests 20   # quicker

For each database and history size it:
1. builds the history as a backup file in the public backup format
   (backease/exports/backup.py): one session a day (several a day for 100k), each from
   a real plan with its step logs, pain rated before and after most days, a diary entry
   every other day;
2. restores it into an empty store with `restore_backup` (what `backease import` runs);
3. serves it with the real server (`backease serve`: waitress) on a free loopback port;
4. times, one client at a time, GET /today/, /history/, /insights/, POST /api/plans and a
   session write (PUT /api/sessions/{id}/steps/{i}), and prints p50 and p95;
5. runs 20 concurrent clients against /today/ for a few seconds, then against a bare
   Django view ("ok", no database, no middleware) served by waitress with the same
   number of threads in the same run, and prints requests/s, p95 and their ratio.

PostgreSQL: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/backease_bench);
the database is emptied (schema `public` dropped) before each run; skipped when it
cannot be reached. Only 127.0.0.1 is contacted; every loop is bounded and every server
is stopped at the end. Targets (issue 9): each p50 < 50 ms at 10 years; Today at 20
clients p95 < 100 ms and at least 0.25x the bare view.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/backease_bench"
THREADS = 8
"""waitress threads: what `backease serve` uses."""
TARGET_P50_MS = 50.0
TARGET_P95_MS = 100.0
TARGET_RATIO = 0.25


# --- building the history -----------------------------------------------------------------


def _setup_scratch_django() -> None:
    """Django on a throw-away SQLite file, to make real plans and record shapes."""
    os.environ["BACKEASE_DATA_DIR"] = tempfile.mkdtemp(prefix="backease-scale-gen-")
    os.environ.pop("DATABASE_URL", None)
    from backease.store.setup import setup

    setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def build_backup(sessions: int, path: Path, seed: int = 2026) -> None:
    """Write a backup of `sessions` sessions ending now (see the module docstring)."""
    _setup_scratch_django()
    from backease.exports.backup import _dump, make_backup
    from backease.store import services

    rng = random.Random(seed)
    person = services.local_owner()
    services.record_screening(person, {})
    regions = ["between_shoulder_blades_left", "between_shoulder_blades_right", "upper_trapezius_left"]
    big = sessions > 20_000
    minutes = [5] if big else [10, 15, 20]
    plans = []
    for i in range(24):
        profile = {
            "areas": [{"region": rng.choice(regions), "pain": rng.randint(3, 7), "knot": i % 2 == 0}],
            "causes": ["posture"],
            "tools": ["tennis_ball", "wall", "hands", "foam_roller"],
            "minutes": minutes[i % len(minutes)],
            "pressure": "",
            "no_floor": False,
            "stress": 4,
        }
        services.save_profile(person, profile)
        plans.append(_dump(services.make_plan(person, seed=i)))  # kept now: old plans are pruned
    # Record shapes come from a real backup, so the file matches the current format.
    row = services.latest_plan(person)
    assert row is not None
    services.start_session(person, row)
    services.add_pain_entry(person, 5, note="x")
    shape = make_backup(person)
    plan_shape, session_shape = shape["plans"][0], shape["sessions"][0]
    step_shape, entry_shape = session_shape["steps"][0], shape["pain_entries"][0]
    templates = [plan_shape | {k: v for k, v in p.items() if k in plan_shape} for p in plans]
    now = datetime.now(UTC).replace(microsecond=0)
    span_days = max(1, min(sessions, 26 * 365))
    first = now - timedelta(days=span_days)
    step_seconds = span_days * 86400 / sessions
    out_plans, out_sessions, out_entries = [], [], []
    step_id = 1
    plan_every = 7
    pain = 6.0
    for n in range(sessions):
        started = first + timedelta(seconds=n * step_seconds + rng.randint(0, 3600))
        if n % plan_every == 0:
            template = templates[rng.randrange(len(templates))]
            plan_id = len(out_plans) + 1
            out_plans.append(template | {"id": plan_id, "created_at": started.isoformat()})
        plan_steps = template["data"]["steps"]
        status = rng.choices(["completed", "stopped", "skipped", "running"], [88, 4, 4, 4])[0]
        done_steps = len(plan_steps) if status == "completed" else rng.randint(0, len(plan_steps))
        steps = []
        for i, step in enumerate(plan_steps):
            seconds = int(step["seconds"])
            done = seconds if i < done_steps else 0
            if i == done_steps and status in ("stopped", "running"):
                done = rng.randint(0, seconds)
            feedback = rng.choices(["", "helped", "neutral", "too_much"], [80, 10, 7, 3])[0] if done else ""
            steps.append(
                step_shape
                | {
                    "id": step_id,
                    "index": i,
                    "technique": step["technique"],
                    "side": step["side"],
                    "seconds_planned": seconds,
                    "seconds_done": done,
                    "intensity": step["intensity"],
                    "feedback": feedback,
                    "skipped": status == "skipped",
                    "updated_at": started.isoformat(),
                }
            )
            step_id += 1
        pain = min(9.0, max(1.0, pain + rng.uniform(-0.6, 0.6)))
        rated = rng.random() < 0.75 and status != "skipped"
        before = round(pain)
        after = max(0, before - rng.choice([0, 0, 1, 1, 2, 3])) if rated else None
        ended = started + timedelta(minutes=15)
        out_sessions.append(
            session_shape
            | {
                "id": n + 1,
                "plan_id": out_plans[-1]["id"],
                "started_at": started.isoformat(),
                "finished_at": None if status == "running" else ended.isoformat(),
                "status": status,
                "pain_before": before if rated else None,
                "pain_after": after,
                "stress_before": rng.randint(2, 7) if rated else None,
                "stress_after": rng.randint(1, 6) if rated else None,
                "stop_reason": "too tired" if status == "stopped" else "",
                "notes": "felt looser afterwards" if n % 9 == 0 else "",
                "updated_at": ended.isoformat(),
                "steps": steps,
            }
        )
        if n % 2 == 0:
            out_entries.append(
                entry_shape
                | {
                    "id": len(out_entries) + 1,
                    "at": (started - timedelta(hours=2)).isoformat(),
                    "region": rng.choice(["", *regions]),
                    "pain": max(0, min(10, round(pain + rng.uniform(-1, 1)))),
                    "stress": rng.randint(1, 8),
                    "note": "",
                }
            )
    backup = shape | {
        "exported_at": now.isoformat(),
        "plans": out_plans,
        "sessions": out_sessions,
        "pain_entries": out_entries,
        "technique_choices": [],
    }
    for screening in backup["screenings"]:
        screening["created_at"] = (first - timedelta(days=1)).isoformat()
    backup["person"]["created_at"] = (first - timedelta(days=1)).isoformat()
    path.write_text(json.dumps(backup))


def restore(path: Path) -> None:
    """Restore a backup file into the configured (empty) store, as `backease import` does."""
    from backease.store.setup import setup

    setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from backease.exports.backup import restore_backup

    restore_backup(json.loads(path.read_text()))


# --- servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bare_server(port: int, minimal: bool) -> None:
    """A bare Django view ("ok": no template, no query) served by waitress with
    backease's thread count: in backease's own settings and middleware, or (`minimal`)
    in a Django with no middleware and no apps."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.urls import path

    def ok(request: Any) -> HttpResponse:
        return HttpResponse("ok")

    if minimal:
        import django

        settings.configure(
            DEBUG=False,
            ALLOWED_HOSTS=["127.0.0.1"],
            ROOT_URLCONF=__name__,
            SECRET_KEY="bench",
            MIDDLEWARE=[],
            INSTALLED_APPS=[],
            DATABASES={},
        )
        django.setup()
    else:
        from backease.store.setup import setup

        setup()
        settings.ROOT_URLCONF = __name__
    globals()["urlpatterns"] = [path("", ok)]
    from django.core.wsgi import get_wsgi_application
    from waitress import serve

    serve(get_wsgi_application(), host="127.0.0.1", port=port, threads=THREADS, _quiet=True)


def wait_up(port: int, path: str = "/", limit: float = 60.0) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server on port {port} did not start")


class Client:
    """One keep-alive HTTP client with the CSRF cookie and token."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookie = ""
        self.token = ""

    def request(self, method: str, path: str, body: object = None) -> tuple[int, bytes]:
        headers = {"Cookie": self.cookie} if self.cookie else {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers |= {"Content-Type": "application/json", "X-CSRFToken": self.token}
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            if value.startswith("csrftoken="):
                self.cookie = value.split(";", 1)[0]
        return response.status, payload

    def login(self) -> None:
        _, payload = self.request("GET", "/api/csrf")
        self.token = json.loads(payload)["csrf_token"]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timed(client: Client, requests: int, method: str, path: str, body: Any = None) -> list[float]:
    times = []
    for _ in range(requests):
        start = time.perf_counter()
        status, payload = client.request(method, path, body() if callable(body) else body)
        times.append((time.perf_counter() - start) * 1000)
        if status >= 400:
            raise SystemExit(f"{method} {path} answered {status}: {payload[:300]!r}")
    return times


def load(port: int, path: str, clients: int, seconds: float) -> tuple[float, float]:
    """`clients` threads fetch `path` for `seconds`: requests/s and p95 latency (ms)."""
    stop = time.monotonic() + seconds
    results: list[list[float]] = [[] for _ in range(clients)]
    errors: list[str] = []

    def worker(out: list[float]) -> None:
        client = Client(port)
        while time.monotonic() < stop:
            start = time.perf_counter()
            status, _ = client.request("GET", path)
            out.append((time.perf_counter() - start) * 1000)
            if status != 200:
                errors.append(f"{path}: {status}")
                return

    threads = [threading.Thread(target=worker, args=(out,)) for out in results]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 120)
    elapsed = time.monotonic() - began
    if errors:
        raise SystemExit(errors[0])
    latencies = [t for out in results for t in out]
    return len(latencies) / elapsed, percentile(latencies, 0.95)


# --- one run ------------------------------------------------------------------------------


def run(database: str, sessions: int, backup: Path, args: argparse.Namespace) -> dict[str, Any]:
    env = {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")}
    if "PYTHONPATH" in os.environ:  # to measure another checkout with the same environment
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    data_dir = tempfile.mkdtemp(prefix="backease-scale-")
    env["BACKEASE_DATA_DIR"] = data_dir
    if database == "postgres":
        env["DATABASE_URL"] = args.pg
    started = time.perf_counter()
    subprocess.run([sys.executable, str(HERE), "--restore", str(backup)], env=env, check=True)
    restore_s = time.perf_counter() - started
    exe = str(Path(sys.executable).with_name("backease"))
    port, bare_port, minimal_port = free_port(), free_port(), free_port()
    server = subprocess.Popen(
        [exe, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    bare = subprocess.Popen(
        [sys.executable, str(HERE), "--bare-server", str(bare_port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    minimal = subprocess.Popen(
        [sys.executable, str(HERE), "--bare-server", str(minimal_port), "--minimal"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    result: dict[str, Any] = {"database": database, "sessions": sessions, "restore_s": restore_s}
    try:
        wait_up(port, "/privacy/")
        wait_up(bare_port)
        wait_up(minimal_port)
        client = Client(port)
        client.login()
        _, plan = client.request("POST", "/api/plans", {})
        plan_id = json.loads(plan)["id"]
        _, started_session = client.request("POST", "/api/sessions", {"plan_id": plan_id})
        session_id = json.loads(started_session)["id"]
        counter = iter(range(1, 10**6))
        n = args.requests
        figures = {
            "Today (GET /today/)": timed(client, n, "GET", "/today/"),
            "History (GET /history/)": timed(client, n, "GET", "/history/"),
            "Insights (GET /insights/)": timed(client, n, "GET", "/insights/"),
            "Plan API (POST /api/plans)": timed(client, n, "POST", "/api/plans", {}),
            "Session write (PUT step)": timed(
                client,
                n,
                "PUT",
                f"/api/sessions/{session_id}/steps/0",
                lambda: {"seconds_done": next(counter) % 3600},
            ),
        }
        result["latency"] = {
            name: (statistics.median(times), percentile(times, 0.95)) for name, times in figures.items()
        }
        result["today_rps"], result["today_p95"] = load(port, "/today/", args.clients, args.seconds)
        result["bare_rps"], result["bare_p95"] = load(bare_port, "/", args.clients, args.seconds)
        result["minimal_rps"], result["minimal_p95"] = load(minimal_port, "/", args.clients, args.seconds)
    finally:
        for proc in (server, bare, minimal):
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    return result


def report(result: dict[str, Any], ten_years: bool) -> None:
    print(
        f"\n## {result['database']}, {result['sessions']:,} sessions "
        f"(restored in {result['restore_s']:.0f} s; load average now "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())})"
    )
    print(f"{'request':32} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (p50, p95) in result["latency"].items():
        mark = ""
        if ten_years:
            mark = "  ok" if p50 < TARGET_P50_MS else f"  over the {TARGET_P50_MS:.0f} ms target"
        print(f"{name:32} {p50:8.1f} {p95:8.1f}{mark}")
    ratio = result["today_rps"] / result["bare_rps"]
    minimal = result["today_rps"] / result["minimal_rps"]
    print(
        f"Today, 20 clients: {result['today_rps']:.0f} req/s, p95 {result['today_p95']:.0f} ms; "
        f"a bare Django view on the same waitress, in backease's settings and middleware: "
        f"{result['bare_rps']:.0f} req/s, p95 {result['bare_p95']:.0f} ms (ratio {ratio:.2f}); "
        f"with no middleware at all: {result['minimal_rps']:.0f} req/s (ratio {minimal:.2f})"
    )
    if ten_years:
        ok = result["today_p95"] < TARGET_P95_MS and ratio >= TARGET_RATIO
        print(
            f"  targets p95 < {TARGET_P95_MS:.0f} ms and ratio >= {TARGET_RATIO}: "
            + ("met" if ok else "NOT met")
        )


def reset_postgres(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")
        return True
    except psycopg.OperationalError as exc:
        print(f"\n## postgres: skipped ({str(exc).strip().splitlines()[0]})")
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--sizes", default="3650,100000", help="sessions per history, comma-separated")
    parser.add_argument("--requests", type=int, default=40, help="requests per timed page")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each load run")
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    parser.add_argument("--restore", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--bare-server", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--minimal", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.restore:
        restore(args.restore)
        return
    if args.bare_server:
        bare_server(args.bare_server, args.minimal)
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    databases = args.databases.split(",")
    print(f"backease scale benchmark: {', '.join(databases)}; {', '.join(f'{s:,}' for s in sizes)} sessions")
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)")
    work = Path(tempfile.mkdtemp(prefix="backease-scale-"))
    for size in sizes:
        backup = work / f"backup-{size}.json"
        subprocess.run(
            [sys.executable, "-c", _BUILD.format(here=str(HERE), size=size, path=str(backup))], check=True
        )
        print(f"\nbackup of {size:,} sessions: {backup.stat().st_size / 1e6:.0f} MB")
        for database in databases:
            if database == "postgres" and not reset_postgres(args.pg):
                continue
            report(run(database, size, backup, args), ten_years=size <= 3650)
        backup.unlink()


_BUILD = (
    "import runpy, sys; from pathlib import Path; "
    "mod = runpy.run_path({here!r}); mod['build_backup']({size}, Path({path!r}))"
)


if __name__ == "__main__":
    main()
