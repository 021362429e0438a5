"""The JSON API under /api/: every endpoint, its bad input, CSRF, OpenAPI and a whole flow.

Bad input must give a 4xx that names the field, store nothing, and never a 5xx.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backease.store import services
from backease.store.models import PainEntry, Plan, Profile, Screening, Session, StepLog

pytestmark = pytest.mark.django_db

JSON = "application/json"
EMERGENCY = {"chest_pain": True}
TOOLS_PROFILE = {
    "areas": [
        {"region": "between_shoulder_blades_left", "pain": 6, "knot": True},
        {"region": "upper_trapezius_right", "pain": 4, "knot": False},
    ],
    "causes": ["posture"],
    "tools": ["hands", "wall", "doorway", "chair", "tennis_ball", "foam_roller"],
    "minutes": 15,
    "pressure": "moderate",
    "no_floor": False,
    "stress": 5,
}


def send(client: Client, method: str, url: str, data: Any = None) -> Any:
    """A JSON request; `data` may be a ready string to send malformed bodies."""
    body = data if isinstance(data, str | bytes) else (json.dumps(data) if data is not None else "")
    return getattr(client, method)(url, body, content_type=JSON)


def stored() -> dict[str, int]:
    """How many rows of each kind are stored, to check bad requests change nothing."""
    return {
        model.__name__: model.objects.count()
        for model in (Profile, Screening, Plan, Session, StepLog, PainEntry)
    }


def field_of(response: Any) -> str:
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail, detail
    assert set(detail[0]) == {"field", "message", "allowed"}
    return str(detail[0]["field"])


def refused(response: Any, field: str, status: int = 422) -> None:
    assert response.status_code == status, response.content[:500]
    assert field_of(response) == field


@pytest.fixture
def plan(client: Client) -> dict[str, Any]:
    """A plan made through the API from a profile with tools and painful areas."""
    assert send(client, "put", "/api/profile", TOOLS_PROFILE).status_code == 200
    response = send(client, "post", "/api/plans", {"seed": 1})
    assert response.status_code == 200
    return dict(response.json())


@pytest.fixture
def session(client: Client, plan: dict[str, Any]) -> dict[str, Any]:
    response = send(client, "post", "/api/sessions", {"plan_id": plan["id"]})
    assert response.status_code == 201
    return dict(response.json())


def swappable_index(client: Client, plan: dict[str, Any]) -> tuple[int, str]:
    """The first step that has an alternative, and that alternative's id."""
    for step in plan["steps"]:
        options = client.get(f"/api/plans/{plan['id']}/steps/{step['index']}/alternatives").json()
        if options:
            return step["index"], options[0]["id"]
    raise AssertionError("no step of the test plan has an alternative")


# --- CSRF ---------------------------------------------------------------------------------


def test_the_csrf_endpoint_gives_a_token_and_sets_the_cookie() -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.get("/api/csrf")
    assert response.status_code == 200
    assert response.json()["csrf_token"]
    assert "csrftoken" in response.cookies


def test_writing_without_the_csrf_token_is_refused_and_stores_nothing() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/api/csrf")
    before = stored()
    response = send(client, "post", "/api/pain", {"pain": 4})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert send(client, "put", "/api/profile", TOOLS_PROFILE).status_code == 403
    assert stored() == before


