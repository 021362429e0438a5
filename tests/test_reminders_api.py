"""The schedule and its reminders in the JSON API: GET/PUT /api/schedule,
GET /api/reminders/due?now=..., POST /api/reminders/snooze (docs/reminders.md)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from backease.store import services
from backease.store.models import Profile
from backease.store.zones import save_time_zone

pytestmark = pytest.mark.django_db

JSON = "application/json"


def send(client: Client, method: str, url: str, data: Any = None) -> Any:
    body = data if isinstance(data, str) else (json.dumps(data) if data is not None else "")
    return getattr(client, method)(url, body, content_type=JSON)


def refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.content[:300]
    assert response.json()["detail"][0]["field"] == field


@pytest.fixture
def york(client: Client) -> Client:
    save_time_zone(services.local_owner(), "America/New_York")
    answer = send(
        client,
        "put",
        "/api/schedule",
        {"days": ["fri", "mon", "wed"], "time": "19:00", "quiet": "22:00-07:00"},
    )
    assert answer.status_code == 200, answer.content
    return client


def test_the_schedule_is_read_and_changed_through_the_api(york: Client) -> None:
    body = york.get("/api/schedule").json()
    assert {k: v for k, v in body.items() if k != "next_at"} == {
        "days": ["mon", "wed", "fri"],
        "time": "19:00",
        "time_zone": "America/New_York",
        "quiet": "22:00-07:00",
        "reminders": True,
    }
    assert body["next_at"].endswith(("T00:00:00Z", "T23:00:00Z"))  # 19:00 in New York
    # Left out: kept. Given: changed.
    body = send(york, "put", "/api/schedule", {"days": ["sat"], "time": "08:30", "reminders": False}).json()
    assert (body["days"], body["time"], body["quiet"], body["reminders"], body["next_at"]) == (
        ["sat"], "08:30", "22:00-07:00", False, None,
    )  # fmt: skip
    assert (
        send(york, "put", "/api/schedule", {"days": ["sat"], "time": "08:30", "quiet": ""}).json()["quiet"]
        == ""
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"days": [], "time": "19:00"}, "days"),
        ({"days": ["someday"], "time": "19:00"}, "days"),
        ({"days": ["mon"], "time": "7pm"}, "time"),
        ({"days": ["mon"], "time": "19:00", "quiet": "22:00-22:00"}, "quiet"),
        ({"days": ["mon"], "time": "19:00", "quiet": "late"}, "quiet"),
        ({"days": ["mon"], "time": "19:00", "reminders": "yes"}, "reminders"),
        ({"days": ["mon"], "time": "19:00", "quiet": None}, "quiet"),
        ({"days": ["mon"]}, "time"),
    ],
)
def test_a_bad_schedule_is_refused_naming_the_field_and_nothing_changes(
    york: Client, body: dict[str, Any], field: str
) -> None:
    before = list(Profile.objects.values_list("session_days", "session_time", "quiet_hours", "reminders_on"))
    refused(send(york, "put", "/api/schedule", body), field)
    after = list(Profile.objects.values_list("session_days", "session_time", "quiet_hours", "reminders_on"))
    assert after == before


def test_due_answers_at_an_instant_in_the_persons_zone(york: Client) -> None:
    due = york.get("/api/reminders/due", {"now": "2026-11-02T19:05:00"}).json()  # no offset: New York
    assert due == {
        "due": True,
        "reason": "Time for your upper back self-care session (planned for 19:00).",
        "at": "2026-11-03T00:00:00Z",
        "next_at": "2026-11-05T00:00:00Z",
    }
    tuesday = york.get("/api/reminders/due", {"now": "2026-11-03T17:00:00Z"}).json()
    assert tuesday["due"] is False and tuesday["reason"].startswith("Tuesday is not a planned day")


@pytest.mark.parametrize("now", ["9999-12-31T23:59:00", "1999-01-01T00:00:00Z", "soon"])
def test_a_bad_instant_is_refused_naming_now(york: Client, now: str) -> None:
    refused(york.get("/api/reminders/due", {"now": now}), "now")


def test_snooze_delays_todays_reminder(york: Client) -> None:
    answer = send(york, "post", "/api/reminders/snooze", {"minutes": 15})
    assert answer.status_code == 200
    assert set(answer.json()) == {"due", "reason", "at", "next_at"}
    assert Profile.objects.get().snoozed_until is not None
    for minutes in (0, 721, "ten", None):
        refused(send(york, "post", "/api/reminders/snooze", {"minutes": minutes}), "minutes")


def test_the_schema_describes_the_reminder_operations(client: Client) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"get", "put"} <= set(paths["/api/schedule"])
    assert "get" in paths["/api/reminders/due"] and "post" in paths["/api/reminders/snooze"]
    put = paths["/api/schedule"]["put"]
    assert "422" in put["responses"]
