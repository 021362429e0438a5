"""Professional massage advice obeys the same precautions as the plan (SCREENING.md), and
each kind says why it ranks where it does: on the massage-types page, in the API and the CLI."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from backease.content.loader import load_content
from backease.core.planner import MassageSuggestion, PainArea, Profile, recommend_massage_types
from backease.core.screening import screen
from backease.store import services

FIRM_KINDS = {"deep_tissue", "sports", "thai", "trigger_point_therapy"}
PREGNANCY = "Only with a therapist trained in pregnancy massage, lying on your side or seated"
TELL = "tell the therapist what your safety check found"


def ranked(answers: dict[str, object], **profile: Any) -> dict[str, MassageSuggestion]:
    content = load_content()
    result = screen(answers, content.rules)
    return {
        s.massage_type.id: s for s in recommend_massage_types(Profile(**profile), result, content.library)
    }


def test_pregnancy_at_30_weeks_gets_every_kind_only_from_a_trained_therapist_on_the_side_or_seated() -> None:
    kinds = ranked({"pregnancy_weeks": 30, "age": 31}, causes=("stress",))
    assert len(kinds) == 6
    for kind in kinds.values():
        if kind.suitable:
            assert any(PREGNANCY in r and "never on your back or face down" in r for r in kind.reasons), kind
    # Thai massage moves you through stretches on your back and front: left out, and last.
    assert not kinds["thai"].suitable and list(kinds)[-1] == "thai"
    assert "no lying face down, no lying on your back" in kinds["thai"].reasons[0]
    assert not any(PREGNANCY in r for r in ranked({"pregnancy_weeks": 12})["swedish"].reasons)


@pytest.mark.parametrize(
    "answers",
    [
        {"anticoagulants": True},  # warfarin, rivaroxaban, haemophilia: the same answer
        {"osteoporosis": True},
        {"long_term_steroids": True},
        {"age": 74},
        {"cancer_history": True, "clinician_cleared": True},
        {"cancer_history": True, "active_cancer_treatment": True, "clinician_cleared": True},
    ],
    ids=["blood thinners", "osteoporosis", "steroids", "age 74", "cleared cancer", "cleared chemotherapy"],
)
def test_blood_thinners_fragile_bones_and_cleared_cancer_get_no_firm_massage_and_tell_the_therapist(
    answers: dict[str, object],
) -> None:
    # With knots and a taste for firm pressure, deep tissue and trigger points would rank first.
    kinds = ranked(answers, areas=(PainArea("between_shoulder_blades_left", 6, True),), pressure="firm")
    for kind_id in FIRM_KINDS:
        assert not kinds[kind_id].suitable, kind_id
        assert any(r.startswith("Not advised for you now") for r in kinds[kind_id].reasons)
    assert kinds["swedish"].suitable
    assert any(TELL in r for r in kinds["swedish"].reasons)
    suitable = {k for k, s in kinds.items() if s.suitable}
    assert suitable <= {"swedish", "myofascial_release"}
    order = list(kinds)
    assert all(order.index(k) < order.index(f) for k in suitable for f in FIRM_KINDS)


@pytest.mark.parametrize(
    "answers", [{"not_improving_6_weeks": True}, {"immune_risk": True}, {"fever": True}, {"chest_pain": True}]
)
def test_soon_or_worse_means_seeing_the_clinician_before_any_massage(answers: dict[str, object]) -> None:
    for kind in ranked(answers).values():
        assert not kind.suitable
        assert kind.reasons[0].startswith("Not now: see your clinician first")


def test_every_kind_says_why_it_ranks_where_it_does() -> None:
    for answers in ({}, {"pregnancy_weeks": 30}, {"anticoagulants": True}):
        for kind in ranked(answers, causes=("posture",), pressure="gentle").values():
            assert any("pressure" in r for r in kind.reasons), kind.massage_type.id
    kinds = ranked({}, pressure="gentle")
    assert "firmer than the gentle pressure you prefer, so it ranks lower" in " ".join(
        kinds["deep_tissue"].reasons
    )
    assert "Matches the gentle pressure you prefer." in kinds["swedish"].reasons


def test_swedish_massage_promises_no_better_sleep() -> None:
    swedish = next(m for m in load_content().library.massage_types if m.id == "swedish")
    assert "sleep better" not in swedish.suits + swedish.what_it_is + swedish.evidence_note


# --- where a person sees it -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_massage_page_api_and_terminal_show_the_pregnancy_limits(
    client: Client, capsys: pytest.CaptureFixture[str]
) -> None:
    owner = services.local_owner()
    services.save_profile(owner, {"areas": [], "causes": ["stress"], "minutes": 15})
    services.record_screening(owner, {"pregnancy_weeks": 30})
    page = client.get("/massage-types/").content.decode()
    assert PREGNANCY in page
    body = client.get("/api/library/massage-types").json()
    assert len(body) == 6
    assert all(any(PREGNANCY in r for r in kind["reasons"]) for kind in body if kind["suitable"])
    assert all(kind["reasons"] for kind in body)

    from backease.cli.main import run

    with pytest.raises(SystemExit):
        run(["massage-types", "--cause", "stress", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert all(any(PREGNANCY in r for r in kind["reasons"]) for kind in out if kind["suitable"])
    with pytest.raises(SystemExit):
        run(["massage-types", "--cause", "stress"])
    text = " ".join(capsys.readouterr().out.split())
    assert "trained in pregnancy massage" in text
