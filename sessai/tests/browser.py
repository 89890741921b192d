"""Browser tests: Playwright for Python driving the operating system's Chromium (Debian's
`chromium` package; Playwright's own browser download is never used), against pytest-django's
live server. A page is opened in a phone-sized window with the Chilean locale and time zone, the
way a patient opens a link from their email, and every form is submitted by clicking, so the
request carries the `Origin` and `Referer` headers a real browser sends.

Where no Chromium is installed, the tests marked `browser` are skipped and the run says so in one
line; with SESSAI_REQUIRE_BROWSER=1 (set by `.ci/run`) a missing Chromium fails the run instead."""

import os
import shutil

import pytest

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
# What a headless Chromium needs on a machine with no display and a closed network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "es-CL",
    "timezone_id": "America/Santiago",
}


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured
    return next((path for path in CANDIDATES if os.path.exists(path)), None) or shutil.which("chromium")


def missing_reason() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if chromium_path() is None:
        return "no Chromium (apt-get install chromium)"
    try:
        import playwright  # noqa: F401, PLC0415 (whether it is installed at all)
    except ImportError:
        return "Playwright is not installed"
    return None


@pytest.fixture
def browser():
    """Chromium for one test. Playwright's sync API runs an event loop in this thread while it is
    started, which the worker (`run_jobs`, asyncio) and Django's async-safety check would trip over,
    so it is started per test and stopped after it: the next test's thread is clean."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 (heavy, loaded on first use)

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # the test's ORM calls between clicks are synchronous
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


def _page(browser, live_server, **options):
    """A fresh page (no cookies) whose relative URLs go to the live server; `page.responses`
    keeps every response, for the status of what a form answered."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.responses = []
    page.on("response", lambda response: page.responses.append(response))
    return page


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page in Chilean Spanish, as a patient opens a link from their email."""
    page = _page(browser, live_server, **PHONE)
    yield page
    page.context.close()


@pytest.fixture
def desktop(browser, live_server):
    """A desktop-sized page, as an operator opens the console."""
    page = _page(
        browser, live_server, locale="es-CL", timezone_id="America/Santiago", viewport={"width": 1280, "height": 900}
    )
    yield page
    page.context.close()


def last_document_status(page) -> int:
    """The status of the last page the browser loaded (a form's answer, after its redirects)."""
    documents = [r for r in page.responses if r.request.resource_type == "document"]
    return documents[-1].status


def axe_serious(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now shown."""
    from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 (heavy, loaded on first use)

    results = Axe().run(page)
    return [
        f"{v['id']}: {v['help']} ({len(v['nodes'])})"
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def assert_accessible(page) -> None:
    found = axe_serious(page)
    assert found == [], found