def test_writing_with_the_token_from_api_csrf_passes() -> None:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/api/csrf").json()["csrf_token"]
    response = client.post(
        "/api/pain", json.dumps({"pain": 4}), content_type=JSON, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201
    assert PainEntry.objects.count() == 1


def test_a_wrong_csrf_token_is_refused() -> None:
    client = Client(enforce_csrf_checks=True)
    client.get("/api/csrf")
    response = client.post(
        "/api/pain", json.dumps({"pain": 4}), content_type=JSON, headers={"X-CSRFToken": "x" * 64}
    )
    assert response.status_code == 403
    assert PainEntry.objects.count() == 0


def test_reading_needs_no_csrf_token() -> None:
    client = Client(enforce_csrf_checks=True)
    assert client.get("/api/profile").status_code == 200
    assert client.get("/api/sessions").status_code == 200


# --- OpenAPI and docs ---------------------------------------------------------------------

CONTRACT = {
    "/api/csrf": {"get"},
    "/api/screening/questions": {"get"},
    "/api/screening": {"post"},
    "/api/screening/latest": {"get"},
    "/api/profile": {"get", "put"},
    "/api/plans": {"post"},
    "/api/plans/latest": {"get"},
    "/api/plans/{plan_id}": {"get"},
    "/api/plans/{plan_id}/steps/{index}/alternatives": {"get"},
    "/api/plans/{plan_id}/steps/{index}/swap": {"post"},
    "/api/sessions": {"get", "post"},
    "/api/sessions/{session_id}": {"get", "patch", "delete"},
    "/api/sessions/{session_id}/steps/{index}": {"put"},
    "/api/sessions/{session_id}/finish": {"post"},
    "/api/pain": {"get", "post"},
    "/api/pain/{entry_id}": {"delete"},
    "/api/library/techniques": {"get"},
    "/api/library/techniques/{technique_id}": {"get"},
    "/api/library/regions": {"get"},
    "/api/library/muscles": {"get"},
    "/api/library/massage-types": {"get"},
    "/api/library/tips": {"get"},
    "/api/library/faq": {"get"},
}


def test_the_openapi_schema_lists_every_path_and_method_of_the_contract(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    for path, methods in CONTRACT.items():
        assert path in schema["paths"], path
        assert methods <= set(schema["paths"][path]), (path, set(schema["paths"][path]))


def test_the_openapi_schema_documents_typed_bodies_and_errors(client: Client) -> None:
    schema = client.get("/api/openapi.json").json()
    components = schema["components"]["schemas"]
    for name in ("PainIn", "PainOut", "PlanOut", "SessionOut", "ProfileBody", "Invalid", "StepIn"):
        assert name in components, name
    pain = components["PainIn"]["properties"]["pain"]
    assert pain["minimum"] == 0 and pain["maximum"] == 10
    post_pain = schema["paths"]["/api/pain"]["post"]
    assert {"201", "422"} <= set(post_pain["responses"])
    assert "404" in schema["paths"]["/api/plans/{plan_id}"]["get"]["responses"]


def test_the_docs_page_renders_and_loads_nothing_from_another_host(client: Client) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert not re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html)
    for asset in re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", html):
        assert client.get(asset).status_code == 200, asset


# --- screening ----------------------------------------------------------------------------


def test_the_screening_questions_come_emergency_signs_first(client: Client) -> None:
    questions = client.get("/api/screening/questions").json()
    assert questions[0]["group"] == "emergency"
    assert set(questions[0]) == {
        "id",
        "group",
        "type",
        "text",
        "help",
        "minimum",
        "maximum",
        "asked_if",
        "not_sure",
    }
    age = next(q for q in questions if q["id"] == "age")
    assert age["type"] == "number" and age["maximum"] == 120


def test_answering_the_screen_stores_and_returns_the_result(client: Client) -> None:
    response = send(client, "post", "/api/screening", {"answers": {"anticoagulants": True, "age": 40}})
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == "self_care_with_precautions"
    assert "gentle_pressure_only" in body["precautions"]
    assert body["reasons"] and set(body["reasons"][0]) == {"question", "message", "source"}
    assert client.get("/api/screening/latest").json()["id"] == body["id"]


def test_there_is_no_latest_screening_before_the_first(client: Client) -> None:
    response = client.get("/api/screening/latest")
    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answers": {"chest_pian": True}}, "chest_pian"),
        ({"answers": {"chest_pain": "yes"}}, "chest_pain"),
        ({"answers": {"chest_pain": 1}}, "chest_pain"),
        ({"answers": {"age": 500}}, "age"),
        ({"answers": {"age": "forty"}}, "age"),
        ({"answers": {"acute_injury_regions": ["elbow"]}}, "acute_injury_regions"),
        ({"answers": [True]}, "answers"),
        ({"answers": "none"}, "answers"),
        ({}, "answers"),
        ({"answers": {}, "extra": 1}, "extra"),
        ("{not json", "body"),
        ("", "body"),
    ],
)
def test_bad_screening_answers_are_refused_and_store_nothing(client: Client, body: Any, field: str) -> None:
    before = stored()
    refused(send(client, "post", "/api/screening", body), field)
    assert stored() == before


def test_an_unknown_question_is_refused_with_the_allowed_ids(client: Client) -> None:
    response = send(client, "post", "/api/screening", {"answers": {"chest_pian": True}})
    detail = response.json()["detail"][0]
    assert "chest_pain" in detail["message"] and "chest_pain" in detail["allowed"]


def test_an_emergency_screen_gives_a_plan_with_no_steps_that_cannot_be_started(client: Client) -> None:
    assert send(client, "post", "/api/screening", {"answers": EMERGENCY}).json()["level"] == "emergency"
    plan = send(client, "post", "/api/plans", {}).json()
    assert plan["level"] == "emergency"
    assert plan["steps"] == [] and plan["total_seconds"] == 0
    assert plan["advice"]
    before = stored()
    response = send(client, "post", "/api/sessions", {"plan_id": plan["id"]})
    refused(response, "session", 409)  # the current level refuses any session (SafetyStop)
    assert response.json()["reason"] == "safety" and response.json()["level"] == "emergency"
    assert stored() == before


