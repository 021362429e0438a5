"""Session housekeeping: resuming from Today, deleting a session, a diary entry or
everything, the 404 and 500 pages, the favicon and the emergency phone links."""

from __future__ import annotations

import types

import pytest
from django.test import Client
from django.test.utils import override_settings

from backease.store import services
from backease.store.models import PainEntry, Person, Plan, Profile, Screening, Session, StepLog

pytestmark = pytest.mark.django_db

PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["foam_roller", "tennis_ball"],
    "minutes": 15,
}


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    services.record_screening(person, {})
    return person


@pytest.fixture
def plan(owner: Person) -> Plan:
    return services.make_plan(owner, seed=1)


# --- resuming ---------------------------------------------------------------------------------


def test_start_on_today_carries_on_an_unfinished_session_instead_of_making_a_new_one(
    client: Client, plan: Plan
) -> None:
    first = client.post("/today/start/")
    session = Session.objects.get()
    services.log_step(session, 0, seconds_done=10)
    assert "Carry on with your session" in client.get("/today/").content.decode()
    again = client.post("/today/start/")
    assert Session.objects.count() == 1
    assert first["Location"] == again["Location"] == f"/session/{session.id}/"


def test_start_on_today_makes_a_new_session_once_the_last_one_has_finished(
    client: Client, plan: Plan
) -> None:
    client.post("/today/start/")
    services.update_session(Session.objects.get(), status="completed")
    assert "Start session" in client.get("/today/").content.decode()
    client.post("/today/start/")
    assert Session.objects.count() == 2


def test_start_on_today_does_not_resume_a_session_of_an_older_plan(client: Client, owner: Person) -> None:
    old = services.make_plan(owner, seed=1)
    services.start_session(owner, old)
    newer = services.make_plan(owner, seed=2)
    client.post("/today/start/")
    assert Session.objects.filter(plan=newer).count() == 1


# --- deleting a session or a diary entry -------------------------------------------------------


def test_deleting_a_session_asks_first_then_deletes_it_and_its_step_log(
    client: Client, owner: Person, plan: Plan
) -> None:
    session = services.start_session(owner, plan)
    page = client.get(f"/session/{session.id}/delete/").content.decode()
    assert "Delete this session?" in page and "cannot be undone" in page
    assert Session.objects.filter(id=session.id).exists(), "asking deletes nothing"
    response = client.post(f"/session/{session.id}/delete/")
    assert response.status_code == 302
    assert not Session.objects.filter(id=session.id).exists()
    assert not StepLog.objects.filter(session_id=session.id).exists()
    history = client.get(response["Location"]).content.decode()
    assert "The session was deleted." in history


def test_the_summary_and_history_offer_to_delete_a_session(client: Client, owner: Person, plan: Plan) -> None:
    session = services.start_session(owner, plan)
    link = f'href="/session/{session.id}/delete/"'
    assert link in client.get(f"/session/{session.id}/done/").content.decode()
    assert link in client.get("/history/").content.decode()


def test_deleting_someone_elses_session_or_entry_is_404_and_deletes_nothing(
    client: Client, owner: Person
) -> None:
    other = Person.objects.create(name="someone else")
    services.save_profile(other, PROFILE)
    theirs = services.start_session(other, services.make_plan(other, seed=2))
    entry = services.add_pain_entry(other, pain=4)
    assert client.post(f"/session/{theirs.id}/delete/").status_code == 404
    assert client.post(f"/diary/{entry.id}/delete/").status_code == 404
    assert Session.objects.filter(id=theirs.id).exists() and PainEntry.objects.filter(id=entry.id).exists()


def test_deleting_a_diary_entry_asks_first_then_deletes_only_that_entry(
    client: Client, owner: Person
) -> None:
    keep = services.add_pain_entry(owner, pain=3)
    gone = services.add_pain_entry(owner, pain=7, note="after gardening")
    assert f'href="/diary/{gone.id}/delete/"' in client.get("/history/").content.decode()
    page = client.get(f"/diary/{gone.id}/delete/").content.decode()
    assert "Delete this diary entry?" in page and "pain 7 out of 10" in page
    response = client.post(f"/diary/{gone.id}/delete/")
    assert response["Location"].startswith("/history/?deleted=entry")
    assert list(PainEntry.objects.values_list("id", flat=True)) == [keep.id]


