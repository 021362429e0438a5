"""What other apps add to a signed-in person's account: links in the account menu, and
what deleting the account takes with it. The one way in to the account pages for other
apps: accounts knows nothing of who adds a part (clinic mode adds its pages, notices and
care links, from `ClinicConfig.ready`), so the account pages run with no such app.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from backease.accounts.models import User
from backease.store.models import Person


@dataclass(frozen=True, slots=True)
class Link:
    """One link of the account menu (base.html's header)."""

    label: str
    url: str
    current: bool = False
    """The page shown is this link's (aria-current)."""
    count: int = 0
    """A number beside the label, with `count_words` for screen readers (unread notices)."""
    count_words: str = ""
    test_id: str = ""


@dataclass(frozen=True, slots=True)
class Part:
    """Another app's part of people's accounts."""

    name: str
    links: Callable[[User, str], Sequence[Link]] | None = None
    """The menu links for `user` on the page at `path`, shown before Admin and Account."""
    deleting: Callable[[User, Person], dict[str, Any]] | None = None
    """What deleting the account would take with it, for the two templates below."""
    deleting_items: str = ""
    """A template of <li> items for the delete page's list of what goes (with `deleting`)."""
    deleting_notes: str = ""
    """A template shown under that list (with `deleting`)."""


_parts: dict[str, Part] = {}


def register(part: Part) -> None:
    """Add `part` to the account pages (again under the same name: replaced)."""
    _parts[part.name] = part


def links(user: User, path: str) -> list[Link]:
    """Every part's menu links for `user` on the page at `path`."""
    return [link for part in _parts.values() if part.links is not None for link in part.links(user, path)]


def deleting(user: User, person: Person) -> list[dict[str, Any]]:
    """Every part's share of the delete page: its templates and what they show."""
    return [
        {"items": part.deleting_items, "notes": part.deleting_notes, "deleting": part.deleting(user, person)}
        for part in _parts.values()
        if part.deleting is not None
    ]
