"""The therapist's dashboard (/clinic/) and a client's page (/clinic/clients/<id>/).

Every client is reached through `backease.clinic.access` (an active link whose share
covers what the page shows) and every page that shows a client's data writes their
access log. The dashboard reads its clients in a fixed number of queries, whatever
their number or the length of their history (tests/clinic/test_dashboard.py counts them).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from backease.accounts.access_log import log_access
from backease.accounts.models import User
from backease.clinic import flags, outcomes
from backease.clinic.access import active_links, link_for, therapist_required
from backease.clinic.models import CareLink, Outcome
from backease.exports import charts
from backease.store.models import PainEntry, Person, Session
from backease.store.zones import local_time

TREND_DAYS = 56
"""The pain trend on the dashboard covers the last 8 weeks."""


def _therapist(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


# --- the pain trend -----------------------------------------------------------------------


def pain_trends(
    client_ids: list[int], now: datetime, zones: dict[int, ZoneInfo] | None = None
) -> dict[int, list[tuple[date, float]]]:
    """Each client's mean pain per day (their days, in `zones`: the site's when not given)
    over the last 8 weeks, oldest first: diary entries, pain before sessions, and pain-now
    outcome measures (three queries in all)."""
    if not client_ids:
        return {}
    zones = zones or {}

    def day(person_id: int, at: datetime) -> date:
        where = zones.get(person_id)
        return at.astimezone(where).date() if where is not None else timezone.localtime(at).date()

    since = now - timedelta(days=TREND_DAYS)
    ratings: dict[int, dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for person_id, at, pain in PainEntry.objects.filter(person_id__in=client_ids, at__gte=since).values_list(
        "person_id", "at", "pain"
    ):
        ratings[person_id][day(person_id, at)].append(pain)
    for person_id, at, pain in Session.objects.filter(
        person_id__in=client_ids, started_at__gte=since, pain_before__isnull=False
    ).values_list("person_id", "started_at", "pain_before"):
        ratings[person_id][day(person_id, at)].append(pain)
    for person_id, at, data in Outcome.objects.filter(
        person_id__in=client_ids, kind="nrs", at__gte=since
    ).values_list("person_id", "at", "data"):
        if isinstance(data, dict) and isinstance(data.get("score"), int):
            ratings[person_id][day(person_id, at)].append(data["score"])
    return {
        person_id: [(day, sum(values) / len(values)) for day, values in sorted(days.items())]
        for person_id, days in ratings.items()
    }


def sparkline(points: list[tuple[date, float]], today: date, name: str) -> dict[str, Any] | None:
    """A small inline SVG of pain per day (0-10) over the last 8 weeks, with words that say
    the same for screen readers (the SVG is labelled by them)."""
    if not points:
        return None
    width, height, pad = 120.0, 32.0, 3.0
    first_day = today - timedelta(days=TREND_DAYS)

    def xy(day: date, value: float) -> tuple[float, float]:
        x = pad + (width - 2 * pad) * min(TREND_DAYS, max(0, (day - first_day).days)) / TREND_DAYS
        y = pad + (height - 2 * pad) * (1 - value / 10)
        return round(x, 1), round(y, 1)

    coords = [xy(day, value) for day, value in points]
    first, last = points[0][1], points[-1][1]
    words = (
        f"Pain {charts.number(first)} on {charts.day_label(points[0][0])}, "
        f"{charts.number(last)} on {charts.day_label(points[-1][0])} "
        f"({len(points)} day{'s' if len(points) != 1 else ''} rated in 8 weeks)"
    )
    line = " ".join(f"{x},{y}" for x, y in coords)
    lx, ly = coords[-1]
    seven = pad + (height - 2 * pad) * 0.3
    svg = (
        f'<svg class="spark" viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" '
        f'role="img" aria-label="{escape(name)}: {escape(words)}" focusable="false">'
        f'<line class="spark-seven" x1="{pad}" x2="{width - pad}" y1="{seven:.1f}" y2="{seven:.1f}"></line>'
        + (f'<polyline class="spark-line" points="{line}"></polyline>' if len(coords) > 1 else "")
        + f'<circle class="spark-dot" cx="{lx}" cy="{ly}" r="2.5"></circle></svg>'
    )
    svg_safe: SafeString = mark_safe(svg)
    return {"svg": svg_safe, "words": words, "latest": charts.number(last), "first": charts.number(first)}


# --- the dashboard ------------------------------------------------------------------------------


def last_session(state: flags.ClientState) -> tuple[datetime | None, str]:
    """The last session as the link's share may show it, and its status. A full share: the
    last session started, however it ended. Adherence only: the last session that counts
    (done, a minute or more), with no status: how a session ended (stopped, and why) is
    among what the client does not share."""
    if state.link.share == CareLink.Share.FULL:
        at, status = state.last_session_at, state.last_session_status
    else:
        at, status = state.last_counted_at, ""
    return (timezone.localtime(at) if at else None), status


def _client_row(state: flags.ClientState, open_flags: list[Any], trend: Any, today: date) -> dict[str, Any]:
    link = state.link
    week = state.adherence(today)
    last, status = last_session(state)
    return {
        "client": link.client,
        "id": link.client_id,
        "name": flags.label(link.client),
        "full": link.share == CareLink.Share.FULL,
        "programme": state.programme,
        "week": week,
        "last_session": last,
        "last_status": status,
        "days_since": (today - last.date()).days if last else None,
        "trend": trend,
        "flags": [flags.describe(flag, link.share) for flag in open_flags],
    }


@therapist_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The therapist's clients, most in need first, with their open flags."""
    therapist = _therapist(request)
    now = flags.clock()
    links = list(flags.annotated_links(active_links(therapist)))
    states = flags.client_states(links, now)
    flags.raise_time_flags(states, now)
    seen = list(flags.seen_flags(therapist, links, now))
    full_ids = [link.client_id for link in links if link.share == CareLink.Share.FULL]
    trends = pain_trends(full_ids, now, {state.link.client_id: state.zone for state in states})
    open_by_client: dict[int, list[Any]] = defaultdict(list)
    for flag in flags.open_flags(therapist, links):
        open_by_client[flag.client_id].append(flag)
    names = {link.client_id: flags.label(link.client) for link in links}
    shares = {link.client_id: link.share for link in links}
    rows = []
    for state in states:
        client_id = state.link.client_id
        today = state.today(now)  # each client's own day and week
        trend = (
            sparkline(trends.get(client_id, []), today, names[client_id]) if client_id in full_ids else None
        )
        mine = sorted(
            open_by_client.get(client_id, []),
            key=lambda f: (flags.NEED_RANK.get(f.kind, 9), -f.raised_at.timestamp()),
        )
        rows.append((flags.need_key(mine), names[client_id].lower(), _client_row(state, mine, trend, today)))
    rows.sort(key=lambda item: (item[0], item[1]))
    log_access(
        therapist,
        [link.client for link in links],
        "view",
        "dashboard: adherence, last session, pain trend, flags",
    )
    return render(
        request,
        "clinic/dashboard.html",
        {
            "rows": [row for _, _, row in rows],
            "open_count": sum(len(v) for v in open_by_client.values()),
            "seen": [
                dict(flags.describe(flag, shares[flag.client_id]), name=names.get(flag.client_id, ""))
                for flag in seen
            ],
            "seen_days": flags.SEEN_DAYS,
            "today": today,
        },
    )


