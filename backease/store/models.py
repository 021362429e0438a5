"""What backease keeps: a person's profile, screenings, plans, sessions, step logs and
pain diary. Personal mode has exactly one person, the local owner."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

PAIN_VALIDATORS = [MinValueValidator(0), MaxValueValidator(10)]


LOCAL_OWNER = "local"
"""`Person.key` of the one local owner of personal mode."""


class Person(models.Model):
    """Someone doing self-care. Personal mode: the single local owner, whose `key` is
    'local'; the unique constraint makes a second one impossible, whatever the
    concurrency of the first writes. Server mode: one per account (`user`); deleting the
    account deletes the person and everything of theirs."""

    name = models.CharField(max_length=100, blank=True, default="")
    key = models.CharField(
        max_length=20, null=True, blank=True, default=None, help_text="'local' for the local owner"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="person"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # db_default: rows written without it (an app process from before the migration,
    # still running while it is applied) read as "not chosen yet".
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text="IANA name, e.g. Europe/Paris; empty: not chosen yet (backease.store.zones)",
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="one_person_per_key")]

    def __str__(self) -> str:
        return self.name or f"person {self.pk}"


class Profile(models.Model):
    """What the person told us about their back (the planner's input)."""

    PRESSURES = [("gentle", "gentle"), ("moderate", "moderate"), ("firm", "firm")]

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="profile")
    areas = models.JSONField(default=list, help_text="[{region, pain 0-10, knot}]")
    causes = models.JSONField(default=list)
    tools = models.JSONField(default=list)
    minutes = models.PositiveSmallIntegerField(default=15)
    pressure = models.CharField(max_length=10, choices=PRESSURES, blank=True, default="")
    no_floor = models.BooleanField(default=False)
    stress = models.PositiveSmallIntegerField(default=0, validators=PAIN_VALIDATORS)
    session_days = models.JSONField(default=list, help_text='planned weekdays, e.g. ["mon", "wed", "fri"]')
    session_time = models.CharField(max_length=5, default="18:00", help_text="planned start time, HH:MM")
    # Reminders of the planned sessions (backease.core.reminders, docs/reminders.md). db_default:
    # rows written by an app process from before the migration read as the defaults.
    quiet_hours = models.CharField(
        max_length=11, blank=True, default="", db_default="", help_text='local "HH:MM-HH:MM", or "": none'
    )
    reminders_on = models.BooleanField(default=True, db_default=True)
    snoozed_until = models.DateTimeField(null=True, blank=True, default=None)
    # The secret of the person's subscribable calendar URL (/calendar/<token>.ics); None: none.
    calendar_token = models.CharField(max_length=64, null=True, blank=True, default=None, unique=True)
    updated_at = models.DateTimeField(auto_now=True)


class Screening(models.Model):
    """One answered safety screen and its result."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="screenings")
    answers = models.JSONField(default=dict)
    level = models.CharField(max_length=32)
    reasons = models.JSONField(default=list)
    precautions = models.JSONField(default=list)
    advice = models.TextField(blank=True, default="")
    clearance = models.JSONField(
        null=True,
        blank=True,
        default=None,
        help_text=(
            "the clinician clearance this screen used: {given_on: YYYY-MM-DD, rules: [standing rule"
            " ids that fired when it was given]}; it lasts 12 weeks from given_on"
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "created_at"], name="screening_person_created")]


class Plan(models.Model):
    """A generated plan, kept as the JSON the planner produced (with names and cues)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="plans")
    screening = models.ForeignKey(Screening, on_delete=models.SET_NULL, null=True, blank=True)
    profile = models.JSONField(default=dict, help_text="the profile the plan was made from")
    seed = models.IntegerField(default=0)
    level = models.CharField(max_length=32)
    minutes = models.PositiveSmallIntegerField()
    total_seconds = models.PositiveIntegerField()
    data = models.JSONField(default=dict, help_text="the full plan: steps, checklists, notes")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["person", "created_at"], name="plan_person_created")]


class Session(models.Model):
    """A guided session, saved as it goes."""

    class Status(models.TextChoices):
        RUNNING = "running"
        COMPLETED = "completed"
        SKIPPED = "skipped"
        STOPPED = "stopped"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="sessions")
    plan = models.ForeignKey(Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions")
    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    pain_before = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN_VALIDATORS)
    pain_after = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN_VALIDATORS)
    stress_before = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN_VALIDATORS)
    stress_after = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN_VALIDATORS)
    stop_reason = models.CharField(max_length=200, blank=True, default="")
    notes = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["person", "started_at"], name="session_person_started")]


