"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Chromium is /usr/bin/chromium (or $BACKEASE_CHROMIUM). `make test` installs it with apt-get
when it runs as root, and sets BACKEASE_REQUIRE_BROWSER=1, so a missing Chromium fails the
run by name. A bare `pytest` without Chromium skips these tests and says why.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the
# test itself are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("BACKEASE_CHROMIUM", "/usr/bin/chromium"))
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MOBILE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    required = bool(os.environ.get("CI") or os.environ.get("BACKEASE_REQUIRE_BROWSER"))
    if not CHROMIUM.exists():
        message = f"Chromium is missing at {CHROMIUM} (install it: apt-get install chromium)"
        if required:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


def new_context(browser: Any, **options: Any) -> Any:
    """A browser context that counts its requests in flight, for `close_context`."""
    context = browser.new_context(**options)
    in_flight: set[Any] = set()
    context.backease_in_flight = in_flight

    def started(request: Any) -> None:
        in_flight.add(request)

    def ended(request: Any) -> None:
        in_flight.discard(request)

    context.on("request", started)
    context.on("requestfinished", ended)
    context.on("requestfailed", ended)
    return context


def close_context(context: Any) -> None:
    """Close a browser context once nothing it sent is still being served.

    A test can end while the player's last save is still on its way, and a closing player
    page saves again (on `pagehide`). Either request can reach the live server while the
    test's database is being flushed, which deadlocks on PostgreSQL. So: wait (at most
    10 s) until every request has finished, then go offline so the closing save goes to the
    page's outbox, then close.
    """
    in_flight: set[Any] = getattr(context, "backease_in_flight", set())
    waited = 0
    while in_flight and context.pages and waited < 10_000:
        context.pages[0].wait_for_timeout(50)
        waited += 50
    context.set_offline(True)
    context.close()


def _new_page(browser: Any, viewport: dict[str, int]) -> Iterator[Any]:
    context = new_context(browser, viewport=viewport, reduced_motion="reduce", locale="en-GB")
    page = context.new_page()
    outside: list[str] = []

    def watch(request: Any) -> None:
        host = request.url.split("/")[2] if "://" in request.url else ""
        if request.url.startswith(("http://", "https://")) and not host.startswith(
            ("localhost", "127.0.0.1")
        ):
            outside.append(request.url)

    page.on("request", watch)
    page.set_default_timeout(10_000)
    yield page
    close_context(context)
    assert not outside, f"requests left the machine: {outside}"


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A desktop-sized page that fails the test if anything is fetched from elsewhere."""
    yield from _new_page(browser, DESKTOP)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A 390x844 page, the size of a common phone."""
    yield from _new_page(browser, MOBILE)


def check_accessibility(page: Any) -> None:
    """Run axe-core on the current page: no serious or critical violations."""
    # Evaluated by the test driver: an inline <script> tag would be (rightly) refused by
    # the CSP, which allows scripts from the site's own files only.
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    violations = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".filter(v => ['serious', 'critical'].includes(v.impact))"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"
    )
    assert violations == [], f"{page.url}: {violations}"


def screenshot(page: Any, name: str, full_page: bool = True) -> None:
    """Save a screenshot under docs/screenshots/ when BACKEASE_SCREENSHOTS=1 (the whole page,
    or with `full_page=False` what the screen shows)."""
    if os.environ.get("BACKEASE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        if full_page:
            # Images that load as they come into view (figures on Today's cards) are loaded
            # first, as a reader scrolling down would see them.
            page.evaluate(
                """async () => {
                  const lazy = [...document.querySelectorAll('img[loading=lazy]')];
                  lazy.forEach((img) => { img.loading = 'eager'; });
                  await Promise.all(lazy.map((img) => img.complete ? null
                    : new Promise((done) => { img.onload = img.onerror = done; })));
                }"""
            )
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