@therapist_required
@require_POST
def acknowledge(request: HttpRequest, flag_id: int) -> HttpResponse:
    """Acknowledge one flag (for this therapist only), then go back where the button was."""
    therapist = _therapist(request)
    flag = flags.acknowledge(therapist, flag_id)
    client = Person.objects.get(pk=flag.client_id)
    log_access(
        therapist, client, "view", f"acknowledged a flag: {flags.KIND_WORDS.get(flag.kind, flag.kind)}"
    )
    target = request.POST.get("next", "")
    if not (
        target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        target = reverse("clinic_dashboard")
    return redirect(target)


# --- one client --------------------------------------------------------------------------------


@therapist_required
@require_GET
def client_page(request: HttpRequest, client_id: int) -> HttpResponse:
    """A client's page: adherence; with a full share also their insights, outcome measures
    and the clinician report; and the flags the share lets the therapist see."""
    from backease.exports.report import change_view
    from backease.front.insights_views import _insights_context
    from backease.store import services

    therapist = _therapist(request)
    link = link_for(therapist, client_id, "adherence")
    person = link.client
    full = link.share == CareLink.Share.FULL
    now = flags.clock()
    [state] = flags.client_states(flags.annotated_links(CareLink.objects.filter(pk=link.pk)), now)
    today = state.today(now)  # the client's day and week
    context: dict[str, Any] = {
        "client": person,
        "name": flags.label(person),
        "full": full,
        "link": link,
        "programme": state.programme,
        "week": state.adherence(today),
        "last_week": state.adherence(today, flags.monday_of(today) - timedelta(days=7))
        if state.programme
        else None,
        "last_session": last_session(state)[0],
        "last_status": last_session(state)[1],
        "open_flags": [flags.describe(f, link.share) for f in flags.open_flags(therapist, [link])],
        "seen_flags": [flags.describe(f, link.share) for f in flags.seen_flags(therapist, [link], now)],
        "today": today,
    }
    if full:
        context.update(_insights_context(person, now))
        summary = outcomes.summary(person)
        context["outcomes"] = summary
        context["nrs_change"] = change_view(summary.nrs)
        context["psfs_delta"] = charts.signed(summary.psfs.delta, 2)
        context["outcomes_due"] = outcomes.due_on(person, now)
        what = "client page: insights, outcome measures, flags"
    else:
        found = services.insights(person, now)  # in the client's zone
        context["adherence"] = found.adherence
        context["weeks_chart"] = charts.weeks_chart(found.adherence)
        what = "client page: adherence only"
    log_access(therapist, person, "view", what)
    return render(request, "clinic/client.html", context)


@therapist_required
@require_GET
def client_report(request: HttpRequest, client_id: int) -> HttpResponse:
    """The clinician report of a client who shares everything: shown, or downloaded with
    ?download=1 (logged as an export)."""
    from backease.exports.report import render_report

    therapist = _therapist(request)
    person = link_for(therapist, client_id, "full").client
    download = request.GET.get("download") == "1"
    html = render_report(person, flags.clock(), for_file=True)
    response = HttpResponse(html)
    if download:
        day = local_time(person).today.isoformat()
        response["Content-Disposition"] = (
            f'attachment; filename="backease-report-client-{person.pk}-{day}.html"'
        )
        log_access(therapist, person, "export", "clinician report (downloaded)")
    else:
        log_access(therapist, person, "view", "clinician report")
    return response
