"""The one error type of the content layer: a content file is broken.

It lives apart from the loader so that every parser of a content file (the loader and
`rules_schema`) can raise it without importing the other."""

from __future__ import annotations


class ContentError(Exception):
    """A content file is broken. The message names file, entry and field."""

    def __init__(self, file: str, entry: str, field: str, message: str) -> None:
        self.file, self.entry, self.field = file, entry, field
        super().__init__(f"{file}: entry '{entry}': field '{field}': {message}")
