"""Browser tests: Debian's headless chromium, driven by Playwright, against the live server.

Playwright never downloads a browser here: `make system-deps` installs Debian's
chromium, and a machine without it skips these tests and says why.
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


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    # Playwright's sync API keeps an event loop in the test's thread, and Django then
    # refuses ORM calls there (SynchronousOnlyOperation); the test itself is synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def fast_study(settings):
    """The completion rule as it is, on a shorter clock: minimum study times shrink
    to a few seconds and the lesson page beats every second."""
    settings.SNOWLAND_STUDY_TIME_SCALE = 0.02
    settings.SNOWLAND_HEARTBEAT_INTERVAL_SECONDS = 1



@pytest.fixture(scope="session", autouse=True)
def _debug_pg_sessions():
    yield
    import threading

    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres") as c:
        rows = c.execute(
            "select pid, state, now()-backend_start, now()-state_change, query from pg_stat_activity where datname='test_snowland'"
        ).fetchall()
    print("\nPGSESSIONS", rows, [t.name for t in threading.enumerate()])
