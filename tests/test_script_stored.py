"""Every plan's steps carry their spoken script wherever a plan is read: the plan JSON the
store keeps, the API, and the web player's step data; a plan stored before scripts (and
before countdowns) gets them computed when it is read."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from backease.content.loader import load_content
from backease.core.script import plan_countdowns, plan_scripts
from backease.store import services
from backease.store.models import Plan

pytestmark = pytest.mark.django_db

PROFILE = {
    "areas": [{"region": "thoracic_spine_left", "pain": 6}, {"region": "upper_trapezius_right", "pain": 5}],
    "tools": ["foam_roller", "tennis_ball", "wall", "hands", "chair", "doorway"],
    "minutes": 15,
}


@pytest.fixture
def plan() -> Plan:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    return services.make_plan(person, seed=3)


def player_steps(client: Client, plan: Plan) -> list[dict[str, Any]]:
    session = services.start_session(services.local_owner(), plan)
    html = client.get(f"/session/{session.pk}/").content.decode()
    match = re.search(r'<script id="session-data" type="application/json">(.*?)</script>', html, re.S)
    assert match, "no embedded session data"
    steps: list[dict[str, Any]] = json.loads(match.group(1))["steps"]
    return steps


def test_a_new_plan_stores_each_steps_script_and_the_api_and_the_player_give_the_same(
    client: Client, plan: Plan
) -> None:
    stored = plan.data["steps"]
    assert all(step["script"] for step in stored)
    assert [s["script"] for s in client.get(f"/api/plans/{plan.pk}").json()["steps"]] == [
        s["script"] for s in stored
    ]
    assert [s["script"] for s in player_steps(client, plan)] == [s["script"] for s in stored]


def test_a_plan_stored_before_scripts_gets_them_when_read(client: Client, plan: Plan) -> None:
    expected = [s["script"] for s in plan.data["steps"]]
    countdowns = [s["prepare_seconds"] for s in plan.data["steps"]]
    plan.data = {
        **plan.data,
        "steps": [
            {k: v for k, v in step.items() if k not in ("script", "prepare_seconds")}
            for step in plan.data["steps"]
        ],
    }
    plan.save(update_fields=["data"])
    shown = client.get(f"/api/plans/{plan.pk}").json()["steps"]
    assert [s["script"] for s in shown] == expected
    assert [s["prepare_seconds"] for s in shown] == countdowns
    played = player_steps(client, plan)
    assert [s["script"] for s in played] == expected
    assert [s["prepare_seconds"] for s in played] == countdowns
    core = services.core_plan(plan)
    library = load_content().library
    assert [[line.to_json() for line in s.script] for s in core.steps] == expected
    assert [s.prepare_seconds for s in core.steps] == plan_countdowns(library, core.steps)
    assert [list(lines) for lines in plan_scripts(library, core.steps)] == [
        list(s.script) for s in core.steps
    ]
