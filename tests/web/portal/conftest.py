"""A running portal over a real SQLite file with the demo fleet, and a headless Chromium.

The demo's uncommissioned meters of Brightwatt change supplier to Northwind (registration
data), so Northwind may ask Brightwatt for their install codes. Browser tests use Debian's
Chromium: GBDSP_PORTAL=required (CI) makes its absence a failure, otherwise they skip.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from gbdsp import bootstrap
from gbdsp.bootstrap import App
from gbdsp.clock import ManualClock
from gbdsp.config import Config
from gbdsp.domain.devices import SmiStatus
from gbdsp.domain.ids import DeviceId
from gbdsp.services import operations, registration
from gbdsp.services.portal_accounts import DEMO_PASSWORD, ensure_demo_accounts
from gbdsp.services.users import register_test_users
from gbdsp.web.app import create_app
from gbdsp.worlds.demo import DEMO_ACCOUNTS, DEMO_SUPPLIERS, create_demo_fleet
from gbdsp.worlds.demo_month import create_demo, gained_meters
from tests.web.conftest import serve

CHROMIUM = "/usr/bin/chromium"
MODE = os.environ.get("GBDSP_PORTAL", "auto")
NORTHWIND, BRIGHTWATT = (s[0] for s in DEMO_SUPPLIERS)
PASSWORD = DEMO_PASSWORD
TEMPLATE_ESME = "00-DB-12-34-56-78-90-A0"
TEMPLATE_CHF = "00-DB-12-34-56-78-90-A2"
TEMPLATE_POSTCODE = "M22 4TA"


@dataclass
class Portal:
    url: str
    app: App
    clock: ManualClock
    gained: list[DeviceId]
    """Brightwatt installed these meters, left them uncommissioned; Northwind gained them."""

    def install_code(self, device: DeviceId) -> str:
        return operations.install_code(self.app.emulator, device)


@contextmanager
def running_portal(
    data_dir: Path, config: Config | None = None, clock: ManualClock | None = None
) -> Iterator[Portal]:
    """Init a data directory, build the demo fleet and its accounts, serve the app."""
    clock = clock or ManualClock(datetime.now(UTC).replace(microsecond=0))
    app = bootstrap.initialise(data_dir, clock)
    if config is not None:
        app.config = config
    register_test_users(app.store)
    create_demo_fleet(app.store, clock, premises=80, seed=1)
    ensure_demo_accounts(app.store, clock, list(DEMO_ACCOUNTS))
    gained = change_of_supplier(app, clock)
    try:
        with serve(create_app(app, relay=False)) as url:
            yield Portal(url, app, clock, gained)
    finally:
        app.close()


@contextmanager
def demo_portal(data_dir: Path, clock: ManualClock | None = None) -> Iterator[Portal]:
    """What a user gets from `gbdsp init && gbdsp demo && gbdsp serve`: the same code path
    (create_demo is what `gbdsp demo` runs), under the default configuration."""
    clock = clock or ManualClock(datetime.now(UTC).replace(microsecond=0))
    app = bootstrap.initialise(data_dir, clock)
    register_test_users(app.store)  # gbdsp init
    create_demo(app)  # gbdsp demo
    try:
        with serve(create_app(app, relay=False)) as url:  # gbdsp serve
            yield Portal(url, app, clock, gained_meters())
    finally:
        app.close()


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    with running_portal(tmp_path_factory.mktemp("portal")) as running:
        yield running


def change_of_supplier(app: App, clock: ManualClock) -> list[DeviceId]:
    with app.store.read() as tx:
        left = [
            d
            for d in tx.devices.iter_all(responsible=[BRIGHTWATT])
            if d.status is SmiStatus.INSTALLED_NOT_COMMISSIONED
            and d.import_mpxn
            and d.device_type.value in ("ESME", "GSME")
        ]
    # Each test uses its own meters of these (requests are one open per device).
    assert len(left) >= 5, "the demo fleet should leave some meters uncommissioned"
    registration.record(
        app.store, [(d.import_mpxn or "", NORTHWIND, clock.now()) for d in left], clock.now()
    )
    return [d.device_id for d in left]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Module-scoped: Playwright's sync API keeps its event loop running in the main thread
    while open, and a test after it that calls asyncio.run would fail (test_jobs.py)."""
    if MODE == "off":
        pytest.skip("GBDSP_PORTAL=off")
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if MODE == "required":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-background-networking"]
        )
        yield chromium
        chromium.close()


def signed_in(browser: Browser, portal: Portal, account: str) -> Page:
    """A new browser context (its own cookies: its own session) signed in as `account`."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{portal.url}/ssi/sign-in")
    page.get_by_label("Account name").fill(account)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/ssi/inventory")
    return page
