"""A signed-in person's own account pages (server mode): /me/account/, /me/tokens/,
/me/access-log/ and deleting the account. Each acts only on `request.user` and their own
person; nothing here takes another person's id."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from backease.accounts import access_log, parts, services, tokens
from backease.accounts.mode import current_person
from backease.accounts.models import ApiToken, User
from backease.core.errors import InputError

ACCESS_LOG_PAGE = 50
RESET_EMAILS = "3/h"
"""Password-reset emails one requester (address, or account) may ask for one email address."""
TOKEN_DAYS = (("30", "30 days"), ("90", "90 days"), ("365", "1 year"), ("", "Never"))


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required ran first
    return user


@login_required
@require_http_methods(["GET", "POST"])
def my_account(request: HttpRequest) -> HttpResponse:
    """Who you are, email notices, and the way to security, tokens, the log, export and deletion.
    POST saves the display name and the email-notices choice."""
    user = _user(request)
    error = None
    if request.method == "POST":
        try:
            services.save_settings(
                user,
                display_name=request.POST.get("display_name", ""),
                email_notices=request.POST.get("email_notices") == "on",
            )
        except InputError as exc:
            error = exc
        else:
            return redirect(reverse("my_account") + "?saved=1")
    context = {
        "account": user,
        "error": error,
        "saved": request.GET.get("saved") == "1",
        "has_second_factor": services.has_second_factor(user),
        "active_tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True).count(),
    }
    return render(request, "accounts/account.html", context, status=400 if error else 200)


def _token_rows(user: User) -> list[dict[str, Any]]:
    now = timezone.now()
    rows = []
    for row in ApiToken.objects.filter(user=user):
        if row.revoked_at is not None:
            state = "revoked"
        elif row.expires_at is not None and row.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        rows.append({"row": row, "state": state})
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def my_tokens(request: HttpRequest) -> HttpResponse:
    """Personal access tokens for the API: list them, and make one (its secret shown once)."""
    user = _user(request)
    created = secret = error = None
    form: dict[str, Any] = {"name": "", "scopes": ["read"], "days": "90"}
    if request.method == "POST":
        form = {
            "name": request.POST.get("name", ""),
            "scopes": request.POST.getlist("scopes"),
            "days": request.POST.get("days", "90"),
        }
        try:
            days = _days(form["days"])
            created, secret = tokens.create_token(user, form["name"], form["scopes"], days)
        except InputError as exc:
            error = exc
        else:
            form = {"name": "", "scopes": ["read"], "days": "90"}
    context = {
        "tokens": _token_rows(user),
        "created": created,
        "secret": secret,
        "error": error,
        "form": form,
        "day_choices": TOKEN_DAYS,
        "revoked": request.GET.get("revoked") == "1",
    }
    return render(request, "accounts/tokens.html", context, status=400 if error else 200)


def _days(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InputError("days", "must be a whole number from 1 to 365 (or no expiry)")
    return int(text)


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of your own tokens (someone else's id: 404, nothing changes)."""
    if not tokens.revoke_token(_user(request), token_id):
        raise Http404("no such active token")
    return redirect(reverse("my_tokens") + "?revoked=1")


def _page_number(request: HttpRequest) -> int:
    text = request.GET.get("page", "")
    return int(text) if text.isdigit() and 0 < int(text) < 10**6 else 1


@login_required
@require_GET
def my_access_log(request: HttpRequest) -> HttpResponse:
    """Who viewed, exported or changed your data, newest first, a page at a time."""
    person = current_person(request)
    found = access_log.log_of(person)
    total = found.count()
    last = max(1, -(-total // ACCESS_LOG_PAGE))
    page = min(_page_number(request), last)
    offset = (page - 1) * ACCESS_LOG_PAGE
    pages = {
        "page": page,
        "last": last,
        "first_shown": offset + 1 if total else 0,
        "last_shown": min(total, offset + ACCESS_LOG_PAGE),
        "total": total,
        "newer": f"?page={page - 1}" if page > 1 else "",
        "older": f"?page={page + 1}" if page < last else "",
    }
    rows = list(found.order_by("-at", "-id")[offset : offset + ACCESS_LOG_PAGE])
    return render(request, "accounts/access_log.html", {"rows": rows, "pages": pages, "what": "entries"})


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """GET: what goes and what stays; POST with the password: delete the account for good."""
    user = _user(request)
    person = current_person(request)
    error = None
    if request.method == "POST":
        if not user.check_password(request.POST.get("password", "")):
            error = "That is not your password. Nothing was deleted."
        else:
            services.delete_account(user)
            logout(request)
            return render(request, "accounts/deleted.html")
    context = {
        "summary": services.account_summary(user, person),
        "parts": parts.deleting(user, person),
        "error": error,
    }
    return render(request, "accounts/delete.html", context, status=400 if error else 200)


def password_reset(request: HttpRequest) -> HttpResponse:
    """allauth's "forgot your password" page, with reset emails counted per requester and
    address (RESET_EMAILS): a stranger who asks for someone's reset emails uses up their own
    allowance, never the owner's, so the owner still gets theirs. allauth still limits each
    requester to 20 an hour in all (ACCOUNT_RATE_LIMITS["reset_password"])."""
    from allauth.account.views import password_reset as allauth_password_reset
    from allauth.core.ratelimit import respond_429

    from backease.accounts import ratelimit

    email = request.POST.get("email", "").strip().lower()[:254] if request.method == "POST" else ""
    if email and ratelimit.exhausted(request, "reset_email", RESET_EMAILS, extra=email):
        return respond_429(request)
    response = allauth_password_reset(request)
    if email and response.status_code in (301, 302, 303):
        ratelimit.count(request, "reset_email", RESET_EMAILS, extra=email)
    return response  # type: ignore[no-any-return]