class StepLog(models.Model):
    """What happened in one step of a session."""

    class Feedback(models.TextChoices):
        HELPED = "helped"
        NEUTRAL = "neutral"
        TOO_MUCH = "too_much"
        SHARP_PAIN = "sharp_pain"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="steps")
    index = models.PositiveSmallIntegerField()
    technique = models.CharField(max_length=80)
    side = models.CharField(max_length=5)
    seconds_planned = models.PositiveIntegerField()
    seconds_done = models.PositiveIntegerField(default=0)
    intensity = models.CharField(max_length=10)
    feedback = models.CharField(max_length=12, choices=Feedback.choices, blank=True, default="")
    skipped = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["session", "index"]
        constraints = [models.UniqueConstraint(fields=["session", "index"], name="one_log_per_step")]


class PainEntry(models.Model):
    """A pain diary entry."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="pain_entries")
    at = models.DateTimeField(db_index=True)
    region = models.CharField(max_length=40, blank=True, default="")
    pain = models.PositiveSmallIntegerField(validators=PAIN_VALIDATORS)
    stress = models.PositiveSmallIntegerField(null=True, blank=True, validators=PAIN_VALIDATORS)
    note = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "at"], name="painentry_person_at")]


class TechniqueChoice(models.Model):
    """A technique the person turned off (or back on). Sharp pain turns one off."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="technique_choices")
    technique = models.CharField(max_length=80)
    disabled = models.BooleanField(default=True)
    reason = models.CharField(max_length=200, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["technique"]
        constraints = [
            models.UniqueConstraint(fields=["person", "technique"], name="one_choice_per_technique")
        ]


class SessionFacts(models.Model):
    """Derived from a session and its step logs (kept up to date by `services` on every
    write; `backease store rebuild-aggregates` recomputes them): whether it counts toward
    the goal (`backease.core.history.session_counts`), the time and steps done, and what it
    adds to the person's `HistoryTotals` (`backease.core.insights.Contribution`)."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, primary_key=True, related_name="facts")
    counted = models.BooleanField(default=False)
    seconds_done = models.PositiveIntegerField(default=0)
    steps_done = models.PositiveSmallIntegerField(default=0)
    contribution = models.JSONField(default=dict)


class HistoryTotals(models.Model):
    """Running totals over the person's whole history (`backease.core.insights.Totals`):
    counted sessions per week and what "what helps you" needs, so insights and planning
    read them instead of every session. Updated in the same transaction as each session
    write; weeks are counted in `zone` (the person's time zone; rebuilt when it changes)."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="+")
    zone = models.CharField(max_length=64)
    data = models.JSONField(default=dict)


class WriteKey(models.Model):
    """A client's key for one write (the `Idempotency-Key` header), kept once accepted.

    The player makes a key for each save and sends it again when it retries (after going
    offline, or when an answer was lost), so a write that reaches the server twice is
    applied once (docs/phone.md).
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="write_keys")
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "key"], name="one_write_per_key")]


class ProgrammeRun(models.Model):
    """A programme of `weeks` weeks from `started_on` (the person's local date), started by
    the person or from a therapist's programme (`source_id`: the clinic programme's id, no
    foreign key so the store does not depend on clinic). At most one active run per person.
    The rules and what the person sees are `backease.core.programme`; `store.programmes`
    reads and writes these."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        FINISHED = "finished"
        STOPPED = "stopped"

    class Source(models.TextChoices):
        SELF = "self"
        THERAPIST = "therapist"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="programme_runs")
    started_on = models.DateField(help_text="week 1 starts on this local date")
    weeks = models.PositiveSmallIntegerField(default=6)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.SELF)
    source_id = models.IntegerField(null=True, blank=True, help_text="the clinic programme's id, if any")
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(status="active"), name="one_active_programme"
            )
        ]


class ProgrammeWeek(models.Model):
    """A week of a run with its dose, decided once (at the start for week 1, when the week
    before ends for the others) with the rule's action and reason in words."""

    run = models.ForeignKey(ProgrammeRun, on_delete=models.CASCADE, related_name="programme_weeks")
    week = models.PositiveSmallIntegerField()
    planned_days = models.JSONField(default=list, help_text="local dates YYYY-MM-DD")
    dose = models.JSONField(default=dict, help_text="backease.core.programme.Dose.to_json()")
    action = models.CharField(max_length=5, help_text="start, up, hold or down")
    reason = models.CharField(max_length=300)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["run", "week"]
        constraints = [models.UniqueConstraint(fields=["run", "week"], name="one_dose_per_programme_week")]


class CheckIn(models.Model):
    """The weekly check-in: average pain (NPRS 0-10), one activity rated 0-10 (PSFS) and, at
    weeks 2, 4 and the last, the PGIC (1-7). One per run and week: a second replaces it."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="checkins")
    run = models.ForeignKey(ProgrammeRun, on_delete=models.CASCADE, related_name="checkins")
    week = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    pain = models.PositiveSmallIntegerField(validators=PAIN_VALIDATORS)
    activity = models.CharField(max_length=80)
    activity_score = models.PositiveSmallIntegerField(validators=PAIN_VALIDATORS)
    pgic = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )

    class Meta:
        ordering = ["run", "week"]
        constraints = [models.UniqueConstraint(fields=["run", "week"], name="one_checkin_per_programme_week")]
