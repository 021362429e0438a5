"""What clinic mode keeps. A client's own data (screenings, sessions, diary) stays in
`backease.store`, hanging off their `Person`; these tables say who may see it, what the
therapist asked for, and what needs the therapist's attention."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from backease.store.models import Person


class CareLink(models.Model):
    """A client sharing with a therapist, by the client's consent (an accepted invitation).

    Ending it (the client revokes, or the therapist leaves) removes access, never data:
    the row stays with `ended_at` set, and a new invitation makes a new link."""

    class Share(models.TextChoices):
        FULL = "full", "My diary and sessions (pain, stops, what helped)"
        ADHERENCE = "adherence", "Only whether I did my programme"

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="client_links"
    )
    client = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="care_links")
    share = models.CharField(max_length=10, choices=Share.choices, default=Share.FULL)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.CharField(max_length=10, blank=True, default="", help_text="client, therapist or admin")
    # What needs this therapist's attention about this client, kept up to date as flags are
    # raised, acknowledged or closed (`backease.clinic.summaries.refresh_need`), so the
    # dashboard sorts its clients by need without reading their flags.
    open_flags = models.PositiveIntegerField(default=0, help_text="open flags this therapist may see")
    need_rank = models.PositiveSmallIntegerField(default=9, help_text="flags.NEED_RANK of the most serious")
    need_at = models.DateTimeField(null=True, blank=True, help_text="newest open flag of that rank")
    open_since = models.DateTimeField(
        null=True, blank=True, help_text="oldest open flag: where reading starts"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["therapist", "client"], condition=Q(ended_at__isnull=True), name="one_active_link"
            )
        ]
        indexes = [models.Index(fields=["therapist", "ended_at", "need_rank", "-need_at"], name="link_need")]

    @property
    def active(self) -> bool:
        return self.ended_at is None


class Invitation(models.Model):
    """A therapist's invitation: a link, or its short code typed in by the client."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations"
    )
    code = models.CharField(max_length=16, unique=True, help_text="short code, also the link's last part")
    email = models.EmailField(blank=True, default="", help_text="who it was sent to, if anyone")
    note = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="the account signed up with it: only they may accept it",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class Programme(models.Model):
    """A home programme a therapist set for a client, or a template (`client` empty).

    `steps` is a list of {technique, seconds, holds, sides, intensity, note}; validated by
    `backease.clinic.programmes`. `revision` grows on each saved change."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="programmes"
    )
    client = models.ForeignKey(
        Person, on_delete=models.CASCADE, null=True, blank=True, related_name="programmes"
    )
    is_template = models.BooleanField(default=False)
    template = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    title = models.CharField(max_length=120)
    note = models.TextField(blank=True, default="")
    steps = models.JSONField(default=list)
    days_per_week = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    # The programme on the programme engine (`backease.clinic.engine`, docs/clinic.md): its
    # weeks, planned days and time (empty: the client's own schedule), and how much longer
    # than the therapist set the dose rules may make a step.
    weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="weeks on the programme engine (empty: from the dates, else 6)"
    )
    session_days = models.JSONField(
        default=list, blank=True, help_text="planned weekdays, mon..sun (empty: the client's schedule)"
    )
    session_time = models.CharField(
        max_length=5, blank=True, default="", help_text="HH:MM (empty: the client's schedule)"
    )
    max_growth = models.PositiveSmallIntegerField(
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="percent a step may grow above the set time as the dose steps up (0: never longer)",
    )
    revision = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["client", "archived_at"], name="programme_client")]


class Flag(models.Model):
    """Something about a client that needs a therapist's attention. `key` makes raising
    the same flag twice (e.g. for the same session) a no-op."""

    class Kind(models.TextChoices):
        RED_FLAG = "red_flag", "Red-flag answer in the safety check"
        PAIN_HIGH = "pain_high", "Pain 7 or more"
        PAIN_RISE = "pain_rise", "Pain up by 3 or more"
        SHARP_PAIN = "sharp_pain", "Stopped for sharp pain"
        NO_SESSION = "no_session", "No session for 14 days"
        LOW_ADHERENCE = "low_adherence", "Adherence under 50 % this week"
        BLOCKED_STEP = "blocked_step", "A programme step is blocked by the client's safety check"

    client = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    key = models.CharField(max_length=120)
    detail = models.CharField(max_length=300, blank=True, default="")
    raised_at = models.DateTimeField()
    closed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="closed by itself: its condition cleared while no therapist could see it",
    )

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["client", "key"], name="one_flag_per_key")]
        indexes = [models.Index(fields=["client", "closed_at", "raised_at"], name="flag_client_open_at")]


class FlagAck(models.Model):
    """A therapist has seen a flag (each therapist acknowledges for themselves)."""

    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="acks")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flag", "therapist"], name="one_ack_per_therapist")]
        indexes = [models.Index(fields=["therapist", "at"], name="flagack_therapist_at")]


class ClientSummary(models.Model):
    """What the dashboard shows of a client's history, kept up to date as their data is
    written (`backease.clinic.summaries`), as the store keeps `HistoryTotals`: pain per day
    over the trend's 8 weeks, and the day their time flags were last checked. The
    dashboard reads this row instead of the client's ratings; `backease clinic summaries`
    rebuilds every row."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, primary_key=True, related_name="summary")
    pain_days = models.JSONField(default=dict, help_text="ISO day -> [sum of ratings, ratings], last 8 weeks")
    checked_on = models.DateField(null=True, blank=True, help_text="the day the time flags were last checked")
    updated_at = models.DateTimeField(auto_now=True)


class Outcome(models.Model):
    """An outcome measure: pain now (NRS 0-10) or the Patient-Specific Functional Scale
    (`data`: {"items": [{"activity": str, "score": 0-10}]})."""

    class Kind(models.TextChoices):
        NRS = "nrs", "Pain (0-10)"
        PSFS = "psfs", "Patient-Specific Functional Scale"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    at = models.DateTimeField()
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["person", "kind", "at"], name="outcome_person_kind_at")]


class Notice(models.Model):
    """A message in someone's notice list (and maybe an email). Changes with the same
    `key` while unread update one notice instead of adding one per edit."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices")
    subject = models.ForeignKey(Person, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=24)
    key = models.CharField(max_length=120)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notice_recipient_unread")]


# The pre-visit intake and treatment notes live in files of their own
# (backease/clinic/intake_models.py, backease/clinic/notes_models.py).
from backease.clinic.intake_models import Intake as Intake  # noqa: E402
from backease.clinic.notes_models import TreatmentNote as TreatmentNote  # noqa: E402
