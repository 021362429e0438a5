"""Writes that race: real concurrent HTTP requests against the live server.

Each race starts a few requests at the same moment (threads behind a barrier), as two
tabs, the terminal and the web, or the re-send when a tab closes do. The suite runs on
SQLite and, with DATABASE_URL set, on PostgreSQL (.ci/run runs both).
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from backease.exports.backup import make_backup
from backease.store import services
from backease.store.models import PainEntry, Person, Session

pytestmark = pytest.mark.django_db(transaction=True)

RACES = 100
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["hands", "wall", "tennis_ball"],
    "minutes": 10,
}


class Api:
    """A JSON client of the live server that carries the CSRF token, safe across threads
    (one connection per request)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        status, body, headers = self._raw("GET", "/api/csrf", None, {})
        assert status == 200, body
        self.token = json.loads(body)["csrf_token"]
        cookie = next(v for k, v in headers if k.lower() == "set-cookie" and v.startswith("csrftoken="))
        self.cookie = cookie.split(";", 1)[0]

    def _raw(
        self, method: str, path: str, body: Any, headers: dict[str, str]
    ) -> tuple[int, bytes, list[tuple[str, str]]]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            data = json.dumps(body).encode() if body is not None else None
            connection.request(
                method, path, body=data, headers={"Content-Type": "application/json", **headers}
            )
            response = connection.getresponse()
            return response.status, response.read(), response.getheaders()
        finally:
            connection.close()

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        status, raw, _ = self._raw(method, path, body, {"Cookie": self.cookie, "X-CSRFToken": self.token})
        return status, (json.loads(raw) if raw else None)


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Run the calls in threads released together; their results, in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except BaseException as exc:  # reported by the test below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.fixture
def api(live_server: Any) -> Api:
    return Api(live_server.url)


@pytest.fixture
def plan_id(api: Api) -> int:
    assert api.call("PUT", "/api/profile", PROFILE)[0] == 200
    status, plan = api.call("POST", "/api/plans", {"seed": 1})
    assert status == 200 and len(plan["steps"]) >= 2, plan
    return int(plan["id"])


def test_a_sharp_pain_stop_is_never_undone_by_a_save_racing_with_it(api: Api, plan_id: int) -> None:
    undone = []
    for race in range(RACES):
        status, session = api.call("POST", "/api/sessions", {"plan_id": plan_id})
        assert status == 201, session
        url = f"/api/sessions/{session['id']}"
        results = at_once(
            lambda url=url: api.call("PUT", f"{url}/steps/0", {"feedback": "sharp_pain", "seconds_done": 20}),
            lambda url=url, race=race: api.call("PATCH", url, {"notes": f"race {race}", "pain_before": 4}),
            # The re-send when a tab closes: the last progress again.
            lambda url=url: api.call("PUT", f"{url}/steps/0", {"seconds_done": 10}),
        )
        for code, body in results:
            assert code < 500, body
        stored = Session.objects.get(pk=session["id"])
        if stored.status != "stopped" or stored.stop_reason != "sharp pain":
            undone.append((session["id"], stored.status, stored.stop_reason))
        else:
            assert stored.steps.get(index=0).seconds_done == 20
    assert undone == [], f"{len(undone)} of {RACES} stops undone: {undone[:5]}"


def test_an_ended_session_stays_ended_when_a_late_finish_or_restart_races_with_the_stop(
    api: Api, plan_id: int
) -> None:
    for _ in range(20):
        _status, session = api.call("POST", "/api/sessions", {"plan_id": plan_id})
        url = f"/api/sessions/{session['id']}"
        results = at_once(
            lambda url=url: api.call("PUT", f"{url}/steps/0", {"feedback": "sharp_pain"}),
            lambda url=url: api.call("POST", f"{url}/finish", {"status": "completed", "pain_after": 3}),
            lambda url=url: api.call("PATCH", url, {"status": "running"}),
        )
        for code, body in results:
            assert code < 500, body
        stored = Session.objects.get(pk=session["id"])
        assert stored.status in ("stopped", "completed")
        assert stored.finished_at is not None
        if stored.status == "stopped":
            assert stored.stop_reason == "sharp pain"
        # Whichever ended it first wins; the other is refused and changes nothing.
        ok = [code for code, _ in results[:2] if code == 200]
        assert len(ok) >= 1


def test_seconds_done_only_grows_when_saves_arrive_together_and_out_of_order(api: Api, plan_id: int) -> None:
    for _ in range(20):
        _status, session = api.call("POST", "/api/sessions", {"plan_id": plan_id})
        url = f"/api/sessions/{session['id']}/steps/1"
        at_once(*(lambda url=url, n=n: api.call("PUT", url, {"seconds_done": n}) for n in (30, 10, 25, 5)))
        assert Session.objects.get(pk=session["id"]).steps.get(index=1).seconds_done == 30


def test_sixteen_simultaneous_first_writes_make_one_owner_and_every_entry_is_in_the_backup(
    api: Api,
) -> None:
    assert Person.objects.count() == 0
    results = at_once(
        *(
            lambda n=n: api.call("POST", "/api/pain", {"pain": n % 11, "note": f"first write {n}"})
            for n in range(16)
        )
    )
    acknowledged = {body["id"] for code, body in results if code == 201}
    assert len(acknowledged) == 16, results
    assert Person.objects.count() == 1
    owner = services.local_owner()
    assert set(PainEntry.objects.filter(person=owner).values_list("id", flat=True)) == acknowledged
    assert {e["id"] for e in make_backup(owner)["pain_entries"]} == acknowledged
