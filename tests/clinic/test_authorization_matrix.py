"""The authorization matrix, generated: every page URL and every API operation, as six
people — signed out, client A, client B, A's therapist, a therapist unrelated to A, and an
admin — with GET and POST, asserting the status each should get and that none of A's data
reaches anyone A has not shared it with, whether through ids in URLs, list filters,
exports or the API.

A's therapist walks it once for each consent scope A may choose: "full" (the diary and
sessions) and "adherence" (only whether A did the programme). With adherence only, A's
diary, session notes, pain flags, outcome measures, weekly check-ins, how a session ended (its stop reason,
or the word "stopped") and anything worded from A's safety answers (A takes a blood
thinner: the precautions it sets, the limit it puts on pressure) are leaks too. Forms
that refuse a value because of A's answers are posted with a value they refuse (`FORMS`).

The URL list comes from Django's resolver and the API's OpenAPI document, so a new page
or operation is checked the day it is added; a route whose parameters or area the matrix
does not know fails the test until it is taught here (`PARAMS`, `area`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from backease.accounts.mode import person_for
from backease.accounts.models import AccessLog, User
from backease.accounts.tokens import create_token
from backease.clinic import engine, notes
from backease.clinic.models import CareLink, Flag, Intake, Invitation, Notice, Outcome, Programme
from backease.reminders.models import PushSubscription
from backease.store import programmes as runs
from backease.store import services
from backease.store.models import PainEntry, Person, Plan, Session
from backease.store.zones import local_time
from tests.clinic.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db

PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["foam_roller", "tennis_ball"],
    "minutes": 15,
}

SECRET = "SECRETA"
"""Every marker of A's data starts with this; nobody but A, A's therapist (for what A
shares) and an admin (in Django's admin) may ever receive it."""
ONLY_A = ("SECRETAtoken", "SECRETAlog")
"""Markers only A may see (their tokens and their access log), not even their therapist."""

ACTORS = ("anonymous", "client_a", "client_b", "therapist_a", "outsider", "admin")
SCOPES = ("full", "adherence")
"""What A shares with A's therapist (`CareLink.Share`)."""
ANSWERS = {"anticoagulants": True}
"""A's safety answer: a blood thinner, which limits pressure to gentle (content/screening.yaml)."""


class Rollback(Exception):
    """Raised to undo a request's writes, so every request meets the same world."""


@dataclass
class World:
    users: dict[str, User]
    browsers: dict[str, Client]
    a: Person
    b: Person
    ids: dict[str, Any]
    """Values for URL parameters: A's ids (and A's therapist's), see PARAMS."""
    scope: str
    """What A shares with A's therapist."""


def _self_care_data(person: Person, marker: str, answers: dict[str, Any]) -> dict[str, Any]:
    services.save_profile(person, PROFILE)
    services.record_screening(person, answers)
    plan = services.make_plan(person, seed=1)
    session = services.start_session(person, plan)
    services.log_step(session, 0, seconds_done=30, feedback="helped")
    services.finish_session(session, "completed", pain_before=5, pain_after=3, notes=f"{marker}session")
    entry = services.add_pain_entry(person, 6, note=f"{marker}diary")
    # The latest session was done (it counts: a minute or more) and then stopped, for a reason.
    stopped = services.start_session(person, plan)
    services.log_step(stopped, 0, seconds_done=90)
    services.close_session(stopped, "stopped", stop_reason=f"{marker}stop")
    return {"plan": plan, "session": session, "entry": entry}


@pytest.fixture
def scope() -> str:
    """What A shares with A's therapist: "full" unless a test is parametrized with a scope."""
    return "full"


@pytest.fixture
def world(db: None, scope: str) -> World:
    users = {
        "client_a": make_user("client.a@example.org", display_name=f"{SECRET}name"),
        "client_b": make_user("client.b@example.org", display_name="Bea"),
        "therapist_a": make_user("therapist.a@example.org", role="therapist", display_name="Sam"),
        "outsider": make_user("outsider@example.org", role="therapist", display_name="Oz"),
    }
    admin = User.objects.create_superuser("admin@example.org", "a long enough password 42")
    users["admin"] = admin
    a, b = person_for(users["client_a"]), person_for(users["client_b"])
    a.name = f"{SECRET}name"
    a.save(update_fields=["name"])
    mine = _self_care_data(a, SECRET, ANSWERS)
    _self_care_data(b, "bee", {})
    # B is the outsider's client: the outsider has a world of their own, none of it A's.
    link = CareLink.objects.create(therapist=users["therapist_a"], client=a, share=scope)
    CareLink.objects.create(therapist=users["outsider"], client=b, share=CareLink.Share.FULL)
    step = {"technique": mine["plan"].data["steps"][0]["technique"], "seconds": 60}
    programme = Programme.objects.create(
        therapist=users["therapist_a"], client=a, title=f"{SECRET}programme", steps=[step], days_per_week=3
    )
    # A's programme runs week by week on the engine, with a weekly check-in (issue 18).
    engine.sync(programme)
    runs.record_checkin(a, pain=6, activity=f"{SECRET}checkin", activity_score=3, pgic=None)
    template = Programme.objects.create(
        therapist=users["therapist_a"], is_template=True, title="Desk neck template", steps=[step]
    )
    Programme.objects.create(therapist=users["outsider"], client=b, title="bee programme", steps=[step])
    flag = Flag.objects.create(
        client=a, kind=Flag.Kind.PAIN_HIGH, key="pain:1", detail=f"{SECRET}flag", raised_at=timezone.now()
    )
    outcome = Outcome.objects.create(
        person=a,
        kind=Outcome.Kind.PSFS,
        at=timezone.now(),
        data={"items": [{"activity": f"{SECRET}psfs", "score": 4}]},
    )
    invitation = Invitation.objects.create(
        therapist=users["therapist_a"], code="MATRIX42", expires_at=timezone.now() + timedelta(days=14)
    )
    notice = Notice.objects.create(
        recipient=users["therapist_a"], subject=a, kind="flag", key="flag:1", text=f"{SECRET}notice"
    )
    # A's intake for A's therapist, filled in: A's safety answer (a blood thinner) and words.
    intake = Intake.objects.create(
        therapist=users["therapist_a"],
        client=a,
        created_at=timezone.now(),
        submitted_at=timezone.now(),
        consent_at=timezone.now(),
        answers=dict(ANSWERS),
        medicines=f"{SECRET}intake",
    )
    token, _ = create_token(users["client_a"], "SECRETAtoken", ["read"])
    subscription = PushSubscription.objects.create(
        person=a,
        endpoint="https://push.example.com/SECRETApush",
        p256dh="BSECRETAkey",
        auth="SECRETAauth",
        created_at=timezone.now(),
    )
    AccessLog.objects.create(
        actor=users["therapist_a"], actor_label="Sam", subject=a, action="view", what="SECRETAlog"
    )
    # A treatment note by A's therapist about A's visit: signed, then amended.
    note_body = {
        "visit_date": local_time(a).today.isoformat(),
        "subjective": f"{SECRET}note",
        "massage_type": "swedish",
        "treated": ["between_shoulder_blades_left"],
        "pressure": "gentle",
    }
    note = notes.sign(notes.create_draft(users["therapist_a"], a.pk, note_body), users["therapist_a"])
    notes.amend(note, users["therapist_a"], {**note_body, "plan": "Weekly"}, f"{SECRET}amend")
    browsers = {"anonymous": Client()} | {name: signed_in(user) for name, user in users.items()}
    ids = {
        "session_id": mine["session"].pk,
        "entry_id": mine["entry"].pk,
        "plan_id": mine["plan"].pk,
        "index": 0,
        "client_id": a.pk,
        "person_id": a.pk,
        "programme_id": programme.pk,
        "template_id": template.pk,
        "flag_id": flag.pk,
        "outcome_id": outcome.pk,
        "invitation_id": invitation.pk,
        "code": invitation.code,
        "notice_id": notice.pk,
        "intake_id": intake.pk,
        "link_id": link.pk,
        "token_id": token.pk,
        "subscription_id": subscription.pk,
        "note_id": note.pk,
        "technique": step["technique"],
        "technique_id": step["technique"],
        "region": "between_shoulder_blades_left",
        "kind": "backup",
        # A calendar link's secret is its key (anyone holding it gets that calendar, by
        # design: docs/reminders.md); the matrix asks with one that opens nothing.
        "token": "no-such-calendar-link",
    }
    return World(users=users, browsers=browsers, a=a, b=b, ids=ids, scope=scope)


# --- the routes --------------------------------------------------------------------------------

OWNED_BY_A = {"session_id", "entry_id", "plan_id", "outcome_id", "token_id", "link_id", "subscription_id"}
"""Parameters naming A's own rows (self-care, and A's consent to share): only A reaches them."""
A_AS_CLIENT = {"client_id", "person_id", "programme_id", "flag_id", "intake_id", "note_id"}
"""Parameters naming A (or A's rows) as a client: A's therapist reaches them, no other therapist."""
THERAPIST_A_OWNS = {"template_id", "invitation_id", "notice_id"}
"""Parameters naming rows of A's therapist."""
HARMLESS = {"index", "technique", "technique_id", "region", "kind", "code", "token"}
PARAMS = OWNED_BY_A | A_AS_CLIENT | THERAPIST_A_OWNS | HARMLESS

PUBLIC = (
    "favicon.ico",
    "manifest.webmanifest",
    "sw.js",
    "offline/",
    "privacy/",
    "healthz",
    "accounts/",
    "invite/",
    "figures/",
    "calendar/",
)
"""Open to everyone, signed in or not (the API's csrf, schema and docs are listed in `area`)."""


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    params: frozenset[str]
    area: str


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


PARAM = re.compile(r"<(?:(?P<conv>[a-z]+):)?(?P<name>\w+)>")


def area(path: str) -> str:
    if path.startswith("api/"):
        return "public" if path in ("api/csrf", "api/openapi.json", "api/docs", "api/") else "api"
    if path == "admin/login/":
        return "public"
    if path.startswith("admin/"):
        return "admin"
    if path.startswith("clinic/"):
        return "clinic"
    if path.startswith(PUBLIC):
        return "public"
    return "self"


def page_routes() -> list[str]:
    """Every page route, except Django admin's per-object pages (its index and changelists
    are checked; its own permission checks guard the rest)."""
    routes = []
    for route in _walk(get_resolver().url_patterns):
        route = route.lstrip("^").rstrip("$").replace("\\Z", "")
        if route.startswith("api/"):
            continue  # taken from the OpenAPI document, with their methods
        if route.startswith("admin/") and (PARAM.search(route) or "(?P" in route or route.count("/") > 3):
            continue
        if route.startswith("accounts/") and PARAM.search(route):
            continue  # allauth's emailed keys: public, tested by the accounts tests
        routes.append(route)
    return sorted(set(routes))


def api_routes(openapi: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for path, operations in openapi["paths"].items():
        for method in operations:
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((path.lstrip("/").replace("{", "<").replace("}", ">"), method.upper()))
    return found


def all_routes(openapi: dict[str, Any]) -> list[Route]:
    routes = []
    for path in page_routes():
        params = frozenset(m["name"] for m in PARAM.finditer(path))
        for method in ("GET", "POST"):
            routes.append(Route(path, method, params, area(path)))
    for path, method in api_routes(openapi):
        params = frozenset(m["name"] for m in PARAM.finditer(path))
        routes.append(Route(path, method, params, area(path)))
    return routes


def bare(path: str) -> str:
    """A route without its converters: clinic/clients/<client_id>/ for <int:client_id>."""
    return PARAM.sub(lambda m: f"<{m['name']}>", path)


def fill(path: str, ids: dict[str, Any]) -> str:
    return "/" + PARAM.sub(lambda m: str(ids[m["name"]]), path)


# --- what each person should get ------------------------------------------------------------------

ALLOWED = {200, 201, 204, 301, 302, 303, 400, 404, 405, 409, 422}
"""Any answer that is not a refusal: a 404 here is "you have none of these" (e.g. no plan
yet), never someone else's row (those routes are checked with `OWNED_BY_A` & co)."""
OWN_ROW = {200, 201, 204, 301, 302, 303, 400, 405, 409, 422}
"""The owner of a row reaches it (it is never a 404 for them)."""
NOT_FOUND = {404, 405}
"""Someone else's row: not found (405 when the method itself is not allowed there)."""
API_NOT_FOUND = NOT_FOUND | {422}
"""The API checks a request's body before it looks for the row, so an empty body is a 422
for any id, A's or nobody's: it tells nothing about A."""


FULL_SHARE_ONLY = ("clinic/clients/<client_id>/report/", "clinic/flags/<flag_id>/acknowledge/")
"""What A's therapist reaches only with a full share: the clinician report, and A's flag
(a pain flag, which "adherence only" does not show)."""


NOTE_PAGES = ("clinic/notes/<note_id>/",)
"""A treatment note's page: its author reads it, and so do the practice's admins (who write
nothing: the other note routes are for therapists only)."""
NOTE_MARKERS = (f"{SECRET}note", f"{SECRET}amend")


def expected(route: Route, actor: str, scope: str = "full") -> set[int]:
    if actor == "admin" and bare(route.path) in NOTE_PAGES:
        return OWN_ROW
    if actor == "therapist_a" and scope != "full" and bare(route.path) in FULL_SHARE_ONLY:
        return NOT_FOUND
    if route.area == "public":
        return ALLOWED | {403}  # e.g. allauth's signed-in-only account pages refuse politely
    if route.area == "admin":
        # Django's admin: only admins get in; everyone else is sent to its sign-in page.
        return (ALLOWED | {403}) - {404} if actor == "admin" else {302}
    if actor == "anonymous":
        return {401} if route.area == "api" else {302}
    if route.area == "clinic":
        if actor not in ("therapist_a", "outsider"):
            return {403, 404}
        if route.params & (A_AS_CLIENT | THERAPIST_A_OWNS | OWNED_BY_A):
            return OWN_ROW if actor == "therapist_a" else NOT_FOUND
        return ALLOWED
    # Self-care pages, /me/ pages and the API: everyone acts for their own person.
    refused = API_NOT_FOUND if route.area == "api" else NOT_FOUND
    if route.params & OWNED_BY_A:
        return OWN_ROW if actor == "client_a" else refused
    if route.params & (A_AS_CLIENT | THERAPIST_A_OWNS):
        owner = "therapist_a" if route.params & THERAPIST_A_OWNS else "client_a"
        return OWN_ROW if actor == owner else refused
    return ALLOWED


NOT_IN_ADHERENCE = (
    f"{SECRET}session",
    f"{SECRET}diary",
    f"{SECRET}flag",
    f"{SECRET}psfs",
    f"{SECRET}checkin",
    f"{SECRET}stop",
    "stopped",
    "safety: blood thinner",
    "safety: gentle only",
    "safety: the limit",
)
"""Markers of what a client who shares "adherence only" does not share: notes, the diary,
pain flags, outcome measures, weekly check-ins, how a session ended, and anything worded from their safety
answers (docs/clinic.md, "Consent")."""


INTAKE_PAGES = ("clinic/clients/<client_id>/visit/",)
"""Pages showing the intake A filled in for A's therapist: A gave it to them, so they read
it (A's answers included) whatever A's diary share is (docs/clinic.md, "Intake")."""


def may_see(actor: str, route: Route, marker: str, scope: str = "full") -> bool:
    if actor == "client_a" and marker not in NOTE_MARKERS:
        return True  # all of A's data but the treatment note, which its author keeps
    if actor == "therapist_a" and bare(route.path) in INTAKE_PAGES:
        return marker not in ONLY_A and (
            marker in (f"{SECRET}intake", f"{SECRET}name") or not marker.startswith(SECRET) or scope == "full"
        )
    if actor == "admin" and route.area == "admin":
        return True
    if actor == "admin" and bare(route.path) in NOTE_PAGES:
        return marker in (f"{SECRET}name", *NOTE_MARKERS)
    if actor == "therapist_a" and route.area == "clinic":
        return marker not in ONLY_A and not (scope == "adherence" and marker in NOT_IN_ADHERENCE)
    if marker in NOT_IN_ADHERENCE and not marker.startswith(SECRET):
        return True  # words anyone may read on pages of their own (e.g. their own stopped sessions)
    # A's therapist sees their own notices about A (on /me/notices/) and nothing else of A's.
    return actor == "therapist_a" and marker == f"{SECRET}notice"


MARKERS = (
    f"{SECRET}name",
    f"{SECRET}session",
    f"{SECRET}diary",
    f"{SECRET}programme",
    f"{SECRET}flag",
    f"{SECRET}psfs",
    f"{SECRET}checkin",
    f"{SECRET}notice",
    f"{SECRET}stop",
    f"{SECRET}intake",
    *NOTE_MARKERS,
    "SECRETAtoken",
    "SECRETAlog",
    "stopped",
    "safety: blood thinner",
    "safety: gentle only",
    "safety: the limit",
)
PATTERNS = {
    "stopped": re.compile(r"\bstopped\b", re.IGNORECASE),
    "safety: blood thinner": re.compile(r"blood[ -]thinner|bleeding disorder|anticoagulant", re.IGNORECASE),
    "safety: gentle only": re.compile(
        r"gentle pressure only|about 3 to 4 out of 10|no holding a ball|no firm tools|no long holds",
        re.IGNORECASE,
    ),
    "safety: the limit": re.compile(r"allow at most|at most gentle|only gentle", re.IGNORECASE),
}
"""Markers that are words, not planted strings: how a session ended, and what A's safety
answer (a blood thinner) says or limits, in any of the ways the app words it."""


def shows(text: str, marker: str) -> bool:
    pattern = PATTERNS.get(marker)
    return bool(pattern.search(text)) if pattern is not None else marker in text


def _firm_step(ids: dict[str, Any]) -> dict[str, str]:
    """A programme saved with a firm step, which A's answer (a blood thinner) rules out."""
    return {
        "action": "save",
        "title": "Matrix programme",
        "days_per_week": "3",
        "step_count": "1",
        "step-0-technique": "ball_on_wall_between_shoulder_blades",
        "step-0-seconds": "60",
        "step-0-holds": "0",
        "step-0-sides": "both",
        "step-0-intensity": "firm",
    }


FORMS = {"clinic/clients/<client_id>/programme/": _firm_step}
"""POST bodies for forms whose refusal could word A's answers: posted instead of an empty body."""


def request(browser: Client, method: str, url: str, form: dict[str, str] | None = None) -> Any:
    """One request, with its writes undone afterwards."""
    response = None
    try:
        with transaction.atomic():
            if method == "GET":
                response = browser.get(url)
            elif method == "POST" and url.startswith("/api/"):
                response = browser.post(url, {}, content_type="application/json")
            elif method == "POST":
                response = browser.post(url, form or {})
            else:
                response = browser.generic(method, url, "{}", content_type="application/json")
            raise Rollback
    except Rollback:
        pass
    assert response is not None
    return response


def body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


@pytest.fixture
def openapi(world: World) -> dict[str, Any]:
    from backease.api import api

    return api.get_openapi_schema()  # type: ignore[no-any-return]


def test_every_route_is_known_to_the_matrix(openapi: dict[str, Any]) -> None:
    unknown = {
        (route.path, name) for route in all_routes(openapi) for name in route.params if name not in PARAMS
    }
    assert not unknown, f"teach the authorization matrix these parameters: {sorted(unknown)}"


WALKS = [(actor, "full") for actor in ACTORS] + [("therapist_a", s) for s in SCOPES if s != "full"]
"""Only A's therapist sees more or less with the scope; everyone else walks once."""


@pytest.mark.parametrize(("actor", "scope"), WALKS)
def test_each_person_gets_what_the_matrix_says_and_none_of_a_s_data(
    world: World, openapi: dict[str, Any], actor: str
) -> None:
    browser = world.browsers[actor]
    wrong, leaks = [], []
    for route in all_routes(openapi):
        if set(route.params) - PARAMS:
            continue  # reported by test_every_route_is_known_to_the_matrix
        url = fill(route.path, world.ids)
        if route.path.endswith("logout/"):
            continue  # would sign this browser out for the rest of the walk
        make_form = FORMS.get(bare(route.path)) if route.method == "POST" else None
        response = request(browser, route.method, url, make_form(world.ids) if make_form else None)
        allowed = expected(route, actor, world.scope)
        if response.status_code not in allowed:
            wrong.append(f"{route.method} {url}: {response.status_code}, expected one of {sorted(allowed)}")
        text = body(response)
        leaks += [
            f"{route.method} {url} shows {marker}"
            for marker in MARKERS
            if shows(text, marker) and not may_see(actor, route, marker, world.scope)
        ]
        if route.method == "GET" and not route.params and route.area in ("self", "api", "clinic"):
            # List filters naming A change nothing for anyone else.
            probe = f"{url}?client={world.a.pk}&client_id={world.a.pk}&person={world.a.pk}&user={world.a.pk}"
            text = body(request(browser, "GET", probe))
            leaks += [
                f"GET {probe} shows {marker}"
                for marker in MARKERS
                if shows(text, marker) and not may_see(actor, route, marker, world.scope)
            ]
    assert not wrong, "\n".join(wrong)
    assert not leaks, "\n".join(leaks)


def test_the_matrix_walks_the_clinic_the_api_and_the_pages(openapi: dict[str, Any]) -> None:
    areas = {route.area for route in all_routes(openapi)}
    assert {"self", "api", "public", "admin"} <= areas
    assert len(all_routes(openapi)) > 60


def test_a_s_data_is_really_there_for_a_and_a_s_therapist_to_see(world: World) -> None:
    """The leak check above can only fail if the markers show somewhere: they do."""
    a = world.browsers["client_a"]
    assert f"{SECRET}diary" in body(a.get("/history/"))
    assert f"{SECRET}diary" in body(a.get("/api/pain"))
    assert f"{SECRET}diary" in body(a.get("/export/backup/"))
    assert f"{SECRET}diary" not in body(world.browsers["client_b"].get("/export/backup/"))
    assert PainEntry.objects.filter(person=world.a).exists()
    assert Session.objects.filter(person=world.a).exists() and Plan.objects.filter(person=world.a).exists()


@pytest.mark.parametrize("scope", ["full"])
def test_the_consent_markers_show_where_a_shares_them(world: World) -> None:
    """With a full share A's therapist reads how A's last session ended and the limit A's
    answers set, so the adherence walk above would see them if they leaked."""
    therapist = world.browsers["therapist_a"]
    assert shows(body(therapist.get("/clinic/")), "stopped")
    assert shows(body(therapist.get(f"/clinic/clients/{world.a.pk}/")), "stopped")
    assert f"{SECRET}checkin" in body(therapist.get(f"/clinic/clients/{world.a.pk}/"))
    url = f"/clinic/clients/{world.a.pk}/programme/"
    refused = body(request(therapist, "POST", url, _firm_step(world.ids)))
    assert shows(refused, "safety: the limit")
    assert shows(body(therapist.get(url)), "safety: gentle only") or shows(refused, "safety: the limit")
    assert f"{SECRET}stop" in body(world.browsers["client_a"].get("/history/"))


@pytest.mark.parametrize("scope", ["full", "adherence"])
def test_a_s_intake_shows_to_a_s_therapist_on_the_visit_page(world: World) -> None:
    """The intake marker the walks look for is really on the visit page (and logged)."""
    page = body(world.browsers["therapist_a"].get(f"/clinic/clients/{world.a.pk}/visit/"))
    assert f"{SECRET}intake" in page and shows(page, "safety: blood thinner")
    assert f"{SECRET}intake" in body(world.browsers["client_a"].get(f"/me/intakes/{world.ids['intake_id']}/"))
    assert AccessLog.objects.filter(subject=world.a, what__contains="intake").exists()


@pytest.mark.parametrize("scope", ["full", "adherence"])
def test_a_s_treatment_note_shows_to_its_author_and_the_admin(world: World) -> None:
    """The note markers the walks look for are really on the note page, for its author
    (whatever A shares) and the practice's admin."""
    url = f"/clinic/notes/{world.ids['note_id']}/"
    for actor in ("therapist_a", "admin"):
        page = body(world.browsers[actor].get(url))
        assert f"{SECRET}note" in page and f"{SECRET}amend" in page, actor