# --- profile ------------------------------------------------------------------------------


def test_the_profile_starts_with_the_defaults(client: Client) -> None:
    assert client.get("/api/profile").json() == {
        "areas": [],
        "causes": [],
        "tools": [],
        "minutes": 15,
        "pressure": "",
        "no_floor": False,
        "stress": 0,
    }


def test_a_profile_is_saved_and_read_back(client: Client) -> None:
    response = send(client, "put", "/api/profile", TOOLS_PROFILE)
    assert response.status_code == 200
    assert response.json() == TOOLS_PROFILE
    assert client.get("/api/profile").json() == TOOLS_PROFILE


def test_a_profile_with_fields_left_out_takes_the_defaults(client: Client) -> None:
    response = send(client, "put", "/api/profile", {"minutes": 10, "pressure": None})
    assert response.status_code == 200
    assert response.json()["tools"] == [] and response.json()["minutes"] == 10
    assert response.json()["pressure"] == ""


def area(**changes: Any) -> dict[str, Any]:
    return {"areas": [{"region": "lats_left", "pain": 5, **changes}]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (area(pain=11), "areas.0.pain"),
        (area(pain=-1), "areas.0.pain"),
        (area(pain="5"), "areas.0.pain"),
        (area(pain=5.5), "areas.0.pain"),
        (area(region="elbow"), "area"),
        (area(region="x" * 5000), "areas.0.region"),
        (area(knot="yes"), "areas.0.knot"),
        ({"areas": [{"region": "lats_left"}]}, "areas.0.pain"),
        ({"areas": [{"region": "lats_left", "pain": 3}, {"region": "lats_left", "pain": 4}]}, "area"),
        ({"areas": "lats_left"}, "areas"),
        ({"tools": ["spoon"]}, "tool"),
        ({"tools": "foam_roller"}, "tools"),
        ({"causes": ["boredom"]}, "cause"),
        ({"minutes": "ten"}, "minutes"),
        ({"minutes": 0}, "minutes"),
        ({"minutes": 61}, "minutes"),
        ({"minutes": True}, "minutes"),
        ({"pressure": "hard"}, "pressure"),
        ({"stress": 12}, "stress"),
        ({"no_floor": "yes"}, "no_floor"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
        ("[1, 2, 3]", "body"),
        ("{oops", "body"),
        ("", "body"),
    ],
)
def test_a_bad_profile_is_refused_and_nothing_is_stored(client: Client, body: Any, field: str) -> None:
    send(client, "put", "/api/profile", TOOLS_PROFILE)
    refused(send(client, "put", "/api/profile", body), field)
    assert client.get("/api/profile").json() == TOOLS_PROFILE


def test_an_unknown_tool_is_refused_with_the_tools_allowed(client: Client) -> None:
    detail = send(client, "put", "/api/profile", {"tools": ["spoon"]}).json()["detail"][0]
    assert "foam_roller" in detail["allowed"]


# --- plans --------------------------------------------------------------------------------


def test_a_plan_is_made_from_the_saved_profile(client: Client, plan: dict[str, Any]) -> None:
    assert plan["seed"] == 1 and plan["level"] == "self_care"
    assert plan["minutes"] == 15 and plan["total_seconds"] == 15 * 60
    assert sum(step["seconds"] + step["prepare_seconds"] for step in plan["steps"]) == 15 * 60
    assert [step["index"] for step in plan["steps"]] == list(range(len(plan["steps"])))
    assert set(plan["steps"][0]) == {
        "index",
        "technique",
        "name",
        "kind",
        "seconds",
        "prepare_seconds",
        "side",
        "intensity",
        "regions",
        "tools",
        "position",
        "reason",
        "cue",
        "script",
    }
    # Each step says what the voice says and when: every hold starts with "Go." at 0.
    for step in plan["steps"]:
        go = [line for line in step["script"] if line["kind"] == "go"]
        assert len(go) == 1 and go[0]["phase"] == "hold" and go[0]["at"] == 0 and go[0]["must_hear"]
        assert go[0]["text"].startswith("Go.")
    assert plan["before"] and plan["after"]
    assert client.get(f"/api/plans/{plan['id']}").json() == plan
    assert client.get("/api/plans/latest").json() == plan


