"""A person's history as plain records: the input of insights and adaptive planning.

`backease.store.services.history(person)` builds these from the database; tests and
benchmarks build them directly.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from backease.core.vocab import Intensity, Side

# --- the one definition of each number (docs/insights.md, "What counts") ------------------

MIN_SECONDS_COUNTED = 60
"""A session counts toward the 2-3 a week goal once at least a minute of its steps was done."""


def step_done(seconds_done: int) -> bool:
    """A step is done when time was spent on it (all of it or part, skipped later or not).

    "Steps done" in the session summary, the CSV export and History all count this, and
    "what helps you" calls a technique used in a session when one of its steps is done.
    """
    return seconds_done > 0


def session_counts(status: str, seconds_done: Iterable[int]) -> bool:
    """A session counts (toward the goal, in History, insights, the report and the CSV)
    when it was not skipped and at least MIN_SECONDS_COUNTED seconds of its steps were
    done, whether it was completed, stopped or left running. A session stopped or
    abandoned after a few seconds does not count."""
    if status == "skipped":
        return False
    return sum(seconds_done) >= MIN_SECONDS_COUNTED


@dataclass(frozen=True, slots=True)
class StepRecord:
    """One step of a past session."""

    technique: str
    side: Side
    seconds_planned: int
    seconds_done: int
    intensity: Intensity
    feedback: str = ""
    """'' (none), 'helped', 'neutral', 'too_much' or 'sharp_pain'."""
    skipped: bool = False


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A past session with its ratings (0-10, None when not given)."""

    started_at: datetime
    status: str
    """'running', 'completed', 'skipped' or 'stopped'."""
    pain_before: int | None = None
    pain_after: int | None = None
    stress_before: int | None = None
    stress_after: int | None = None
    steps: tuple[StepRecord, ...] = ()
    counted: bool | None = None
    """`session_counts` as already worked out (the store keeps it), when the steps are
    left out; None: work it out from `steps`."""

    @property
    def done(self) -> bool:
        """The session counts: see `session_counts` (not skipped, >= 60 s of steps done)."""
        if self.counted is not None:
            return self.counted
        return session_counts(self.status, (s.seconds_done for s in self.steps))

    @property
    def seconds_done(self) -> int:
        return sum(s.seconds_done for s in self.steps)

    @property
    def steps_done(self) -> int:
        """Steps with time spent on them (`step_done`)."""
        return sum(1 for s in self.steps if step_done(s.seconds_done))

    @property
    def pain_change(self) -> int | None:
        """pain_after - pain_before (negative is better), when both were rated."""
        if self.pain_before is None or self.pain_after is None:
            return None
        return self.pain_after - self.pain_before


@dataclass(frozen=True, slots=True)
class PainRecord:
    """A pain diary entry."""

    at: datetime
    pain: int
    region: str = ""
    """A region id, or '' for the upper back in general."""
    stress: int | None = None


@dataclass(frozen=True, slots=True)
class TechniqueChoice:
    """The person's standing choice about a technique."""

    technique: str
    disabled: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class TechniqueEffect:
    """What one person's history says about one technique (see docs/insights.md).

    `estimate` is the posterior mean change in pain points (after minus before)
    associated with using the technique in a session, shrunk toward zero: negative
    means less pain. It is an association in this person's sessions, not proof.
    """

    technique: str
    sessions: int
    """Sessions with pain rated before and after in which the technique was used."""
    helped: int
    """Of those, sessions in which pain went down."""
    estimate: float
    sd: float
    low: float
    """Lower end of the 95 % credible interval."""
    high: float
    too_much: int = 0
    """Times 'too much' was pressed during it."""
    sharp_pain: int = 0
    too_much_intensity: Intensity | None = None
    """The gentlest intensity at which 'too much' was pressed, if ever."""
