"""Invitations and consent: how a client comes to share with a therapist, changes what
they share, and stops sharing.

A therapist makes an invitation (a link `/invite/<code>/` and the same short code to
type in); the client opens it, chooses what to share and accepts, which makes an active
`CareLink`. Either side can end the link later: access stops at once, data stays.

Codes are CODE_LENGTH characters from an alphabet without look-alikes (no 0/O, 1/I/L),
drawn with `secrets`: 31**8 is about 8.5e11 codes, so hitting one of even a thousand open
invitations takes about 850 million tries on average, and `backease.accounts.ratelimit`
allows each address (and each account) CODE_TRIES wrong codes an hour on /invite/ and
/me/sharing/. An invitation lasts VALID_DAYS and is used once: the first account that signs
up with it claims it (`claim_for_signup`), and only that account may then accept it.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Literal

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from backease.accounts.mode import person_for
from backease.accounts.models import User
from backease.clinic.access import is_therapist
from backease.clinic.models import CareLink, Invitation
from backease.clinic.notices import notify
from backease.core.errors import InputError
from backease.store.models import Person

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""31 characters: digits and capitals without 0, 1, I, L and O, which are easy to mix up."""
CODE_LENGTH = 8
VALID_DAYS = 14
MAX_NOTE = 200

CODE_TRIES = "20/h"
"""Wrong or closed codes one address, or one account, may look up (backease.accounts.ratelimit)."""

State = Literal["open", "expired", "withdrawn", "used", "claimed"]
STATE_WORDS: dict[str, str] = {
    "open": "Open",
    "expired": "Expired",
    "withdrawn": "Withdrawn",
    "used": "Accepted",
    "claimed": "Signed up, not accepted yet",
}
CLOSED_MESSAGES: dict[str, str] = {
    "expired": "This invitation has expired. Ask your therapist for a new one.",
    "withdrawn": "Your therapist withdrew this invitation. "
    "Ask them for a new one if you still want to share.",
    "used": "This invitation has been used already. Ask your therapist for a new one if you need it.",
    "claimed": "This invitation has been used already. Ask your therapist for a new one if you need it.",
    "unknown": "There is no invitation with this code. Check the code (it has 8 letters and digits) "
    "or ask your therapist for a new one.",
}


def new_code() -> str:
    """A fresh random code (not checked for uniqueness: `create_invitation` does that)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """A code as typed ("abcd-efgh", " ABCD EFGH ") in its stored form ("ABCDEFGH")."""
    return "".join(ch for ch in text.upper() if ch.isalnum())[:40]


def pretty_code(code: str) -> str:
    """A code split in two halves to read out or type: "ABCD-EFGH"."""
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def state_of(invitation: Invitation, now: datetime | None = None, user: object = None) -> State:
    """Where the invitation stands; "claimed" when an account signed up with it that is not
    `user` (the account that signed up with it still sees it open, to accept it)."""
    if invitation.withdrawn_at is not None:
        return "withdrawn"
    if invitation.accepted_at is not None:
        return "used"
    if invitation.expires_at <= (now or timezone.now()):
        return "expired"
    if invitation.claimed_by_id is not None and invitation.claimed_by_id != getattr(user, "pk", None):
        return "claimed"
    return "open"


def create_invitation(
    therapist: User, email: str = "", note: str = "", now: datetime | None = None
) -> Invitation:
    """A new invitation from `therapist`, valid for VALID_DAYS (InputError names a bad field)."""
    if not is_therapist(therapist):
        raise InputError("therapist", "only therapists can invite clients")
    email = email.strip().lower()
    note = note.strip()
    if email:
        from django.core.exceptions import ValidationError
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            raise InputError(
                "email", "this is not an email address; leave it empty to share the link yourself"
            ) from None
    if len(note) > MAX_NOTE:
        raise InputError("note", f"keep the note to {MAX_NOTE} characters")
    expires = (now or timezone.now()) + timedelta(days=VALID_DAYS)
    for _ in range(5):
        try:
            with transaction.atomic():
                return Invitation.objects.create(
                    therapist=therapist, code=new_code(), email=email, note=note, expires_at=expires
                )
        except IntegrityError:  # the same code drawn twice: draw again
            continue
    raise RuntimeError("could not draw an unused invitation code")


def email_invitation(invitation: Invitation, link: str) -> None:
    """Send the invitation to its email address (nothing when it has none)."""
    if not invitation.email:
        return
    who = invitation.therapist.label
    body = (
        f"{who} invites you to follow a home programme with backease and to share how it goes.\n\n"
        f"Open this link to accept: {link}\n"
        f"Or type this code on your sharing page: {pretty_code(invitation.code)}\n\n"
        "You choose what to share (your diary and sessions, or only whether you did the programme) "
        "and you can stop sharing at any time.\n"
        f"The invitation ends on {timezone.localtime(invitation.expires_at):%d %B %Y}."
    )
    if invitation.note:
        body = f"{invitation.note}\n\n{body}"
    send_mail(f"backease: an invitation from {who}", body, None, [invitation.email])


def invitations_of(therapist: User) -> list[Invitation]:
    return list(
        Invitation.objects.filter(therapist=therapist).select_related("accepted_by__user", "claimed_by")[:100]
    )


def withdraw(therapist: User, invitation_id: int) -> Invitation:
    """Withdraw one of the therapist's open invitations (InputError when it is not open)."""
    row = Invitation.objects.filter(therapist=therapist, pk=invitation_id).first()
    if row is None:
        raise InputError("invitation", "no such invitation")
    if state_of(row) not in ("open", "claimed"):
        raise InputError("invitation", "only an invitation not yet accepted can be withdrawn")
    row.withdrawn_at = timezone.now()
    row.save(update_fields=["withdrawn_at"])
    return row


