"""The main pages: welcome, the safety check wizard, setup, today's plan and the guides."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from backease.content.loader import load_content
from backease.core.vocab import REGIONS
from backease.store import services
from backease.store.models import Person, Plan, Profile, Screening, Session

pytestmark = pytest.mark.django_db

EMERGENCY_TEXT = "Call your local emergency number now (999 / 112 / 911)"
HTMX = {"HTTP_HX_REQUEST": "true"}
PROFILE = {
    "areas": [
        {"region": "between_shoulder_blades_left", "pain": 6, "knot": True},
        {"region": "upper_trapezius_right", "pain": 4, "knot": False},
    ],
    "tools": ["hands", "wall", "doorway", "chair", "foam_roller", "tennis_ball"],
    "causes": ["posture"],
    "minutes": 15,
}
SETUP_FORM = {
    "region": ["between_shoulder_blades_left", "chest_right"],
    "pain_between_shoulder_blades_left": "7",
    "knot_between_shoulder_blades_left": "yes",
    "pain_chest_right": "3",
    "tool": ["hands", "wall", "tennis_ball"],
    "cause": ["posture", "stress"],
    "minutes": "12",
    "pressure": "gentle",
    "stress": "6",
}
PAGES = ["welcome", "check", "setup", "today", "library", "anatomy", "massage_types", "tips", "privacy"]


@pytest.fixture
def owner() -> Person:
    return services.local_owner()


@pytest.fixture
def screened(owner: Person) -> Screening:
    row, _ = services.record_screening(owner, {})
    return row


@pytest.fixture
def plan(owner: Person, screened: Screening) -> Plan:
    services.save_profile(owner, PROFILE)
    return services.make_plan(owner, seed=3)


def html(response: Any) -> str:
    return response.content.decode()


def walk_check(client: Client, answers: dict[str, Any], **extra: Any) -> Any:
    """Send the one-page check; a plain self-care result goes on to the setup page."""
    return client.post("/check/", {"go": "next", **answers}, follow=True, **extra)


# --- every page -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_before_any_plan(client: Client, name: str) -> None:
    from django.urls import reverse

    response = client.get(reverse(name))
    assert response.status_code == 200
    assert '<main id="main"' in html(response)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders_with_a_saved_plan(client: Client, plan: Plan, name: str) -> None:
    from django.urls import reverse

    response = client.get(reverse(name))
    assert response.status_code == 200


def test_every_technique_and_region_page_renders(client: Client, plan: Plan) -> None:
    library = load_content().library
    for tech in library.techniques:
        assert client.get(f"/library/{tech.id}/").status_code == 200, tech.id
    for region in REGIONS:
        assert client.get(f"/anatomy/{region}/").status_code == 200, region


@pytest.mark.parametrize("url", ["/library/no_such_technique/", "/anatomy/no_such_region/", "/anatomy/lats/"])
def test_unknown_ids_are_404(client: Client, url: str) -> None:
    assert client.get(url).status_code == 404


def test_base_has_skip_link_nav_main_footer_and_local_htmx(client: Client) -> None:
    page = html(client.get("/"))
    assert 'class="skip-link" href="#main"' in page
    for label in ("Today", "History", "Library", "Anatomy", "Massage types", "Tips", "Privacy"):
        assert f">{label}</a>" in page
    assert '<script src="/static/front/vendor/htmx.min.js" defer></script>' in page
    assert "No ads, no trackers, nothing leaves this device" in page


def test_vendored_htmx_is_served_locally(client: Client) -> None:
    response = client.get("/static/front/vendor/htmx.min.js")
    assert response.status_code == 200
    assert b"htmx" in b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_welcome_links_to_today_once_a_plan_exists(client: Client, plan: Plan) -> None:
    assert 'href="/today/"' in html(client.get("/")).split("<main", 1)[1]


# --- no third-party requests ------------------------------------------------------------------


class _Links(HTMLParser):
    """Every src= and href= in a page, with its tag and the tag's other attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        for name in ("src", "href"):
            if name in values:
                self.found.append((tag, name, values[name], values))


def links(page: str) -> list[tuple[str, str, str, dict[str, str]]]:
    parser = _Links()
    parser.feed(page)
    return parser.found


def _reference_urls() -> set[str]:
    refs = load_content().library.references
    return {f"https://doi.org/{r.doi}" for r in refs if r.doi} | {r.url for r in refs if r.url}


