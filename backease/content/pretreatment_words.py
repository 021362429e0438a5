"""The pre-treatment check's modifications in plain words, one line each, as the terminal
(`backease massage-check`) and the clinic's visit page both say them."""

from __future__ import annotations

from collections.abc import Callable

from backease.content.loader import Content
from backease.core.pretreatment import TypeCheck


def region_or_id(content: Content, area: str) -> str:
    """A body-map region's label, else the id as it is."""
    return next((r.label for r in content.library.regions if r.id == area), area)


def area_words(content: Content, area: str, fallback: Callable[[Content, str], str] = region_or_id) -> str:
    """An area as the rules name it: the words of an off-map place, else `fallback`."""
    words = dict(content.pretreatment.place_words)
    return words.get(area) or fallback(content, area)


def how_words(
    content: Content, item: TypeCheck, fallback: Callable[[Content, str], str] = region_or_id
) -> list[str]:
    """The modifications of one kind of massage in plain words, one line each."""
    lib = content.library
    mods = item.modifications

    def areas(ids: tuple[str, ...] | list[str]) -> str:
        return ", ".join(area_words(content, a, fallback) for a in ids)

    out: list[str] = []
    if mods.pressure_cap:
        out.append(f"Pressure: no firmer than {lib.label('intensity', mods.pressure_cap).lower()}.")
    if mods.avoid_areas:
        out.append("Leave alone: " + areas(mods.avoid_areas) + ".")
    if mods.gentle_areas:
        out.append("Gentle only on: " + areas(mods.gentle_areas) + ".")
    if mods.use_positions:
        out.append(
            "Position: " + ", ".join(lib.label("position", p).lower() for p in mods.use_positions) + "."
        )
    if mods.avoid_positions:
        out.append(
            "Never: " + ", ".join(lib.label("position", p).lower() for p in mods.avoid_positions) + "."
        )
    if mods.limits:
        labels = []
        for limit in mods.limits:
            precaution = lib.precaution(limit)
            labels.append(precaution.label if precaution is not None else limit.replace("_", " "))
        out.append("Limits: " + "; ".join(labels) + ".")
    return out
