"""The emulated devices remember what set commands set (docs/gbcs.md "Device state"): through
the real gateway, on each backend, a set command the device executed changes what a later
read reports, decoded by the real gbcs-parser; a refused one, or one the WAN did not
deliver, changes nothing."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest

from gbdsp.clock import ManualClock
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.requests import WebService
from gbdsp.duis import xml
from gbdsp.duis.namespaces import SR
from gbdsp.gateway.pipeline import Gateway
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.services.smki_export import export
from gbdsp.store.store import Store
from gbdsp.wan import device_state
from tests.duis_support import (
    CHF,
    ESME,
    NETWORK_OPERATOR,
    SUPPLIER,
    request,
    signed,
)
from tests.gbcs.conftest import Decoder, Verdict
from tests.gbcs.support import WORLD
from tests.gbcs.test_critical import GSME, send_signed, sign, transform
from tests.gbcs.test_cs import _krp, _party_certificate, _ski_of


@pytest.fixture
def keys(store: Store, gateway: Gateway, user_keys: Path, tmp_path: Path) -> list[Path]:
    export(store, WORLD, tmp_path / "certs", private=False)
    return [tmp_path / "certs", user_keys]


class Device:
    """Drives one device through the gateway with fresh counters."""

    def __init__(self, gateway: Gateway, store: Store, target: str) -> None:
        self.gateway, self.store, self.target = gateway, store, target
        self.counter = 1000

    def _next(self) -> int:
        self.counter += 1
        return self.counter

    def critical(self, srv: str, body: str, *, signer: str = SUPPLIER) -> str:
        """CV 4 then the CV 5 signed by `signer`: the synchronous code of the CV 5."""
        counter = self._next()
        pre = transform(self.gateway, counter, srv, self.target, body)
        return send_signed(self.gateway, counter, sign(pre, signer), srv, self.target)

    def read(self, srv: str, body: str, *, by: str = SUPPLIER) -> bytes:
        """A CV 1 command (a read, say) by User `by`: the device's GBCS Response, as pushed."""
        counter = self._next()
        root = request(srv=srv, body=body, cv=1, counter=counter, target=self.target, originator=by)
        reply = self.gateway.handle(WebService.SEND_COMMAND, signed(root, by))
        assert b"I99" in reply.body, reply.body
        return self.pushed(counter, "I0", by)

    def around(self, read: tuple[str, str], srv: str, body: str, *, by: str = "") -> list[bytes]:
        """The `read` (SRV, body) before and after the set command `srv`: critical (CV 4
        and 5) unless it is sent as a CV 1 by User `by`."""
        before = self.read(*read)
        if by:
            self.read(srv, body, by=by)
        else:
            assert self.critical(srv, body) == "I99"
        return [before, self.read(*read)]

    def pushed(self, counter: int, code: str, by: str = SUPPLIER) -> bytes:
        later = self.gateway.clock.now() + timedelta(seconds=10)
        with self.store.transaction() as tx:
            found = [
                m
                for m in tx.outbox.claim_due(later, later, 100)
                if m.response_id == f"{self.target}:{by}:{counter}"
            ]
        assert len(found) == 1
        root = xml.parse(found[0].body)
        assert root.findtext(f"{{{SR}}}Header/{{{SR}}}ResponseCode") == code
        payload = root.findtext(f".//{{{SR}}}GBCSPayload") or ""
        return base64.b64decode(payload)


def _decoded(decoder: Decoder, keys: list[Path], frames: list[bytes]) -> list[Verdict]:
    verdicts = decoder.decode(frames, keys)
    for v in verdicts:
        assert (v.ok, v.mac) == (True, "valid"), v.raw
    return verdicts


def _esme_supply(v: Verdict) -> list[str]:
    """ECS45: the disconnect control state (0 disconnected, 1 connected, 2 armed)."""
    return v.notes_of("Enum")


def _gas_supply(v: Verdict) -> str:
    """GCS33: the battery's days, then the ZSE Supply Status (0 off, 1 armed, 2 on)."""
    return v.notes_of("Attribute Data Value")[-1]