def test_no_page_loads_anything_from_another_host(client: Client, plan: Plan) -> None:
    """Nothing is loaded from elsewhere. The only absolute links are the sources cited,
    as plain links the person may choose to follow (rel="external noreferrer")."""
    library = load_content().library
    urls = ["/", "/check/", "/setup/", "/today/", "/library/", "/anatomy/", "/massage-types/", "/tips/"]
    urls += ["/privacy/", "/today/swap/0/"]
    urls += [f"/library/{t.id}/" for t in library.techniques] + [f"/anatomy/{r}/" for r in REGIONS]
    allowed = _reference_urls()
    checked = 0
    for url in urls:
        for tag, attr, value, attrs in links(html(client.get(url))):
            checked += 1
            if not re.match(r"^\s*(https?:)?//", value, re.I):
                continue
            assert tag == "a" and attr == "href", f"{url}: <{tag} {attr}={value}> loads from another host"
            assert value in allowed, f"{url}: unexpected link {value}"
            assert attrs.get("rel") == "external noreferrer noopener", f"{url}: {value}"
    assert checked > 1000


# --- the safety check -------------------------------------------------------------------------


def test_check_asks_every_question_on_one_page_emergency_signs_first(client: Client) -> None:
    page = html(client.get("/check/"))
    rules = load_content().rules
    for question in rules.questions:
        assert f'name="{question.id}"' in page or f'id="q-{question.id}-any"' in page, question.id
    emergency = [page.index(f'name="{q.id}"') for q in rules.questions if q.group == "emergency"]
    assert max(emergency) < page.index('name="fever"')
    # The immediate notice is in the page, hidden until an emergency box is ticked (check.js).
    assert 'id="emergency-now" role="alert" hidden' in page
    assert page.index('id="emergency-now"') < page.index('name="chest_pain"')
    assert "Step 1 of" not in page


def test_an_emergency_answer_shows_the_emergency_message_and_no_plan(client: Client, owner: Person) -> None:
    response = client.post("/check/", {"go": "next", "chest_pain": "yes", "anticoagulants": "yes"})
    page = html(response)
    assert response.status_code == 200
    assert EMERGENCY_TEXT in page
    assert 'role="alert"' in page
    assert "/setup/" not in page.split("<main", 1)[1].split("</main>")[0]
    assert Screening.objects.get().level == "emergency"
    assert not Plan.objects.exists()

    setup = html(client.get("/setup/"))
    assert EMERGENCY_TEXT in setup and 'name="region"' not in setup
    assert client.post("/setup/", SETUP_FORM).status_code == 400
    assert not Plan.objects.exists() and not Profile.objects.exists()


def test_the_emergency_message_comes_before_anything_else(client: Client) -> None:
    response = client.post("/check/", {"go": "next", "coughing_blood": "yes", "fever": "yes"})
    page = html(response).split("<main", 1)[1]
    assert page.index(EMERGENCY_TEXT) < page.index("Why")
    assert 'name="fever"' not in page


def test_an_urgent_answer_gives_no_plan(client: Client) -> None:
    response = walk_check(client, {"fever": "yes"})
    page = html(response)
    assert response.status_code == 200
    assert "See a doctor today" in page
    assert "No self-massage plan for now" in page
    assert 'data-testid="continue"' not in page
    assert Screening.objects.get().level == "urgent"

    assert client.post("/setup/", SETUP_FORM).status_code == 400
    assert not Plan.objects.exists()


def test_the_self_care_path_goes_straight_to_setup_and_says_the_result_there(client: Client) -> None:
    response = client.post("/check/", {"go": "next", "age": "35"})
    assert response.status_code == 302 and response["Location"] == "/setup/"
    assert Screening.objects.get().level == "self_care"
    setup = html(client.get("/setup/"))
    assert 'name="region"' in setup
    assert "Safety check: Self-care is a reasonable start." in setup
    assert 'data-testid="rationale"' in setup  # why, and when to see a GP: one tap away


def test_precautions_are_explained_before_setup(client: Client) -> None:
    page = html(walk_check(client, {"anticoagulants": "yes"}))
    assert "Self-care is fine, with some limits" in page
    assert "Gentle pressure only" in page
    assert 'href="/setup/"' in page


