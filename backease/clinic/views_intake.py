"""The pre-visit intake (the client's form) and the visit page (the therapist's check per
kind of massage). Rules and data: `backease.clinic.intake`; docs/clinic.md."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from backease.accounts.access_log import log_access
from backease.accounts.mode import current_person
from backease.clinic import intake as intakes
from backease.clinic.access import therapist_required
from backease.clinic.models import Intake
from backease.clinic.notices import notify
from backease.content.loader import load_content
from backease.core.errors import InputError
from backease.store.models import Person


@therapist_required
@require_POST
def send_intake(request: HttpRequest, client_id: int) -> HttpResponse:
    """Send the client an intake to fill in before the visit (one waiting at a time)."""
    row = intakes.send(request.user, client_id)  # type: ignore[arg-type]
    url = reverse("my_intake", args=[row.pk])
    if row.client.user is not None:
        notify(
            row.client.user,
            kind="intake",
            key=f"intake:{row.pk}",
            text=f"{request.user.label} asks you to fill in a short form before your visit.",  # type: ignore[union-attr]
            url=url,
            subject=row.client,
        )
    log_access(request.user, row.client, "change", "sent an intake form")  # type: ignore[arg-type]
    return redirect(reverse("clinic_visit", args=[client_id]) + "?sent=1")


@therapist_required
@require_http_methods(["GET"])
def visit(request: HttpRequest, client_id: int) -> HttpResponse:
    """The visit page: the latest intake's answers and, per kind of massage, go / modify /
    not today / do not treat, with reasons and sources."""
    client, done, waiting = intakes.latest_for_therapist(request.user, client_id)  # type: ignore[arg-type]
    content = load_content()
    ctx: dict[str, Any] = {
        "client": client,
        "intake": done,
        "waiting": waiting,
        "waiting_url": request.build_absolute_uri(reverse("my_intake", args=[waiting.pk])) if waiting else "",
        "sent": request.GET.get("sent") == "1",
    }
    if done is not None:
        result, checked = intakes.visit_check(done)
        ctx.update(
            {
                "rows": intakes.answer_rows(content, done),
                "level": result.level,
                "title": content.result_title(result.level, result.advice),
                "advice": result.advice,
                "reasons": [{"message": r.message, "source": r.source} for r in result.reasons],
                "refer": result.level in intakes.REFER_LEVELS,
                "notes": checked.notes,
                "types": intakes.type_views(content, checked),
            }
        )
        log_access(request.user, client, "view", f"intake #{done.pk} and the visit check")  # type: ignore[arg-type]
    return render(request, "clinic/visit.html", ctx)


def _form_context(
    person: Person,
    row: Intake,
    values: dict[str, Any],
    texts: dict[str, str],
    error: InputError | None = None,
) -> dict[str, Any]:
    from backease.front.views import _check_context

    content = load_content()
    previous = intakes.previous_intake(person, before=row)
    field = error.field if error else ""
    ctx = _check_context(person, content.rules, values, error)
    ctx.update(
        {
            "row": row,
            "therapist": row.therapist,
            "previous": previous,
            "previous_rows": intakes.answer_rows(content, previous) if previous else [],
            "facts": intakes.fact_views(content, values, field),
            "texts": [
                {"name": name, "question": question, "value": texts.get(name, ""), "invalid": field == name}
                for name, question in intakes.TEXT_FIELDS
            ],
            "max_text": intakes.MAX_TEXT,
            "error_label": _label(content, field),
        }
    )
    return ctx


def _label(content: Any, field: str) -> str:
    if not field:
        return ""
    question = content.rules.question(field)
    if question is not None:
        return str(question.short or question.text)
    fact = content.pretreatment.fact(field)
    if fact is not None:
        return str(fact.text)
    words = dict(intakes.TEXT_FIELDS)
    words["consent"] = "I agree to the treatment"
    return words.get(field, field)


@require_http_methods(["GET", "POST"])
def my_intake(request: HttpRequest, intake_id: int) -> HttpResponse:
    """The client's intake form (on their phone, or a tablet at the desk they signed in on)."""
    person = current_person(request)
    row = intakes.intake_for_client(person, intake_id)
    content = load_content()
    if row.submitted_at is not None:
        return render(
            request,
            "clinic/intake_done.html",
            {"row": row, "rows": intakes.answer_rows(content, row), "screening": row.screening},
        )
    if request.method != "POST":
        previous = intakes.previous_intake(person, before=row)
        values = dict(previous.answers) if previous else {}
        texts = {n: getattr(previous, n) for n, _ in intakes.TEXT_FIELDS} if previous else {}
        return render(request, "clinic/intake_form.html", _form_context(person, row, values, texts))
    try:
        filled = intakes.read_form(request.POST, content)
        intakes.submit(row, filled)
    except InputError as error:
        from backease.front.views import _answers_from_post

        values = {
            **_answers_from_post(request.POST, content.rules),
            **intakes.raw_facts(request.POST, content),
        }
        texts = {n: request.POST.get(n, "")[: intakes.MAX_TEXT * 2] for n, _ in intakes.TEXT_FIELDS}
        return render(
            request, "clinic/intake_form.html", _form_context(person, row, values, texts, error), status=400
        )
    return redirect("my_intake", intake_id=row.pk)
