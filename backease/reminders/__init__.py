"""Reminders of the planned sessions: when one is due (`backease.core.reminders`) and the
bookkeeping of each one delivered (`models.Reminder`), so each is sent once per channel.
See docs/reminders.md."""