READ_SUPPLY = "<sr:ReadSupplyStatus/>"


def test_esme_supply_follows_7_1_7_2_7_3(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    esme = Device(gateway, store, ESME)
    frames = [esme.read("7.4", READ_SUPPLY)]
    assert esme.critical("7.2", "<sr:DisableSupply/>") == "I99"
    frames.append(esme.read("7.4", READ_SUPPLY))
    assert esme.critical("7.3", "<sr:ArmSupply/>") == "I99"
    frames.append(esme.read("7.4", READ_SUPPLY))
    assert esme.critical("7.1", "<sr:EnableSupply/>") == "I99"
    frames.append(esme.read("7.4", READ_SUPPLY))
    states = [_esme_supply(v) for v in _decoded(decoder, keys, frames)]
    assert states == [["1"], ["0"], ["2"], ["1"]]


def test_gsme_valve_follows_7_2_and_7_3(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    gsme = Device(gateway, store, GSME)
    frames = [gsme.read("7.4", READ_SUPPLY)]
    assert gsme.critical("7.2", "<sr:DisableSupply/>") == "I99"
    frames.append(gsme.read("7.4", READ_SUPPLY))
    assert gsme.critical("7.3", "<sr:ArmSupply/>") == "I99"
    frames.append(gsme.read("7.4", READ_SUPPLY))
    states = [_gas_supply(v) for v in _decoded(decoder, keys, frames)]
    assert states == ["2", "0", "1"]


def test_a_refused_or_undelivered_7_2_leaves_the_supply_on(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    esme = Device(gateway, store, ESME)
    # signed by the wrong User: refused at once, nothing sent
    assert esme.critical("7.2", "<sr:DisableSupply/>", signer=NETWORK_OPERATOR) == "E41"
    # no SM WAN at the premises: sent (I99), but the device never gets it (E20)
    with store.transaction() as tx:
        tx.wan.set_coverage(DeviceId.parse(CHF), False)
    assert esme.critical("7.2", "<sr:DisableSupply/>") == "I99"
    assert esme.pushed(esme.counter, "E20") == b""
    with store.transaction() as tx:
        tx.wan.set_coverage(DeviceId.parse(CHF), True)
        assert tx.device_states.get(DeviceId.parse(ESME)) is None
    (read,) = _decoded(decoder, keys, [esme.read("7.4", READ_SUPPLY)])
    assert _esme_supply(read) == ["1"]


READ_TARIFF = "<sr:ReadTariffPrimaryElement/>"
ESME_PRICE = (
    "<sr:UpdatePricePrimaryElement>{when}<sr:PriceElements><sr:ElectricityPriceElements>"
    "<sr:StandingCharge>20000</sr:StandingCharge><sr:StandingChargeScale>-5"
    "</sr:StandingChargeScale><sr:PriceScale>-5</sr:PriceScale><sr:TOUTariff>"
    '<sr:TOUPrice index="1">3221</sr:TOUPrice><sr:TOUPrice index="2">4327</sr:TOUPrice>'
    "</sr:TOUTariff></sr:ElectricityPriceElements></sr:PriceElements>"
    "</sr:UpdatePricePrimaryElement>"
)


def _when(at: str) -> str:
    return f"<sr:ExecutionDateTime>{at}</sr:ExecutionDateTime>"


def _esme_prices(v: Verdict) -> tuple[str, list[str]]:
    """ECS24: the active price, then the standing charge and the price matrix's prices."""
    return v.notes_of("Double Long Unsigned")[0], v.notes_of("] Long")


def test_esme_price_update_is_what_4_11_1_reads(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    esme = Device(gateway, store, ESME)
    frames = [esme.read("4.11.1", READ_TARIFF)]
    assert esme.critical("1.2.1", ESME_PRICE.format(when="")) == "I99"
    frames.append(esme.read("4.11.1", READ_TARIFF))
    before, after = (_esme_prices(v) for v in _decoded(decoder, keys, frames))
    assert before == ("24500", ["6000", "24500"])  # the documented default
    price, charges = after
    assert price == "3221"
    assert charges[:3] == ["20000", "3221", "4327"] and len(charges) == 1 + 80
    assert set(charges[3:]) == {"0"}


def test_a_future_dated_price_applies_at_its_time_and_a_cancellation_withdraws_it(
    gateway: Gateway, store: Store, clock: ManualClock, decoder: Decoder, keys: list[Path]
) -> None:
    esme = Device(gateway, store, ESME)
    at = clock.now() + timedelta(days=1)
    assert esme.critical("1.2.1", ESME_PRICE.format(when=_when(at.isoformat()))) == "I99"
    frames = [esme.read("4.11.1", READ_TARIFF)]  # before its time: the old price
    clock.advance(timedelta(days=1, seconds=1))
    frames.append(esme.read("4.11.1", READ_TARIFF))  # executed
    later = clock.now() + timedelta(days=1)
    body = ESME_PRICE.replace(">3221<", ">9999<").format(when=_when(later.isoformat()))
    assert esme.critical("1.2.1", body) == "I99"
    cancel = ESME_PRICE.format(when=_when("3000-12-31T00:00:00Z"))
    assert esme.critical("1.2.1", cancel) == "I99"
    clock.advance(timedelta(days=2))
    frames.append(esme.read("4.11.1", READ_TARIFF))  # the 9999 was withdrawn
    prices = [_esme_prices(v)[0] for v in _decoded(decoder, keys, frames)]
    assert prices == ["24500", "3221", "3221"]


GAS_PRICE = (
    "<sr:UpdatePricePrimaryElement><sr:PriceElements><sr:GasPriceElements>"
    "<sr:CurrencyUnits>GBP</sr:CurrencyUnits><sr:StandingCharge>22465</sr:StandingCharge>"
    "<sr:TOUTariff>"
    + "".join(
        f'<sr:TOUPrice index="{i}">{p}</sr:TOUPrice>'
        for i, p in enumerate((9600, 10200, 10750), start=1)
    )
    + "</sr:TOUTariff></sr:GasPriceElements></sr:PriceElements></sr:UpdatePricePrimaryElement>"
)


def _gas_tariff(v: Verdict) -> list[str]:
    """GCS21f's Price cluster attributes: divisor, multiplier, three thresholds, unit, four
    block prices, four tier prices, currency, trailing digits, standing charge."""
    return v.notes_of("Attribute Data Value")[:17]


def test_gsme_price_update_is_what_4_11_1_reads(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    gsme = Device(gateway, store, GSME)
    frames = [gsme.read("4.11.1", READ_TARIFF)]
    assert gsme.critical("1.2.1", GAS_PRICE) == "I99"
    frames.append(gsme.read("4.11.1", READ_TARIFF))
    before, after = (_gas_tariff(v) for v in _decoded(decoder, keys, frames))
    assert after[10:14] == ["9600", "10200", "10750", "0"] != before[10:14]
    assert after[16] == "22465" != before[16]
    assert after[:10] == before[:10]  # no block prices, the same thresholds


def test_7_12_sets_the_randomised_offset_limit_6_2_2_reads(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    esme = Device(gateway, store, ESME)
    read = ("6.2.2", "<sr:ReadDeviceConfigurationRandomisation/>")
    body = (
        "<sr:SetRandomisedOffsetLimit><sr:RandomisedOffsetLimit>600"
        "</sr:RandomisedOffsetLimit></sr:SetRandomisedOffsetLimit>"
    )
    frames = esme.around(read, "7.12", body)
    before, after = (v.notes_of("Long Unsigned") for v in _decoded(decoder, keys, frames))
    assert before == ["200", "1800", "1800"]  # the documented default
    assert after == ["200", "600", "1800"]


def test_6_4_1_sets_the_load_limit_4_15_reads(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    esme = Device(gateway, store, ESME)
    read = ("4.15", "<sr:ReadLoadLimitData/>")
    body = (
        "<sr:UpdateDeviceConfigurationLoadLimitingGeneralSettings>"
        "<sr:LoadLimitPeriod>300</sr:LoadLimitPeriod>"
        "<sr:LoadLimitPowerThreshold>6900</sr:LoadLimitPowerThreshold>"
        "<sr:LoadLimitRestorationPeriod>30</sr:LoadLimitRestorationPeriod>"
        "<sr:LoadLimitSupplyState>Disable</sr:LoadLimitSupplyState>"
        "</sr:UpdateDeviceConfigurationLoadLimitingGeneralSettings>"
    )
    frames = esme.around(read, "6.4.1", body)
    before, after = (v.notes_of("Double Long Unsigned") for v in _decoded(decoder, keys, frames))
    assert before[1:] == ["12000", "60", "30"]  # the counter, then the documented default
    assert after[1:] == ["6900", "30", "300"]


def test_6_5_sets_the_voltage_thresholds_6_2_1_reads(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    esme = Device(gateway, store, ESME)
    read = ("6.2.1", "<sr:ReadDeviceConfigurationVoltage/>")
    settings = dict(
        zip(
            device_state.RMS_SETTINGS + device_state.AVERAGE_SETTINGS,
            (290, 60, 175, 45, 210, 20, 255, 25, 265, 195),
            strict=True,
        )
    )
    rms = "".join(f"<sr:{n}>{settings[n]}</sr:{n}>" for n in sorted(device_state.RMS_SETTINGS))
    body = (
        f"<sr:UpdateDeviceConfigurationVoltage><sr:RMSVoltageSettings>{rms}"
        "</sr:RMSVoltageSettings><sr:SinglePhaseVoltageSettings>"
        "<sr:AverageRMSOverVoltageThreshold>265</sr:AverageRMSOverVoltageThreshold>"
        "<sr:AverageRMSUnderVoltageThreshold>195</sr:AverageRMSUnderVoltageThreshold>"
        "<sr:AverageRMSVoltageMeasurementPeriod>30</sr:AverageRMSVoltageMeasurementPeriod>"
        "</sr:SinglePhaseVoltageSettings></sr:UpdateDeviceConfigurationVoltage>"
    )
    frames = esme.around(read, "6.5", body, by=NETWORK_OPERATOR)  # the NO's CV 1: ECS29a
    before, after = (v.notes_of("Double Long Unsigned") for v in _decoded(decoder, keys, frames))
    assert before == ["287", "30", "180", "30", "216", "30", "253", "30", "264", "200"]
    assert after == [str(v) for v in settings.values()]


def test_6_8_sets_the_billing_calendar_6_2_3_reads(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    esme = Device(gateway, store, ESME)
    read = ("6.2.3", "<sr:ReadDeviceConfigurationBillingCalendar/>")
    body = (
        "<sr:UpdateDeviceConfigurationBillingCalendar><sr:ElectricityBillingCalendar>"
        "<sr:BillingTime>06:30:00.00Z</sr:BillingTime><sr:Quarterly>"
        "<sr:DayOfMonth>15</sr:DayOfMonth>"
        "<sr:BillingPeriodStartMonth>2</sr:BillingPeriodStartMonth>"
        "</sr:Quarterly></sr:ElectricityBillingCalendar>"
        "</sr:UpdateDeviceConfigurationBillingCalendar>"
    )
    frames = esme.around(read, "6.8", body)
    before, after = (v.hex_of("Octet String") for v in _decoded(decoder, keys, frames))
    assert before == ["09 04 00 00 00 00", "09 05 FF FF FF 01 FF"]  # 1st of each month, 00:00
    dates = [f"09 05 FF FF {m:02X} 0F FF" for m in (2, 5, 8, 11)]
    assert after == [x for d in dates for x in ("09 04 06 1E 00 00", d)]


def test_6_8_sets_the_gas_billing_calendar_6_2_3_reads(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    gsme = Device(gateway, store, GSME)
    read = ("6.2.3", "<sr:ReadDeviceConfigurationBillingCalendar/>")
    body = (
        "<sr:UpdateDeviceConfigurationBillingCalendar><sr:GasBillingCalendar>"
        "<sr:BillingPeriodStart>2026-04-01T00:00:00Z</sr:BillingPeriodStart>"
        "<sr:Periodicity>SixMonthly</sr:Periodicity></sr:GasBillingCalendar>"
        "</sr:UpdateDeviceConfigurationBillingCalendar>"
    )
    frames = gsme.around(read, "6.8", body)
    before, after = _decoded(decoder, keys, frames)
    fields = ("Billing Period Start Time", "Billing Period Duration")
    assert [before.notes_of(f) for f in fields] == [["2020-01-01 00:00:00"], ["1"]]  # default
    assert [after.notes_of(f) for f in fields] == [["2026-04-01 00:00:00"], ["6"]]


PREPAYMENT_MODE = (
    "<sr:UpdatePaymentMode><sr:Prepayment><sr:SuspendDebtDisabled>true</sr:SuspendDebtDisabled>"
    "<sr:SuspendDebtEmergency>true</sr:SuspendDebtEmergency>"
    "<sr:DisablementThreshold>556677</sr:DisablementThreshold></sr:Prepayment>"
    "</sr:UpdatePaymentMode>"
)
CREDIT_MODE = "<sr:UpdatePaymentMode><sr:Credit/></sr:UpdatePaymentMode>"
READ_PAYMENT_MODE = "<sr:ReadDeviceConfigurationPaymentMode/>"


def test_1_6_sets_the_payment_mode_6_2_9_reads(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    esme, gsme = Device(gateway, store, ESME), Device(gateway, store, GSME)
    gsme.counter = 5000  # the User's counters must grow across both devices
    frames = []
    for meter in (esme, gsme):
        for body in (PREPAYMENT_MODE, CREDIT_MODE):
            assert meter.critical("1.6", body) == "I99"
            frames.append(meter.read("6.2.9", READ_PAYMENT_MODE))
    esme_prepay, esme_credit, gsme_prepay, gsme_credit = _decoded(decoder, keys, frames)
    assert esme_prepay.notes_of("Enum") == ["2", "2"]  # prepayment, active
    assert esme_credit.notes_of("Enum") == ["1", "2"]  # credit, active
    # GCS21j's Payment Control Configuration (wan/gas_meter.py PREPAYMENT_MODE, CREDIT_MODE)
    assert gsme_prepay.notes_of("Attribute Data Value") == ["0x0C97"]
    assert gsme_credit.notes_of("Attribute Data Value") == ["0x0C95"]


def test_6_15_1_replaces_the_trust_anchors_6_24_1_reads(
    gateway: Gateway, store: Store, decoder: Decoder, keys: list[Path]
) -> None:
    esme = Device(gateway, store, ESME)
    read = (
        "<sr:RetrieveDeviceSecurityCredentialsKRP><sr:RemotePartyRole>Supplier"
        "</sr:RemotePartyRole></sr:RetrieveDeviceSecurityCredentialsKRP>"
    )
    new = [
        ("DigitalSigningCertificate", _party_certificate(UserId.parse(SUPPLIER), KeyUsage.DS)),
        ("KeyAgreementCertificate", _party_certificate(UserId.parse(SUPPLIER), KeyUsage.KA)),
    ]
    frames = [esme.read("6.24.1", read)]
    assert esme.critical("6.15.1", _krp("Supplier", new)) == "I99"
    replaced = esme.pushed(esme.counter, "I0")
    frames.append(esme.read("6.24.1", read))
    before, after = _decoded(decoder, keys, frames)
    (response,) = decoder.decode([replaced], keys)
    assert (response.ok, response.mac, response.signature) == (True, "absent", "valid")
    assert (
        response.hex_of("Existing Subject Key ID")[:2]
        == before.hex_of("Subject Key Identifier")[:2]
    )
    assert response.hex_of("Replacing Subject Key ID") == [_ski_of(c) for _, c in new]
    # the DS and KA cells hold the new certificates; the prepayment KA cell is unchanged
    ski = after.hex_of("Subject Key Identifier")
    assert ski[:2] == [_ski_of(c) for _, c in new]
    assert ski[2] == before.hex_of("Subject Key Identifier")[2]
