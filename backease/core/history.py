"""A person's history as plain records: the input of insights and adaptive planning.

`backease.store.services.history(person)` builds these from the database; tests and
benchmarks build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from backease.core.vocab import Intensity, Side


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

    @property
    def done(self) -> bool:
        """Something was done: finished or stopped, or time spent on a step."""
        if self.status == "skipped":
            return False
        return self.status in ("completed", "stopped") or any(s.seconds_done > 0 for s in self.steps)

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
