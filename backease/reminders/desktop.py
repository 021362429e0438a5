"""Desktop notifications of a due reminder, in personal mode (docs/reminders.md).

Two ways they come: `backease remind` (one check, for a cron job or a systemd timer) and
the running personal app (`backease serve` checks once a minute). Both call `remind_once`,
which claims the reminder on the "desktop" channel (so the two, or two overlapping cron
runs, show it once), shows it, and records it as sent.

Showing is the maintained library desktop-notifier's (freedesktop notifications over
D-Bus on Linux, the Notification Center on macOS, toasts on Windows). Where no
notification service answers (a server without a desktop, a cron job without the session's
D-Bus address) `show` raises `Unavailable`; `backease remind` then prints the reminder
instead, which cron mails and a terminal shows.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from backease.core import reminders as rules
from backease.reminders import services
from backease.store.models import Person

logger = logging.getLogger(__name__)

TITLE = "backease: time for your upper back"
APP_NAME = "backease"
SEND_TIMEOUT = 10.0
"""Seconds to wait for the notification service before saying it did not answer."""


class Unavailable(RuntimeError):
    """No desktop notification service answered (the reason says why)."""


class Notifier(Protocol):
    """Something that shows a notification, or raises `Unavailable`."""

    def show(self, title: str, message: str) -> None: ...


class DesktopNotifier:
    """The system's notifications, through desktop-notifier."""

    def show(self, title: str, message: str) -> None:
        if sys.platform.startswith("linux") and not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
            # Without the session bus address (cron, ssh, a server) nothing can be shown, and
            # desktop-notifier would only find that out after a timeout.
            raise Unavailable("no desktop session here (DBUS_SESSION_BUS_ADDRESS is not set)")
        from desktop_notifier import DesktopNotifierSync

        # desktop-notifier logs a failed send as a warning and returns; it calls
        # on_dispatched only when the notification went out. Keep its warning (with a
        # traceback) out of the terminal, and say in one line why it failed.
        dispatched: list[bool] = []
        failures = _Failures()
        log = logging.getLogger("desktop_notifier")
        log.addHandler(failures)
        propagate, log.propagate = log.propagate, False
        errors: list[Exception] = []

        def send() -> None:
            try:
                DesktopNotifierSync(app_name=APP_NAME).send(
                    title=title, message=message, on_dispatched=lambda: dispatched.append(True)
                )
            except Exception as exc:  # any failure of the platform's service: said below
                errors.append(exc)

        # desktop-notifier's sync API runs its own asyncio loop: in a thread of its own, so an
        # event loop of the caller's (a running server, a test's browser) cannot get in its way.
        worker = threading.Thread(target=send, name="backease-desktop-notification", daemon=True)
        try:
            worker.start()
            worker.join(SEND_TIMEOUT)
        finally:
            log.removeHandler(failures)
            log.propagate = propagate
        if worker.is_alive():
            raise Unavailable(f"the desktop notification service did not answer within {SEND_TIMEOUT:g} s")
        if errors:
            exc = errors[0]
            raise Unavailable(f"the desktop notification service failed ({type(exc).__name__})") from exc
        if not dispatched:
            raise Unavailable(f"the desktop notification service did not answer ({failures.reason()})")


class _Failures(logging.Handler):
    """Keeps the exceptions desktop-notifier logs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.errors.append(f"{type(error).__name__}: {error}" if error else record.getMessage())

    def reason(self) -> str:
        return self.errors[-1] if self.errors else "no answer"


class Recorder:
    """A notifier that keeps what it was asked to show (tests, and `--dry-run`-like uses)."""

    def __init__(self, fail: str = "") -> None:
        self.shown: list[tuple[str, str]] = []
        self.fail = fail

    def show(self, title: str, message: str) -> None:
        if self.fail:
            raise Unavailable(self.fail)
        self.shown.append((title, message))


_factory: Callable[[], Notifier] = DesktopNotifier


def notifier() -> Notifier:
    """The notifier in use: the system's, unless `use` put another in its place."""
    return _factory()


