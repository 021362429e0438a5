"""The desktop notification really goes out through desktop-notifier: a private D-Bus session
(dbus-daemon) with a stand-in notification server (org.freedesktop.Notifications, as GNOME,
KDE or dunst serve it) receives what `backease remind` shows, once."""

# ruff: noqa: F722, F821  (D-Bus signatures are written as annotations: "s", "a{sv}")

import asyncio
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method

from backease.cli.main import run
from backease.reminders import desktop
from backease.store import services
from backease.store.zones import save_time_zone

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("dbus-daemon") is None, reason="needs dbus-daemon (apt-get install dbus)"
    ),
]


class Notifications(ServiceInterface):
    """The part of the freedesktop notification spec desktop-notifier uses."""

    def __init__(self) -> None:
        super().__init__("org.freedesktop.Notifications")
        self.received: list[tuple[str, str, str]] = []
        self.arrived = threading.Event()

    @method()
    def Notify(
        self, app_name: "s", replaces_id: "u", app_icon: "s", summary: "s", body: "s", actions: "as",
        hints: "a{sv}", expire_timeout: "i",
    ) -> "u":  # fmt: skip
        self.received.append((app_name, summary, body))
        self.arrived.set()
        return len(self.received)

    @method()
    def GetCapabilities(self) -> "as":
        return ["body"]

    @method()
    def GetServerInformation(self) -> "ssss":
        return ["stand-in", "backease tests", "1", "1.2"]

    @method()
    def CloseNotification(self, notification_id: "u") -> None:
        return None


@pytest.fixture
def session_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Notifications]:
    """A D-Bus session of its own with the stand-in server on it; DBUS_SESSION_BUS_ADDRESS
    points there for the test."""
    address = f"unix:path={tmp_path / 'bus'}"
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", f"--address={address}", "--print-address=1"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert daemon.stdout is not None
    daemon.stdout.readline()  # the daemon prints its address once it listens
    server = Notifications()
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()

    async def serve() -> MessageBus:
        bus = await MessageBus(bus_address=address).connect()
        bus.export("/org/freedesktop/Notifications", server)
        await bus.request_name("org.freedesktop.Notifications")
        return bus

    bus = asyncio.run_coroutine_threadsafe(serve(), loop).result(timeout=20)
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
    try:
        yield server
    finally:
        bus.disconnect()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        daemon.terminate()
        daemon.wait(10)


def test_backease_remind_shows_a_real_desktop_notification_once(
    session_bus: Notifications, capsys: pytest.CaptureFixture[str]
) -> None:
    person = services.local_owner()
    save_time_zone(person, "America/New_York")
    services.save_schedule(person, ["mon"], "19:00")
    previous = desktop.use(desktop.DesktopNotifier)  # the real one, whatever another test left
    try:
        answers = []
        for moment in ("2026-11-02T19:00", "2026-11-02T19:05", "2026-11-02T19:10"):
            with pytest.raises(SystemExit) as done:
                run(["remind", "--now", moment, "--json"])
            assert done.value.code in (0, None)
            answers.append(json.loads(capsys.readouterr().out))
    finally:
        desktop.use(previous)
    assert [answer["shown"] for answer in answers] == ["desktop", None, None]
    assert session_bus.arrived.wait(10)
    assert session_bus.received == [
        ("backease", desktop.TITLE, "Time for your upper back self-care session (planned for 19:00).")
    ]


def test_the_notification_goes_out_when_the_caller_runs_an_event_loop(session_bus: Notifications) -> None:
    """desktop-notifier's sync API runs its own asyncio loop; called from code that is itself
    inside a running loop (a server, a test's browser driver), it still goes out."""

    async def inside_a_loop() -> None:
        desktop.DesktopNotifier().show("title", "shown from inside a running event loop")

    # The caller's loop runs in a thread of its own: this test process may already have a
    # running loop in its main thread (a browser test's driver, the very case being tested).
    failures: list[BaseException] = []

    def caller() -> None:
        try:
            asyncio.run(inside_a_loop())
        except BaseException as exc:  # reported below
            failures.append(exc)

    thread = threading.Thread(target=caller)
    thread.start()
    thread.join(30)
    assert not thread.is_alive() and failures == []
    assert session_bus.arrived.wait(10)
    assert session_bus.received == [("backease", "title", "shown from inside a running event loop")]
