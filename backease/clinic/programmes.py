"""Home programmes: what a therapist asks a client to do, checked against the client's own
safety answers, and turned into a session the player runs.

A programme's `steps` are [{technique, seconds, holds, sides, intensity, note}]: `seconds`
is the time per side, or per hold when `holds` is more than 0. `clean` validates a
therapist's input (InputError naming the field, before anything is stored). The client's
latest screening still rules (`planner.step_blockers`, the planner's own filters): a step
it excludes, a technique the client turned off, or pressure above what it allows is
shown blocked with the reason and left out of the session, and the therapist is told
(a `blocked_step` flag and a notice).
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from backease.accounts.mode import is_server
from backease.accounts.models import User
from backease.clinic import engine
from backease.clinic.models import Flag, Programme
from backease.clinic.notices import notify
from backease.content.loader import load_content
from backease.core import planner
from backease.core.errors import InputError
from backease.core.library import Library, Technique
from backease.core.programme import MAX_WEEKS, MIN_WEEKS, WEEKDAYS, ProgrammeView, headline
from backease.core.screening import strict_time_limit, validate_answers
from backease.core.script import countdowns
from backease.core.sides import as_side, has_placeholders, render_side
from backease.core.vocab import INTENSITIES, INTENSITY_RANK, KINDS, region_side
from backease.store import services
from backease.store.models import Person, Plan, Screening, Session, TechniqueChoice
from backease.store.zones import local_time

log = logging.getLogger(__name__)

MAX_STEPS = 20
MIN_SECONDS = 10
MAX_SECONDS = 600
"""A step's time per side (or per hold): 10 seconds to 10 minutes, in 5-second steps."""
MAX_HOLDS = 10
MAX_STEP_SECONDS = 1200
"""A step's whole time per side (holds included): at most 20 minutes."""
MAX_TITLE = 120
MAX_NOTE = 1000
MAX_STEP_NOTE = 300
MAX_CLIENTS = 200
"""The most clients one template is assigned to at once."""
STEP_FIELDS = ("technique", "seconds", "holds", "sides", "intensity", "note", "longer_because")
OVER_MAX = "over_max"
"""The blocker of a step longer than its technique's safe maximum for this client."""

RANK: dict[str, int] = {str(name): rank for name, rank in INTENSITY_RANK.items()}
"""Intensities from gentle (0) to firm, for any string read from a form or a stored step."""
LEVEL_WORDS = {
    "emergency": "Your last safety check found a sign that needs help now: the programme waits until "
    "you have been checked.",
    "urgent": "Your last safety check asks you to see a doctor today: the programme waits until then.",
}


# --- the library as the editor offers it ---------------------------------------------------------


def choosable(library: Library) -> list[Technique]:
    """Techniques a therapist can put in a programme (not the before-session warm shower),
    by kind then name."""
    order = {kind: i for i, kind in enumerate(KINDS)}
    return sorted(
        (t for t in library.techniques if not t.before_session), key=lambda t: (order[t.kind], t.name)
    )


def sides_of(tech: Technique) -> tuple[str, ...]:
    """The sides a technique can be done on: a per-side one on both, left or right; any
    other on its whole area ("both" when it reaches both sides, as the planner says)."""
    if tech.per_side:
        return ("both", "left", "right")
    return ("both",) if any(region_side(r) != "none" for r in tech.regions) else ("none",)


def intensities_of(tech: Technique) -> tuple[str, ...]:
    return tuple(sorted((v.intensity for v in tech.intensities), key=INTENSITY_RANK.__getitem__))


# --- validation ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cleaned:
    """A programme's fields, validated."""

    title: str
    note: str
    steps: list[dict[str, Any]]
    days_per_week: int
    starts_on: date | None
    ends_on: date | None
    weeks: int | None = None
    session_days: tuple[str, ...] = ()
    session_time: str = ""
    max_growth: int = engine.DEFAULT_GROWTH


def _whole(field: str, value: object, low: int, high: int) -> int:
    text = str(value).strip()
    if not text.lstrip("-").isdigit():
        raise InputError(field, f"must be a whole number from {low} to {high}")
    number = int(text)
    if not low <= number <= high:
        raise InputError(field, f"{number} is out of range; must be from {low} to {high}")
    return number


def _date(field: str, value: object) -> date | None:
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(field, "must be a date like 2026-12-01") from None


def limit_words(tech: Technique) -> str:
    """A technique's safe maximum, as the editor and its refusals say it."""
    per = " per side" if tech.per_side else ""
    return f"{duration_words(tech.max_seconds)}{per}, holds included"


