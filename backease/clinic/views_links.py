"""Invitations and consent pages: a therapist's invitations (/clinic/invitations/), the
invitation a client opens (/invite/<code>/), the client's sharing page (/me/sharing/),
and a therapist ending a link (/clinic/clients/<id>/end/).

The rules live in `backease.clinic.invites`; a client's data is reached only through
`backease.clinic.access`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from backease.accounts import ratelimit
from backease.accounts.access_log import log_access
from backease.accounts.mode import current_person
from backease.accounts.models import User
from backease.clinic import invites
from backease.clinic.access import link_for, therapist_required
from backease.clinic.adapter import INVITATION_SESSION_KEY
from backease.clinic.models import CareLink, Invitation
from backease.core.errors import InputError

SHARE_CHOICES = [
    {
        "value": "full",
        "label": "My diary and sessions",
        "hint": "Your therapist sees your pain ratings, notes, sessions (what you did, what helped, "
        "any stops) and whether you did the programme.",
    },
    {
        "value": "adherence",
        "label": "Only whether I did my programme",
        "hint": "Your therapist sees on which days you did a session, and nothing about your pain or notes.",
    },
]
TOO_MANY_CODES = (
    "Too many invitation codes that do not work were tried from here. Wait an hour and try again, "
    "or ask your therapist to send you the invitation link."
)
SHARE_SHORT = {
    CareLink.Share.FULL: "Diary and sessions",
    CareLink.Share.ADHERENCE: "Only whether you did the programme",
}


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _invite_link(request: HttpRequest, invitation: Invitation) -> str:
    """The invitation's address on the public origin (never the Host a request sent)."""
    path = reverse("invite", args=[invitation.code])
    origin = getattr(settings, "PUBLIC_ORIGIN", "")
    return origin + path if origin else request.build_absolute_uri(path)