def test_a_bad_answer_shows_the_page_again_with_every_answer_kept(client: Client) -> None:
    response = client.post(
        "/check/", {"go": "next", "anticoagulants": "yes", "acute_injury_regions": "lats_left", "age": "old"}
    )
    page = html(response)
    assert response.status_code == 400 and 'data-testid="error"' in page
    assert 'id="q-anticoagulants" name="anticoagulants" value="yes" checked' in " ".join(page.split())
    assert 'value="lats_left" checked' in page and 'id="q-acute_injury_regions-any" data-opens' in page
    assert not Screening.objects.exists()


def test_a_sign_that_needs_two_answers_is_caught_at_the_end(client: Client) -> None:
    page = html(walk_check(client, {"pain_worse_breathing_in": "yes", "short_of_breath": "yes"}))
    assert EMERGENCY_TEXT in page
    assert Screening.objects.get().level == "emergency"


@pytest.mark.parametrize(
    ("field", "value"),
    [("age", "300"), ("age", "abc"), ("age", "9" * 5000), ("pregnancy_weeks", "-3"), ("age", "nan")],
)
def test_a_bad_answer_names_the_field_and_stores_nothing(client: Client, field: str, value: str) -> None:
    response = client.post("/check/", {"step": "4", "go": "next", field: value})
    page = html(response)
    assert response.status_code == 400
    assert f"{field}: must be" in page
    assert 'role="alert"' in page
    assert not Screening.objects.exists()
    assert len(page) < 60_000


def test_a_bad_region_answer_names_the_field(client: Client) -> None:
    response = client.post("/check/", {"step": "3", "go": "next", "acute_injury_regions": "x" * 10_000})
    assert response.status_code == 400
    assert "acute_injury_regions: unknown region" in html(response)
    assert not Screening.objects.exists()


def test_region_answers_become_areas_to_leave_alone(client: Client, owner: Person) -> None:
    walk_check(client, {"acute_injury_regions": ["lats_left"]})
    assert Screening.objects.get().precautions == ["avoid_region:lats_left"]


# --- setup ------------------------------------------------------------------------------------


def test_setup_asks_for_the_check_first(client: Client) -> None:
    page = html(client.get("/setup/"))
    assert 'href="/check/"' in page and 'name="region"' not in page


def test_setup_has_every_region_on_the_map_and_in_the_list(client: Client, screened: Screening) -> None:
    page = html(client.get("/setup/"))
    for region in REGIONS:
        assert f'<input class="area-check" type="checkbox" name="region" value="{region}"' in page
        assert f'data-region="{region}"' in page
        assert f'name="pain_{region}"' in page and f'name="knot_{region}"' in page
    assert page.count('type="range"') == 1  # stress; pain per region is a 0-10 question
    assert page.count('type="radio" name="pain_') == 11 * len(REGIONS)
    for tool in ("hands", "wall", "doorway", "chair"):
        assert re.search(rf'name="tool" value="{tool}" id="tool-{tool}" checked', page)
    assert not re.search(r'name="tool" value="foam_roller" id="tool-foam_roller" checked', page)
    assert 'name="minutes" min="2" max="60"' in page and 'value="15"' in page
    assert "Let backease choose" in page
    assert "get down on the floor" in page


def test_setup_saves_the_profile_makes_a_plan_and_opens_its_player(
    client: Client, owner: Person, screened: Screening
) -> None:
    response = client.post("/setup/", SETUP_FORM)
    # The first plan goes on to its "before you start" (tests/test_first_run_pages.py).
    assert response.status_code == 302 and response["Location"].startswith("/session/")
    profile = services.get_profile(owner)
    assert [(a.region, a.pain, a.knot) for a in profile.areas] == [
        ("between_shoulder_blades_left", 7, True),
        ("chest_right", 3, False),
    ]
    assert profile.tools == ("hands", "wall", "tennis_ball")
    assert profile.causes == ("posture", "stress")
    assert (profile.minutes, profile.pressure, profile.stress, profile.no_floor) == (12, "gentle", 6, False)
    row = Plan.objects.get()
    assert row.minutes == 12 and row.screening_id == screened.id


def test_setup_prefills_the_saved_profile(client: Client, plan: Plan) -> None:
    page = html(client.get("/setup/"))
    assert 'value="between_shoulder_blades_left" id="region-between_shoulder_blades_left" checked' in page
    assert re.search(r'name="pain_between_shoulder_blades_left"[^>]*value="6" checked', page)
    assert (
        'name="knot_between_shoulder_blades_left" id="knot-between_shoulder_blades_left" value="yes" checked'
        in page
    )
    assert re.search(r'name="tool" value="foam_roller" id="tool-foam_roller" checked', page)