def test_a_plan_can_be_made_without_a_body(client: Client) -> None:
    response = send(client, "post", "/api/plans")
    assert response.status_code == 200
    assert response.json()["steps"]


def test_the_same_seed_gives_the_same_plan(client: Client, plan: dict[str, Any]) -> None:
    again = send(client, "post", "/api/plans", {"seed": 1}).json()
    assert again["steps"] == plan["steps"] and again["id"] != plan["id"]


def test_there_is_no_latest_plan_before_the_first(client: Client) -> None:
    assert client.get("/api/plans/latest").status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [({"seed": "7"}, "seed"), ({"seed": -1}, "seed"), ({"seed": 2**70}, "seed"), ({"seed": 1.5}, "seed")],
)
def test_a_bad_seed_is_refused_and_no_plan_is_stored(client: Client, body: Any, field: str) -> None:
    refused(send(client, "post", "/api/plans", body), field)
    assert Plan.objects.count() == 0


@pytest.mark.parametrize("url", ["/api/plans/999", "/api/plans/-3", f"/api/plans/{10**30}"])
def test_an_unknown_plan_is_not_found(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 404
    assert "no plan" in response.json()["detail"]


def test_a_plan_id_that_is_not_a_number_is_refused(client: Client) -> None:
    refused(client.get("/api/plans/abc"), "plan_id")


def test_a_step_lists_its_alternatives(client: Client, plan: dict[str, Any]) -> None:
    index, _ = swappable_index(client, plan)
    options = client.get(f"/api/plans/{plan['id']}/steps/{index}/alternatives").json()
    assert set(options[0]) == {"id", "name", "summary", "tools", "position"}
    used = {step["technique"] for step in plan["steps"]}
    assert not used & {option["id"] for option in options}


@pytest.mark.parametrize("index", ["-1", "999"])
def test_alternatives_of_a_step_that_does_not_exist_are_not_found(
    client: Client, plan: dict[str, Any], index: str
) -> None:
    response = client.get(f"/api/plans/{plan['id']}/steps/{index}/alternatives")
    assert response.status_code == 404 and response.json()["detail"].startswith("index: ")


def test_alternatives_of_a_step_that_is_not_a_number_are_refused(
    client: Client, plan: dict[str, Any]
) -> None:
    refused(client.get(f"/api/plans/{plan['id']}/steps/first/alternatives"), "index")


def test_alternatives_of_an_unknown_plan_are_not_found(client: Client) -> None:
    assert client.get("/api/plans/999/steps/0/alternatives").status_code == 404


def test_a_step_is_swapped_for_an_alternative(client: Client, plan: dict[str, Any]) -> None:
    index, replacement = swappable_index(client, plan)
    response = send(client, "post", f"/api/plans/{plan['id']}/steps/{index}/swap", {"technique": replacement})
    assert response.status_code == 200
    swapped = response.json()
    assert swapped["steps"][index]["technique"] == replacement
    assert swapped["total_seconds"] == plan["total_seconds"]
    assert sum(s["seconds"] + s["prepare_seconds"] for s in swapped["steps"]) == plan["total_seconds"]
    assert client.get(f"/api/plans/{plan['id']}").json() == swapped


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"technique": "doorway_chest_opener_deluxe"}, "technique"),
        ({"technique": 5}, "technique"),
        ({"technique": "x" * 10_000}, "technique"),
        ({}, "technique"),
    ],
)
def test_swapping_to_something_unsuitable_is_refused_and_changes_nothing(
    client: Client, plan: dict[str, Any], body: Any, field: str
) -> None:
    index, _ = swappable_index(client, plan)
    refused(send(client, "post", f"/api/plans/{plan['id']}/steps/{index}/swap", body), field)
    assert client.get(f"/api/plans/{plan['id']}").json() == plan


def test_a_plan_with_a_session_can_no_longer_be_swapped(
    client: Client, plan: dict[str, Any], session: dict[str, Any]
) -> None:
    index, replacement = swappable_index(client, plan)
    response = send(client, "post", f"/api/plans/{plan['id']}/steps/{index}/swap", {"technique": replacement})
    refused(response, "plan", status=409)


def test_swapping_a_step_of_an_unknown_plan_is_not_found(client: Client) -> None:
    assert send(client, "post", "/api/plans/999/steps/0/swap", {"technique": "cat_cow"}).status_code == 404


# --- sessions -----------------------------------------------------------------------------