def _check_time(
    where: str, tech: Technique, seconds: int, holds: int, because: str, strict_times: bool
) -> str:
    """SCREENING.md: a step stays within its technique's `max_seconds` (time per side, holds
    included) unless the therapist records why (`longer_because`, returned; "" when not
    needed); for a client whose answers set `strict_times`, never above it. The refusal
    names the field and the limit, never the client's answers behind it."""
    total = seconds * max(holds, 1)
    if total <= tech.max_seconds:
        return ""
    if strict_times:
        raise InputError(
            f"{where} seconds",
            f"{duration_words(total)} is above this technique's safe maximum for this client: "
            f"at most {limit_words(tech)}",
        )
    if not because:
        raise InputError(
            f"{where} why longer",
            f"{tech.name} is done for at most {limit_words(tech)}; shorten it, or say why "
            "this client needs longer",
        )
    return because


def safety_refusal(
    field: str, words: str, allowed: list[str] | None = None, *, detail: bool, withheld: str
) -> InputError:
    """A refusal that comes from the client's own safety answers.

    With `detail` (the client shares everything) it says the limit (`words`, `allowed`).
    Without (the client shares only whether they did their programme) it says `withheld`:
    that the client's own answers rule the value out, never which answer or what limit,
    as a blocked step does (docs/clinic.md, "Consent"). Every refusal derived from the
    client's screening goes through here, so none can say more than the share allows."""
    if detail:
        return InputError(field, words, allowed)
    return InputError(field, withheld)


def clean_step(
    number: int,
    raw: dict[str, Any],
    library: Library,
    safety: planner.ScreeningOutcome | None,
    *,
    strict_times: bool = False,
    check_time: bool = True,
    detail: bool = True,
) -> dict[str, Any]:
    """One step, validated (`number` counts from 1 and names the field in errors).

    With the client's `safety`, the pressure may not be above what it allows (the planner's
    cap); without (a template), only the technique's own variants count. The time stays
    within the technique's maximum unless a reason is given, and with `strict_times` (the
    client's answers, `Safety.strict_times`) always (`_check_time`; the editor, which only
    shows the time, leaves it out with `check_time=False`). Without `detail` a refusal that
    comes from the client's safety answers does not say the limit they set
    (`safety_refusal`)."""
    where = f"step {number}"
    tech = library.technique(str(raw.get("technique", "")))
    if tech is None or tech.before_session:
        raise InputError(f"{where} technique", "choose a technique from the library")
    seconds = _whole(f"{where} seconds", raw.get("seconds", ""), MIN_SECONDS, MAX_SECONDS)
    if seconds % planner.QUANTUM:
        raise InputError(f"{where} seconds", f"must be a multiple of {planner.QUANTUM}")
    holds = _whole(f"{where} holds", raw.get("holds", 0) or 0, 0, MAX_HOLDS)
    if seconds * max(holds, 1) > MAX_STEP_SECONDS:
        raise InputError(
            f"{where} holds", f"holds times seconds must be at most {MAX_STEP_SECONDS // 60} minutes"
        )
    sides = str(raw.get("sides", "") or sides_of(tech)[0])
    if sides not in sides_of(tech):
        raise InputError(
            f"{where} sides", f"{tech.name} is done on: {', '.join(sides_of(tech))}", sides_of(tech)
        )
    intensity = str(raw.get("intensity", ""))
    if intensity not in intensities_of(tech):
        raise InputError(f"{where} intensity", f"{tech.name} has these intensities", intensities_of(tech))
    if safety is not None and safety.level not in planner.REFUSED_LEVELS:
        cap = planner.intensity_cap(tech, safety)
        if RANK[intensity] > RANK[cap]:
            raise safety_refusal(
                f"{where} intensity",
                f"the client's safety answers allow at most {cap} pressure for {tech.name}",
                [i for i in INTENSITIES if RANK[i] <= RANK[cap]],
                detail=detail,
                withheld=f"the client's own safety answers leave out {intensity} pressure for "
                f"{tech.name} (what they answered is not shared with you): choose a gentler one",
            )
    note = str(raw.get("note", "")).strip()
    if len(note) > MAX_STEP_NOTE:
        raise InputError(f"{where} note", f"keep it to {MAX_STEP_NOTE} characters")
    because = str(raw.get("longer_because", "") or "").strip()
    if len(because) > MAX_STEP_NOTE:
        raise InputError(f"{where} why longer", f"keep it to {MAX_STEP_NOTE} characters")
    return {
        "technique": tech.id,
        "seconds": seconds,
        "holds": holds,
        "sides": sides,
        "intensity": intensity,
        "note": note,
        "longer_because": _check_time(where, tech, seconds, holds, because, strict_times)
        if check_time
        else because,
    }


