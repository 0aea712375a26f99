"""Screenshots of the portal's main pages for the README (GBDSP_SCREENSHOTS=1 to take them).

A demo world with some history behind it: a housekeeping run two months ago (AC 7.2's 12
months, MP60 not yet in force), a month of signed DUIS traffic through the real gateway
(with a spell of Restricted mode that refuses consumption reads), and install-code requests
both ways after changes of supplier, some of them overdue.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from gbdsp.config import Config, Modification, Modifications
from gbdsp.domain.devices import DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId
from gbdsp.services import housekeeping, install_codes, inventory, registration, restricted
from gbdsp.services.demo import BOXED_SUPPLIER, MODELS, demo_postcode
from tests.duis_support import SUPPLIER, signing_key_of
from tests.scenarios.duis_client import DuisUser, prenotification
from tests.web.portal.conftest import (
    BRIGHTWATT,
    NORTHWIND,
    TEMPLATE_CHF,
    TEMPLATE_ESME,
    Portal,
    running_portal,
    signed_in,
)
from tests.web.test_duis_http import Receiver

OUT = Path(__file__).resolve().parents[3] / "docs" / "screenshots"
TEMPLATE_GSME = "00-DB-12-34-56-78-90-A1"
READ_REGISTERS = "<sr:ReadInstantaneousImportRegisters/>"
READ_FIRMWARE = "<sr:ReadFirmwareVersion/>"

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    os.environ.get("GBDSP_SCREENSHOTS") != "1", reason="set GBDSP_SCREENSHOTS=1 to take them")]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    config = Config(modifications=Modifications(mp60=Modification(
        effective_from=date(2030, 1, 1))))
    with running_portal(tmp_path_factory.mktemp("shots"), config) as portal:
        history(portal)
        yield portal


def history(portal: Portal) -> None:
    app, clock = portal.app, portal.clock
    now = clock.now()
    supplier = DuisUser(SUPPLIER, signing_key_of(SUPPLIER), portal.url, Receiver())
    # Meters pre-notified (12.2) 10 to 15 months ago and never installed.
    esme = MODELS[DeviceType.ESME]
    for k in range(12):
        clock.set(now - timedelta(days=300 + 15 * k))
        code, _ = supplier.send("12.2", prenotification(
            f"00-DB-12-34-5B-00-00-{k:02X}", "ESME", esme.manufacturer, esme.model,
            esme.firmware_version), cv=8)
        assert code == "I0", code
    clock.set(now - timedelta(days=60))
    housekeeping.run(app.store, clock, app.signing_key(),
                     housekeeping.rule_in_force(app.config, clock.now()))
    gsme = DeviceId.parse(TEMPLATE_GSME)
    for day in range(30, -1, -1):
        clock.set(now - timedelta(days=day, hours=3))
        if day == 14:
            restricted.set_restricted(app.store, clock, app.config, BOXED_SUPPLIER, gsme, True,
                                      "No remote readings, please", True,
                                      sealer=app.sealer())
        if day == 6:
            restricted.set_restricted(app.store, clock, app.config, BOXED_SUPPLIER, gsme,
                                      False, "Agreed to smart services after a visit", False,
                                      sealer=app.sealer())
        for n in range(4 + day * 7 % 5):
            supplier.send("4.1.1", READ_REGISTERS, cv=1, target=TEMPLATE_ESME)
            if n % 2:
                supplier.send("4.1.1", READ_REGISTERS, cv=1, target=TEMPLATE_GSME)
            if n == 2:
                supplier.send("11.2", READ_FIRMWARE, cv=1, target=TEMPLATE_CHF)
        if day % 4 == 0:
            supplier.send("4.1.1", READ_REGISTERS, cv=1, target="00-DB-12-34-57-0F-0F-0F")
    # Northwind asked Brightwatt for codes three weeks ago (overdue) and today.
    clock.set(now - timedelta(days=21))
    install_codes.raise_requests(app.store, clock, app.config, NORTHWIND,
                                 [(n, str(d)) for n, d in enumerate(portal.gained[:2], 2)])
    clock.set(now - timedelta(days=2))
    install_codes.raise_requests(app.store, clock, app.config, NORTHWIND,
                                 [(1, str(portal.gained[2]))], backlog=True)
    # Brightwatt gains the Boxed supplier's uncommissioned meters and asks for their codes.
    with app.store.read() as tx:
        left = [d for d in tx.devices.iter_all(responsible=[BOXED_SUPPLIER])
                if d.status is SmiStatus.INSTALLED_NOT_COMMISSIONED and d.import_mpxn]
    registration.record(app.store, [(d.import_mpxn or "", BRIGHTWATT, clock.now())
                                    for d in left], clock.now())
    install_codes.raise_requests(app.store, clock, app.config, BRIGHTWATT,
                                 [(n, str(d.device_id)) for n, d in enumerate(left)])
    clock.set(now)


def shot(page: Page, name: str) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)


def busiest_postcode(portal: Portal) -> str:
    with portal.app.store.read() as tx:
        user = tx.users.get(BOXED_SUPPLIER)
    assert user is not None
    counts = {pc: len(inventory.search(portal.app.store, user, pc, "postcode"))
              for pc in {demo_postcode(n) for n in range(80)}}
    return max(sorted(counts), key=lambda pc: counts[pc])


def test_take_screenshots(browser: Browser, world: Portal) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(f"{world.url}/ssi/sign-in")
    page.get_by_label("Account name").fill("boxed-supplier")
    shot(page, "01-sign-in")
    page.close()

    page = signed_in(browser, world, "boxed-supplier")
    page.goto(f"{world.url}/ssi/inventory?q={busiest_postcode(world)}")
    page.get_by_role("button", name="Search").focus()
    shot(page, "02-inventory-search")
    page.goto(f"{world.url}/ssi/premises/{TEMPLATE_CHF}")
    shot(page, "03-premises")
    page.goto(f"{world.url}/ssi/devices/{TEMPLATE_GSME}")
    shot(page, "04-device")
    page.goto(f"{world.url}/ssi/devices/{TEMPLATE_ESME}")
    page.get_by_label("The consumer's preference, in their words").fill(
        "Does not want remote readings or tariff changes; keep safety alerts")
    page.get_by_label("We took all reasonable steps for a smart installation").check()
    page.get_by_role("button", name="Set Restricted mode…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set Restricted mode?")
    shot(page, "05-restricted-confirm")
    page.goto(f"{world.url}/ssi/housekeeping")
    shot(page, "08-housekeeping")
    page.goto(f"{world.url}/ssi/reports")
    shot(page, "09-reports")
    page.context.close()

    page = signed_in(browser, world, "brightwatt")
    page.goto(f"{world.url}/ssi/install-codes")
    shot(page, "06-install-code-queues")
    page.context.close()

    page = signed_in(browser, world, "northwind")
    page.goto(f"{world.url}/ssi/install-codes")
    page.get_by_label("CSV file with a device_id column").set_input_files(files=[{
        "name": "change-of-supplier.csv", "mimeType": "text/csv",
        "buffer": ("device_id\n" + "".join(f"{d}\n" for d in world.gained[3:])
                   + f"{TEMPLATE_ESME}\n00-DB-12-34-57-0F-0F-0F\nnot-a-device\n").encode()}])
    page.get_by_role("button", name="Upload and raise").click()
    shot(page, "07-bulk-result")
    page.context.close()

    narrow = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = narrow.new_page()
    page.goto(f"{world.url}/ssi/sign-in")
    page.get_by_label("Account name").fill("boxed-supplier")
    page.get_by_label("Password").fill("demo-portal-password")
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{world.url}/ssi/devices/{TEMPLATE_ESME}")
    shot(page, "10-device-narrow")
    narrow.close()
    assert len(list(OUT.glob("*.png"))) >= 10
