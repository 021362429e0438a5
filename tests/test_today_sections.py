"""Today's one way in for other apps (backease/front/today.py): a registered section shows
above the person's own plan, its rows key the page cache, and with none Today is the plan."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from backease.front import page_cache, today
from backease.store import services
from backease.store.models import Person

pytestmark = pytest.mark.django_db

PROFILE = {"regions": ["upper_trapezius_left"], "tools": ["hands"], "minutes": 10}


@pytest.fixture
def owner() -> Person:
    person = services.local_owner()
    services.record_screening(person, {})
    services.save_profile(person, PROFILE)
    services.make_plan(person, seed=3)
    return person


@pytest.fixture
def no_sections(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, today.Section]]:
    """Today with only the sections a test registers (clinic's own is put back afterwards)."""
    registered: dict[str, today.Section] = {}
    monkeypatch.setattr(today, "_sections", registered)
    page_cache.clear()
    yield registered
    page_cache.clear()


@pytest.fixture
def section_template(tmp_path: Path, settings: Any) -> str:
    folder = tmp_path / "templates"
    (folder / "extra").mkdir(parents=True)
    (folder / "extra" / "_notes.html").write_text(
        '<section data-testid="notes">{% for item in items %}<p>{{ item }}</p>{% endfor %}</section>'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [folder]}]
    return "extra/_notes.html"


def test_with_no_section_today_is_the_persons_own_plan(
    client: Client, owner: Person, no_sections: dict[str, today.Section]
) -> None:
    page = client.get("/today/").content.decode()
    assert "<h1>Today's plan</h1>" in page and "Your own plan" not in page


def test_a_registered_section_shows_above_the_plan_with_its_own_rows(
    client: Client, owner: Person, no_sections: dict[str, today.Section], section_template: str
) -> None:
    seen: list[Any] = []

    def items(person: Person, rows: today.Rows | None) -> list[str]:
        seen.append(rows)
        mine = [row for row in rows or () if row[0] == "n"]
        return [f"{mine[0][2]} notes for {person.pk}"] if mine and mine[0][2] else []

    today.register(
        today.Section(
            name="notes",
            template=section_template,
            items=items,
            state_sql="SELECT 'n', NULL, COUNT(*), NULL, NULL FROM store_person WHERE id = {owner}",
            stylesheet="front/print.css",
        )
    )
    page = client.get("/today/").content.decode()
    assert "<h1>Today</h1>" in page and "Your own plan" in page
    assert f'<section data-testid="notes"><p>1 notes for {owner.pk}</p></section>' in page
    assert page.index('data-testid="notes"') < page.index("Your own plan")
    assert page.count("front/print") == 2  # the page's own print stylesheet and the section's
    assert seen and seen[0] is not None  # it got Today's rows, read in the one query


def test_a_section_with_nothing_to_show_is_left_out(
    client: Client, owner: Person, no_sections: dict[str, today.Section], section_template: str
) -> None:
    today.register(today.Section(name="empty", template=section_template, items=lambda person, rows: []))
    page = client.get("/today/").content.decode()
    assert "<h1>Today's plan</h1>" in page and 'data-testid="notes"' not in page