def clean(
    fields: dict[str, Any],
    library: Library,
    safety: planner.ScreeningOutcome | None = None,
    *,
    strict_times: bool = False,
    detail: bool = True,
) -> Cleaned:
    """A therapist's programme input, validated; InputError names the first wrong field.
    (`safety`, `strict_times` and `detail` as for `clean_step`.)"""
    title = str(fields.get("title", "")).strip()
    if not title:
        raise InputError("title", "give the programme a title, e.g. 'Desk back, weeks 1-2'")
    if len(title) > MAX_TITLE:
        raise InputError("title", f"keep it to {MAX_TITLE} characters")
    note = str(fields.get("note", "")).strip()
    if len(note) > MAX_NOTE:
        raise InputError("note", f"keep it to {MAX_NOTE} characters")
    session_days = _days(fields.get("session_days"))
    if session_days:
        days = len(session_days)
    else:
        days = _whole("days per week", fields.get("days_per_week", ""), 1, 7)
    starts_on = _date("start date", fields.get("starts_on"))
    ends_on = _date("end date", fields.get("ends_on"))
    if starts_on and ends_on and ends_on < starts_on:
        raise InputError("end date", "must be on or after the start date")
    weeks = _weeks(fields.get("weeks"), starts_on, ends_on)
    session_time = _time(fields.get("session_time"))
    growth = str(fields.get("max_growth", "") or "").strip()
    max_growth = _whole("grow by", growth, 0, 100) if growth else engine.DEFAULT_GROWTH
    if max_growth not in engine.GROWTH_CHOICES:
        raise InputError("grow by", "must be one of these percents", [str(g) for g in engine.GROWTH_CHOICES])
    raw_steps = fields.get("steps") or []
    if not isinstance(raw_steps, list) or not raw_steps:
        raise InputError("steps", "add at least one step from the library")
    if len(raw_steps) > MAX_STEPS:
        raise InputError("steps", f"a programme has at most {MAX_STEPS} steps")
    steps = [
        clean_step(i, raw, library, safety, strict_times=strict_times, detail=detail)
        for i, raw in enumerate(raw_steps, start=1)
    ]
    return Cleaned(
        title, note, steps, days, starts_on, ends_on, weeks, session_days, session_time, max_growth
    )


def _days(value: object) -> tuple[str, ...]:
    """Planned weekdays (a list, or text "mon,wed,fri"); empty: the client's schedule."""
    if isinstance(value, str):
        value = [part.strip().lower() for part in value.split(",") if part.strip()]
    if value is None or value == []:
        return ()
    if not isinstance(value, list | tuple) or any(d not in WEEKDAYS for d in value):
        raise InputError("planned days", "must be weekdays", WEEKDAYS)
    return tuple(d for d in WEEKDAYS if d in value)


def _time(value: object) -> str:
    """A planned time HH:MM; empty: the client's schedule."""
    text = str(value or "").strip()
    if text and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", text):
        raise InputError("time", "must be a time as HH:MM, e.g. 18:30")
    return text


def _weeks(value: object, starts_on: date | None, ends_on: date | None) -> int | None:
    """The programme's weeks (empty: from the dates when both are given, else 6)."""
    text = str(value or "").strip()
    if not text:
        return None
    weeks = _whole("weeks", text, MIN_WEEKS, MAX_WEEKS)
    if starts_on and ends_on:
        spanned = math.ceil(((ends_on - starts_on).days + 1) / 7)
        if spanned != weeks:
            raise InputError(
                "weeks", f"the dates span {spanned} weeks; leave weeks empty or change the dates"
            )
    return weeks


def steps_of(programme: Programme, library: Library) -> list[dict[str, Any]]:
    """A stored programme's steps with every field filled in (rows written elsewhere, such
    as the admin, may lack some): unknown fields get the technique's first choice."""
    out = []
    for raw in programme.steps if isinstance(programme.steps, list) else []:
        if not isinstance(raw, dict):
            continue
        tech = library.technique(str(raw.get("technique", "")))
        sides = sides_of(tech) if tech is not None else ("none",)
        levels = intensities_of(tech) if tech is not None else ("gentle",)
        seconds, holds = raw.get("seconds"), raw.get("holds")
        out.append(
            {
                "technique": str(raw.get("technique", "")),
                "seconds": seconds if isinstance(seconds, int) and 0 < seconds <= MAX_STEP_SECONDS else 60,
                "holds": holds if isinstance(holds, int) and 0 <= holds <= MAX_HOLDS else 0,
                "sides": raw.get("sides") if raw.get("sides") in sides else sides[0],
                "intensity": raw.get("intensity") if raw.get("intensity") in levels else levels[0],
                "note": str(raw.get("note", ""))[:MAX_STEP_NOTE],
                "longer_because": str(raw.get("longer_because", "") or "")[:MAX_STEP_NOTE],
            }
        )
    return out


