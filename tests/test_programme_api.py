"""The programme in the JSON API (issue 18 item 6): GET/POST/DELETE /api/programme and
POST /api/programme/checkin, typed in the OpenAPI schema; bad input is a 4xx naming the
field and stores nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from backease.store import services
from backease.store.models import CheckIn, ProgrammeRun

pytestmark = pytest.mark.django_db
JSON = "application/json"


def send(client: Client, method: str, url: str, data: Any = None) -> Any:
    body = data if isinstance(data, str) else (json.dumps(data) if data is not None else "")
    return getattr(client, method)(url, body, content_type=JSON)


@pytest.fixture
def client() -> Client:
    person = services.local_owner()
    services.save_profile(person, {"areas": [{"region": "upper_trapezius_left", "pain": 5}], "minutes": 15})
    services.record_screening(person, {})
    return Client()


def test_a_programme_is_started_read_checked_in_and_stopped(client: Client) -> None:
    assert send(client, "get", "/api/programme").status_code == 404
    made = send(
        client, "post", "/api/programme", {"weeks": 6, "days": ["mon", "wed", "fri"], "time": "19:00"}
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["week"] == 1 and body["weeks"] == 6 and body["headline"].startswith("Week 1 of 6")
    assert body["dose"]["minutes"] == 15 and body["changes"][0]["action"] == "start"
    assert len(body["timeline"]) == 6 and body["timeline"][1]["dose"] is None
    assert send(client, "post", "/api/programme", {}).status_code == 409
    checkin = send(
        client, "post", "/api/programme/checkin", {"pain": 6, "activity": "reaching up", "activity_score": 3}
    )
    assert checkin.status_code == 201 and checkin.json()["week"] == 1
    shown = send(client, "get", "/api/programme").json()
    assert shown["checkins"][0]["activity"] == "reaching up" and shown["checkin_due"] is False
    assert send(client, "delete", "/api/programme").status_code == 204
    assert send(client, "get", "/api/programme").status_code == 404
    assert send(client, "delete", "/api/programme").status_code == 404


@pytest.mark.parametrize(
    ("url", "data", "field"),
    [
        ("/api/programme", {"weeks": 1}, "weeks"),
        ("/api/programme", {"weeks": "6"}, "weeks"),
        ("/api/programme", {"days": ["monday"]}, "days.0"),
        ("/api/programme", {"days": []}, "days"),
        ("/api/programme", {"time": "7pm"}, "time"),
        ("/api/programme", {"colour": "red"}, "colour"),
        ("/api/programme/checkin", {"pain": 11, "activity": "x", "activity_score": 3}, "pain"),
        ("/api/programme/checkin", {"pain": 3, "activity": "x", "activity_score": 3, "pgic": 0}, "pgic"),
        ("/api/programme/checkin", {"pain": 3, "activity": "", "activity_score": 3}, "activity"),
        ("/api/programme/checkin", {"pain": 3, "activity": "x" * 81, "activity_score": 3}, "activity"),
    ],
)
def test_bad_input_is_a_422_naming_the_field_and_nothing_is_stored(
    client: Client, url: str, data: dict[str, Any], field: str
) -> None:
    if url.endswith("checkin"):
        send(client, "post", "/api/programme", {})
    runs = ProgrammeRun.objects.count()
    response = send(client, "post", url, data)
    assert response.status_code == 422, response.content
    assert response.json()["detail"][0]["field"] == field
    assert ProgrammeRun.objects.count() == runs and not CheckIn.objects.exists()


def test_a_checkin_without_a_programme_is_a_404(client: Client) -> None:
    response = send(
        client, "post", "/api/programme/checkin", {"pain": 3, "activity": "x", "activity_score": 3}
    )
    assert response.status_code == 404 and "programme" in response.json()["detail"]


def test_the_schema_lists_the_closed_vocabularies(client: Client) -> None:
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    assert schemas["ProgrammeIn"]["properties"]["days"]["anyOf"][0]["items"]["enum"] == [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
    ]
    assert schemas["DoseChangeOut"]["properties"]["action"]["enum"] == ["start", "up", "hold", "down"]
    assert schemas["DoseOut"]["properties"]["pressure"]["enum"] == ["gentle", "moderate", "firm"]