def test_setup_offers_no_pain_score_until_one_is_given(client: Client, screened: Screening) -> None:
    page = html(client.get("/setup/"))
    assert not re.search(r'type="radio" name="pain_[a-z_]+" [^>]*checked', page)


def test_an_area_ticked_without_a_pain_score_is_asked_about_not_given_one(
    client: Client, owner: Person, screened: Screening
) -> None:
    form = {**SETUP_FORM}
    del form["pain_chest_right"]
    response = client.post("/setup/", form)
    page = html(response)
    assert response.status_code == 400
    assert "say how much" in page and "choose a number from 0 to 10" in page
    assert not Plan.objects.exists()
    assert re.search(r'name="pain_between_shoulder_blades_left"[^>]*value="7" checked', page), "keeps answers"


def test_let_backease_choose_stores_no_pressure(client: Client, owner: Person, screened: Screening) -> None:
    client.post("/setup/", {**SETUP_FORM, "pressure": "auto", "no_floor": "yes"})
    profile = services.get_profile(owner)
    assert profile.pressure is None and profile.no_floor


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pain_chest_right": "11"}, "pain"),
        ({"pain_chest_right": "lots"}, "pain"),
        ({"minutes": "0"}, "minutes"),
        ({"minutes": "61"}, "minutes"),
        ({"minutes": "9" * 100_000}, "minutes"),
        ({"region": ["between_shoulder_blades_left", "elbow"]}, "region"),
        ({"region": ["x" * 100_000]}, "region"),
        ({"tool": ["hands", "spoon"]}, "tool"),
        ({"cause": ["weather"]}, "cause"),
        ({"pressure": "crushing"}, "pressure"),
        ({"stress": "-1"}, "stress"),
    ],
)
def test_bad_setup_input_names_the_field_and_stores_nothing(
    client: Client, screened: Screening, change: dict[str, Any], field: str
) -> None:
    response = client.post("/setup/", {**SETUP_FORM, **change})
    page = html(response)
    assert response.status_code == 400
    assert f"{field}: " in page
    assert 'role="alert"' in page
    assert len(page) < 200_000
    assert not Profile.objects.exists()
    assert not Plan.objects.exists()


def test_a_failed_setup_keeps_the_previous_profile(client: Client, plan: Plan, owner: Person) -> None:
    before = services.profile_to_data(services.get_profile(owner))
    assert client.post("/setup/", {**SETUP_FORM, "minutes": "0"}).status_code == 400
    assert services.profile_to_data(services.get_profile(owner)) == before
    assert Plan.objects.count() == 1


# --- today ------------------------------------------------------------------------------------


def test_today_without_a_plan_points_to_the_check(client: Client) -> None:
    page = html(client.get("/today/"))
    assert 'data-testid="no-plan"' in page and 'href="/check/"' in page


def test_today_shows_the_plan_as_cards_by_phase(client: Client, plan: Plan) -> None:
    page = html(client.get("/today/"))
    steps = plan.data["steps"]
    assert page.count('data-testid="step"') == len(steps)
    first = steps[0]
    assert f'href="/library/{first["technique"]}/"' in page
    minutes, seconds = divmod(first["seconds"], 60)
    assert f"{minutes}:{seconds:02d}" in page
    assert first["reason"] in page
    assert page.index("Warm-up</h2>") < page.index("Relax and breathe</h2>")
    for item in plan.data["before"] + plan.data["after"]:
        assert item.replace("'", "&#x27;") in page
    assert 'type="checkbox" id="before-1"' in page
    assert 'data-testid="start"' in page


def _swappable(owner: Person, plan: Plan) -> tuple[int, list[dict[str, Any]]]:
    for index in range(len(plan.data["steps"])):
        options = services.alternatives(owner, plan, index)
        if options:
            return index, options
    pytest.skip("no step of this plan has an alternative")


def test_swap_lists_alternatives_and_swaps_the_step(client: Client, owner: Person, plan: Plan) -> None:
    index, options = _swappable(owner, plan)
    page = html(client.get(f"/today/swap/{index}/"))
    assert "<html" in page and options[0]["name"] in page

    partial = html(client.get(f"/today/swap/{index}/", **HTMX))
    assert "<html" not in partial and 'data-testid="swap-options"' in partial
    assert f'name="technique" value="{options[0]["id"]}"' in partial

    response = client.post(f"/today/swap/{index}/", {"technique": options[0]["id"]})
    assert response.status_code == 302 and response["Location"] == "/today/"
    plan.refresh_from_db()
    assert plan.data["steps"][index]["technique"] == options[0]["id"]