def test_a_session_starts_with_one_log_per_step(
    client: Client, plan: dict[str, Any], session: dict[str, Any]
) -> None:
    assert session["status"] == "running" and session["plan_id"] == plan["id"]
    assert session["finished_at"] is None
    assert len(session["steps"]) == len(plan["steps"])
    first = session["steps"][0]
    assert first == {
        "index": 0,
        "technique": plan["steps"][0]["technique"],
        "side": plan["steps"][0]["side"],
        "seconds_planned": plan["steps"][0]["seconds"],
        "seconds_done": 0,
        "intensity": plan["steps"][0]["intensity"],
        "feedback": "",
        "skipped": False,
    }
    assert client.get(f"/api/sessions/{session['id']}").json() == session
    assert [s["id"] for s in client.get("/api/sessions").json()] == [session["id"]]


@pytest.mark.parametrize(
    ("body", "field", "status"),
    [
        ({"plan_id": 999}, None, 404),
        ({"plan_id": "1"}, "plan_id", 422),
        ({"plan_id": None}, "plan_id", 422),
        ({}, "plan_id", 422),
        ("{", "body", 422),
    ],
)
def test_starting_a_session_of_a_bad_plan_is_refused_and_stores_nothing(
    client: Client, plan: dict[str, Any], body: Any, field: str | None, status: int
) -> None:
    before = stored()
    response = send(client, "post", "/api/sessions", body)
    assert response.status_code == status
    if field is not None:
        assert field_of(response) == field
    assert stored() == before


@pytest.mark.parametrize("url", ["/api/sessions/999", "/api/sessions/-1"])
def test_an_unknown_session_is_not_found(client: Client, url: str) -> None:
    assert client.get(url).status_code == 404
    assert send(client, "patch", url, {"notes": "x"}).status_code == 404
    assert send(client, "put", f"{url}/steps/0", {"seconds_done": 5}).status_code == 404
    assert send(client, "post", f"{url}/finish", {"status": "completed"}).status_code == 404
    assert client.delete(url).status_code == 404


def test_a_session_id_that_is_not_a_number_is_refused(client: Client) -> None:
    refused(client.get("/api/sessions/one"), "session_id")


def test_pain_and_stress_before_are_saved(client: Client, session: dict[str, Any]) -> None:
    url = f"/api/sessions/{session['id']}"
    response = send(client, "patch", url, {"pain_before": 6, "stress_before": 4, "notes": "stiff today"})
    assert response.status_code == 200
    body = response.json()
    assert (body["pain_before"], body["stress_before"], body["notes"]) == (6, 4, "stiff today")
    assert body["status"] == "running"
    assert send(client, "patch", url, {"pain_before": None}).json()["pain_before"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pain_before": 11}, "pain_before"),
        ({"pain_after": -1}, "pain_after"),
        ({"stress_before": "3"}, "stress_before"),
        ({"pain_before": True}, "pain_before"),
        ({"status": "paused"}, "status"),
        ({"status": None}, "status"),
        ({"notes": None}, "notes"),
        ({"notes": 5}, "notes"),
        ({"notes": "x" * 2001}, "notes"),
        ({"stop_reason": "y" * 201}, "stop_reason"),
        ({"started_at": "2020-01-01T00:00:00Z"}, "started_at"),
        ("[]", "body"),
    ],
)
def test_a_bad_session_change_is_refused_and_changes_nothing(
    client: Client, session: dict[str, Any], body: Any, field: str
) -> None:
    url = f"/api/sessions/{session['id']}"
    refused(send(client, "patch", url, body), field)
    assert client.get(url).json() == session


def test_steps_are_saved_as_they_go(client: Client, session: dict[str, Any]) -> None:
    url = f"/api/sessions/{session['id']}/steps/1"
    response = send(client, "put", url, {"seconds_done": 20, "feedback": "helped"})
    assert response.status_code == 200
    assert response.json()["seconds_done"] == 20 and response.json()["feedback"] == "helped"
    response = send(client, "put", url, {"skipped": True})
    assert response.json()["skipped"] is True and response.json()["seconds_done"] == 20
    log = StepLog.objects.get(session_id=session["id"], index=1)
    assert (log.seconds_done, log.feedback, log.skipped) == (20, "helped", True)


def test_too_much_lowers_the_intensity_the_player_sends(client: Client, session: dict[str, Any]) -> None:
    url = f"/api/sessions/{session['id']}/steps/0"
    step = send(client, "put", url, {"feedback": "too_much", "intensity": "gentle"}).json()
    assert step["feedback"] == "too_much" and step["intensity"] == "gentle"
    assert client.get(f"/api/sessions/{session['id']}").json()["status"] == "running"


