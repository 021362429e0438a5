"""Opening server mode's store for an operator's command run from a terminal (`backease
clinic daily`, `backease server add-user`): Django set up beside the store
(`backease.store.setup`), refused in one line unless this process has the server's
environment and its database is up to date. The terminal and clinic mode's commands both
use it, so neither imports the other.
"""

from __future__ import annotations


def open_server_store(command: str) -> None:
    """Set up Django for an operator's server-mode command (`backease clinic daily`,
    `backease server add-user`), or refuse in one line (exit 2).

    Run without the server's environment (from cron, say) the process would be in personal
    mode, on this user's own SQLite file, find nobody and exit 0. So: personal mode is
    refused, naming the database it would have used, and so is a database that `backease
    migrate` has not brought up to date (this command never changes the schema)."""
    from backease.store.setup import pending_migrations, setup

    setup()
    from backease.accounts.mode import is_server
    from backease.core.errors import InputError

    if not is_server():
        raise InputError(
            "BACKEASE_MODE",
            f"`backease {command}` is a server-mode command, but this process is in personal mode "
            f"(it would use {_database_name()}, not the server's database): load the server's "
            f"environment first, e.g. `sudo backease-env backease {command}` (docs/deploy.md)",
        )
    pending = pending_migrations()
    if pending:
        raise InputError(
            "database",
            f"{_database_name()} is missing {len(pending)} migration(s) ({pending[0]}, ...): "
            "run `backease migrate` first",
        )


def _database_name() -> str:
    """The configured database, named without its password."""
    from django.conf import settings

    config = settings.DATABASES["default"]
    if "sqlite" in config["ENGINE"]:
        return f"the SQLite file {config['NAME']}"
    return f"the PostgreSQL database {config['NAME']!r} on {config.get('HOST') or 'the local socket'}"