def find(code: str) -> Invitation | None:
    """The invitation with this code (as typed), whatever its state, or None."""
    code = normalise_code(code)
    if len(code) != CODE_LENGTH:
        return None
    return Invitation.objects.filter(code=code).select_related("therapist").first()


def closed_reason(invitation: Invitation | None, now: datetime | None = None, user: object = None) -> str:
    """Why an invitation cannot be accepted (by `user`, or by someone signed out), in plain
    words; "" when it can."""
    if invitation is None or not invitation.therapist.is_active:
        return CLOSED_MESSAGES["unknown"]
    state = state_of(invitation, now, user)
    return "" if state == "open" else CLOSED_MESSAGES[state]


def claim_for_signup(code: str, user: User) -> Invitation | None:
    """`user`, just signed up with the invitation `code` kept in their session, claims it:
    from now on only they may accept it, and nobody else can sign up with it. None (and
    nothing claimed) when it is not open any more or another account claimed it first.
    Call it inside the transaction that saves the new account: two sign-ups at once meet on
    the row lock, and the second finds it claimed."""
    found = find(code)
    if found is None:
        return None
    row = Invitation.objects.select_for_update().select_related("therapist").get(pk=found.pk)
    if closed_reason(row):
        return None
    row.claimed_by = user
    row.claimed_at = timezone.now()
    row.save(update_fields=["claimed_by", "claimed_at"])
    return row


def accept(code: str, user: User, share: str) -> CareLink:
    """`user` accepts the invitation with this code, sharing `share`: an active link.

    Raises InputError naming `code` (unknown, expired, withdrawn, used, or the therapist's
    own) or `share`. An active link with the same therapist gets the new share instead.
    """
    if share not in CareLink.Share.values:
        raise InputError("share", "choose what to share", CareLink.Share.values)
    with transaction.atomic():
        found = find(code)
        invitation = (
            Invitation.objects.select_for_update().select_related("therapist").get(pk=found.pk)
            if found is not None
            else None
        )
        reason = closed_reason(invitation, user=user)
        if reason or invitation is None:
            raise InputError("code", reason)
        therapist = invitation.therapist
        if therapist.pk == user.pk:
            raise InputError("code", "this is your own invitation: send it to your client")
        person = person_for(user)
        link = (
            CareLink.objects.select_for_update()
            .filter(therapist=therapist, client=person, ended_at__isnull=True)
            .first()
        )
        if link is None:
            link = CareLink.objects.create(therapist=therapist, client=person, share=share)
        elif link.share != share:
            link.share = share
            link.save(update_fields=["share"])
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = person
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        notify(
            therapist,
            kind="link_accepted",
            key=f"link:{link.pk}",
            text=f"{user.label} accepted your invitation and shares {share_words(link.share)}.",
            url="/clinic/",
            subject=person,
        )
    return link


def share_words(share: str) -> str:
    """What a share level lets the therapist see, as part of a sentence."""
    if share == CareLink.Share.FULL:
        return "their diary and sessions (pain, stops, what helped) and whether they did the programme"
    return "only whether they did the programme"


# --- the client's side: their links -------------------------------------------------------------


def links_of(person: Person) -> list[CareLink]:
    """The therapists the person shares with now."""
    return list(
        CareLink.objects.filter(client=person, ended_at__isnull=True)
        .select_related("therapist")
        .order_by("created_at")
    )


def _own_link(person: Person, link_id: int) -> CareLink:
    link = (
        CareLink.objects.filter(client=person, pk=link_id, ended_at__isnull=True)
        .select_related("therapist")
        .first()
    )
    if link is None:
        raise InputError("link", "you do not share with this therapist (any more)")
    return link


def change_share(person: Person, link_id: int, share: str) -> CareLink:
    """The client changes what one therapist sees (from now on)."""
    link = _own_link(person, link_id)  # first: someone else's link is "no such link", whatever the form
    if share not in CareLink.Share.values:
        raise InputError("share", "choose what to share", CareLink.Share.values)
    if link.share != share:
        link.share = share
        link.save(update_fields=["share"])
        notify(
            link.therapist,
            kind="link_changed",
            key=f"link:{link.pk}",
            text=f"{_client_label(person)} now shares {share_words(share)}.",
            url="/clinic/",
            subject=person,
        )
    return link


def revoke(person: Person, link_id: int) -> CareLink:
    """The client stops sharing with one therapist: access ends at once, data stays."""
    link = _own_link(person, link_id)
    _end(link, "client")
    notify(
        link.therapist,
        kind="link_ended",
        key=f"link:{link.pk}",
        text=f"{_client_label(person)} stopped sharing with you. Their programme stays with them.",
        url="/clinic/",
    )
    return link


def end_by_therapist(link: CareLink) -> CareLink:
    """The therapist ends a link (an active one, found through `access.link_for`)."""
    _end(link, "therapist")
    return link


def _end(link: CareLink, by: str) -> None:
    link.ended_at = timezone.now()
    link.ended_by = by
    link.save(update_fields=["ended_at", "ended_by"])


def _client_label(person: Person) -> str:
    user = person.user
    return user.label if user is not None else (person.name or "A client")