def test_sharp_pain_feedback_stops_the_session(client: Client, session: dict[str, Any]) -> None:
    url = f"/api/sessions/{session['id']}"
    response = send(client, "put", f"{url}/steps/2", {"feedback": "sharp_pain", "seconds_done": 12})
    assert response.status_code == 200
    body = client.get(url).json()
    assert body["status"] == "stopped" and body["stop_reason"] == "sharp pain"
    assert body["finished_at"] is not None
    assert body["steps"][2]["feedback"] == "sharp_pain"


def test_a_session_stopped_for_sharp_pain_cannot_be_finished_as_completed(
    client: Client, session: dict[str, Any]
) -> None:
    url = f"/api/sessions/{session['id']}"
    send(client, "put", f"{url}/steps/0", {"feedback": "sharp_pain"})
    refused(send(client, "post", f"{url}/finish", {"status": "completed"}), "status", status=409)
    assert client.get(url).json()["status"] == "stopped"
    response = send(client, "post", f"{url}/finish", {"status": "stopped", "pain_after": 7})
    assert response.status_code == 200 and response.json()["pain_after"] == 7


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"seconds_done": "10"}, "seconds_done"),
        ({"seconds_done": -5}, "seconds_done"),
        ({"seconds_done": 4000}, "seconds_done"),
        ({"seconds_done": 10.5}, "seconds_done"),
        ({"seconds_done": None}, "seconds_done"),
        ({"intensity": "max"}, "intensity"),
        ({"feedback": "ouch"}, "feedback"),
        ({"feedback": 3}, "feedback"),
        ({"skipped": "yes"}, "skipped"),
        ({"skipped": 1}, "skipped"),
        ({"technique": "cat_cow"}, "technique"),
        ("{{", "body"),
        ('"sharp_pain"', "body"),
    ],
)
def test_a_bad_step_log_is_refused_and_changes_nothing(
    client: Client, session: dict[str, Any], body: Any, field: str
) -> None:
    refused(send(client, "put", f"/api/sessions/{session['id']}/steps/0", body), field)
    assert client.get(f"/api/sessions/{session['id']}").json() == session


@pytest.mark.parametrize(("index", "status"), [("-1", 404), ("999", 404), ("x", 422)])
def test_a_step_that_does_not_exist_is_refused(
    client: Client, session: dict[str, Any], index: str, status: int
) -> None:
    response = send(client, "put", f"/api/sessions/{session['id']}/steps/{index}", {"seconds_done": 5})
    assert response.status_code == status and "index" in str(response.json()["detail"])


def test_a_session_is_finished_with_the_scores_after(client: Client, session: dict[str, Any]) -> None:
    url = f"/api/sessions/{session['id']}"
    body = {"status": "completed", "pain_after": 3, "stress_after": 2, "notes": "much looser"}
    response = send(client, "post", f"{url}/finish", body)
    assert response.status_code == 200
    done = response.json()
    assert done["status"] == "completed" and done["finished_at"] is not None
    assert (done["pain_after"], done["stress_after"], done["notes"]) == (3, 2, "much looser")
    assert send(client, "post", f"{url}/finish", {"status": "completed"}).status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "running"}, "status"),
        ({"status": "done"}, "status"),
        ({}, "status"),
        ({"status": "completed", "pain_after": 11}, "pain_after"),
        ({"status": "completed", "pain_after": "3"}, "pain_after"),
        ({"status": "completed", "stress_after": -1}, "stress_after"),
        ({"status": "completed", "notes": "z" * 100_000}, "notes"),
    ],
)
def test_a_bad_finish_is_refused_and_the_session_keeps_running(
    client: Client, session: dict[str, Any], body: Any, field: str
) -> None:
    url = f"/api/sessions/{session['id']}"
    refused(send(client, "post", f"{url}/finish", body), field)
    assert client.get(url).json() == session


def test_a_finished_session_cannot_be_restarted_or_its_steps_changed(
    client: Client, session: dict[str, Any]
) -> None:
    url = f"/api/sessions/{session['id']}"
    send(client, "post", f"{url}/finish", {"status": "skipped"})
    refused(send(client, "patch", url, {"status": "running"}), "status", status=409)
    refused(send(client, "patch", url, {"status": "completed"}), "status", status=409)
    refused(send(client, "put", f"{url}/steps/0", {"seconds_done": 10}), "session", status=409)
    assert client.get(url).json()["status"] == "skipped"


def test_notes_can_still_be_added_to_a_finished_session(client: Client, session: dict[str, Any]) -> None:
    url = f"/api/sessions/{session['id']}"
    send(client, "post", f"{url}/finish", {"status": "completed"})
    response = send(client, "patch", url, {"notes": "slept better", "pain_after": 2})
    assert response.status_code == 200
    assert response.json()["notes"] == "slept better" and response.json()["status"] == "completed"


