"""Server mode's settings for the processes that tests/test_reminder_jobs_processes.py
starts (`backease server remind`, `backease server jobs`): emails go to the counting
outbox (tests/reminder_outbox.py), and the cache is each process's own (the test database
has no cache table; nothing here rate-limits)."""

from backease.web.settings import *  # noqa: F403

EMAIL_BACKEND = "tests.reminder_outbox.Outbox"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
