"""Page weight and server response times of the web app, measured on the real server.

    .venv/bin/python bench/web_latency.py [--requests 50]

Starts `backease serve` (waitress) on a free local port with a fresh data directory,
creates a profile, plan and session through the JSON API, then fetches every main
page repeatedly and prints its HTML size, the size of the static files it loads, and
the median and p95 response time. Only 127.0.0.1 is contacted.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PAGES = [
    "/",
    "/check/",
    "/setup/",
    "/today/",
    "/session/{session}/",
    "/history/",
    "/library/",
    "/library/ball_on_wall_between_shoulder_blades/",
    "/anatomy/",
    "/massage-types/",
    "/tips/",
    "/privacy/",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    data_dir = tempfile.mkdtemp(prefix="backease-bench-")
    exe = str(Path(sys.executable).with_name("backease"))
    server = subprocess.Popen(
        [exe, "serve", "--port", str(port)],
        env={"BACKEASE_DATA_DIR": data_dir, "PATH": "/usr/bin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        for _ in range(100):
            try:
                token = json.load(opener.open(f"{base}/api/csrf"))["csrf_token"]
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise SystemExit("the server did not start")

        def send(method: str, path: str, body: object) -> dict:
            request = urllib.request.Request(
                base + path,
                method=method,
                data=json.dumps(body).encode(),
                headers={"Content-Type": "application/json", "X-CSRFToken": token},
            )
            return json.load(opener.open(request))

        send("POST", "/api/screening", {"answers": {}})
        send(
            "PUT",
            "/api/profile",
            {
                "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
                "causes": ["posture"],
                "tools": ["tennis_ball", "wall", "hands"],
                "minutes": 15,
                "pressure": "",
                "no_floor": False,
                "stress": 5,
            },
        )
        plan = send("POST", "/api/plans", {"seed": 1})
        session = send("POST", "/api/sessions", {"plan_id": plan["id"]})

        print(f"{'page':48} {'html KB':>8} {'static KB':>10} {'median ms':>10} {'p95 ms':>8}")
        for template in PAGES:
            path = template.format(session=session["id"])
            html = opener.open(base + path).read()
            assets = set(re.findall(rb'(?:src|href)="(/static/[^"]+)"', html))
            static = sum(len(opener.open(base + a.decode()).read()) for a in assets)
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                opener.open(base + path).read()
                times.append((time.perf_counter() - start) * 1000)
            times.sort()
            p95 = times[int(0.95 * (len(times) - 1))]
            median = statistics.median(times)
            print(f"{path:48} {len(html) / 1024:8.1f} {static / 1024:10.1f} {median:10.1f} {p95:8.1f}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
