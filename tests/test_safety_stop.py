"""A running session stops when the safety level becomes urgent or emergency (issue 14
item 7; SCREENING.md "A therapist's programme cannot go past these limits").

The store decides, so every front end obeys it: starting, carrying on or saving steps of
a session while the person's current level is urgent or emergency is refused, and the
running session is ended with the reason `safety` (it never resumes). The API answers 409
with `reason`, `level` and the screening's `advice`; the web player's page and the
terminal player stop and show that advice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backease.cli.player import PlayerState
from backease.core.errors import SafetyStop
from backease.store import services
from backease.store.models import Plan, Screening, Session, StepLog
from tests.test_api import EMERGENCY, send
from tests.test_cli_store import Fake, cli, flat

pytestmark = pytest.mark.django_db

CLEARED_CANCER = {"cancer_history": True, "clinician_cleared": True}
"""A standing condition a clinician cleared: self-care with precautions for 12 weeks, then
urgent again (SCREENING.md, Clinician clearance)."""


def safety_refusal(response: Any, level: str) -> dict[str, Any]:
    assert response.status_code == 409, response.content[:300]
    body = dict(response.json())
    assert body["reason"] == "safety" and body["level"] == level
    assert body["advice"] and body["detail"][0]["field"] == "session"
    return body


def end_the_clearance(person_id: int) -> None:
    """Thirteen weeks pass: the latest screening's clinician clearance has ended."""
    row = Screening.objects.filter(person_id=person_id).first()
    assert row is not None and row.clearance is not None
    given = (timezone.localdate() - timedelta(weeks=13)).isoformat()
    Screening.objects.filter(pk=row.pk).update(clearance={**row.clearance, "given_on": given})


@pytest.fixture
def running(client: Client) -> dict[str, Any]:
    """A session started through the API, with a step already saved."""
    assert send(client, "put", "/api/profile", {"minutes": 6}).status_code == 200
    plan = send(client, "post", "/api/plans", {"seed": 1}).json()
    session = send(client, "post", "/api/sessions", {"plan_id": plan["id"]}).json()
    saved = send(client, "put", f"/api/sessions/{session['id']}/steps/0", {"seconds_done": 5})
    assert saved.status_code == 200
    return dict(session)


def test_a_session_running_when_an_emergency_answer_arrives_stops_and_the_api_refuses_it(
    client: Client, running: dict[str, Any]
) -> None:
    url = f"/api/sessions/{running['id']}"
    assert send(client, "post", "/api/screening", {"answers": EMERGENCY}).json()["level"] == "emergency"
    # Ended the moment the answer was stored, with the reason.
    stored = client.get(url).json()
    assert (stored["status"], stored["stop_reason"]) == ("stopped", "safety")
    assert stored["finished_at"] is not None

    body = safety_refusal(send(client, "put", f"{url}/steps/0", {"seconds_done": 20}), "emergency")
    assert "emergency" in body["advice"].lower() or "999" in body["advice"]
    assert StepLog.objects.get(session_id=running["id"], index=0).seconds_done == 5
    safety_refusal(send(client, "patch", url, {"status": "running"}), "emergency")
    safety_refusal(send(client, "post", f"{url}/finish", {"status": "completed"}), "emergency")
    safety_refusal(send(client, "post", "/api/sessions", {"plan_id": running["plan_id"]}), "emergency")
    # How the person felt can still be written down; the session stays ended.
    assert send(client, "patch", url, {"pain_after": 4}).status_code == 200
    assert Session.objects.get(pk=running["id"]).status == "stopped"
    assert Session.objects.count() == 1


