"""Random JSON at the API's write endpoints never gives a 5xx, and a 4xx stores nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backease.store.models import PainEntry, StepLog

pytestmark = pytest.mark.django_db

JSON = "application/json"
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=30)
    | st.sampled_from(["", "lats_left", "sharp_pain", "too_much", "gentle", "2024-01-01T10:00:00Z", "\x00"])
)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner), max_leaves=8
)


def bodies(fields: list[str]) -> st.SearchStrategy[Any]:
    """Objects with the endpoint's own keys (and strangers), or any JSON at all."""
    keys = st.sampled_from(fields) | st.text(max_size=10)
    return st.dictionaries(keys, values, max_size=5) | values


def post(client: Client, method: str, url: str, body: Any) -> Any:
    # json.dumps writes NaN and Infinity, which Python's JSON parser accepts: good to try too.
    return getattr(client, method)(url, json.dumps(body), content_type=JSON)


@FUZZ
@given(body=bodies(["pain", "region", "stress", "note", "at"]))
def test_random_pain_entries_never_break_the_server(client: Client, body: Any) -> None:
    before = PainEntry.objects.count()
    response = post(client, "post", "/api/pain", body)
    assert response.status_code < 500, response.content[:300]
    assert PainEntry.objects.count() == before + (1 if response.status_code == 201 else 0)
    if response.status_code >= 400:
        assert response.json()["detail"][0]["field"]


@FUZZ
@given(body=bodies(["seconds_done", "intensity", "feedback", "skipped"]), index=st.integers(-3, 40))
def test_random_step_logs_never_break_the_server(client: Client, body: Any, index: int) -> None:
    sessions = client.get("/api/sessions").json()
    if not sessions or sessions[0]["status"] != "running":
        plan = post(client, "post", "/api/plans", {"seed": 0}).json()
        session = post(client, "post", "/api/sessions", {"plan_id": plan["id"]}).json()
    else:
        session = sessions[0]
    logs_before = list(StepLog.objects.filter(session_id=session["id"]).values())
    response = post(client, "put", f"/api/sessions/{session['id']}/steps/{index}", body)
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert list(StepLog.objects.filter(session_id=session["id"]).values()) == logs_before
