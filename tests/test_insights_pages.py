"""The insights, report and export pages, their charts, and `backease stats`.

Histories are built through `services` with explicit times, and the pages run on a
fixed clock (`insights_views.clock`), so "this week" never depends on the wall clock.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from backease.cli import stats_commands
from backease.cli.main import run
from backease.content.loader import load_content
from backease.core import insights as core
from backease.core.history import TechniqueEffect
from backease.exports import charts
from backease.front import insights_views
from backease.store import services
from backease.store.models import PainEntry, Person, Plan, Session, StepLog, TechniqueChoice

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 3, 19, 12, 0, tzinfo=UTC)
"""A Wednesday: this week started on Monday 17 March."""
PROFILE = {
    "areas": [{"region": "between_shoulder_blades_left", "pain": 6, "knot": True}],
    "tools": ["foam_roller", "tennis_ball"],
    "minutes": 10,
}
PAGES = ("/insights/", "/report/", "/export/")
KINDS = {
    "sessions-csv": ("text/csv", "sessions.csv"),
    "steps-csv": ("text/csv", "steps.csv"),
    "pain-csv": ("text/csv", "pain.csv"),
    "backup": ("application/json", "backup.json"),
    "fhir": ("application/fhir+json", "fhir.json"),
    "ics": ("text/calendar", "calendar.ics"),
    "report": ("text/html", "report.html"),
}


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(insights_views, "clock", lambda: NOW)


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.save_profile(person, PROFILE)
    return person


@pytest.fixture
def plan(owner: Person) -> Plan:
    return services.make_plan(owner, seed=1)


def add_session(
    person: Person,
    plan: Plan,
    at: datetime,
    before: int | None,
    after: int | None,
    *,
    stress: int | None = None,
    notes: str = "",
    feedback: dict[int, str] | None = None,
) -> Session:
    """A finished session started at `at`: every step done, pain rated as given."""
    session = services.start_session(person, plan, now=at)
    for log in session.steps.all():
        services.log_step(session, log.index, seconds_done=log.seconds_planned)
    for index, value in (feedback or {}).items():
        services.log_step(session, index, feedback=value)
    session.refresh_from_db()
    fields: dict[str, Any] = {
        "pain_before": before,
        "pain_after": after,
        "stress_before": stress,
        "notes": notes,
    }
    if session.status == "running":
        return services.finish_session(session, "completed", **fields)
    return services.update_session(session, **fields)


def made_up_history(person: Person, plan: Plan, sessions: int = 12) -> None:
    """Sessions every 2-3 days over ~4 weeks with falling pain, and diary entries with stress."""
    for i in range(sessions):
        at = NOW - timedelta(days=2.5 * (sessions - i), hours=1)
        before = 7 - i // 3
        add_session(person, plan, at, before, max(before - 2, 0), stress=6 - i // 4, notes=f"note {i}")
    for i in range(10):
        region = "between_shoulder_blades_left" if i % 2 else ""
        services.add_pain_entry(
            person,
            pain=6 - i // 3,
            region=region,
            stress=5 - i // 4,
            note="diary",
            at=NOW - timedelta(days=3 * i),
        )


def page(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


def table_rows(html: str, table_id: str) -> list[list[str]]:
    """The cells of each body row of a table, as plain text."""
    match = re.search(rf'<table[^>]*id="{table_id}".*?<tbody>(.*?)</tbody>', html, re.S)
    assert match, f"no table {table_id}"
    rows = re.findall(r"<tr>(.*?)</tr>", match.group(1), re.S)
    return [
        [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def facts(html: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(r'data-value="(\w+)">(\d+)<', html)}


# --- every page, with and without history ---------------------------------------------------


def test_every_page_answers_with_no_history(client: Client) -> None:
    for url in PAGES:
        page(client, url)


def test_with_no_history_each_figure_says_there_is_too_little_data(client: Client) -> None:
    html = page(client, "/insights/")
    for section in ("adherence", "pain", "regions", "stress", "effects"):
        match = re.search(rf'<p class="ins-empty" id="{section}-empty">(.*?)</p>', html, re.S)
        assert match, f"no too-little-data message for {section}"
        assert "Too little data" in match.group(1)
    assert "6 more rated sessions to go" in html
    assert 'role="img"' not in html
    assert "No safety check recorded." in page(client, "/report/")


def test_every_page_answers_with_a_made_up_history(client: Client, owner: Person, plan: Plan) -> None:
    made_up_history(owner, plan)
    for url in PAGES:
        html = page(client, url)
        assert "Too little data" not in html or url == "/export/"
    html = page(client, "/insights/")
    for chart in ("weeks-chart", "pain-chart", "stress-chart", "effects-chart"):
        assert f'id="{chart}"' in html, chart
        assert f'id="{chart}-table"' in html, chart
    assert html.count('role="img" aria-label="') == 4
    assert "Show the numbers" in html


def test_every_chart_has_a_title_a_summary_and_a_table_of_the_same_numbers(
    client: Client, owner: Person, plan: Plan
) -> None:
    made_up_history(owner, plan)
    html = page(client, "/insights/")
    figures = re.findall(r'<figure class="ins-figure" id="([\w-]+)" aria-labelledby="([\w-]+)">', html)
    assert len(figures) == 4
    for chart_id, title_id in figures:
        assert f'id="{title_id}"' in html
        assert f'id="{chart_id}-table"' in html
    labels = re.findall(r'role="img" aria-label="([^"]+)"', html)
    assert all("The table has the same numbers." in label for label in labels)


# --- the numbers match the core's --------------------------------------------------------------


def test_sessions_per_week_and_streaks_match_a_hand_made_history(
    client: Client, owner: Person, plan: Plan
) -> None:
    add_session(owner, plan, NOW - timedelta(days=10), 6, 4)  # Sun 9 Mar: week of 3 Mar
    add_session(owner, plan, NOW - timedelta(days=8), 5, 3)  # Tue 11 Mar: week of 10 Mar
    add_session(owner, plan, NOW - timedelta(days=3), 7, 4)  # Sun 16 Mar: week of 10 Mar
    html = page(client, "/insights/")
    rows = table_rows(html, "weeks-chart-table")
    assert len(rows) == 8
    assert [int(r[1]) for r in rows] == [0, 0, 0, 0, 0, 1, 2, 0]
    assert rows[-1][0] == "Mon 17 Mar" and rows[-2][2] == "Yes" and rows[-3][2] == "No"
    assert facts(html) == {
        "weeks_meeting_goal": 1,
        "current_streak": 1,
        "longest_streak": 1,
        "sessions_total": 3,
    }
    found = services.insights(owner, NOW).adherence
    assert [(f"{d:%a} {d.day} {d:%b}", str(n)) for d, n in found.weeks] == [(r[0], r[1]) for r in rows]
    assert found.wording in html


def test_pain_before_and_after_match_a_hand_made_history(client: Client, owner: Person, plan: Plan) -> None:
    add_session(owner, plan, NOW - timedelta(days=10), 6, 4)
    add_session(owner, plan, NOW - timedelta(days=8), 5, 3)
    add_session(owner, plan, NOW - timedelta(days=3), 7, 4)
    html = page(client, "/insights/")
    rows = table_rows(html, "pain-chart-table")
    assert [r[1:4] for r in rows] == [["6", "4", "−2"], ["5", "3", "−2"], ["7", "4", "−3"]]
    immediate = services.insights(owner, NOW).pain.immediate
    # Mean before 6.0, mean after 3.67: a fall of 2.3 points (39 %) is meaningful (Farrar 2001).
    assert immediate.before == pytest.approx(6.0) and immediate.after == pytest.approx(11 / 3)
    assert immediate.meaningful
    assert immediate.wording in html
    assert "A noticeable fall" in html
    assert "a fall of 2 points or 30 % is usually noticeable" in html
    assert 'href="https://doi.org/10.1016/S0304-3959(01)00349-9"' in html


def test_a_small_change_is_not_yet_meaningful(client: Client, owner: Person, plan: Plan) -> None:
    for days in (9, 6, 2):
        add_session(owner, plan, NOW - timedelta(days=days), 5, 4)
    html = page(client, "/insights/")
    assert "Not yet meaningful" in html
    assert "not yet meaningful" in services.insights(owner, NOW).pain.immediate.wording
    assert "A noticeable fall" not in html


def test_diary_areas_get_their_own_trend(client: Client, owner: Person) -> None:
    for days, pain in ((20, 7), (18, 7), (5, 4), (2, 4)):
        services.add_pain_entry(
            owner, pain=pain, region="upper_trapezius_left", at=NOW - timedelta(days=days)
        )
    html = page(client, "/insights/")
    rows = table_rows(html, "regions-table")
    label = {r.id: r.label for r in load_content().library.regions}["upper_trapezius_left"]
    assert rows[0][:2] == [f"{label}4 ratings", "7 → 4"]
    assert "A noticeable fall" in rows[0][2]
    assert 'id="regions-empty"' not in html


# --- what helps you -----------------------------------------------------------------------------


def test_what_helps_is_hidden_below_six_rated_sessions(client: Client, owner: Person, plan: Plan) -> None:
    for i in range(5):
        add_session(owner, plan, NOW - timedelta(days=2 * i + 1), 6, 4)
    add_session(owner, plan, NOW - timedelta(days=12), None, None)  # not rated: does not count
    html = page(client, "/insights/")
    assert 'id="effects-chart"' not in html
    assert "1 more rated session to go" in html
    assert services.insights(owner, NOW).effects_wording in html


def test_what_helps_is_shown_from_six_rated_sessions(client: Client, owner: Person, plan: Plan) -> None:
    other = services.make_plan(owner, seed=7)
    for i in range(6):
        add_session(owner, plan if i % 2 else other, NOW - timedelta(days=2 * i + 1), 6, 3 if i % 2 else 5)
    html = page(client, "/insights/")
    assert 'id="effects-chart"' in html
    assert "association in your own sessions, not proof" in html
    found = services.insights(owner, NOW)
    shown = [e for e in found.effects if e.sessions > 0]
    rows = table_rows(html, "effects-chart-table")
    names = {t.id: t.name for t in load_content().library.techniques}
    assert [r[0] for r in rows] == [names[e.technique] for e in shown]
    for row, effect in zip(rows, shown, strict=True):
        assert row[3] == f"in {effect.helped} of {effect.sessions} sessions"
        assert row[1] == charts.signed(effect.estimate)
    assert f"Your pain went down in {shown[0].helped} of {shown[0].sessions} sessions" in html


def test_too_much_and_sharp_pain_presses_are_counted(client: Client, owner: Person, plan: Plan) -> None:
    for i in range(6):
        add_session(
            owner, plan, NOW - timedelta(days=2 * i + 1), 6, 4, feedback={0: "too_much"} if i < 2 else None
        )
    html = page(client, "/insights/")
    first = plan.data["steps"][0]["technique"]
    row = next(
        r
        for r in table_rows(html, "effects-chart-table")
        if r[0] == load_content().library.technique(first).name
    )
    assert row[4] == "2"
    assert "You pressed “Too much” 2 times." in html


# --- turning a technique back on ----------------------------------------------------------------


def test_sharp_pain_turns_a_technique_off_and_the_page_turns_it_back_on(
    client: Client, owner: Person, plan: Plan
) -> None:
    add_session(owner, plan, NOW - timedelta(days=1), 5, 6, feedback={0: "sharp_pain"})
    technique = plan.data["steps"][0]["technique"]
    assert services.disabled_techniques(owner) == {technique}
    html = page(client, "/insights/")
    assert f'action="/techniques/{technique}/enable/"' in html
    assert "Turn back on" in html
    response = client.post(f"/techniques/{technique}/enable/")
    assert response.status_code == 302 and response["Location"] == "/insights/#turned-off"
    assert services.disabled_techniques(owner) == frozenset()
    assert 'id="turned-off-empty"' in page(client, "/insights/")


def test_turning_on_goes_back_only_to_a_page_of_this_site(client: Client, owner: Person) -> None:
    technique = load_content().library.techniques[0].id
    services.set_technique_enabled(owner, technique, False, "test")
    response = client.post(f"/techniques/{technique}/enable/", {"next": "https://example.org/"})
    assert response["Location"] == "/insights/#turned-off"
    services.set_technique_enabled(owner, technique, False, "test")
    response = client.post(f"/techniques/{technique}/enable/", {"next": "/today/"})
    assert response["Location"] == "/today/"


def test_unknown_techniques_and_gets_are_refused_and_change_nothing(client: Client, owner: Person) -> None:
    technique = load_content().library.techniques[0].id
    services.set_technique_enabled(owner, technique, False, "test")
    before = list(TechniqueChoice.objects.values_list("technique", "disabled", "reason"))
    assert client.post("/techniques/no_such_technique/enable/").status_code == 404
    assert client.get(f"/techniques/{technique}/enable/").status_code == 405
    assert list(TechniqueChoice.objects.values_list("technique", "disabled", "reason")) == before


# --- the report ---------------------------------------------------------------------------------


def test_the_report_is_one_printable_page_of_self_reported_data(
    client: Client, owner: Person, plan: Plan
) -> None:
    services.record_screening(owner, {"osteoporosis": True})
    made_up_history(owner, plan)
    html = page(client, "/report/")
    assert html.startswith("<!doctype html>")
    assert "not a\n      diagnosis" in html or "not a diagnosis" in re.sub(r"\s+", " ", html)
    assert "Self-care is fine, with some limits" in html
    assert '<style media="print">' in html and ".report-toolbar" in html
    assert "data-print hidden" in html and "/static/front/print.js" in html
    assert "Ctrl+P" in html
    assert 'id="pain-chart"' in html and 'role="img"' in html
    assert "Covers" in html and "17 Feb 2025" in html and "19 Mar 2025" in html
    assert "note 11" in html  # the latest session note
    names = {t.id: t.name for t in load_content().library.techniques}
    assert names[plan.data["steps"][0]["technique"]] in html


def test_the_downloaded_report_needs_nothing_from_the_site(client: Client, owner: Person, plan: Plan) -> None:
    made_up_history(owner, plan, sessions=4)
    body = client.get("/export/report/").content.decode()
    assert "<style>" in body and "/static/" not in body
    assert 'href="/' not in body and 'src="/' not in body


# --- downloads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_download_has_its_type_name_and_content(
    client: Client, owner: Person, plan: Plan, kind: str
) -> None:
    made_up_history(owner, plan, sessions=4)
    response = client.get(f"/export/{kind}/")
    assert response.status_code == 200
    content_type, suffix = KINDS[kind]
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="backease-2025-03-19-{suffix}"'
    assert len(response.content) > 100
    if suffix.endswith(".json"):
        assert isinstance(json.loads(response.content), dict)


def test_the_export_page_links_every_format(client: Client) -> None:
    html = page(client, "/export/")
    for kind in KINDS:
        assert f'href="/export/{kind}/"' in html


def test_an_unknown_export_is_404(client: Client) -> None:
    assert client.get("/export/spreadsheet/").status_code == 404
    assert client.post("/export/backup/").status_code == 405


# --- the schedule -------------------------------------------------------------------------------


def test_the_schedule_form_saves_days_and_time(client: Client, owner: Person) -> None:
    response = client.post("/schedule/", {"days": ["thu", "mon"], "time": "07:30"})
    assert response.status_code == 302 and response["Location"] == "/settings/?saved=schedule#schedule"
    assert services.schedule(owner) == (("mon", "thu"), "07:30")
    html = page(client, "/settings/?saved=schedule")
    assert 'id="schedule-saved"' in html and "Monday, Thursday at 07:30" in html
    # Export says what the calendar file repeats and where to change it.
    html = page(client, "/export/")
    assert "Monday, Thursday at 07:30" in html and 'href="/settings/#schedule"' in html


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"time": "18:00"}, "Days"),
        ({"days": ["mon", "funday"], "time": "18:00"}, "Days"),
        ({"days": ["mon"], "time": "25:00"}, "Time"),
        ({"days": ["mon"], "time": ""}, "Time"),
        ({"days": ["mon"], "time": "6pm"}, "Time"),
    ],
)
def test_bad_schedules_are_refused_and_nothing_is_stored(
    client: Client, owner: Person, data: dict[str, Any], field: str
) -> None:
    before = services.schedule(owner)
    response = client.post("/schedule/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert re.search(rf'<p class="form-error" role="alert" id="schedule-error">{field}: ', html)
    assert services.schedule(owner) == before


# --- importing a backup -------------------------------------------------------------------------


def without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]+"', "", html)


def stored() -> dict[str, int]:
    return {
        m.__name__: m.objects.count() for m in (Person, Plan, Session, StepLog, PainEntry, TechniqueChoice)
    }


def upload(content: bytes, name: str = "backup.json") -> dict[str, Any]:
    return {"backup": SimpleUploadedFile(name, content, content_type="application/json")}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "choose a backup file"),
        (b"", "choose a backup file"),
        (b"\xff\xfe not text", "not UTF-8 text"),
        (b"name,pain\nme,5\n", "not valid JSON"),
        (b'{"hello": "world"}', "not a backease backup"),
        (b"[1, 2, 3]", "not a backease backup"),
        (b'{"format": "backease-backup", "schema_version": 999}', "newer backease"),
    ],
)
def test_bad_backup_files_are_refused_and_change_nothing(
    client: Client, owner: Person, plan: Plan, content: bytes | None, message: str
) -> None:
    before = stored()
    data = {} if content is None else upload(content)
    response = client.post("/import/", data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="import-error"' in html and message in html
    assert stored() == before


def test_a_backup_over_the_upload_limit_is_refused(
    client: Client, owner: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(insights_views, "MAX_UPLOAD", 1024)
    before = stored()
    response = client.post("/import/", upload(b" " * 1025))
    assert response.status_code == 400
    assert "too big" in response.content.decode()
    assert stored() == before


def test_a_backup_is_not_mixed_into_existing_data(client: Client, owner: Person, plan: Plan) -> None:
    made_up_history(owner, plan, sessions=3)
    backup = client.get("/export/backup/").content
    before = stored()
    response = client.post("/import/", upload(backup))
    assert response.status_code == 400
    assert stored() == before


def test_a_backup_restores_into_an_empty_backease(client: Client, owner: Person, plan: Plan) -> None:
    made_up_history(owner, plan, sessions=7)
    add_session(owner, plan, NOW - timedelta(days=1), 5, 6, feedback={1: "sharp_pain"})
    backup = client.get("/export/backup/").content
    insights_before = page(client, "/insights/")
    counts = stored()
    Person.objects.all().delete()
    page(client, "/insights/")  # makes a new, empty local owner: still "empty"
    response = client.post("/import/", upload(backup))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Backup restored." in html and f"{counts['Session']} sessions" in html
    assert stored() == counts
    assert without_tokens(page(client, "/insights/")) == without_tokens(insights_before)


# --- nothing from elsewhere ---------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "action", "srcset", "poster", "data") and value:
                self.found.append((tag, name, value))


def test_no_page_loads_or_links_anything_from_another_host(client: Client, owner: Person, plan: Plan) -> None:
    made_up_history(owner, plan)
    services.record_screening(owner, {})
    checked = 0
    for url in (*PAGES, "/export/report/"):
        parser = _Links()
        parser.feed(page(client, url))
        for tag, attr, value in parser.found:
            checked += 1
            if re.match(r"^\s*(https?:)?//", value, re.I):
                assert tag == "a" and attr == "href", f"{url}: <{tag} {attr}={value}>"
                assert value.startswith("https://doi.org/"), f"{url}: {value}"
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", page(client, url)), url
    assert checked > 20


# --- the chart functions ----------------------------------------------------------------------


def test_charts_have_nothing_to_draw_without_data() -> None:
    found = core.summarize((), (), NOW)
    assert charts.pain_chart(found.pain) is None
    assert charts.stress_chart(found.stress) is None
    assert charts.effects_chart((), {}) is None
    weeks = charts.weeks_chart(found.adherence)
    assert 'role="img"' in weeks.svg and len(weeks.table.rows) == 8


def test_the_effects_chart_keeps_the_cores_order_and_escapes_names() -> None:
    effects = [
        TechniqueEffect("a", 8, 7, -1.5, 0.4, -2.3, -0.7),
        TechniqueEffect("b", 8, 3, 0.2, 0.5, -0.8, 1.2, too_much=2),
    ]
    chart = charts.effects_chart(effects, {"a": "Ball <on> wall", "b": "Roll"})
    assert chart is not None
    assert [r[0] for r in chart.table.rows] == ["Ball <on> wall", "Roll"]
    assert "Ball &lt;on&gt; wall" in chart.svg and "<on>" not in chart.svg
    assert chart.table.rows[0][1:4] == ("−1.5", "−2.3 to −0.7", "in 7 of 8 sessions")
    assert "ins-effect-clear-dot" in chart.svg  # the whole interval is below 0


def test_sparklines_scale_from_zero_to_the_top() -> None:
    assert stats_commands.sparkline([0, 5, 10, None], 10) == "▁▅█ "
    assert len(stats_commands.sparkline([float(i % 10) for i in range(500)], 10, width=40)) == 40


# --- backease stats -----------------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        run(list(args))
    out, _ = capsys.readouterr()
    code = exit_info.value.code
    return (code if isinstance(code, int) else 0), out


def recent_history(person: Person, plan: Plan) -> None:
    """Like made_up_history, but before the real clock (the CLI reads it)."""
    from django.utils import timezone

    now = timezone.now()
    for i in range(8):
        add_session(
            person, plan, now - timedelta(days=3 * (8 - i), hours=2), 7 - i // 2, 4 - i // 3, stress=5
        )


def test_stats_prints_tables_and_sparklines(
    capsys: pytest.CaptureFixture[str], owner: Person, plan: Plan
) -> None:
    recent_history(owner, plan)
    code, out = cli(capsys, "stats")
    assert code == 0
    assert "Sessions per week" in out and "Pain before and after" in out and "What helps you" in out
    assert re.search(r"Sessions per week +[▁▂▃▄▅▆▇█ ]{8} ", out)
    assert re.search(r"Pain, 7-day average +[▁▂▃▄▅▆▇█ ]+", out)
    assert "estimate" in out  # 8 rated sessions: the what-helps table


def test_stats_with_no_history_says_there_is_too_little_data(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = cli(capsys, "stats")
    assert code == 0
    assert "Too little data" in out


def test_stats_json_is_the_insights_with_iso_dates(
    capsys: pytest.CaptureFixture[str], owner: Person, plan: Plan
) -> None:
    recent_history(owner, plan)
    code, out = cli(capsys, "stats", "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {
        "adherence",
        "pain",
        "regions",
        "stress",
        "effects",
        "effects_shown",
        "effects_wording",
        "progression",
        "rated",
    }
    assert data["adherence"]["sessions_total"] == 8
    week, count = data["adherence"]["weeks"][0]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", week) and isinstance(count, int)
    assert datetime.fromisoformat(data["pain"]["points"][0]["at"]).tzinfo is not None
    assert data["effects_shown"] is True and data["effects"][0]["technique"]


def test_stats_refuses_bad_weeks(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = cli(capsys, "stats", "--weeks", "0")
    assert code == 2
