"""MP169 acceptance (seed 001 section 7) through signed DUIS and the SSI API."""

from __future__ import annotations

import csv
import io
import time

import httpx
import pytest

from gbdsp.clock import SystemClock
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.duis import schema, xml
from gbdsp.sealing import Sealer
from gbdsp.services import alerts, registration
from gbdsp.services.inventory import export_devices
from gbdsp.services.ssi_access import issue_token
from tests.duis_support import SUPPLIER, dsp_signing_key
from tests.scenarios.conftest import GAINING_SUPPLIER, MODELS, World
from tests.scenarios.duis_client import COMMISSION, ch_install, join
from tests.scenarios.test_lifecycle import CHF, ESME, GPF, GSME, prenotify, whitelisted

pytestmark = pytest.mark.slow

READ_REGISTERS = "<sr:ReadInstantaneousImportRegisters/>"  # consumption: refused
READ_FIRMWARE = "<sr:ReadFirmwareVersion/>"  # firmware: allowed
READ_SUPPLY = "<sr:ReadSupplyStatus/>"  # safety: allowed


def install(world: World) -> None:
    world.deliver_hub(CHF, GPF)
    s = world.supplier
    assert s.non_device("8.14.1", ch_install(CHF, mpxn="1300000000111")) == "I0"
    for device, kind in ((ESME, "ESME"), (GSME, "GSME")):
        prenotify(world, device, kind)
        whitelisted(world, device)
        assert s.command("8.1.1", COMMISSION, device, critical=True) == "I0"
    assert s.command("8.7.2", join(GPF), GSME) == "I0"
    with world.store.transaction() as tx:
        meter = tx.devices.get(DeviceId.parse(ESME))
        assert meter is not None
        from dataclasses import replace

        tx.devices.update(replace(meter, import_mpxn="1300000000111"))


def ssi(
    world: World, token: str, device: str, restricted: bool, reasonable_steps: bool = True
) -> httpx.Response:
    return httpx.put(
        f"{world.url}/ssi/api/v1/devices/{device}/restricted",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "restricted": restricted,
            "reasonable_steps": reasonable_steps,
            "consumer_preference": "refuses remote reads",
        },
    )


