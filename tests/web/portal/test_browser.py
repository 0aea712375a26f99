"""The portal's acceptance, in a real browser (headless Chromium) against a real server."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, FilePayload, expect

from gbdsp.domain.ids import DeviceId
from gbdsp.domain.visibility import Viewer
from gbdsp.services import install_codes, restricted
from tests.web.portal.conftest import (
    BRIGHTWATT,
    NORTHWIND,
    PASSWORD,
    TEMPLATE_ESME,
    TEMPLATE_POSTCODE,
    Portal,
    signed_in,
)

pytestmark = pytest.mark.slow


def test_sign_in_and_sign_out(browser: Browser, portal: Portal) -> None:
    page = browser.new_page()
    page.goto(f"{portal.url}/ssi/install-codes")
    expect(page).to_have_url(re.compile(r"/ssi/sign-in\?next="))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to the SSI")
    page.get_by_label("Account name").fill("northwind")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("name or the password is wrong")
    expect(page.get_by_label("Account name")).to_have_value("northwind")  # kept
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/ssi/install-codes$"))  # back where it was going
    expect(page.get_by_text("as Northwind Energy")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    page.goto(f"{portal.url}/ssi/inventory")
    expect(page).to_have_url(re.compile(r"/ssi/sign-in"))
    page.context.close()


def test_supplier_finds_a_premises_and_sees_its_devices(browser: Browser, portal: Portal) -> None:
    page = signed_in(browser, portal, "boxed-supplier")
    page.get_by_label("Device ID, MPxN, UPRN or postcode").fill(TEMPLATE_POSTCODE.lower())
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="1 premises found")).to_be_visible()
    page.get_by_role("link", name=re.compile(TEMPLATE_POSTCODE)).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Premises {TEMPLATE_POSTCODE}")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(13)  # the CH's Device Log, all the User's
    page.get_by_role("link", name=TEMPLATE_ESME).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"ESME {TEMPLATE_ESME}")
    timeline = page.locator("ol.timeline li")
    expect(timeline).to_have_count(3)  # pre-notified, whitelisted, commissioned
    expect(timeline.first).to_contain_text("Commissioned")
    expect(page.locator("dl.facts")).to_contain_text("Active")  # its CPL status
    # Another supplier finds nothing there: not its devices.
    other = signed_in(browser, portal, "northwind")
    other.goto(f"{portal.url}/ssi/inventory?q={TEMPLATE_POSTCODE}")
    expect(other.get_by_role("heading", name="0 premises found")).to_be_visible()
    other.goto(f"{portal.url}/ssi/devices/{TEMPLATE_ESME}")
    expect(other.get_by_role("heading", level=1)).to_have_text("Not found")
    page.context.close()
    other.context.close()


def test_responsible_supplier_sets_and_clears_restricted_mode(
    browser: Browser, portal: Portal
) -> None:
    page = signed_in(browser, portal, "boxed-supplier")
    page.goto(f"{portal.url}/ssi/devices/{TEMPLATE_ESME}")
    preference = page.get_by_label("The consumer's preference, in their words")
    preference.fill("Wants no remote readings or tariff changes")
    page.get_by_role("button", name="Set Restricted mode…").click()
    # Without the reasonable-steps confirmation: refused, and what was typed is still there.
    expect(page.get_by_role("alert")).to_contain_text("reasonable steps")
    expect(preference).to_have_value("Wants no remote readings or tariff changes")
    page.get_by_label("We took all reasonable steps for a smart installation").check()
    page.get_by_role("button", name="Set Restricted mode…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set Restricted mode?")
    page.get_by_role("button", name="Yes, set Restricted mode").click()
    expect(page.get_by_role("status")).to_contain_text("Restricted mode is set")
    flag = page.locator("dl.facts dt", has_text="Restricted").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(flag).to_have_text("Yes")
    preference = page.get_by_label("The consumer's preference, in their words")
    preference.fill("Changed their mind: smart services back")
    page.get_by_role("button", name="Clear Restricted mode…").click()
    page.get_by_role("button", name="Yes, clear Restricted mode").click()
    expect(page.get_by_role("status")).to_contain_text("Restricted mode is cleared")
    expect(flag).to_have_text("No")
    history = page.locator("section:has(h2#restricted-h) table tbody tr")
    expect(history).to_have_count(2)
    esme = DeviceId.parse(TEMPLATE_ESME)
    with portal.app.store.read() as tx:
        device = tx.devices.get(esme)
        assert device is not None and device.responsible_supplier is not None
        supplier = tx.users.get(device.responsible_supplier)
    changes = restricted.history(
        portal.app.store, portal.app.sealer(), Viewer(supplier), esme
    ).changes
    assert [c.restricted for c in changes] == [True, False]
    words = changes[0].consumer_preference
    assert changes[0].reasonable_steps and words is not None and "tariff" in words
    page.context.close()


def test_bulk_request_answered_by_the_other_supplier_in_its_own_session(
    browser: Browser, portal: Portal
) -> None:
    gaining = signed_in(browser, portal, "northwind")
    installer = signed_in(browser, portal, "brightwatt")
    wanted = portal.gained[:2]
    csv_text = "device_id\n" + "".join(f"{d}\n" for d in wanted) + "not-a-device\n"
    gaining.goto(f"{portal.url}/ssi/install-codes")
    gaining.get_by_label("CSV file with a device_id column").set_input_files(
        files=[FilePayload(name="cos.csv", mimeType="text/csv", buffer=csv_text.encode())]
    )
    gaining.get_by_role("button", name="Upload and raise").click()
    expect(gaining.get_by_role("heading", level=1)).to_have_text("Bulk upload: 2 of 3 raised")
    expect(gaining.locator("tr.refused")).to_contain_text("not an EUI-64")
    first = gaining.locator("tbody tr").first.get_by_role("link")
    request_id = int((first.text_content() or "").lstrip("#"))

    # The installing supplier, signed in on its own, finds it assigned and answers it.
    installer.get_by_role("link", name="Install codes").click()
    assigned = installer.locator("section:has(h2#assigned-h)")
    expect(assigned.get_by_role("link", name=f"#{request_id}")).to_be_visible()
    expect(assigned).to_contain_text("working days left")
    assigned.get_by_role("link", name=f"#{request_id}").click()
    field = installer.get_by_label(re.compile("Install code"))
    field.fill("XYZ")
    installer.get_by_role("button", name="Send install code").click()
    expect(installer.get_by_role("alert")).to_contain_text("hexadecimal")
    expect(field).to_have_value("XYZ")  # kept for correcting
    code = portal.install_code(wanted[0])
    field.fill(code)
    installer.get_by_role("button", name="Send install code").click()
    expect(installer.get_by_role("status")).to_contain_text("Answer recorded")

    # The gaining supplier reads the code; it closes the request.
    gaining.goto(f"{portal.url}/ssi/install-codes/{request_id}")
    expect(gaining.locator("p.code")).to_have_text(code.upper())
    gaining.get_by_role("button", name="Close this request").click()
    expect(gaining.get_by_role("status")).to_have_text("Request closed.")
    answered = install_codes.request_for(portal.app.store, NORTHWIND, request_id)
    assert answered.assignee == BRIGHTWATT and answered.closed_at is not None
    gaining.context.close()
    installer.context.close()


def test_a_user_cannot_open_another_users_request_by_url(browser: Browser, portal: Portal) -> None:
    rows = install_codes.raise_requests(
        portal.app.store, portal.clock, portal.app.config, NORTHWIND, [(1, str(portal.gained[2]))]
    )
    request_id = rows[0].request_id
    assert request_id is not None, rows
    outsider = signed_in(browser, portal, "boxed-supplier")
    response = outsider.goto(f"{portal.url}/ssi/install-codes/{request_id}")
    assert response is not None and response.status == 404
    expect(outsider.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(outsider.locator("main")).not_to_contain_text(str(portal.gained[2]))
    outsider.context.close()


def test_posts_without_the_csrf_token_are_refused(browser: Browser, portal: Portal) -> None:
    page = signed_in(browser, portal, "northwind")
    # The browser sends the session cookie, but the form lacks its token (a forged post).
    forged = page.request.post(
        f"{portal.url}/ssi/install-codes", form={"device_id": str(portal.gained[3])}
    )
    assert forged.status == 403
    assert "anti-forgery" in forged.text()
    wrong = page.request.post(
        f"{portal.url}/ssi/install-codes",
        form={"device_id": str(portal.gained[3]), "csrf_token": "x" * 64},
    )
    assert wrong.status == 403
    mine, _ = install_codes.queue(portal.app.store, portal.clock, portal.app.config, NORTHWIND)
    assert portal.gained[3] not in {q.request.device_id for q in mine}  # nothing raised
    page.context.close()
