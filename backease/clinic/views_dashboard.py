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

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Lower, NullIf
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST

from backease.accounts.access_log import log_access, log_view
from backease.accounts.models import User
from backease.clinic import engine, flags, outcomes, summaries
from backease.clinic.access import active_links, link_for, therapist_required
from backease.clinic.models import CareLink
from backease.exports import charts
from backease.store.models import Person
from backease.store.zones import local_time

TREND_DAYS = summaries.TREND_DAYS
PAGE = 25
"""Clients on a page of the dashboard."""
FLAGS_PER_CARD = 3
"""Open flags shown on a client's card, most serious first; the rest are on their page."""
SEEN_SHOWN = 20
"""Acknowledged flags listed under "Seen" (the newest)."""


def _therapist(request: HttpRequest) -> User:
    user: User = request.user  # type: ignore[assignment]
    return user


# --- the pain trend -----------------------------------------------------------------------


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


def _page_number(request: HttpRequest, pages: int) -> int:
    """?page=N, kept within 1..pages (a stale link to a page that no longer exists shows
    the last one, as Django's paginator does)."""
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isdigit() and len(raw) < 7 else 1
    return min(max(number, 1), max(pages, 1))


def _by_need(links: QuerySet[CareLink]) -> QuerySet[CareLink]:
    """Most in need first (`CareLink.need_rank`, then the newest flag of that rank), then
    by name: what the stored need lets the database sort and page."""
    name = Lower(
        Coalesce(
            NullIf("client__user__display_name", Value("")),
            "client__user__email",
            "client__name",
        )
    )
    return links.order_by("need_rank", F("need_at").desc(nulls_last=True), name, "client_id")


@therapist_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The therapist's clients, most in need first, a page at a time, with their open flags.

    It reads a page of clients and their summaries (`backease.clinic.summaries`), never
    their histories: the same work for 30 clients or 3,000, however long their histories."""
    therapist = _therapist(request)
    now = flags.clock()
    site_today = timezone.localtime(now).date()
    flags.check_due_today(therapist, now)
    links = active_links(therapist)
    totals = links.aggregate(
        clients=Count("id"), open=Sum("open_flags"), flagged=Count("id", filter=Q(open_flags__gt=0))
    )
    pages = (totals["clients"] + PAGE - 1) // PAGE
    number = _page_number(request, pages)
    start = (number - 1) * PAGE
    page = list(
        _by_need(flags.annotated_links(links).select_related("client__summary"))[start : start + PAGE]
    )
    states = flags.client_states(page, now)
    shown: dict[int, list[Any]] = defaultdict(list)
    flagged = [link for link in page if link.open_flags]
    for flag in flags.first_open_flags(therapist, flagged, FLAGS_PER_CARD):
        shown[flag.client_id].append(flag)
    rows = []
    for state in states:
        link = state.link
        name = flags.label(link.client)
        today = state.today(now)  # each client's own day and week
        trend = None
        if link.share == CareLink.Share.FULL:
            summary = getattr(link.client, "summary", None)
            trend = sparkline(summaries.trend_points(summary, today), today, name)
        row = _client_row(state, shown.get(link.client_id, []), trend, today)
        row["open_count"] = link.open_flags
        row["more"] = max(0, link.open_flags - len(row["flags"]))
        rows.append(row)
    seen = list(flags.seen_by(therapist, now)[:SEEN_SHOWN])
    log_view(
        therapist, [link.client for link in page], "dashboard: adherence, last session, pain trend, flags"
    )
    return render(
        request,
        "clinic/dashboard.html",
        {
            "rows": rows,
            "client_count": totals["clients"],
            "open_count": totals["open"] or 0,
            "flagged_count": totals["flagged"],
            "page": {
                "number": number,
                "pages": pages,
                "first": start + 1,
                "last": start + len(rows),
                "previous": number - 1 if number > 1 else None,
                "next": number + 1 if number < pages else None,
            },
            "seen": [
                dict(flags.describe(flag, flag.share), name=flags.label(flag.client))  # type: ignore[attr-defined]
                for flag in seen
            ],
            "seen_days": flags.SEEN_DAYS,
            "seen_shown": SEEN_SHOWN,
            "today": site_today,
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
        "run": engine.for_client_page(person, therapist.pk, full=full, now=now),
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
