"""What other apps add to Today, above the person's own plan: the one way in.

The personal app knows nothing of who adds a part. An app registers a `Section` from its
`AppConfig.ready` (clinic mode adds "From your therapist"); with no such app installed,
Today is the person's own plan alone and asks nothing more of the database.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from backease.store.models import Person

Rows = tuple[tuple[Any, ...], ...]
"""Today's rows, read in one query (`backease.store.services.state_rows`)."""


@dataclass(frozen=True, slots=True)
class Section:
    """A part of Today that another app shows."""

    name: str
    template: str
    """Included with `items`: what `items` returned (the section is left out when empty)."""
    items: Callable[[Person, Rows | None], Sequence[Any]]
    """What the section shows for `person`, given Today's rows (None when they were not read)."""
    state_sql: str = ""
    """A SELECT of rows shaped (kind, at, number, text, text), with `{owner}` for the person's
    id, added to the one query Today reads: whatever the section shows must change these rows
    when it changes, since they key the page cache (backease/front/page_cache.py)."""
    stylesheet: str = ""
    """A static path linked from the page's head when the section is shown."""


_sections: dict[str, Section] = {}


def register(section: Section) -> None:
    """Add `section` to Today (again under the same name: replaced)."""
    _sections[section.name] = section


def sections() -> tuple[Section, ...]:
    """The sections registered, in the order they were first registered."""
    return tuple(_sections.values())


def state_sql() -> tuple[str, ...]:
    """The sections' parts of Today's one query."""
    return tuple(section.state_sql for section in _sections.values() if section.state_sql)


def shown(person: Person, rows: Rows | None) -> list[dict[str, Any]]:
    """The sections that have something for `person`, as the template includes them."""
    found = []
    for section in _sections.values():
        items = section.items(person, rows)
        if items:
            found.append({"section": section, "items": items})
    return found