def test_swap_with_htmx_returns_the_updated_plan(client: Client, owner: Person, plan: Plan) -> None:
    index, options = _swappable(owner, plan)
    response = client.post(f"/today/swap/{index}/", {"technique": options[0]["id"]}, **HTMX)
    page = html(response)
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="plan"') and options[0]["name"] in page


def test_a_swap_choice_in_another_position_says_so(client: Client, owner: Person, plan: Plan) -> None:
    from backease.front.views import label

    for index, step in enumerate(plan.data["steps"]):
        moved = [o for o in services.alternatives(owner, plan, index) if o["position"] != step["position"]]
        if moved:
            break
    else:
        pytest.skip("no step of this plan can move to another position")
    page = html(client.get(f"/today/swap/{index}/", **HTMX))
    where = label("position", step["position"]).lower()
    assert f"{label('position', moved[0]['position'])}, instead of {where}" in page


def test_swapping_in_a_technique_that_does_not_fit_is_refused(client: Client, plan: Plan) -> None:
    before = dict(plan.data)
    response = client.post("/today/swap/0/", {"technique": "no_such_thing"})
    assert response.status_code == 400
    assert "technique: " in html(response)
    plan.refresh_from_db()
    assert plan.data == before


def test_swap_of_a_step_that_does_not_exist_is_404(client: Client, plan: Plan) -> None:
    assert client.get("/today/swap/999/").status_code == 404
    assert client.post("/today/swap/999/", {"technique": "x"}).status_code == 404


def test_swap_without_a_plan_is_404(client: Client) -> None:
    assert client.get("/today/swap/0/").status_code == 404


def test_new_plan_makes_another_plan_with_the_next_seed(client: Client, plan: Plan) -> None:
    response = client.post("/today/regenerate/")
    assert response.status_code == 302 and response["Location"] == "/today/"
    newest = Plan.objects.first()
    assert newest is not None and newest.id != plan.id and newest.seed == plan.seed + 1


def test_new_plan_without_a_profile_goes_to_setup(client: Client, screened: Screening) -> None:
    response = client.post("/today/regenerate/")
    assert response.status_code == 302 and response["Location"] == "/setup/"
    assert not Plan.objects.exists()


def test_start_creates_a_session_and_opens_the_player(client: Client, plan: Plan) -> None:
    response = client.post("/today/start/")
    session = Session.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/session/{session.id}/"
    assert session.plan_id == plan.id


def test_pages_that_change_data_need_post(client: Client, plan: Plan) -> None:
    assert client.get("/today/start/").status_code == 405
    assert client.get("/today/regenerate/").status_code == 405
    assert not Session.objects.exists()


def test_a_plan_made_before_the_latest_check_cannot_start(client: Client, owner: Person, plan: Plan) -> None:
    services.record_screening(owner, {"anticoagulants": True})
    page = html(client.get("/today/"))
    assert 'data-testid="stale"' in page and 'data-testid="start"' not in page
    assert client.post("/today/start/").status_code == 400
    assert not Session.objects.exists()


def test_a_new_check_with_the_same_result_keeps_the_plan(client: Client, owner: Person, plan: Plan) -> None:
    services.record_screening(owner, {"age": 40})
    assert 'data-testid="stale"' not in html(client.get("/today/"))
    assert client.post("/today/start/").status_code == 302


def test_an_urgent_check_after_the_plan_hides_it(client: Client, owner: Person, plan: Plan) -> None:
    services.record_screening(owner, {"fever": True})
    page = html(client.get("/today/"))
    assert "See a doctor today" in page and 'data-testid="step"' not in page
    assert client.post("/today/start/").status_code == 400
    assert not Session.objects.exists()


# --- banners ------------------------------------------------------------------------------------


def test_a_soon_result_shows_its_advice_on_every_page(client: Client, owner: Person) -> None:
    _, result = services.record_screening(owner, {"arm_pain_or_tingling": True})
    assert result.level == "soon"
    for url in ("/", "/library/", "/tips/", "/privacy/", "/anatomy/"):
        page = html(client.get(url))
        assert 'data-testid="safety-banner"' in page, url
        assert result.advice[:60] in page