def _invitation_rows(request: HttpRequest, rows: list[Invitation]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        state = invites.state_of(row)
        out.append(
            {
                "row": row,
                "code": invites.pretty_code(row.code),
                "link": _invite_link(request, row),
                "state": state,
                "state_words": invites.STATE_WORDS[state],
                "accepted_by": row.accepted_by.user.label
                if row.accepted_by is not None and row.accepted_by.user is not None
                else "",
                "claimed_by": row.claimed_by.label if row.claimed_by is not None else "",
            }
        )
    return out


# --- the therapist's invitations ----------------------------------------------------------------


@therapist_required
@require_http_methods(["GET", "POST"])
def invitations(request: HttpRequest) -> HttpResponse:
    """GET: the therapist's invitations and a form for a new one. POST: make one (and email it)."""
    therapist = _user(request)
    form = {"email": "", "note": ""}
    error: InputError | None = None
    created: Invitation | None = None
    status = 200
    if request.method == "POST":
        form = {name: request.POST.get(name, "")[:400] for name in ("email", "note")}
        try:
            created = invites.create_invitation(therapist, form["email"], form["note"])
        except InputError as exc:
            error, status = exc, 400
        else:
            invites.email_invitation(created, _invite_link(request, created))
            return redirect(reverse("clinic_invitations") + f"?new={created.pk}")
    new_id = request.GET.get("new", "")
    rows = _invitation_rows(request, invites.invitations_of(therapist))
    ctx = {
        "rows": rows,
        "new": next((r for r in rows if str(r["row"].pk) == new_id), None),
        "form": form,
        "error": error,
        "days": invites.VALID_DAYS,
    }
    return render(request, "clinic/invitations.html", ctx, status=status)


@therapist_required
@require_POST
def withdraw_invitation(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        invites.withdraw(_user(request), invitation_id)
    except InputError as exc:
        raise Http404(exc.message) from exc
    return redirect("clinic_invitations")


# --- the invitation a client opens --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, code: str) -> HttpResponse:
    """Signed out: who invites, what sharing means, and sign up or sign in (the code is kept
    in the session, which allows sign-up). Signed in: choose what to share, and accept."""
    if ratelimit.exhausted(request, "invitation_code", invites.CODE_TRIES):
        return render(request, "clinic/invite.html", {"closed": TOO_MANY_CODES}, status=429)
    invitation = invites.find(code)
    user = request.user if request.user.is_authenticated else None
    reason = invites.closed_reason(invitation, user=user)
    if reason or invitation is None:
        ratelimit.count(request, "invitation_code", invites.CODE_TRIES)
        request.session.pop(INVITATION_SESSION_KEY, None)
        return render(
            request, "clinic/invite.html", {"closed": reason}, status=404 if invitation is None else 410
        )
    here = reverse("invite", args=[invitation.code])
    ctx: dict[str, Any] = {
        "invitation": invitation,
        "therapist": invitation.therapist.label,
        "choices": SHARE_CHOICES,
        "chosen": request.POST.get("share", CareLink.Share.FULL),
    }
    if not request.user.is_authenticated:
        request.session[INVITATION_SESSION_KEY] = invitation.code
        ctx["signup"] = reverse("account_signup") + f"?next={here}"
        ctx["login"] = reverse("account_login") + f"?next={here}"
        return render(request, "clinic/invite.html", ctx)
    if invitation.therapist_id == request.user.pk:
        ctx["own"] = True
        return render(request, "clinic/invite.html", ctx)
    if request.method == "POST":
        try:
            invites.accept(invitation.code, _user(request), request.POST.get("share", ""))
        except InputError as exc:
            ctx["error"] = exc
            return render(request, "clinic/invite.html", ctx, status=400)
        request.session.pop(INVITATION_SESSION_KEY, None)
        return redirect(reverse("my_sharing") + "?accepted=1")
    return render(request, "clinic/invite.html", ctx)


# --- the client's sharing page ------------------------------------------------------------------


def _sharing_context(request: HttpRequest) -> dict[str, Any]:
    person = current_person(request)
    pending = request.session.get(INVITATION_SESSION_KEY, "")
    pending_invitation = invites.find(pending) if pending else None
    if pending_invitation is not None and invites.closed_reason(pending_invitation, user=request.user):
        pending_invitation = None
    return {
        "links": [
            {
                "link": link,
                "therapist": link.therapist.label,
                "share": SHARE_SHORT.get(link.share, link.share),
            }
            for link in invites.links_of(person)
        ],
        "choices": SHARE_CHOICES,
        "pending": pending_invitation,
        "accepted": request.GET.get("accepted") == "1",
        "ended": request.GET.get("ended") == "1",
        "code": "",
    }


@require_http_methods(["GET", "POST"])
def my_sharing(request: HttpRequest) -> HttpResponse:
    """The client's therapists, what each sees, and a box to type an invitation code."""
    ctx = _sharing_context(request)
    if request.method == "POST":
        code = request.POST.get("code", "")[:40]
        ctx["code"] = code
        if ratelimit.exhausted(request, "invitation_code", invites.CODE_TRIES):
            ctx["error"] = InputError("code", TOO_MANY_CODES)
            return render(request, "clinic/sharing.html", ctx, status=429)
        invitation = invites.find(code)
        reason = invites.closed_reason(invitation, user=request.user)
        if not reason and invitation is not None:
            return redirect("invite", code=invitation.code)
        ratelimit.count(request, "invitation_code", invites.CODE_TRIES)
        ctx["error"] = InputError("code", reason)
        return render(request, "clinic/sharing.html", ctx, status=400)
    return render(request, "clinic/sharing.html", ctx)


@require_POST
def change_share(request: HttpRequest, link_id: int) -> HttpResponse:
    try:
        invites.change_share(current_person(request), link_id, request.POST.get("share", ""))
    except InputError as exc:
        if exc.field == "link":
            raise Http404(exc.message) from exc
        ctx = _sharing_context(request)
        ctx["error"] = exc
        return render(request, "clinic/sharing.html", ctx, status=400)
    return redirect("my_sharing")


@require_http_methods(["GET", "POST"])
def stop_sharing(request: HttpRequest, link_id: int) -> HttpResponse:
    """GET: ask to confirm. POST: end the link (the therapist loses access at once)."""
    person = current_person(request)
    link = next((row for row in invites.links_of(person) if row.pk == link_id), None)
    if link is None:
        raise Http404("no such link")
    if request.method == "POST":
        invites.revoke(person, link_id)
        return redirect(reverse("my_sharing") + "?ended=1")
    ctx = {
        "title": f"Stop sharing with {link.therapist.label}?",
        "what": f"{link.therapist.label} will no longer see anything of yours, from now on.",
        "consequence": "Your diary, sessions and programme stay with you. "
        "To share again later you need a new invitation.",
        "action": reverse("my_sharing_end", args=[link.pk]),
        "button": "Stop sharing",
        "cancel": reverse("my_sharing"),
    }
    return render(request, "front/confirm_delete.html", ctx)


# --- the therapist ends a link --------------------------------------------------------------------


@therapist_required
@require_http_methods(["GET", "POST"])
def end_link(request: HttpRequest, client_id: int) -> HttpResponse:
    """GET: ask to confirm. POST: stop following this client (their data stays theirs)."""
    therapist = _user(request)
    link = link_for(therapist, client_id)
    label = link.client.user.label if link.client.user is not None else str(link.client)
    if request.method == "POST":
        invites.end_by_therapist(link)
        log_access(therapist, link.client, "change", "ended the care link")
        return redirect("/clinic/")
    ctx = {
        "title": f"Stop following {label}?",
        "what": f"You will no longer see anything of {label}'s, and their programme stays with them.",
        "consequence": "To follow them again you need to send a new invitation.",
        "action": reverse("clinic_end_link", args=[client_id]),
        "button": "Stop following",
        "cancel": "/clinic/",
    }
    return render(request, "front/confirm_delete.html", ctx)