# --- time -------------------------------------------------------------------------------------


def _step_sides(step: dict[str, Any], tech: Technique) -> list[str]:
    """The player's sides for a step: a per-side technique on both sides is two steps."""
    if tech.per_side:
        return ["left", "right"] if step["sides"] == "both" else [step["sides"]]
    return [step["sides"]]


def step_seconds(step: dict[str, Any]) -> int:
    """A step's time per side, holds included."""
    return int(step["seconds"]) * max(int(step.get("holds") or 0), 1)


def session_seconds(steps: list[dict[str, Any]], library: Library) -> int:
    """How long a session of these steps takes, get-ready countdowns included (`core.script`)."""
    sequence: list[tuple[Technique | None, str, str]] = []
    total = 0
    for step in steps:
        tech = library.technique(step["technique"])
        if tech is None:
            continue
        for side in _step_sides(step, tech):
            sequence.append((tech, side, tech.position))
            total += step_seconds(step)
    return total + sum(countdowns(library, sequence))


def duration_words(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    if minutes and rest:
        return f"{minutes} min {rest} s"
    return f"{minutes} min" if minutes else f"{rest} s"


# --- the client's own safety answers rule ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Safety:
    """What of a client's data decides which steps they may do."""

    outcome: planner.ScreeningOutcome
    screening: Screening | None
    disabled: frozenset[str]
    strict_times: bool = False
    """No step past its technique's maximum time, whatever the therapist's reason
    (`screening.strict_time_limit`: numb skin, blood thinners, fragile bones)."""

    @property
    def refused(self) -> bool:
        return self.outcome.level in planner.REFUSED_LEVELS


def safety_of(person: Person) -> Safety:
    screening = services.latest_screening(person)
    if screening is None:
        outcome: planner.ScreeningOutcome = services.outcome(person)
    else:
        outcome = services.StoredOutcome(screening.level, tuple(screening.precautions), screening.advice)  # type: ignore[arg-type]
    return Safety(outcome, screening, services.disabled_techniques(person), _strict_times(screening))


def _strict_times(screening: Screening | None) -> bool:
    """Whether the client's latest answers keep every step within its technique's maximum
    (answers that no longer read as valid count as yes: the safe side)."""
    if screening is None:
        return False
    rules = load_content().rules
    try:
        answers = validate_answers(screening.answers, rules)
    except InputError:
        return True
    return strict_time_limit(answers, rules)


def blockers(step: dict[str, Any], safety: Safety, library: Library) -> tuple[str, ...]:
    """Why a step may not be done by this client (ids, see `planner.step_blockers`)."""
    tech = library.technique(step["technique"])
    if tech is None:
        return ("unknown",)
    found: list[str] = []
    if step_seconds(step) > tech.max_seconds and (safety.strict_times or not step.get("longer_because")):
        found.append(OVER_MAX)
    for side in _step_sides(step, tech):
        for reason in planner.step_blockers(tech, side, step["intensity"], safety.outcome, safety.disabled):  # type: ignore[arg-type]
            if reason not in found:
                found.append(reason)
    return tuple(found)


def blocker_words(ids: tuple[str, ...], library: Library) -> list[str]:
    """Reasons in plain words (the precaution notes of content/precautions.yaml)."""
    out = []
    for item in ids:
        if item.startswith("level:"):
            out.append(LEVEL_WORDS.get(item[6:], "Your last safety check asks you to see a clinician first."))
        elif item == "turned_off":
            out.append("You turned this technique off. Turn it back on under Insights if you want to do it.")
        elif item == "unknown":
            out.append("This technique is no longer in the library.")
        elif item == OVER_MAX:
            out.append(
                "Longer than this technique's safe maximum, so it is left out (the therapist is told)."
            )
        elif item.startswith("intensity:"):
            out.append(f"Your safety answers allow at most {item[10:]} pressure for this step.")
        else:
            out.append(library.precaution_words(item))
    return out


def step_views(
    programme: Programme,
    safety: Safety | None,
    library: Library,
    *,
    detail: bool = True,
    steps: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Each step as pages show it, with its blockers (none without `safety`). Without
    `detail` (a therapist the client shares only adherence with) a blocked step says only
    that the client's safety answers block it. `steps`: this week's (`engine.steps_now`),
    else the steps as set."""
    views = []
    for number, step in enumerate(steps if steps is not None else steps_of(programme, library), start=1):
        tech = library.technique(step["technique"])
        found = blockers(step, safety, library) if safety is not None else ()
        words = blocker_words(found, library)
        if found and not detail:
            words = ["The client's own safety answers leave this step out."]
        holds = int(step.get("holds") or 0)
        side = as_side(step["sides"])
        cue, stop_if = _cue(tech, step), list(tech.stop_if) if tech else []
        views.append(
            {
                "number": number,
                "technique": step["technique"],
                "name": tech.name if tech else step["technique"],
                "kind": tech.kind if tech else "",
                "side_id": step["sides"],
                "sides": library.label("side", step["sides"]),
                "per_side": bool(tech and tech.per_side and step["sides"] == "both"),
                "intensity": library.label("intensity", step["intensity"]),
                "time": (
                    f"{holds} × {duration_words(int(step['seconds']))} holds"
                    if holds
                    else duration_words(int(step["seconds"]))
                ),
                # This week's time and pressure moved by the dose rules: what was set.
                "set_time": duration_words(step["set_seconds"])
                if step.get("set_seconds", step["seconds"]) != step["seconds"]
                else "",
                "set_intensity": library.label("intensity", step["set_intensity"])
                if step.get("set_intensity", step["intensity"]) != step["intensity"]
                else "",
                "note": step.get("note", ""),
                # The words for the side worked; a per-side step on both sides reads for
                # the left side, and `written_for_left` says so where the words name it.
                "stop_if": [render_side(text, side) for text in stop_if],
                "cue": render_side(cue, side),
                "written_for_left": side == "both" and any(map(has_placeholders, [cue, *stop_if])),
                "blocked": words,
            }
        )
    return views


def _cue(tech: Technique | None, step: dict[str, Any]) -> str:
    if tech is None:
        return ""
    variant = tech.variant(step["intensity"])
    cue = variant.cue if variant is not None else ""
    holds = int(step.get("holds") or 0)
    if holds:
        cue = f"{cue} Do {holds} holds of {step['seconds']} seconds, resting briefly between them.".strip()
    return cue


def allowed_steps(
    programme: Programme, safety: Safety, library: Library, steps: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """The steps the client may do now (none when the screening refuses self-care), of
    `steps` (this week's) or the steps as set."""
    chosen = steps if steps is not None else steps_of(programme, library)
    return [step for step in chosen if not blockers(step, safety, library)]


def this_week(
    programme: Programme, library: Library, now: datetime | None = None
) -> tuple[list[dict[str, Any]], ProgrammeView | None]:
    """The programme's steps as the client does them this week, and the engine's view of its
    weeks (None without a run of it: the steps as set)."""
    view = engine.view_of(programme, now)
    return engine.steps_now(programme, steps_of(programme, library), library, view), view


# --- flags: the therapist is told ------------------------------------------------------------------


def report_blocked(programme: Programme, safety: Safety | None = None) -> int:
    """Raise a `blocked_step` flag for each step the client's answers block (once per
    programme, technique and screening) and tell the therapist in one notice. Returns how
    many flags were new."""
    if programme.client is None or programme.is_template:
        return 0
    library = load_content().library
    safety = safety if safety is not None else safety_of(programme.client)
    screening = safety.screening.pk if safety.screening is not None else 0
    new = []
    for step in steps_of(programme, library):
        found = blockers(step, safety, library)
        if not found:
            continue
        tech = library.technique(step["technique"])
        name = tech.name if tech else step["technique"]
        # The step, not the answer behind it: therapists with an adherence-only share see flags too.
        detail = f"{programme.title}: {name} is blocked by the client's own safety answers."
        if found == (OVER_MAX,):
            detail = f"{programme.title}: {name} is above this technique's safe maximum for this client."
        _, created = Flag.objects.get_or_create(
            client=programme.client,
            key=f"blocked:{programme.pk}:{step['technique']}:{screening}"[:120],
            defaults={"kind": Flag.Kind.BLOCKED_STEP, "detail": detail[:300], "raised_at": timezone.now()},
        )
        if created:
            new.append(name)
    if new and programme.therapist is not None and programme.therapist.is_active:
        notify(
            programme.therapist,
            kind="blocked_step",
            key=f"blocked:{programme.pk}",
            text=f"{_label(programme.client)}: the client's safety answers block "
            f"{', '.join(new)} in '{programme.title}'.",
            url=f"/clinic/clients/{programme.client_id}/programme/",
            subject=programme.client,
        )
    return len(new)


def report_blocked_for(person: Person) -> int:
    """After the client's answers or turned-off techniques changed: check every programme."""
    safety: Safety | None = None
    count = 0
    for programme in current_for(person):
        safety = safety if safety is not None else safety_of(person)
        count += report_blocked(programme, safety)
    return count


def _label(person: Person) -> str:
    return person.user.label if person.user is not None else (person.name or f"Client {person.pk}")


# --- storing ----------------------------------------------------------------------------------


def _apply(row: Programme, cleaned: Cleaned) -> None:
    row.title, row.note, row.steps = cleaned.title, cleaned.note, cleaned.steps
    row.days_per_week, row.starts_on, row.ends_on = cleaned.days_per_week, cleaned.starts_on, cleaned.ends_on
    row.weeks, row.session_days = cleaned.weeks, list(cleaned.session_days)
    row.session_time, row.max_growth = cleaned.session_time, cleaned.max_growth


def _tell_client(row: Programme, therapist: User, first: bool) -> None:
    """One notice per burst of edits: the key coalesces while the client has not read it."""
    user = row.client.user if row.client is not None else None
    if user is None:
        return
    verb = "set you a home programme" if first else "changed your home programme"
    notify(
        user,
        kind="programme",
        key=f"programme:{row.pk}",
        text=f"{therapist.label} {verb}: {row.title}.",
        url="/today/",
    )


def current_by(therapist: User, client: Person) -> Programme | None:
    """The therapist's current programme for this client (the newest not archived)."""
    return Programme.objects.filter(
        therapist=therapist, client=client, is_template=False, archived_at__isnull=True
    ).first()


def save_for_client(therapist: User, client: Person, cleaned: Cleaned) -> Programme:
    """Create or change the therapist's programme for a client (`revision` grows on each
    change), tell the client, and flag any step their answers block."""
    with transaction.atomic():
        row = (
            Programme.objects.select_for_update()
            .filter(therapist=therapist, client=client, is_template=False, archived_at__isnull=True)
            .first()
        )
        first = row is None
        if row is None:
            row = Programme(therapist=therapist, client=client)
        else:
            row.revision += 1
        _apply(row, cleaned)
        row.save()
        _tell_client(row, therapist, first)
        report_blocked(row)
        engine.sync(row)
    return row


def save_template(therapist: User, cleaned: Cleaned, template: Programme | None = None) -> Programme:
    """Create or change one of the therapist's templates."""
    row = template if template is not None else Programme(therapist=therapist, is_template=True)
    if template is not None:
        row.revision += 1
    _apply(row, cleaned)
    row.save()
    return row


def templates_of(therapist: User) -> list[Programme]:
    return list(Programme.objects.filter(therapist=therapist, is_template=True, archived_at__isnull=True))


def assign(therapist: User, template: Programme, clients: list[Person]) -> list[Programme]:
    """Give each client a copy of a template (with `template` set), replacing the
    therapist's current programme for them, all in one transaction."""
    if not clients:
        raise InputError("clients", "choose at least one client")
    library = load_content().library
    for client in clients:
        safety = safety_of(client)
        for number, step in enumerate(steps_of(template, library), start=1):
            tech = library.technique(step["technique"])
            if tech is not None and safety.strict_times and step_seconds(step) > tech.max_seconds:
                raise InputError(
                    "clients",
                    f"{_label(client)}: step {number} ({tech.name}) is above this technique's safe "
                    f"maximum for this client (at most {limit_words(tech)}); give them their own "
                    "programme, or shorten the step in the template",
                )
    made = []
    with transaction.atomic():
        for client in clients:
            old = current_by(therapist, client)
            if old is not None:
                old.archived_at = timezone.now()
                old.save(update_fields=["archived_at", "updated_at"])
            row = Programme.objects.create(
                therapist=therapist,
                client=client,
                template=template,
                title=template.title,
                note=template.note,
                steps=steps_of(template, load_content().library),
                days_per_week=template.days_per_week,
                starts_on=template.starts_on,
                ends_on=template.ends_on,
                weeks=template.weeks,
                session_days=list(template.session_days or []),
                session_time=template.session_time,
                max_growth=template.max_growth,
            )
            if old is not None:
                engine.sync(old)  # its weeks stop
            _tell_client(row, therapist, first=True)
            report_blocked(row)
            engine.sync(row)
            made.append(row)
    return made


def archive(programme: Programme) -> None:
    """Stop a programme: archived (kept), and its weeks on the engine stopped."""
    programme.archived_at = timezone.now()
    programme.save(update_fields=["archived_at", "updated_at"])
    engine.sync(programme)


# --- the planner's suggestion for a client ----------------------------------------------------------


def suggestion(person: Person) -> list[dict[str, Any]]:
    """Steps from the planner for this client's stored profile and latest screening (as
    `services.make_plan` plans them), one step per technique with its sides joined."""
    safety = safety_of(person)
    if safety.refused:
        raise InputError("suggestion", "the client's last safety check asks them to see a doctor first")
    plan = planner.plan_session(
        services.get_profile(person),
        safety.outcome,
        load_content().library,
        seed=0,
        adaptation=services.adaptation(person),
    )
    steps: dict[str, dict[str, Any]] = {}
    for step in plan.steps:
        known = steps.get(step.technique)
        if known is None:
            steps[step.technique] = {
                "technique": step.technique,
                "seconds": step.seconds,
                "holds": 0,
                "sides": step.side,
                "intensity": step.intensity,
                "note": "",
                "longer_because": "",
            }
        else:  # the other side of a per-side step
            known["sides"] = "both"
            known["seconds"] = max(known["seconds"], step.seconds)
    return list(steps.values())


# --- the client's side -----------------------------------------------------------------------------


def current_for(person: Person, known_count: int | None = None, today: date | None = None) -> list[Programme]:
    """The programmes a client follows today (not archived, started, not ended), newest
    first. `known_count` is the count the Today rows already read (`services.state_rows`):
    0 means no query at all, which is always so in personal mode (nobody has a therapist)."""
    if known_count == 0:
        return []
    day = today if today is not None else local_time(person).today  # the client's day
    return list(
        Programme.objects.filter(client=person, is_template=False, archived_at__isnull=True)
        .filter(Q(starts_on__isnull=True) | Q(starts_on__lte=day))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .select_related("therapist")
    )


def own(person: Person, programme_id: int) -> Programme | None:
    """One of the client's own programmes (any state), or None."""
    return (
        Programme.objects.filter(pk=programme_id, client=person, is_template=False)
        .select_related("therapist")
        .first()
    )


def client_view(programme: Programme, safety: Safety, library: Library) -> dict[str, Any]:
    """A programme as the client's Today page and handout show it: this week's steps, and
    its week and dose change when it runs on the engine."""
    steps, view = this_week(programme, library)
    allowed = allowed_steps(programme, safety, library, steps)
    total = session_seconds(allowed, library)
    change = next((c for c in view.changes if c.week == view.week), None) if view is not None else None
    return {
        "programme": programme,
        "therapist": programme.therapist.label if programme.therapist is not None else "your therapist",
        "headline": headline(view) if view is not None else "",
        "days": engine.days_words(view.days) if view is not None else "",
        "time": view.time if view is not None else "",
        "change": engine.change_words(change.action, change.reason, client=True)
        if change is not None and change.week > 1
        else "",
        "steps": step_views(programme, safety, library, steps=steps),
        "refused": safety.refused,
        "level_words": LEVEL_WORDS.get(safety.outcome.level, ""),
        "total": duration_words(total),
        "total_seconds": total,
        "startable": bool(allowed) and not safety.refused,
    }


def for_today(person: Person, known_count: int | None = None) -> list[dict[str, Any]]:
    """What Today shows under "From your therapist" (empty in personal mode, without a query).
    A programme whose start date has come starts its weeks here (`engine.sync`), once."""
    programmes = current_for(person, known_count)
    if not programmes:
        return []
    started_here = set()
    for programme in programmes:
        if programme.starts_on is not None and engine.run_of(programme) is None:
            engine.sync(programme)
            started_here.add(programme.pk)
    library = load_content().library
    safety = safety_of(person)
    # Today's own programme line ("Week 1 of 4 ...", front/_programme_today.html) says where
    # the client is; this section says it only when its weeks started in this very request,
    # after Today's rows were read (so that line is not on the page yet).
    return [{**client_view(p, safety, library), "headline_here": p.pk in started_here} for p in programmes]


def today_state_sql() -> str:
    """Today's part of its one query (`backease.front.today`): the count and last change of
    the client's programmes ('g'), so that any change to them changes the page."""
    table = connection.ops.quote_name(Programme._meta.db_table)
    return (
        f"SELECT 'g', MAX(updated_at), COUNT(*), NULL, NULL FROM {table} "
        "WHERE client_id = {owner} AND archived_at IS NULL"
    )


def for_today_rows(person: Person, rows: tuple[tuple[Any, ...], ...] | None) -> list[dict[str, Any]]:
    """`for_today`, given Today's rows when they were read: their count of programmes
    (none in personal mode, where this asks nothing more of the database)."""
    count = next((row[2] for row in rows if row[0] == "g"), 0) if rows is not None else None
    return for_today(person, known_count=count)


def session_plan(
    programme: Programme, safety: Safety, library: Library, chosen: list[dict[str, Any]] | None = None
) -> planner.Plan:
    """The programme as a plan in the planner's shape: the allowed steps (of `chosen`, this
    week's, or as set), each side a step, with the get-ready countdowns and the script of
    `core.script`, so the time adds up and the voice speaks as in any plan."""
    steps: list[planner.PlanStep] = []
    units = []
    for step in allowed_steps(programme, safety, library, chosen):
        tech = library.technique(step["technique"])
        assert tech is not None  # allowed steps name known techniques
        for side in _step_sides(step, tech):
            units.append((tech, step, side))
    who = programme.therapist.label if programme.therapist is not None else "your therapist"
    prepare = countdowns(library, [(tech, side, tech.position) for tech, _, side in units])
    for (tech, step, side), countdown in zip(units, prepare, strict=True):
        regions = tuple(
            r for r in tech.regions if side not in ("left", "right") or region_side(r) in (side, "none")
        )
        steps.append(
            planner.PlanStep(
                technique=tech.id,
                name=tech.name,
                kind=tech.kind,
                seconds=step_seconds(step),
                side=side,  # type: ignore[arg-type]
                intensity=step["intensity"],
                regions=regions,
                tools=tech.tools,
                position=tech.position,
                reason=step.get("note") or f"From your therapist, {who}.",
                cue=render_side(_cue(tech, step), as_side(side)),
                prepare_seconds=countdown,
            )
        )
    steps = planner.with_scripts(steps, library)
    total = sum(s.seconds + s.prepare_seconds for s in steps)
    before, after = planner.session_checklists(safety.outcome, library)
    return planner.Plan(
        level=safety.outcome.level,
        minutes=max(1, math.ceil(total / 60)),
        total_seconds=total,
        precautions=planner.effective_precautions(safety.outcome),
        before=before,
        after=after,
        steps=tuple(steps),
        advice=safety.outcome.advice,
        notes=(f"From your therapist: {programme.title}",),
    )


def start(person: Person, programme: Programme) -> Session:
    """Start (or carry on) a session of the client's programme: the allowed steps only."""
    library = load_content().library
    safety = safety_of(person)
    report_blocked(programme, safety)
    if safety.refused:
        raise InputError("programme", LEVEL_WORDS.get(safety.outcome.level, "see a clinician first"))
    steps, view = this_week(programme, library)
    if not allowed_steps(programme, safety, library, steps):
        raise InputError("programme", "your safety answers leave out every step of this programme")
    marker = {
        "id": programme.pk,
        "title": programme.title,
        "therapist": programme.therapist.label if programme.therapist is not None else "",
        "revision": programme.revision,
    }
    if view is not None:  # a new week's dose is a new plan
        marker["week"] = view.week
    last = Plan.objects.filter(person=person, seed=services.PROGRAMME_SEED).first()
    if last is not None and last.data.get("programme") == marker:
        unfinished = services.unfinished_session(person, last)
        same_safety = last.screening_id == (safety.screening.pk if safety.screening else None)
        if unfinished is not None and same_safety:
            return services.resume_session(unfinished)
    row = services.save_programme_plan(
        person, session_plan(programme, safety, library, steps), marker, safety.screening
    )
    return services.start_session(person, row)


def on_client_change(sender: type, instance: Screening | TechniqueChoice, **kwargs: Any) -> None:
    """A client answered the safety questions again or turned a technique off: tell their
    therapists about steps that are blocked now (server mode; in personal mode nobody has
    a therapist, so nothing is read)."""
    if not is_server():
        return
    person = Person.objects.filter(pk=instance.person_id).first()
    if person is not None:
        transaction.on_commit(lambda: _report_quietly(person), robust=True)


def _report_quietly(person: Person) -> None:
    try:
        report_blocked_for(person)
    except Exception:  # telling the therapist must never cost the client their save
        log.exception("could not check programme steps against a client's new answers")