def csp_reaches(world: World, device: str, expected: bool, seconds: float = 5) -> bool:
    """Whether the emulated CSP's record of the device comes to show `expected`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with world.store.read() as tx:
            found = tx.wan.restricted_indicator(DeviceId.parse(device))
        if found is not None and found[0] is expected:
            return True
        time.sleep(0.05)
    return False


def test_restricted_mode_end_to_end(world: World) -> None:
    install(world)
    store = world.store
    supplier_token = issue_token(store, UserId.parse(SUPPLIER), "supplier", SystemClock().now())
    gainer_token = issue_token(store, UserId.parse(GAINING_SUPPLIER), "gainer", SystemClock().now())
    operator_token = issue_token(store, None, "ops", SystemClock().now())
    s = world.supplier

    # Only the Responsible Supplier may set it, and only with reasonable steps confirmed.
    assert ssi(world, gainer_token, ESME, True).status_code == 403
    assert ssi(world, operator_token, ESME, True).status_code == 403
    assert ssi(world, supplier_token, ESME, True, reasonable_steps=False).status_code == 400
    assert ssi(world, supplier_token, CHF, True).status_code == 400  # not a meter
    reply = ssi(world, supplier_token, GSME, True)
    assert reply.status_code == 200 and set(reply.json()["changed"]) == {GSME, GPF}
    assert ssi(world, supplier_token, ESME, True).status_code == 200
    assert csp_reaches(world, ESME, True) and csp_reaches(world, GPF, True)  # CSP told

    # Allowed SRVs still work; the others are refused with the Restricted code.
    assert s.command("11.2", READ_FIRMWARE, ESME) == "I0"
    assert s.command("7.4", READ_SUPPLY, GSME) == "I0"
    assert s.command("4.1.1", READ_REGISTERS, ESME) == "E169"
    assert s.command("4.1.1", READ_REGISTERS, GSME) == "E169"
    refused = s.last_reply
    assert schema.schema_error(xml.parse(refused), mp169=True) is None  # extension
    assert schema.schema_error(xml.parse(refused)) is not None  # not plain 5.4

    # OTA firmware to the restricted ESME and GSME succeeds.
    for device, kind in ((ESME, "ESME"), (GSME, "GSME")):
        from gbdsp.domain.devices import DeviceType

        version = MODELS[DeviceType.parse(kind)].firmware_version
        body = (
            f"<sr:UpdateFirmware><sr:FirmwareImage>QUJD</sr:FirmwareImage>"
            f"<sr:FirmwareVersion>{version}</sr:FirmwareVersion>"
            f"<sr:DeviceIDList>{device}</sr:DeviceIDList></sr:UpdateFirmware>"
        )
        assert s.non_device("11.1", body) == "I0"

    # 8.2, the SSI view and extracts show the flag.
    premises = world.inventory(ESME)
    assert premises[ESME]["Restricted"] == "true" and "Restricted" not in premises[CHF]
    assert schema.schema_error(xml.parse(s.last_reply), mp169=True) is None
    extract = io.StringIO()
    export_devices(store, extract)
    rows = {r["device_id"]: r for r in csv.DictReader(io.StringIO(extract.getvalue()))}
    assert rows[ESME]["restricted"] == "true" and rows[CHF]["restricted"] == "false"
    view = httpx.get(
        f"{world.url}/ssi/api/v1/devices/{ESME}",
        headers={"Authorization": f"Bearer {supplier_token}"},
    ).json()
    assert view["restricted"] == "true"
    assert view["restricted_history"][0]["consumer_preference"] == "refuses remote reads"

    # Alerts: allowed codes reach the User, others only the diagnostics log.
    config, key = world.config, dsp_signing_key()
    delivered = alerts.raise_alert(store, SystemClock(), config, key, DeviceId.parse(ESME), "8F01")
    held = alerts.raise_alert(store, SystemClock(), config, key, DeviceId.parse(ESME), "8F99")
    assert delivered.delivered and not held.delivered
    # The Firmware Distribution Receipt (8F72) of the 11.1 above: firmware updates go on.
    delivered_codes = [("8F72", True), ("8F01", True)]
    assert alerts.alert_log_rows(store, DeviceId.parse(ESME), diagnostics=False) == delivered_codes
    assert alerts.alert_log_rows(store, DeviceId.parse(ESME), diagnostics=True) == [("8F99", False)]

    # The flag survives a change of supplier; the gainer may then clear it.
    now = SystemClock().now()
    registration.record(store, [("1300000000111", UserId.parse(GAINING_SUPPLIER), now)], now)
    assert world.inventory(ESME)[ESME]["Restricted"] == "true"
    assert ssi(world, supplier_token, ESME, False).status_code == 403  # no longer its own
    assert ssi(world, gainer_token, ESME, False).status_code == 200
    assert csp_reaches(world, ESME, False)

    # Cleared: normal behaviour again.
    assert world.gaining.command("4.1.1", READ_REGISTERS, ESME) == "I0"
    back = alerts.raise_alert(store, SystemClock(), config, key, DeviceId.parse(ESME), "8F99")
    assert back.delivered


@pytest.mark.parametrize("modifications", [(True, True)], ids=["mods-on"], indirect=True)
def test_without_mp169_the_flag_cannot_be_set(world: World) -> None:
    from gbdsp.config import Mp169Config
    from gbdsp.services.restricted import set_restricted

    install(world)
    off = world.config.model_copy(
        update={
            "modifications": world.config.modifications.model_copy(
                update={"mp169": Mp169Config(enabled=False)}
            )
        }
    )
    with pytest.raises(Exception, match=r"MP169 .* is not in force"):
        set_restricted(
            world.store,
            SystemClock(),
            off,
            UserId.parse(SUPPLIER),
            DeviceId.parse(ESME),
            True,
            "no smart",
            True,
            sealer=Sealer(b"test"),
        )


def test_reports_count_restricted_refusals_apart(world: World) -> None:
    from gbdsp.services.reports import restricted_firmware, sr_outcomes
    from gbdsp.services.restricted import set_restricted

    install(world)
    set_restricted(
        world.store,
        SystemClock(),
        world.config,
        UserId.parse(SUPPLIER),
        DeviceId.parse(ESME),
        True,
        "no remote reads",
        True,
        sealer=Sealer(b"test"),
    )
    s = world.supplier
    assert s.command("4.1.1", READ_REGISTERS, ESME) == "E169"
    assert s.command("4.1.1", READ_REGISTERS, GSME) == "I0"
    assert s.command("4.1.1", READ_REGISTERS, "00-DB-12-34-57-0F-0F-0F") == "E19"
    rows = [r for r in sr_outcomes(world.store) if r.srv == "4.1.1"]
    by_region = {r.region: r for r in rows}
    north = by_region["North"]  # the premises' CSP region
    assert (north.succeeded, north.failed, north.restricted) == (1, 0, 1)
    assert north.success_rate == 1.0  # the consumer's choice is no failure
    assert by_region[None].failed == 1  # the unknown device: no region
    with world.store.transaction() as tx:  # a newer firmware reaches the CPL
        from gbdsp.domain.devices import DeviceModel, DeviceType, SmetsVariant
        from gbdsp.domain.products import CplEntry, CplKey

        m = MODELS[DeviceType.ESME]
        tx.cpl.put(
            CplEntry(
                CplKey(
                    DeviceModel(m.manufacturer, m.model, m.hardware_version, "FFFFFFFF"),
                    DeviceType.ESME,
                    SmetsVariant.SMETS2,
                )
            )
        )
    behind = restricted_firmware(world.store)
    assert [(str(r.device_id), r.newest_on_cpl) for r in behind] == [(ESME, "FFFFFFFF")]
