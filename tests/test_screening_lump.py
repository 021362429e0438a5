"""A new lump on the back: the screen asks where, in the web check, the API and the terminal,
and a plan keeps every tool off the back when the place is not given (SCREENING.md)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from backease.content.loader import load_content
from backease.core.planner import PainArea, Profile, plan_session
from backease.core.screening import screen
from backease.core.vocab import BACK_REGIONS, REGIONS, TOOLS
from backease.store.models import Screening

pytestmark = pytest.mark.django_db

JSON = "application/json"
HANDS_ONLY = {"hands", "wall", "doorway", "chair", "towel"}


def html(response: Any) -> str:
    return str(response.content.decode())


def check_page(client: Client) -> str:
    """The one-page web check."""
    return html(client.get("/check/"))


def walk_check(client: Client, answers: dict[str, Any]) -> str:
    """Send the one-page check (a plain self-care result goes on to the setup page)."""
    return html(client.post("/check/", {"go": "next", **answers}, follow=True))


# --- the web check ----------------------------------------------------------------------------


def test_the_web_check_asks_where_the_lump_is_under_the_lump_row_with_not_sure(client: Client) -> None:
    page = check_page(client)
    lump = page.index('name="back_lump_or_deformity"')
    row = page[page.rindex("<div", 0, lump) : page.index('name="immune_risk"')]
    # The lump box opens the list of areas under it, and nothing else does.
    assert 'data-opens="q-lump_regions-areas"' in row and 'aria-controls="q-lump_regions-areas"' in row
    follow_up = re.search(r'<fieldset class="followup regions-row" id="q-lump_regions-areas"[^>]*>', row)
    assert follow_up is not None and 'data-asked-if="back_lump_or_deformity"' in follow_up.group(0)
    assert 'value="not_sure"' in row and "Not sure where" in row
    assert page.count('name="lump_regions"') == len(REGIONS) + 1
    assert page.count('data-opens="q-lump_regions-areas"') == 1
    assert "q-lump_regions-any" not in page  # no yes/no row of its own: the lump question is it


def test_the_follow_up_opens_only_after_yes_to_the_lump_question_and_no_clears_it() -> None:
    # The check page's script opens a follow-up when the box it follows is ticked and hides
    # and clears it otherwise (tests/browser checks it in Chromium).
    from pathlib import Path

    script = (Path(__file__).resolve().parents[1] / "backease/front/static/front/check.js").read_text()
    assert "followup.hidden = !box.checked" in script
    assert "input.checked = false" in script


def test_a_lump_with_no_place_on_the_web_gives_hands_only_on_the_back(client: Client) -> None:
    page = walk_check(client, {"back_lump_or_deformity": "yes", "lump_regions": "not_sure"})
    row = Screening.objects.get()
    assert row.level == "soon"
    assert "no_tools_on_back" in row.precautions
    note = load_content().library.precaution_words("no_tools_on_back")
    assert note.replace("'", "&#x27;") in page
    assert "Ask for an urgent GP appointment" in page


def test_a_lump_placed_on_the_web_leaves_that_area_alone(client: Client) -> None:
    walk_check(client, {"back_lump_or_deformity": "yes", "lump_regions": "shoulder_blade_left"})
    row = Screening.objects.get()
    assert "avoid_region:shoulder_blade_left" in row.precautions
    assert "no_tools_on_back" not in row.precautions


# --- the API -----------------------------------------------------------------------------------


def send(client: Client, answers: dict[str, Any]) -> Any:
    return client.post("/api/screening", json.dumps({"answers": answers}), content_type=JSON)


def test_the_api_lists_where_the_lump_is_as_a_follow_up_that_takes_not_sure(client: Client) -> None:
    questions = {q["id"]: q for q in client.get("/api/screening/questions").json()}
    where = questions["lump_regions"]
    assert (where["type"], where["group"], where["asked_if"], where["not_sure"]) == (
        "regions",
        "soon",
        "back_lump_or_deformity",
        "Not sure where",
    )
    assert questions["acute_injury_regions"]["not_sure"] == ""
    assert questions["chest_pain"]["asked_if"] is None
    schema = client.get("/api/openapi.json").json()
    fields = schema["components"]["schemas"]["QuestionOut"]["properties"]
    assert {"asked_if", "not_sure"} <= set(fields)


@pytest.mark.parametrize(
    ("place", "hands_only", "avoided"),
    [
        (None, True, set()),
        (["not_sure"], True, set()),
        (["lats_left"], False, {"avoid_region:lats_left"}),
        (["lats_left", "not_sure"], True, {"avoid_region:lats_left"}),
    ],
)
def test_the_api_turns_the_place_of_a_lump_into_limits(
    client: Client, place: list[str] | None, hands_only: bool, avoided: set[str]
) -> None:
    answers: dict[str, Any] = {"back_lump_or_deformity": True}
    if place is not None:
        answers["lump_regions"] = place
    body = send(client, answers).json()
    assert body["level"] == "soon"
    assert ("no_tools_on_back" in body["precautions"]) is hands_only
    assert {p for p in body["precautions"] if p.startswith("avoid_region:")} == avoided
    assert "Ask for an urgent GP appointment" in body["advice"]


def test_the_api_refuses_a_made_up_place_and_not_sure_where_it_is_not_offered(client: Client) -> None:
    response = send(client, {"back_lump_or_deformity": True, "lump_regions": ["somewhere"]})
    assert response.status_code == 422
    assert "lump_regions" in json.dumps(response.json())
    refused = send(client, {"acute_injury_regions": ["not_sure"]})
    assert refused.status_code == 422
    assert "acute_injury_regions" in json.dumps(refused.json())
    assert not Screening.objects.exists()


# --- the terminal --------------------------------------------------------------------------------


def scripted(monkeypatch: pytest.MonkeyPatch, yes: set[str], picks: dict[str, str]) -> list[str]:
    """Answer the terminal's questions: yes to the signs in `yes` (and to "any of these?" in
    their group), numbers for the regions questions in `picks`. Returns the prompts seen."""
    from backease.cli import questionnaire

    rules = load_content().rules
    texts = {q.text: q.id for q in rules.questions}
    groups_with_yes = {q.group for q in rules.questions if q.id in yes}
    current: list[str] = []
    seen: list[str] = []

    def confirm(prompt: str, **_: Any) -> bool:
        seen.append(prompt)
        if prompt.startswith("Does any of these apply"):
            return current[-1] in groups_with_yes
        return texts.get(prompt.strip()) in yes

    def ask(prompt: str, **_: Any) -> str:
        seen.append(prompt)
        for text, question_id in texts.items():
            if text in prompt:
                return picks.get(question_id, "")
        return ""

    def console_print(*args: Any, **_: Any) -> None:
        line = str(args[0]) if args else ""
        for group, title in questionnaire.GROUP_TITLES.items():
            if title in line:
                current.append(group)

    monkeypatch.setattr(questionnaire.Confirm, "ask", staticmethod(confirm))
    monkeypatch.setattr(questionnaire.Prompt, "ask", staticmethod(ask))
    monkeypatch.setattr(questionnaire.console, "print", console_print)
    return seen


def test_the_terminal_asks_where_the_lump_is_only_after_a_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    from backease.cli.questionnaire import ask_screening

    rules = load_content().rules
    where = rules.question("lump_regions")
    assert where is not None
    seen = scripted(monkeypatch, {"immune_risk"}, {})
    answers = ask_screening(rules)
    assert answers == {"immune_risk": True}
    assert not any(where.text in prompt for prompt in seen)

    not_sure = str(len(REGIONS) + 1)
    seen = scripted(monkeypatch, {"back_lump_or_deformity"}, {"lump_regions": f"8 {not_sure}"})
    answers = ask_screening(rules)
    assert any(where.text in prompt for prompt in seen)
    assert answers == {"back_lump_or_deformity": True, "lump_regions": ["thoracic_spine_left", "not_sure"]}
    result = screen(answers, rules)
    assert {"no_tools_on_back", "avoid_region:thoracic_spine_left"} <= set(result.precautions)


# --- the plan ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("place", [None, ["not_sure"]])
@pytest.mark.parametrize("minutes", [10, 30, 60])
def test_with_a_lump_not_placed_no_tool_touches_the_back_even_with_every_tool(
    place: list[str] | None, minutes: int
) -> None:
    content = load_content()
    answers: dict[str, Any] = {"back_lump_or_deformity": True}
    if place is not None:
        answers["lump_regions"] = place
    result = screen(answers, content.rules)
    painful = tuple(PainArea(r, 6) for r in ("between_shoulder_blades_left", "lats_right", "chest_left"))
    for seed in range(5):
        profile = Profile(areas=painful, tools=TOOLS, minutes=minutes)
        plan = plan_session(profile, result, content.library, seed=seed)
        assert plan.steps
        for step in plan.steps:
            if set(step.regions) & set(BACK_REGIONS):
                assert set(step.tools) <= HANDS_ONLY, (step.technique, step.tools)
