"""Peak memory of restoring a large backup: the file read record by record (what
`backease import` and /import/ do) against the whole file loaded with json.load first
(what they did before), in the same run.

    .venv/bin/python bench/backup_memory.py                 # 150 MB, the largest backup read
    .venv/bin/python bench/backup_memory.py --megabytes 40  # quicker

It writes a backup of about the size asked for (tests/fixtures' newest backup, its sessions
and diary entries repeated with new ids), then restores it twice into fresh SQLite stores,
each time in a new process (after migrating the store in another) that reports its own
peak resident memory (ru_maxrss) and how long it took: once with `load_backup` +
`restore_backup` (streamed), once with `json.load` + `restore_backup`. A baseline process
restores the fixture itself, so the figures say what the large file adds. Only files under
a temporary folder are written.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"

MIGRATE = """
from backease.store.setup import migrate
migrate()
"""
"""Run first, in a process of its own: the restore's peak must not include migrating."""

CHILD = """
import json, resource, sys, time
from backease.store.setup import setup
setup()
from backease.exports.backup import load_backup, restore_backup
path, how = sys.argv[1], sys.argv[2]
if len(sys.argv) > 3:  # read a small backup first: the modules a restore uses are loaded
    with open(sys.argv[3], "rb") as handle:
        load_backup(handle)
def status(name):
    for line in open("/proc/self/status"):
        if line.startswith(name + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
warm = status("VmRSS")
try:  # Linux: start the high-water mark (VmHWM) again from here
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
except OSError:
    warm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
began = time.monotonic()
with open(path, "rb") as handle:
    data = load_backup(handle) if how == "stream" else json.load(handle)
    counts = restore_backup(data)
peak = status("VmHWM")
print(json.dumps({"seconds": time.monotonic() - began, "peak_mb": peak, "warm_mb": warm,
                  "sessions": counts["sessions"]}))
"""


def write_backup(target: Path, megabytes: float) -> float:
    """A valid backup of about `megabytes` MB; returns its size in MB."""
    data: dict[str, Any] = json.loads(sorted(FIXTURES.glob("backup-*.json"))[-1].read_text())
    whole = len(json.dumps(data).encode())
    repeated = len(json.dumps([data["sessions"], data["pain_entries"]]).encode())
    copies = max(1, round((megabytes * 1e6 - whole) / max(1, repeated)) + 1)
    sessions, entries = [], []
    step_offset = max((st["id"] for s in data["sessions"] for st in s["steps"]), default=0) + 1
    session_offset = max((s["id"] for s in data["sessions"]), default=0) + 1
    entry_offset = max((e["id"] for e in data["pain_entries"]), default=0) + 1
    for k in range(copies):
        for s in data["sessions"]:
            steps = [dict(st, id=st["id"] + k * step_offset) for st in s["steps"]]
            sessions.append(dict(s, id=s["id"] + k * session_offset, steps=steps))
        entries += [dict(e, id=e["id"] + k * entry_offset) for e in data["pain_entries"]]
    data.update(sessions=sessions, pain_entries=entries)
    with target.open("w", encoding="utf-8") as handle:
        json.dump(data, handle)
    return target.stat().st_size / 1e6


def restore(path: Path, how: str, folder: Path, warm: Path | None = None) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["BACKEASE_DATA_DIR"] = str(folder)
    made = subprocess.run(
        [sys.executable, "-c", MIGRATE], env=env, capture_output=True, text=True, timeout=600
    )
    if made.returncode != 0:
        raise SystemExit(f"migrate failed:\n{made.stdout}{made.stderr}")
    began = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), how, *([str(warm)] if warm else [])],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise SystemExit(f"restore ({how}) failed:\n{result.stdout}{result.stderr}")
    figures: dict[str, float] = json.loads(result.stdout.strip().splitlines()[-1])
    figures["wall"] = time.monotonic() - began
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=150.0)
    parser.add_argument("--skip-json-load", action="store_true", help="do not run the old way (slow, big)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="backease-backup-memory-") as tmp:
        folder = Path(tmp)
        big = folder / "big.json"
        size = write_backup(big, args.megabytes)
        small = sorted(FIXTURES.glob("backup-*.json"))[-1]
        base = restore(small, "stream", folder / "base")
        print(f"baseline (the fixture, {small.stat().st_size / 1e6:.2f} MB): peak {base['peak_mb']:.0f} MB")
        streamed = restore(big, "stream", folder / "stream")
        added = streamed["peak_mb"] - base["peak_mb"]
        print(
            f"streamed    {size:6.1f} MB backup, {streamed['sessions']:.0f} sessions: "
            f"peak {streamed['peak_mb']:5.0f} MB (+{added:.0f} MB over the baseline), "
            f"{streamed['seconds']:.1f} s"
        )
        if not args.skip_json_load:
            loaded = restore(big, "json", folder / "json")
            print(
                f"json.load   {size:6.1f} MB backup: peak {loaded['peak_mb']:5.0f} MB "
                f"(+{loaded['peak_mb'] - base['peak_mb']:.0f} MB), {loaded['seconds']:.1f} s"
            )
            ratio = (streamed["peak_mb"] - base["peak_mb"]) / max(1.0, loaded["peak_mb"] - base["peak_mb"])
            print(f"memory added, streamed / json.load: {ratio:.3f}")


if __name__ == "__main__":
    main()
