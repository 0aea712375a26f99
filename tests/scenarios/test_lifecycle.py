"""Issue scenarios 1-6: whole premises through DUIS only, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gbdsp.domain.devices import DeviceType
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.services import registration
from tests.scenarios.conftest import GAINING_SUPPLIER, MODELS, World
from tests.scenarios.duis_client import (
    COMMISSION,
    DuisUser,
    ch_install,
    ch_return,
    decommission,
    inventory_mpxn,
    inventory_status,
    join,
    ppmid_firmware,
    prenotification,
    set_mpan,
    whitelist,
)

pytestmark = pytest.mark.slow

CHF, GPF = "00-DB-12-34-57-00-00-01", "00-DB-12-34-57-00-00-02"
ESME, GSME = "00-DB-12-34-57-00-00-03", "00-DB-12-34-57-00-00-04"
IHD, PPMID = "00-DB-12-34-57-00-00-05", "00-DB-12-34-57-00-00-06"
MPAN = "1300000000111"


def prenotify(
    world: World, device: str, kind: str, smets: str = "SMETS2", as_user: str = "supplier"
) -> str:
    model = MODELS[DeviceType.parse(kind)]
    user: DuisUser = getattr(world, as_user)
    return user.non_device(
        "12.2",
        prenotification(
            device, kind, model.manufacturer, model.model, model.firmware_version, smets
        ),
    )


def whitelisted(
    world: World, device: str, chf: str = CHF, code: str | None = None, user: str = "supplier"
) -> str:
    sender: DuisUser = getattr(world, user)
    return sender.command("8.11", whitelist(device, code or world.install_code(device)), chf)


def test_1_install_and_commission_a_dual_fuel_premises(world: World) -> None:
    world.deliver_hub(CHF, GPF)
    assert {d: f["DeviceStatus"] for d, f in world.inventory(CHF).items()} == {
        CHF: "Pending",
        GPF: "Pending",
    }  # AC 2.4
    assert world.supplier.non_device("8.14.1", ch_install(CHF)) == "I0"
    for device, kind in ((ESME, "ESME"), (GSME, "GSME"), (IHD, "IHD"), (PPMID, "PPMID")):
        assert prenotify(world, device, kind) == "I0"
        assert whitelisted(world, device) == "I0"
    s = world.supplier
    assert s.command("8.1.1", COMMISSION, ESME, critical=True) == "I0"  # AC 4.11-4.13
    assert s.command("8.1.1", COMMISSION, GSME, critical=True) == "I0"
    assert s.command("8.7.2", join(GPF), GSME) == "I0"  # AC 4.10
    assert s.command("8.7.2", join(ESME), PPMID) == "I0"  # AC 4.9
    assert s.command("8.7.2", join(IHD), ESME) == "I0"
    assert s.command("6.20.1", set_mpan(MPAN), ESME) == "I0"  # AC 4.14
    premises = world.inventory(ESME)
    assert {d: f.get("DeviceStatus") for d, f in premises.items()} == {
        CHF: "Commissioned",
        GPF: "Commissioned",
        ESME: "Commissioned",
        GSME: "Commissioned",
        IHD: None,
        PPMID: "Commissioned",
    }
    assert premises[ESME]["ImportMPxN"] == MPAN
    assert "DateCommissioned" in premises[ESME]
    assert premises[ESME]["CSPRegion"] == premises[CHF]["CSPRegion"] == "North"  # inherited


def test_commission_is_refused_before_the_chf_and_for_a_commissioned_meter(world: World) -> None:
    world.deliver_hub(CHF, GPF)
    prenotify(world, ESME, "ESME")
    s = world.supplier
    assert s.command("8.1.1", COMMISSION, ESME, critical=True) == "E5"  # CHF still Pending
    s.non_device("8.14.1", ch_install(CHF))
    whitelisted(world, ESME)
    assert s.command("8.1.1", COMMISSION, ESME, critical=True) == "I0"
    assert s.command("8.1.1", COMMISSION, ESME, critical=True) == "E5"  # AC 4.12(b)
    assert s.command("8.1.1", COMMISSION, "00-DB-12-34-57-00-0F-0F", critical=True) == "E19"


def test_2_install_and_leave_then_coverage_arrives(world: World) -> None:
    world.deliver_hub(CHF, GPF)
    s = world.supplier
    assert s.non_device("8.14.2", ch_install(CHF, wan=False)) == "I0"
    prenotify(world, ESME, "ESME")
    assert s.non_device("8.4", inventory_status(ESME, "InstalledNotCommissioned")) == "I0"
    states = {d: f.get("DeviceStatus") for d, f in world.inventory(CHF).items()}
    assert states == {CHF: "InstalledNotCommissioned", GPF: "InstalledNotCommissioned"}
    assert whitelisted(world, ESME) == "E20"  # no SM WAN yet
    world.coverage_arrives(CHF)
    assert whitelisted(world, ESME) == "I0"
    assert s.command("8.1.1", COMMISSION, ESME, critical=True) == "I0"
    premises = world.inventory(CHF)
    assert premises[CHF]["DeviceStatus"] == "Commissioned"
    assert premises[ESME]["DeviceStatus"] == "Commissioned"


def test_3_change_of_supplier_before_coverage_leaves_the_gainer_without_install_code(
    world: World,
) -> None:
    world.deliver_hub(CHF, GPF)
    s, g = world.supplier, world.gaining
    s.non_device("8.14.2", ch_install(CHF, wan=False, mpxn=MPAN))
    prenotify(world, ESME, "ESME")
    s.non_device("8.4", inventory_status(ESME, "InstalledNotCommissioned"))
    s.non_device("8.4", inventory_mpxn(ESME, MPAN))
    registration.record(
        world.store, [(MPAN, UserId.parse(GAINING_SUPPLIER), datetime.now(UTC))], datetime.now(UTC)
    )
    world.coverage_arrives(CHF)
    assert whitelisted(world, ESME) == "E4"  # the losing supplier may no longer act
    guessed = "00" * 16  # the gainer never saw the device's label
    assert whitelisted(world, ESME, code=guessed, user="gaining") == "I0"  # the CHF takes it
    assert g.command("8.1.1", COMMISSION, ESME, critical=True) == "E21"  # but it never joins
    with world.store.read() as tx:
        meter = tx.devices.get(DeviceId.parse(ESME))
    assert meter is not None
    assert str(meter.responsible_supplier) == GAINING_SUPPLIER  # moved by CoS
    assert str(meter.installing_supplier) == "90-B3-D5-1F-30-01-00-00"  # kept
    assert whitelisted(world, ESME, user="gaining") == "I0"  # with the code (what MP121 gives)
    assert g.command("8.1.1", COMMISSION, ESME, critical=True) == "I0"


CHF2, GPF2 = "00-DB-12-34-57-00-01-01", "00-DB-12-34-57-00-01-02"


def test_4_ch_returns_by_supplier_and_by_its_agent(world: World) -> None:
    world.deliver_hub(CHF, GPF)
    world.deliver_hub(CHF2, GPF2, to=GAINING_SUPPLIER)
    assert world.supplier.non_device("8.14.3", ch_return(CHF, fault=True)) == "I0"
    assert {f["DeviceStatus"] for f in world.inventory(CHF).values()} == {"Withdrawn"}
    # MP39 on: the agent may return its supplier's CH, not another supplier's.
    assert world.agent.non_device("8.14.4", ch_return(CHF2, fault=False)) == "E4"
    world.deliver_hub("00-DB-12-34-57-00-02-01", "00-DB-12-34-57-00-02-02")
    assert (
        world.agent.non_device("8.14.4", ch_return("00-DB-12-34-57-00-02-01", fault=False)) == "I0"
    )
    assert world.agent.non_device("8.14.1", ch_install(CHF2)) == "E2"  # returns only


@pytest.mark.parametrize("modifications", [(False, True)], ids=["mp39-off"], indirect=True)
def test_4_without_mp39_an_agent_gets_e2(world: World) -> None:
    world.deliver_hub(CHF, GPF)
    assert world.agent.non_device("8.14.3", ch_return(CHF, fault=True)) == "E2"
    assert world.supplier.non_device("8.14.3", ch_return(CHF, fault=True)) == "I0"


S1_CHF, S1_GPF = "00-DB-12-34-57-00-03-01", "00-DB-12-34-57-00-03-02"


def _ppmid_in(world: World, chf: str, gpf: str, smets_ch: str, smets_ppmid: str) -> None:
    world.deliver_hub(chf, gpf, smets=smets_ch)
    world.supplier.non_device("8.14.1", ch_install(chf))
    assert whitelisted(world, PPMID, chf=chf) == "I0"


def test_5_mp202_the_same_ppmid_in_a_smets2_then_a_smets1_system(world: World) -> None:
    assert prenotify(world, PPMID, "PPMID", smets="SMETS1") == "I0"  # pre-notified S1
    _ppmid_in(world, CHF, GPF, "CHTS V1.0", "SMETS1")
    assert world.inventory(CHF)[PPMID]["SMETSCHTSVersion"] == "SMETS2"  # taken from the CH
    version = MODELS[DeviceType.PPMID].firmware_version
    assert world.supplier.non_device("11.4", ppmid_firmware(PPMID, version)) == "I0"
    assert world.supplier.non_device("8.3", decommission(PPMID)) == "I0"
    assert world.supplier.non_device("8.4", inventory_status(PPMID, "Pending")) == "I0"
    _ppmid_in(world, S1_CHF, S1_GPF, "SMETS1 CHTS", "SMETS2")
    assert world.inventory(S1_CHF)[PPMID]["SMETSCHTSVersion"] == "SMETS1"
    assert world.supplier.non_device("11.4", ppmid_firmware(PPMID, version)) == "E5"


@pytest.mark.parametrize("modifications", [(True, False)], ids=["mp202-off"], indirect=True)
def test_5_without_mp202_the_smi_keeps_the_prenotified_version(world: World) -> None:
    assert prenotify(world, PPMID, "PPMID", smets="SMETS1") == "I0"
    _ppmid_in(world, CHF, GPF, "CHTS V1.0", "SMETS1")
    assert world.inventory(CHF)[PPMID]["SMETSCHTSVersion"] == "SMETS1"
    version = MODELS[DeviceType.PPMID].firmware_version
    # Installed in a SMETS2+ system but recorded as SMETS1: cannot be targeted.
    assert world.supplier.non_device("11.4", ppmid_firmware(PPMID, version)) == "E5"


def test_6_decommission_and_reuse_via_ac_7_1(world: World) -> None:
    world.deliver_hub(CHF, GPF)
    s = world.supplier
    s.non_device("8.14.1", ch_install(CHF))
    prenotify(world, ESME, "ESME")
    whitelisted(world, ESME)
    assert s.command("8.1.1", COMMISSION, ESME, critical=True) == "I0"
    assert s.non_device("8.3", decommission(ESME)) == "I0"
    assert s.command("11.2", "<sr:ReadFirmwareVersion/>", ESME) == "E5"  # out of service
    assert s.non_device("8.4", inventory_status(ESME, "Pending")) == "I0"  # AC 7.1
    with world.store.read() as tx:
        history = [c.status.value for c in tx.devices.history(DeviceId.parse(ESME))]
    assert history == ["Pending", "Whitelisted", "Commissioned", "Decommissioned", "Pending"]
    assert s.non_device("8.4", inventory_status(ESME, "Pending")) == "E5"  # already Pending
