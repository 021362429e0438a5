"""The house's layers, read from the code's own imports: no arrow may run the wrong way.

Every `import backease.X` / `from backease.X import ...` in the package counts, at module
level or inside a function (a lazy import is still an arrow). Each part of the package may
import only the parts listed for it in LAYERS, and none of the arrows turned in issue 15
(NEVER: the terminal to a web module or clinic mode, the exports to the API, accounts to
clinic mode) may come back. None runs the wrong way today. See "How the house should
grow" in STYLE.md.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "backease"

PERSONAL = {"core", "content", "figures", "store", "exports", "accounts"}
"""What the personal app is built on below its front ends (none of it knows clinic mode)."""

LAYERS: dict[str, set[str]] = {
    # The domain and its data: nothing of ours above them.
    "core": set(),
    "figures": {"core"},
    "content": {"core", "figures"},
    # The one writer, and what several front ends render or export.
    "store": {"core", "content"},
    "exports": {"core", "content", "figures", "store"},
    # Who signs in and with what, and who read what.
    "accounts": {"core", "content", "store"},
    # Reminders of the planned sessions: when one is due, and each delivered once.
    "reminders": {"core", "content", "store", "accounts"},
    # The front ends: the JSON API, the pages, the terminal. None imports another.
    "api": {"core", "content", "figures", "store", "exports", "accounts", "reminders"},
    "front": {"core", "content", "figures", "store", "exports", "accounts", "reminders"},
    "cli": {"core", "content", "figures", "store", "exports", "accounts", "reminders"},
    # Clinic mode: a room of its own above the personal app (it may use the pages' parts).
    "clinic": PERSONAL | {"front", "reminders"},
    # The Django project (settings, URLs, the server) puts the web apps together.
    "web": PERSONAL | {"api", "front", "clinic", "reminders"},
    # The `backease` program (backease/__main__.py) puts the commands together.
    "main": {"cli", "web", "clinic", "reminders"},
}

NEVER: dict[str, set[str]] = {
    # Issue 15, "The house": arrows turned, each never to come back whatever LAYERS says.
    # The terminal imports no web module (its Django setup is the store's), nor clinic
    # mode (whose command `backease/__main__.py` adds beside the terminal's).
    "cli": {"front", "web", "api", "clinic"},
    # What the backup and the API share lies below both (backease/exports/shapes.py).
    "exports": {"api", "front", "web", "cli", "clinic"},
    # Who signs in, API tokens and the access log are accounts': nothing of clinic mode's.
    "accounts": {"clinic"},
}
"""Arrows that must never run, checked on their own (a looser LAYERS does not let them in)."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def part_of(module: str) -> str:
    """The part of the package a module belongs to ("main" for backease/__main__.py)."""
    parts = module.split(".")
    if len(parts) < 2 or parts[1] == "__main__":
        return "main"
    return parts[1]


def imports_of(path: Path, module: str) -> set[str]:
    """Every module of ours that the file (the module `module`) imports, anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("backease."))
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the importing package
                base = module.split(".")[: -node.level + (path.name == "__init__.py") or None]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name.startswith("backease."):
                # `from backease.clinic import tokens` imports the module backease.clinic.tokens.
                found.update(
                    f"{name}.{alias.name}" if is_module(f"{name}.{alias.name}") else name
                    for alias in node.names
                )
    return found


def is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def arrows() -> set[tuple[str, str]]:
    """(importer, imported) for every import between two parts of the package."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        importer = module_name(path)
        for imported in imports_of(path, importer):
            if part_of(importer) != part_of(imported):
                found.add((importer, imported))
    return found


def wrong_way(found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {
        (importer, imported)
        for importer, imported in found
        if part_of(importer) in LAYERS and part_of(imported) not in LAYERS[part_of(importer)]
    }


def test_every_part_of_the_package_has_its_layer() -> None:
    parts = {part_of(module_name(p)) for p in PACKAGE.rglob("*.py")} - {"main"}
    assert parts - set(LAYERS) == set(), "add the new part to LAYERS (tests/test_layers.py)"


def test_no_import_runs_the_wrong_way() -> None:
    assert wrong_way(arrows()) == set(), "an import runs the wrong way (see LAYERS)"


def test_the_check_sees_a_lazy_import_that_runs_the_wrong_way(tmp_path: Path) -> None:
    path = tmp_path / "probe.py"
    path.write_text("def page():\n    from backease.front import views\n    return views\n", encoding="utf-8")
    found = {("backease.cli.probe", imported) for imported in imports_of(path, "backease.cli.probe")}
    assert wrong_way(found) == {("backease.cli.probe", "backease.front.views")}


def never(found: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(a, b) for a, b in found if part_of(b) in NEVER.get(part_of(a), set())}


def test_the_turned_arrows_stay_turned() -> None:
    """No arrow from the terminal to a web module, from the exports to the API, or from
    accounts to clinic mode; and LAYERS allows none of them either."""
    assert {part: LAYERS[part] & forbidden for part, forbidden in NEVER.items()} == {
        part: set() for part in NEVER
    }
    assert never(arrows()) == set()


@pytest.mark.parametrize(
    ("importer", "source", "imported"),
    [
        ("backease.cli.probe", "from backease.front import views\n", "backease.front.views"),
        ("backease.cli.probe", "import backease.web.settings\n", "backease.web.settings"),
        (
            "backease.cli.probe",
            "def daily():\n    from backease.clinic.flags import daily_check\n",
            "backease.clinic.flags",
        ),
        (
            "backease.exports.probe",
            "def check():\n    from backease.api import routes\n",
            "backease.api.routes",
        ),
        ("backease.exports.probe", "from backease.api.schemas import PlanOut\n", "backease.api.schemas"),
        (
            "backease.accounts.probe",
            "from backease.clinic.models import AccessLog\n",
            "backease.clinic.models",
        ),
        ("backease.accounts.probe", "from ..clinic import tokens\n", "backease.clinic"),
    ],
)
def test_the_check_sees_each_turned_arrow_come_back(
    tmp_path: Path, importer: str, source: str, imported: str
) -> None:
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    found = {(importer, name) for name in imports_of(path, importer)}
    assert never(found) == {(importer, imported)}
    assert wrong_way(found) == {(importer, imported)}
