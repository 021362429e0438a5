"""A client's own outcome measures (/me/outcomes/): record a check-in, see the history.

Pain now (0-10) and the Patient-Specific Functional Scale (`backease.clinic.outcomes`).
Anyone signed in may use it; for a client who shares with a therapist it is due at the
start and then every 2 weeks.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from backease.accounts.mode import current_person
from backease.clinic import outcomes
from backease.core.errors import InputError

SCORES = range(11)


@require_http_methods(["GET", "POST"])
def my_outcomes(request: HttpRequest) -> HttpResponse:
    person = current_person(request)
    activities = outcomes.baseline_activities(person)
    error: InputError | None = None
    posted: dict[str, str] = {}
    if request.method == "POST":
        posted = {key: request.POST.get(key, "") for key in request.POST}
        count = len(activities) if activities else outcomes.PSFS_MAX_ITEMS
        names = activities or [request.POST.get(f"activity_{i}", "") for i in range(count)]
        scores = [request.POST.get(f"score_{i}", "") for i in range(count)]
        if not activities:  # baseline: only the activities that were named are rated
            scores = [s for n, s in zip(names, scores, strict=True) if n.strip()]
        try:
            outcomes.record(person, request.POST.get("pain", ""), scores, names if not activities else None)
        except InputError as problem:
            error = problem
        else:
            return redirect("my_outcomes")
    new_rows = [
        {"index": i, "name": posted.get(f"activity_{i}", ""), "score": posted.get(f"score_{i}", "")}
        for i in range(outcomes.PSFS_MAX_ITEMS)
    ]
    return render(
        request,
        "clinic/outcomes.html",
        {
            "activities": [
                {"index": i, "name": name, "score": posted.get(f"score_{i}", "")}
                for i, name in enumerate(activities)
            ],
            "new_rows": new_rows,
            "pain": posted.get("pain", ""),
            "scores": SCORES,
            "error": error,
            "due": outcomes.due(person),
            "due_on": outcomes.due_on(person),
            "history": outcomes.history(person),
            "min_items": outcomes.PSFS_MIN_ITEMS,
            "max_items": outcomes.PSFS_MAX_ITEMS,
        },
        status=400 if error else 200,
    )