def test_delete_pages_refuse_other_methods(client: Client, owner: Person, plan: Plan) -> None:
    session = services.start_session(owner, plan)
    assert client.put(f"/session/{session.id}/delete/").status_code == 405
    assert client.put("/delete-everything/").status_code == 405
    assert Session.objects.exists()


# --- deleting everything ----------------------------------------------------------------------


def test_delete_everything_says_what_it_will_delete_and_deletes_nothing_until_confirmed(
    client: Client, owner: Person, plan: Plan
) -> None:
    services.start_session(owner, plan)
    services.add_pain_entry(owner, pain=5)
    page = client.get("/delete-everything/").content.decode()
    assert "1 session, 1 diary entry, 1 plan, 1 safety check" in page
    assert Session.objects.exists() and PainEntry.objects.exists()


def test_delete_everything_deletes_all_the_persons_data_and_says_so(
    client: Client, owner: Person, plan: Plan
) -> None:
    session = services.start_session(owner, plan)
    services.log_step(session, 0, seconds_done=5)
    services.add_pain_entry(owner, pain=5)
    services.add_pain_entry(owner, pain=4)
    services.set_technique_enabled(owner, plan.data["steps"][0]["technique"], False, "hurts")
    response = client.post("/delete-everything/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Everything is deleted" in page
    assert "1 session, 2 diary entries, 1 plan, 1 safety check" in page
    assert 'src="/static/front/forget.js"' in page, "the browser's own copies are cleared too"
    for model in (Session, StepLog, PainEntry, Plan, Screening, Profile):
        assert not model.objects.exists(), model.__name__
    assert not Person.objects.filter(id=owner.id).exists()
    assert not owner.technique_choices.model.objects.exists()


def test_after_deleting_everything_the_app_starts_from_the_beginning(client: Client, plan: Plan) -> None:
    client.post("/delete-everything/")
    assert client.get("/").status_code == 200
    assert client.get("/today/").status_code == 200
    assert client.get("/history/").status_code == 200
    assert not Plan.objects.exists()


def test_history_links_to_delete_everything(client: Client, owner: Person) -> None:
    assert 'href="/delete-everything/"' in client.get("/history/").content.decode()


# --- error pages, favicon, emergency numbers --------------------------------------------------


def test_an_unknown_address_gets_the_styled_404_page(client: Client, owner: Person) -> None:
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "This page is not here" in page
    assert "/static/front/app.css" in page and 'href="/today/"' in page


def test_a_server_fault_gets_the_styled_500_page(owner: Person) -> None:
    from django.urls import path

    def broken(request: object) -> None:
        raise RuntimeError("boom")

    urls = types.ModuleType("broken_urls")
    urls.urlpatterns = [path("broken/", broken)]  # type: ignore[attr-defined]

    with override_settings(ROOT_URLCONF=urls):
        client = Client(raise_request_exception=False)
        response = client.get("/broken/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong in backease" in page and "What was saved before stays saved" in page
    assert "/static/front/app.css" in page


def test_the_favicon_address_leads_to_the_icon(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"].endswith(".svg")
    assert "front/icon" in response["Location"]


def test_the_emergency_message_has_tap_to_call_links(client: Client) -> None:
    from django.template.loader import render_to_string

    html = render_to_string("front/_emergency.html")
    for number in ("999", "112", "911"):
        assert f'href="tel:{number}"' in html


def test_the_sharp_pain_guidance_has_tap_to_call_links(client: Client, owner: Person, plan: Plan) -> None:
    session = services.start_session(owner, plan)
    services.log_step(session, 0, feedback="sharp_pain")
    page = client.get(f"/session/{session.id}/done/").content.decode()
    assert 'href="tel:999"' in page and 'href="tel:112"' in page and 'href="tel:911"' in page


def test_today_after_the_safety_check_but_before_the_body_map_asks_for_the_body_map(client: Client) -> None:
    services.record_screening(services.local_owner(), {})
    page = client.get("/today/").content.decode()
    assert "Start the safety check" not in page
    assert "Your safety check is done" in page and 'href="/setup/"' in page