def test_an_ended_clearance_stops_the_running_session_at_its_next_save_even_a_retried_one(
    client: Client,
) -> None:
    person = services.local_owner()
    services.record_screening(person, CLEARED_CANCER)
    services.save_profile(person, {"minutes": 6})
    plan = services.make_plan(person)
    session = services.start_session(person, plan)
    end_the_clearance(person.pk)  # nothing was written: the level is urgent again today

    # A save with an Idempotency-Key runs in one transaction: the refusal must not undo the stop.
    response = client.put(
        f"/api/sessions/{session.id}/steps/0",
        '{"seconds_done": 10}',
        content_type="application/json",
        headers={"Idempotency-Key": "k1"},
    )
    safety_refusal(response, "urgent")
    session.refresh_from_db()
    assert (session.status, session.stop_reason) == ("stopped", "safety")
    with pytest.raises(SafetyStop):
        services.start_session(person, plan)


def test_every_running_session_ends_when_a_session_start_is_refused_for_safety() -> None:
    person = services.local_owner()
    services.record_screening(person, CLEARED_CANCER)
    services.save_profile(person, {"minutes": 6})
    plan = services.make_plan(person)
    first = services.start_session(person, plan)
    end_the_clearance(person.pk)
    with pytest.raises(SafetyStop) as refused:
        services.start_session(person, plan)
    assert refused.value.level == "urgent" and refused.value.advice
    first.refresh_from_db()
    assert (first.status, first.stop_reason) == ("stopped", "safety")
    with pytest.raises(SafetyStop):
        services.resume_session(first)
    with pytest.raises(SafetyStop):
        services.log_step(first, 0, seconds_done=30)


def test_the_web_player_of_a_session_stopped_for_safety_shows_the_advice_and_never_resumes(
    client: Client, running: dict[str, Any]
) -> None:
    end = f"/session/{running['id']}/done/"
    assert client.get(f"/session/{running['id']}/").status_code == 200
    send(client, "post", "/api/screening", {"answers": {"fever": True}})  # urgent: see a doctor today
    response = client.get(f"/session/{running['id']}/")
    assert response.status_code == 302 and response["Location"] == end
    page = client.get(end).content.decode()
    assert 'data-testid="safety-stop"' in page and "See a doctor today" in page
    assert services.latest_screening(services.local_owner()).advice in page  # type: ignore[union-attr]
    assert "Carry on with the session" not in page
    # Today's Start does not carry it on either.
    response = client.post("/today/start/")
    assert response.status_code == 400
    assert Session.objects.get(pk=running["id"]).status == "stopped"


def test_the_web_player_page_ends_a_session_whose_clearance_ended_while_it_ran(client: Client) -> None:
    person = services.local_owner()
    services.record_screening(person, CLEARED_CANCER)
    services.save_profile(person, {"minutes": 6})
    session = services.start_session(person, services.make_plan(person))
    end_the_clearance(person.pk)
    response = client.get(f"/session/{session.id}/")
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.stop_reason == "safety"
    assert "See a doctor today" in client.get(response["Location"]).content.decode()


def test_backease_session_stops_when_an_emergency_answer_arrives_mid_session(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, owner_plan: Plan
) -> None:
    fake = Fake().install(monkeypatch)
    answered: list[float] = []

    def emergency_elsewhere(state: PlayerState) -> str | None:
        # The person answers the safety check in the web app while the terminal plays step 2.
        if state.index == 1 and state.elapsed >= 3 and not answered:
            services.record_screening(services.local_owner(), EMERGENCY)
            answered.append(fake.clock.now())
        return None

    monkeypatch.setattr(fake.keys, "poll", emergency_elsewhere)
    code, _, err = cli(capsys, "session")
    assert code == 3, err
    assert "session stopped" in err and "emergency" in err
    shown = flat(fake.output)
    assert "Session stopped: your safety answers changed" in shown and "999" in shown
    assert "Pain now" not in fake.prompter.asked  # no ratings asked: get help instead
    session = Session.objects.get()
    assert (session.status, session.stop_reason) == ("stopped", "safety")
    done = list(StepLog.objects.filter(session=session).values_list("seconds_done", flat=True))
    assert done[1] < 10 and all(seconds == 0 for seconds in done[2:])


@pytest.fixture
def owner_plan() -> Plan:
    from tests.test_cli_store import PROFILE

    person = services.local_owner()
    services.record_screening(person, {})
    services.save_profile(person, PROFILE)
    return services.make_plan(person)
