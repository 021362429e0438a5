"""Write keys (`Idempotency-Key`) are kept a week, pruned as the app goes, and left out of backups."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from backease.cli.main import run
from backease.exports.backup import make_backup, restore_backup
from backease.store import services
from backease.store.models import Person, Session, StepLog, WriteKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def running() -> Session:
    person = services.local_owner()
    services.save_profile(person, {"minutes": 10})
    return services.start_session(person, services.make_plan(person, seed=1))


def put(client: Client, session: Session, body: dict[str, object], key: str) -> int:
    response = client.put(
        f"/api/sessions/{session.id}/steps/0",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    return int(response.status_code)


def age(key: str, days: float) -> None:
    WriteKey.objects.filter(key=key).update(created_at=timezone.now() - timedelta(days=days))


def step(session: Session) -> StepLog:
    return StepLog.objects.get(session=session, index=0)


def test_keys_older_than_a_week_are_pruned_and_newer_ones_kept(client: Client, running: Session) -> None:
    assert services.WRITE_KEY_DAYS == 7
    put(client, running, {"seconds_done": 10}, "old")
    put(client, running, {"seconds_done": 20}, "recent")
    age("old", 7.5)
    age("recent", 6.5)
    assert services.prune_write_keys() == 1
    assert list(WriteKey.objects.values_list("key", flat=True)) == ["recent"]


def test_a_retry_with_a_key_kept_after_pruning_is_still_applied_once(
    client: Client, running: Session
) -> None:
    assert put(client, running, {"feedback": "too_much", "seconds_done": 10}, "k-1") == 200
    put(client, running, {"feedback": "helped"}, "k-2")  # a later write, between the copies
    age("k-1", 6)
    put(client, running, {"seconds_done": 5}, "gone")
    age("gone", 8)
    services.prune_write_keys()
    assert put(client, running, {"feedback": "too_much", "seconds_done": 10}, "k-1") == 200
    assert step(running).feedback == "helped", "the late copy of k-1 changed nothing"


def test_the_app_prunes_old_keys_itself_once_in_so_many_writes(
    client: Client, running: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    put(client, running, {"seconds_done": 5}, "old")
    age("old", 30)
    monkeypatch.setattr(services, "PRUNE_WRITE_KEYS_EVERY", 10**9)  # this write's id is not a multiple
    put(client, running, {"seconds_done": 6}, "next")
    assert WriteKey.objects.filter(key="old").exists(), "no prune on an ordinary write"
    monkeypatch.setattr(services, "PRUNE_WRITE_KEYS_EVERY", 1)  # every id is a multiple
    put(client, running, {"seconds_done": 7}, "last")
    assert set(WriteKey.objects.values_list("key", flat=True)) == {"next", "last"}


def test_store_housekeeping_prunes_old_keys_and_says_how_many(
    client: Client, running: Session, capsys: pytest.CaptureFixture[str]
) -> None:
    put(client, running, {"seconds_done": 5}, "old")
    put(client, running, {"seconds_done": 6}, "new")
    age("old", 10)
    with pytest.raises(SystemExit) as exit_info:
        run(["store", "housekeeping", "--json"])
    assert exit_info.value.code in (0, None)
    assert json.loads(capsys.readouterr().out) == {"write_keys": 1, "plans": 0}
    assert list(WriteKey.objects.values_list("key", flat=True)) == ["new"]


def test_a_backup_leaves_keys_out_and_writes_sent_again_after_a_restore_end_the_same(
    client: Client, running: Session
) -> None:
    outbox = [({"feedback": "too_much", "seconds_done": 10}, "k-1"), ({"feedback": "helped"}, "k-2")]
    for body, key in outbox:
        put(client, running, body, key)
    data = json.loads(json.dumps(make_backup(running.person)))
    assert "k-1" not in json.dumps(data), "write keys are not part of a backup"
    Person.objects.all().delete()
    restore_backup(data)
    assert not WriteKey.objects.exists()
    # A phone whose answers were lost sends its outbox again, in order: the same values land
    # in the same order, so the step ends as it was, and each key is known again.
    for body, key in outbox:
        assert put(client, running, body, key) == 200
    log = step(running)
    assert (log.feedback, log.seconds_done) == ("helped", 10)
    assert put(client, running, *outbox[0]) == 200
    assert step(running).feedback == "helped", "a retry after the restore is applied once"