def test_no_banner_after_a_self_care_result(client: Client, screened: Screening) -> None:
    assert 'data-testid="safety-banner"' not in html(client.get("/library/"))


def test_a_pain_jump_asks_for_a_recheck_on_every_page(
    client: Client, owner: Person, screened: Screening
) -> None:
    services.add_pain_entry(owner, 2)
    assert 'data-testid="recheck-banner"' not in html(client.get("/"))
    services.add_pain_entry(owner, 6)
    for url in ("/", "/today/", "/library/"):
        page = html(client.get(url))
        assert "Your pain went up by 3 or more points: please answer the safety questions again" in page, url
    services.record_screening(owner, {})
    assert 'data-testid="recheck-banner"' not in html(client.get("/"))


# --- library and guides ---------------------------------------------------------------------------


def test_library_filters_by_kind_region_and_tool(client: Client) -> None:
    library = load_content().library
    page = html(client.get("/library/", {"kind": "relaxation"}))
    for tech in library.techniques:
        assert (f'href="/library/{tech.id}/"' in page) == (tech.kind == "relaxation"), tech.id
    page = html(client.get("/library/", {"tool": "foam_roller", "region": "thoracic_spine_left"}))
    expected = [
        t for t in library.techniques if "foam_roller" in t.tools and "thoracic_spine_left" in t.regions
    ]
    assert expected and page.count("technique-card") == len(expected)


def test_library_names_a_bad_filter(client: Client) -> None:
    response = client.get("/library/", {"kind": "x" * 5000})
    assert response.status_code == 400
    assert "kind: unknown kind" in html(response)


def test_technique_page_shows_how_cues_and_evidence(client: Client) -> None:
    library = load_content().library
    tech = next(t for t in library.techniques if t.references)
    page = html(client.get(f"/library/{tech.id}/"))
    for text in (tech.summary, tech.steps[0], tech.breathing_cue, tech.mistakes[0], tech.stop_if[0]):
        assert text.replace("'", "&#x27;").replace('"', "&quot;") in page
    ref = next(r for r in library.references if r.id == tech.references[0])
    assert ref.title.replace("'", "&#x27;").replace("&", "&amp;") in page
    if ref.doi:
        assert f'href="https://doi.org/{ref.doi}" rel="external noreferrer noopener"' in page


def test_region_page_lists_muscles_and_techniques(client: Client) -> None:
    library = load_content().library
    region = next(r for r in library.regions if r.id == "lats_left")
    page = html(client.get("/anatomy/lats_left/"))
    muscles = {m.id: m for m in library.muscles}
    for muscle_id in region.muscles:
        assert muscles[muscle_id].name in page
    for tech in library.techniques:
        assert (f'href="/library/{tech.id}/"' in page) == ("lats_left" in tech.regions)


def test_anatomy_map_links_every_region(client: Client) -> None:
    page = html(client.get("/anatomy/"))
    for region in REGIONS:
        assert page.count(f'href="/anatomy/{region}/"') == 2  # the map shape and the list


def test_massage_types_suit_the_profile_and_say_what_is_not_advised(client: Client, owner: Person) -> None:
    services.record_screening(owner, {"anticoagulants": True})
    services.save_profile(owner, {**PROFILE, "causes": ["stress"], "stress": 8})
    page = html(client.get("/massage-types/"))
    for kind in load_content().library.massage_types:
        assert kind.name in page
    assert 'data-testid="suits-you"' in page
    assert page.count('data-testid="not-advised"') >= 1
    assert "Not advised for you now" in page
    # The top entry is the one that suits, and unsuitable ones come last.
    assert page.index('data-testid="suits-you"') < page.index('data-testid="not-advised"')


def test_massage_types_without_a_profile_has_no_badges(client: Client) -> None:
    page = html(client.get("/massage-types/"))
    assert 'data-testid="suits-you"' not in page and 'href="/setup/"' in page


def test_tips_and_faq(client: Client) -> None:
    library = load_content().library
    page = html(client.get("/tips/"))
    assert page.count('<details class="faq">') == len(library.faq)
    assert library.tips[0].title.replace("'", "&#x27;") in page


def test_privacy_says_where_the_data_is(client: Client) -> None:
    from django.conf import settings

    page = html(client.get("/privacy/"))
    assert str(settings.DATA_DIR) in page
    assert "csrftoken" in page
    assert "spoken cues off" in page
