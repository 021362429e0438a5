"""Restoring a large backup file takes a bounded amount of memory: `backease import` (and
/import/, which calls the same code) reads it record by record. Before, a 42 MB upload
raised a worker by 943 MB (the whole file, its text and every object at once).

The restore runs in a fresh process that reads the small fixture first (so every module a
restore uses is loaded) and reports its peak resident memory before and after the large
restore (bench/backup_memory.py measures 150 MB against json.load in the same run)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench" / "backup_memory.py"
MEGABYTES = 12
BOUND_MB = 70
"""What a 12 MB backup may add to the peak; loaded whole (json.load) it added 103 MB, read
record by record 42 MB (on the 2-core test machine)."""


def _bench() -> Any:
    spec = importlib.util.spec_from_file_location("backup_memory", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_restoring_a_large_backup_file_adds_a_bounded_amount_of_memory(tmp_path: Path) -> None:
    bench = _bench()
    big = tmp_path / "big.json"
    size = bench.write_backup(big, MEGABYTES)
    assert size > MEGABYTES * 0.8
    small = sorted((Path(__file__).parent / "fixtures").glob("backup-*.json"))[-1]
    streamed = bench.restore(big, "stream", tmp_path / "stream", warm=small)
    added = streamed["peak_mb"] - streamed["warm_mb"]
    print(
        f"\n{size:.1f} MB backup: peak {streamed['peak_mb']:.0f} MB, before it {streamed['warm_mb']:.0f} MB"
    )
    assert streamed["sessions"] > 1000
    assert added < BOUND_MB, f"a {size:.0f} MB backup added {added:.0f} MB to the peak"


@pytest.mark.django_db
def test_the_aggregates_rebuilt_a_chunk_at_a_time_are_those_of_the_whole_history(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """After a restore the per-session facts and totals are rebuilt a chunk of sessions at a
    time (so a long history needs no more memory than a chunk): the same as all at once."""
    import json

    from backease.exports.backup import restore_backup
    from backease.store import services
    from backease.store.models import SessionFacts

    fixture = sorted((Path(__file__).parent / "fixtures").glob("backup-*.json"))[-1]
    restore_backup(json.loads(fixture.read_text(encoding="utf-8")))
    person = services.local_owner()
    whole = services.rebuild_aggregates(person).to_data()
    facts = list(SessionFacts.objects.order_by("session_id").values())
    monkeypatch.setattr(services, "REBUILD_CHUNK", 2)
    assert services.rebuild_aggregates(person).to_data() == whole
    assert list(SessionFacts.objects.order_by("session_id").values()) == facts
