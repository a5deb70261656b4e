"""Browser tests: Debian's headless chromium, driven by Playwright, against the live server.

Playwright never downloads a browser here: `make system-deps` installs Debian's
chromium, and a machine without it skips these tests and says why.

Inside `with sync_playwright()` Django refuses ORM calls (SynchronousOnlyOperation:
Playwright keeps an event loop in the test's thread). Read what the browser part needs
before it, and check the database after it. DJANGO_ALLOW_ASYNC_UNSAFE would silence
the refusal, but each ORM call there then runs on a second connection that nothing
closes (PostgreSQL then cannot drop the test database).
"""

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (tests run as root in containers), and nothing that calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]


@pytest.fixture
def chromium_launch() -> dict:
    """Keyword arguments for Playwright's `chromium.launch`; skips without the browser."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"{CHROMIUM} is missing: the browser journey needs Debian's chromium "
            "(`make system-deps` as root, or `apt-get install chromium`)"
        )
    return {"executable_path": str(CHROMIUM), "headless": True, "args": CHROMIUM_ARGS}


@pytest.fixture
def fast_study(settings):
    """The completion rule as it is, on a shorter clock: minimum study times shrink
    to a few seconds and the lesson page beats every second."""
    settings.SNOWLAND_STUDY_TIME_SCALE = 0.02
    settings.SNOWLAND_HEARTBEAT_INTERVAL_SECONDS = 1


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser journeys run last, after pytest-django has put transactional tests after
    the others: they are the slowest, and the flush that ends a transactional test
    (which empties even what migrations made) then comes after every other test."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