def use(factory: Callable[[], Notifier]) -> Callable[[], Notifier]:
    """Put another notifier in place (tests); returns the one it replaces."""
    global _factory
    previous, _factory = _factory, factory
    return previous


@dataclass(frozen=True, slots=True)
class Outcome:
    """One check and what became of it: `shown` is "desktop" (a notification), "printed"
    (no notification service: the caller prints it), or None (nothing due, or another
    sender already has it); `detail` says why it was not shown on the desktop."""

    due: rules.Due
    shown: Literal["desktop", "printed"] | None
    detail: str = ""
    text: str = ""
    """The words shown (or to print)."""


def message(person: Person, due: rules.Due, now: datetime) -> str:
    """The notification's words: why it is due, and where the person is in a running
    programme ("Week 3 of 6 · session 2 of 3 this week")."""
    from backease.core.programme import headline
    from backease.store.programmes import programme_view

    try:
        view = programme_view(person, now)
    except Exception:  # the reminder goes out whatever the programme's state
        logger.warning("backease: the programme could not be read for a reminder", exc_info=True)
        view = None
    if view is None or view.finished:
        return due.reason
    return f"{due.reason}\n{headline(view)}"


def remind_once(
    person: Person, now: datetime, show: Notifier | None = None, *, fallback_to_print: bool = False
) -> Outcome:
    """Check once at `now` and, when a reminder is due, show it once on the desktop.

    With `fallback_to_print` (the terminal's `backease remind`) a reminder that cannot be
    shown is still recorded as sent, and the caller prints it (cron mails it): a cron
    running every 5 minutes then prints it once, not six times. Without it (the running
    app) it is recorded as failed and tried again at the next check, up to the limit.
    """
    # Already shown anywhere (the open web app, a notification pushed to this person) counts:
    # one reminder, once, whichever way it came.
    due = services.due(person, now)
    if not due.due or due.at is None:
        return Outcome(due, None)
    claimed = services.claim(person, due.at, "desktop", now)
    if claimed is None:
        return Outcome(due, None)
    text = message(person, due, now)
    try:
        (show or notifier()).show(TITLE, text)
    except Unavailable as exc:
        if fallback_to_print:
            services.mark_sent(claimed, now)
            claimed.detail = f"printed: {exc}"[:300]
            claimed.save(update_fields=["detail"])
            return Outcome(due, "printed", str(exc), text)
        services.mark_failed(claimed, str(exc), now)
        return Outcome(due, None, str(exc), text)
    services.mark_sent(claimed, now)
    return Outcome(due, "desktop", "", text)


class ReminderLoop(threading.Thread):
    """The running personal app's reminders: a check every `every` seconds (a minute by
    default), showing each due reminder once on the desktop. A failure is kept (the
    reminder's row says why) and never stops the app."""

    def __init__(
        self,
        every: float = 60.0,
        clock: Callable[[], datetime] | None = None,
        show: Notifier | None = None,
    ) -> None:
        super().__init__(name="backease-reminders", daemon=True)
        self.every = every
        self.clock = clock
        self.show = show
        self.stopped = threading.Event()
        self.checked = threading.Event()
        """Set after each check (tests wait on it rather than on the wall clock)."""

    def tick(self) -> Outcome | None:
        """One check, now (or at the injected clock's time)."""
        from django.db import close_old_connections
        from django.utils import timezone

        from backease.store import services as store

        close_old_connections()
        try:
            person = store.local_owner()
            return remind_once(person, self.clock() if self.clock else timezone.now(), self.show)
        except Exception:  # the app keeps running; the next check tries again
            logger.warning("backease: the reminder check failed", exc_info=True)
            return None
        finally:
            close_old_connections()
            self.checked.set()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.tick()
            self.stopped.wait(self.every)

    def stop(self) -> None:
        self.stopped.set()