def test_deleting_a_session_removes_its_step_logs(client: Client, session: dict[str, Any]) -> None:
    assert StepLog.objects.filter(session_id=session["id"]).count() == len(session["steps"])
    response = client.delete(f"/api/sessions/{session['id']}")
    assert response.status_code == 204
    assert not Session.objects.filter(id=session["id"]).exists()
    assert StepLog.objects.filter(session_id=session["id"]).count() == 0
    assert client.get(f"/api/sessions/{session['id']}").status_code == 404
    assert Plan.objects.count() == 1


# --- pain diary ---------------------------------------------------------------------------


def test_a_pain_entry_is_added_listed_and_deleted(client: Client) -> None:
    body = {"pain": 6, "region": "lats_left", "stress": 3, "note": "after gardening"}
    response = send(client, "post", "/api/pain", body)
    assert response.status_code == 201
    entry = response.json()
    assert {k: entry[k] for k in body} == body
    assert client.get("/api/pain").json() == [entry]
    assert client.delete(f"/api/pain/{entry['id']}").status_code == 204
    assert client.get("/api/pain").json() == []


def test_a_pain_entry_needs_only_the_pain(client: Client) -> None:
    entry = send(client, "post", "/api/pain", {"pain": 0}).json()
    assert entry["region"] == "" and entry["stress"] is None and entry["note"] == ""


def test_a_pain_entry_keeps_the_time_given(client: Client) -> None:
    entry = send(client, "post", "/api/pain", {"pain": 2, "at": "2024-03-01T08:30:00+01:00"}).json()
    assert entry["at"].startswith("2024-03-01T07:30:00")
    naive = send(client, "post", "/api/pain", {"pain": 2, "at": "2024-03-02T08:30:00"}).json()
    assert naive["at"].startswith("2024-03-02T08:30:00")


def test_posting_pain_eleven_is_refused_and_stores_nothing(client: Client) -> None:
    refused(send(client, "post", "/api/pain", {"pain": 11}), "pain")
    assert PainEntry.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"pain": -1}, "pain"),
        ({"pain": "5"}, "pain"),
        ({"pain": 5.5}, "pain"),
        ({"pain": True}, "pain"),
        ({"pain": None}, "pain"),
        ({"pain": [5]}, "pain"),
        ({"pain": 10**40}, "pain"),
        ({}, "pain"),
        ({"pain": 4, "region": "elbow"}, "region"),
        ({"pain": 4, "region": 7}, "region"),
        ({"pain": 4, "stress": 11}, "stress"),
        ({"pain": 4, "note": "n" * 100_000}, "note"),
        ({"pain": 4, "note": "nul \u0000 byte"}, "note"),
        ({"pain": 4, "at": "yesterday"}, "at"),
        ({"pain": 4, "at": "2999-01-01T00:00:00Z"}, "at"),
        ({"pain": 4, "at": "1066-10-14T09:00:00Z"}, "at"),
        ({"pain": 4, "at": "0001-01-01T00:00:00+14:00"}, "at"),
        ({"pain": 4, "mood": "grumpy"}, "mood"),
        ('{"pain": 4, "note": "\\ud800"}', "note"),
        ('{"pain": 4,', "body"),
        ("4", "body"),
        ("", "body"),
    ],
)
def test_a_bad_pain_entry_is_refused_and_stores_nothing(client: Client, body: Any, field: str) -> None:
    refused(send(client, "post", "/api/pain", body), field)
    assert PainEntry.objects.count() == 0


def test_a_one_megabyte_note_is_refused_as_too_large(client: Client) -> None:
    response = send(client, "post", "/api/pain", {"pain": 4, "note": "x" * 1_000_000})
    refused(response, "body", status=413)
    assert PainEntry.objects.count() == 0


@pytest.mark.parametrize("url", ["/api/pain/999", "/api/pain/-1", f"/api/pain/{10**25}"])
def test_deleting_an_unknown_pain_entry_is_not_found(client: Client, url: str) -> None:
    assert client.delete(url).status_code == 404


def test_a_pain_entry_id_that_is_not_a_number_is_refused(client: Client) -> None:
    refused(client.delete("/api/pain/first"), "entry_id")


# --- library ------------------------------------------------------------------------------


