"""Opening the store outside a request: Django set up for the terminal's commands (and for
the web server as it starts), and the migrations the database still lacks.

The terminal imports this, never a web module: the store is what it needs Django for.
"""

from __future__ import annotations

import os

SETTINGS_MODULE = "backease.web.settings"
"""The one settings module (the project's), read from the environment like everything else."""


def setup() -> None:
    """Configure Django for code outside a request (the CLI's store commands)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


def pending_migrations() -> list[str]:
    """The migrations not yet applied to the configured database ("app.name")."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


def migrate() -> list[str]:
    """Bring the database up to date: apply the migrations and make the cache table
    (server mode's shared rate-limit counters). Returns what was applied. Safe to run
    again; run it once, before starting the app processes."""
    setup()
    from django.core.management import call_command

    pending = pending_migrations()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("createcachetable", verbosity=0)
    from django.conf import settings

    if settings.SERVER_MODE:  # hashed static file names for the pages (backease.web.settings)
        call_command("collectstatic", interactive=False, verbosity=0)
    return pending
