"""Reading the JSON files the CLI is given, with one-line errors naming the option."""

from __future__ import annotations

import json
from pathlib import Path

from backease.core.errors import InputError


def read_json(path: Path, field: str) -> object:
    """The JSON value in `path`; InputError naming `field` when it cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(field, f"file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(field, f"{path} is a folder, not a file") from None
    except UnicodeDecodeError:
        raise InputError(field, f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise InputError(field, f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(field, f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno})") from None