def test_techniques_are_listed_and_filtered(client: Client) -> None:
    everything = client.get("/api/library/techniques").json()
    assert len(everything) > 20
    assert {"id", "name", "kind", "steps", "intensities", "evidence", "references"} <= set(everything[0])
    stretches = client.get("/api/library/techniques?kind=stretch").json()
    assert stretches and all(t["kind"] == "stretch" for t in stretches)
    assert len(client.get("/api/library/techniques?kind=&tool=").json()) == len(everything)
    lats = client.get("/api/library/techniques?region=lats_left&tool=foam_roller").json()
    assert lats and all("lats_left" in t["regions"] and "foam_roller" in t["tools"] for t in lats)


@pytest.mark.parametrize(
    ("query", "field"), [("kind=yoga", "kind"), ("region=elbow", "region"), ("tool=spoon", "tool")]
)
def test_an_unknown_library_filter_is_refused(client: Client, query: str, field: str) -> None:
    response = client.get(f"/api/library/techniques?{query}")
    refused(response, field)
    assert response.json()["detail"][0]["allowed"]


def test_one_technique_is_shown_by_id(client: Client) -> None:
    technique = client.get("/api/library/techniques/cat_cow").json()
    assert technique["id"] == "cat_cow" and technique["steps"]
    assert client.get("/api/library/techniques/no_such_thing").status_code == 404


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/api/library/regions", "label"),
        ("/api/library/muscles", "refers_pain_to"),
        ("/api/library/tips", "body"),
        ("/api/library/faq", "answer"),
    ],
)
def test_the_library_lists_are_served(client: Client, url: str, key: str) -> None:
    items = client.get(url).json()
    assert items and key in items[0]


def test_massage_types_are_ranked_for_the_profile(client: Client) -> None:
    send(client, "put", "/api/profile", {"causes": ["sport"], "pressure": "firm"})
    ranked = client.get("/api/library/massage-types").json()
    assert [item["rank"] for item in ranked] == list(range(1, len(ranked) + 1))
    assert ranked[0]["id"] == "sports" and ranked[0]["suitable"] and ranked[0]["reasons"]


def test_massage_types_ruled_out_by_a_precaution_come_last_and_say_why(client: Client) -> None:
    send(client, "post", "/api/screening", {"answers": {"anticoagulants": True}})
    ranked = client.get("/api/library/massage-types").json()
    suitable = [item["suitable"] for item in ranked]
    assert suitable == sorted(suitable, reverse=True) and not suitable[-1]
    deep = next(item for item in ranked if item["id"] == "deep_tissue")
    assert not deep["suitable"] and any("Not advised" in r for r in deep["reasons"])


# --- a whole flow -------------------------------------------------------------------------


def test_a_whole_flow_from_screen_to_history_through_the_api() -> None:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/api/csrf").json()["csrf_token"]

    def call(method: str, url: str, data: Any = None) -> Any:
        body = json.dumps(data) if data is not None else ""
        response = getattr(client, method)(url, body, content_type=JSON, headers={"X-CSRFToken": token})
        assert response.status_code < 400, (url, response.content[:300])
        return response.json() if response.content else None

    screen = call("post", "/api/screening", {"answers": {"age": 35, "first_episode": False}})
    assert screen["level"] == "self_care"
    call("put", "/api/profile", TOOLS_PROFILE)
    plan = call("post", "/api/plans", {"seed": 4})
    index, replacement = swappable_index(client, plan)
    plan = call("post", f"/api/plans/{plan['id']}/steps/{index}/swap", {"technique": replacement})
    assert plan["steps"][index]["technique"] == replacement

    session = call("post", "/api/sessions", {"plan_id": plan["id"]})
    url = f"/api/sessions/{session['id']}"
    call("patch", url, {"pain_before": 6, "stress_before": 5})
    for step in session["steps"][:3]:
        call(
            "put",
            f"{url}/steps/{step['index']}",
            {"seconds_done": step["seconds_planned"], "feedback": "helped"},
        )
    call("put", f"{url}/steps/3", {"seconds_done": 10, "feedback": "too_much", "intensity": "gentle"})
    for step in session["steps"][4:]:
        call("put", f"{url}/steps/{step['index']}", {"intensity": "gentle"})
    done = call("post", f"{url}/finish", {"status": "completed", "pain_after": 3, "stress_after": 2})
    assert done["status"] == "completed"
    assert done["steps"][index]["technique"] == replacement
    assert done["steps"][3]["feedback"] == "too_much"
    assert all(step["intensity"] == "gentle" for step in done["steps"][3:])

    history = call("get", "/api/sessions")
    assert [s["id"] for s in history] == [session["id"]]
    assert (history[0]["pain_before"], history[0]["pain_after"]) == (6, 3)
    week = services.weekly_counts(services.local_owner(), weeks=1, now=timezone.now())
    assert week[-1][1] == 1
