"""A safety check result's title says what its advice says, in every front end.

A `soon` result titled "See a doctor or physio in the next few days" above advice asking
for an urgent GP appointment (weight loss, night pain, a lump, pain worse on coughing or
straining: the NHS back-pain page's words, SCREENING.md) told the person two different
things. Such a result is titled "Ask for an urgent GP appointment" on the web result page,
the soon banner on every page, Today, the API, `backease screen` and its `--json`, and the
clinician report; any other result keeps its level's title (labels.yaml).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from backease.content.loader import Content
from backease.store import services
from tests.test_api import send
from tests.test_cli_store import cli, flat

pytestmark = pytest.mark.django_db

URGENT_GP = "Ask for an urgent GP appointment"
NEXT_FEW_DAYS = "in the next few days"
URGENT_GP_SIGNS = (
    "unexplained_weight_loss",
    "constant_or_night_pain",
    "back_lump_or_deformity",
    "worse_cough_sneeze_strain",
)


def answers_for(question: str) -> dict[str, Any]:
    answers: dict[str, Any] = {question: True}
    if question == "back_lump_or_deformity":
        answers["lump_regions"] = ["lats_left"]
    return answers


@pytest.mark.parametrize("question", URGENT_GP_SIGNS)
def test_a_result_asking_for_an_urgent_gp_appointment_is_titled_so_in_the_content(
    content: Content, question: str
) -> None:
    from backease.core.screening import screen

    result = screen(answers_for(question), content.rules)
    assert result.level == "soon" and URGENT_GP in result.advice
    assert content.result_title(result.level, result.advice) == URGENT_GP
    # Other soon signs keep the level's title, which says what their advice says.
    gallstones = screen({"pain_after_meals": True}, content.rules)
    assert NEXT_FEW_DAYS in gallstones.advice
    assert content.result_title("soon", gallstones.advice) == content.library.label("level", "soon")
    assert NEXT_FEW_DAYS in content.result_title("soon", gallstones.advice)


def test_every_rule_with_its_own_advice_has_a_title_saying_the_same(content: Content) -> None:
    own = [rule for rule in content.rules.rules if rule.advice]
    assert own, "no rule gives its own advice any more: this test guards nothing"
    for rule in own:
        assert rule.title, rule.id
        assert rule.title.lower() in rule.advice.lower(), rule.id
        assert NEXT_FEW_DAYS not in rule.title


def test_the_web_result_page_and_the_banner_title_it_by_its_advice(client: Client) -> None:
    response = client.post("/check/", {"go": "next", "constant_or_night_pain": "yes"}, follow=True)
    page = response.content.decode()
    assert URGENT_GP in page
    assert "See a doctor or physio in the next few days" not in page
    assert "Book a clinician in the next few days" not in page
    # The banner every later page shows, and the setup page's summary of the check.
    setup = client.get("/setup/").content.decode()
    banner = setup[setup.index('data-testid="safety-banner"') :]
    assert f"<strong>{URGENT_GP}.</strong>" in banner[:600]
    assert f"Safety check: {URGENT_GP}" in " ".join(setup.split())
    assert NEXT_FEW_DAYS not in setup


def test_a_soon_result_with_the_level_advice_keeps_the_level_title(client: Client) -> None:
    client.post("/check/", {"go": "next", "pain_after_meals": "yes"}, follow=True)
    setup = client.get("/setup/").content.decode()
    assert "See a doctor or physio in the next few days" in setup
    assert URGENT_GP not in setup


def test_the_api_gives_the_title_with_the_advice(client: Client) -> None:
    body = send(client, "post", "/api/screening", {"answers": answers_for("back_lump_or_deformity")}).json()
    assert (body["level"], body["title"]) == ("soon", URGENT_GP)
    assert URGENT_GP in body["advice"]
    latest = client.get("/api/screening/latest").json()
    assert latest["title"] == URGENT_GP
    other = send(client, "post", "/api/screening", {"answers": {"pain_after_meals": True}}).json()
    assert other["title"] == "See a doctor or physio in the next few days"
    calm = send(client, "post", "/api/screening", {"answers": {}}).json()
    assert calm["title"] == "Self-care is a reasonable start"


def test_backease_screen_titles_it_by_its_advice(capsys: pytest.CaptureFixture[str], tmp_path: Any) -> None:
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(answers_for("unexplained_weight_loss")))
    code, out, _ = cli(capsys, "screen", "--answers", str(answers), "--json")
    assert code == 0
    assert json.loads(out)["title"] == URGENT_GP
    code, out, _ = cli(capsys, "screen", "--answers", str(answers), "--no-save")
    shown = flat(out)
    # The panel's title line comes first, above the reasons and the advice.
    assert shown.index(URGENT_GP) < shown.index("Losing weight")
    assert "Book a clinician" not in shown and "See a doctor or physio" not in shown


def test_the_clinician_report_titles_the_check_by_its_advice() -> None:
    from django.utils import timezone

    from backease.exports.report import report_context

    person = services.local_owner()
    services.record_screening(person, answers_for("worse_cough_sneeze_strain"))
    context = report_context(person, timezone.now())
    assert context["screening"]["title"] == URGENT_GP
