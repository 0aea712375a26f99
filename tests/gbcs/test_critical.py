"""Critical commands through the gateway with a test world: CV 4 answers the real unsigned
General-Signing pre-command; a CV 5 executes only the issued command, signed by its User,
once; every tampering is refused with nothing sent (docs/gbcs.md)."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from gbdsp.clock import ManualClock
from gbdsp.domain.ids import Eui64
from gbdsp.domain.requests import WebService
from gbdsp.duis import xml
from gbdsp.duis.namespaces import SR
from gbdsp.gateway.pipeline import Gateway, HttpReply
from gbdsp.gbcs import crypto
from gbdsp.gbcs.codes import Cra, MessageCode
from gbdsp.gbcs.gsme_commands import GsmeCriticalCode
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.parse import parse_general_signing
from gbdsp.gbcs_world import PARTIES
from gbdsp.store.store import Store
from tests.duis_support import ESME, NETWORK_OPERATOR, SUPPLIER, dsp_signing_key, request, signed
from tests.gbcs.support import WORLD

T, S = WebService.TRANSFORM, WebService.SEND_COMMAND
GSME = "00-DB-12-34-56-78-90-A1"


def _code(reply: HttpReply) -> str:
    assert reply.status == 200, reply.body
    code = xml.parse(reply.body).findtext(f"{{{SR}}}Header/{{{SR}}}ResponseCode")
    assert code is not None
    return code


def transform(
    gateway: Gateway,
    counter: int,
    srv: str = "7.2",
    target: str = ESME,
    body: str = "<sr:DisableSupply/>",
) -> bytes:
    reply = gateway.handle(
        T, signed(request(srv=srv, body=body, cv=4, counter=counter, target=target))
    )
    assert _code(reply) == "I0"
    payload = xml.parse(reply.body).findtext(f".//{{{SR}}}PreCommand/{{{SR}}}GBCSPayload")
    assert payload is not None
    return base64.b64decode(payload)


def sign(pre: bytes, user: str = SUPPLIER) -> bytes:
    """What gbcs-parser's signGroupingHeader does: append 40 || P1363 signature."""
    key = PARTIES.private_key(Eui64.parse(user), KeyUsage.DS)
    assert key is not None
    return pre + b"\x40" + crypto.sign(key, pre[1:])


def send_signed(
    gateway: Gateway,
    counter: int,
    apdu: bytes,
    srv: str = "7.2",
    target: str = ESME,
    *,
    spaced: bool = False,
) -> str:
    text = base64.b64encode(apdu).decode()
    if spaced:
        text = "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    body = f"<sr:SignedPreCommand><sr:GBCSPayload>{text}</sr:GBCSPayload></sr:SignedPreCommand>"
    return _code(
        gateway.handle(S, signed(request(srv=srv, body=body, cv=5, counter=counter, target=target)))
    )


def pushed(store: Store, clock: ManualClock) -> dict[str, bytes]:
    later = clock.now() + timedelta(seconds=10)
    with store.transaction() as tx:
        return {m.response_id: m.body for m in tx.outbox.claim_due(later, later, 100)}


REQUEST_VALUES: dict[int, bytes] = {
    # prepayment, debt suspended while disabled and in emergency credit; cut-off -100
    GsmeCriticalCode.GCS03: bytes.fromhex("9704") + (-100).to_bytes(4, "little", signed=True),
    # 2.5 m3 as 25000 / 10000, m3, multiplier 1, divisor 10000, 30 s, 600 s
    GsmeCriticalCode.GCS24A: bytes.fromhex("a86101010010271e5802"),
}
"""Some of the request's values as the ZSE command carries them (little-endian)."""


@pytest.mark.parametrize(
    ("srv", "target", "body", "code"),
    [
        ("7.1", ESME, "<sr:EnableSupply/>", MessageCode.ECS42),
        ("7.2", ESME, "<sr:DisableSupply/>", MessageCode.ECS43),
        ("7.3", ESME, "<sr:ArmSupply/>", MessageCode.ECS44),
        ("7.2", GSME, "<sr:DisableSupply/>", MessageCode.GCS32),
        ("7.3", GSME, "<sr:ArmSupply/>", MessageCode.GCS39),
        ("1.7", ESME, "<sr:ResetTariffBlockCounterMatrix/>", MessageCode.ECS05),
        (
            "1.5",
            ESME,
            "<sr:UpdateMeterBalance><sr:PrepaymentMode><sr:AdjustMeterBalance>-500"
            "</sr:AdjustMeterBalance></sr:PrepaymentMode></sr:UpdateMeterBalance>",
            MessageCode.ECS04A,
        ),
        (
            "1.5",
            ESME,
            "<sr:UpdateMeterBalance><sr:CreditMode><sr:ResetMeterBalance/>"
            "</sr:CreditMode></sr:UpdateMeterBalance>",
            MessageCode.ECS04B,
        ),
        (
            "1.5",
            GSME,
            "<sr:UpdateMeterBalance><sr:CreditMode><sr:AdjustMeterBalance>77"
            "</sr:AdjustMeterBalance></sr:CreditMode></sr:UpdateMeterBalance>",
            MessageCode.GCS40C,
        ),
        ("2.5", ESME, "<sr:ActivateEmergencyCredit/>", MessageCode.ECS09),
        ("2.5", GSME, "<sr:ActivateEmergencyCredit/>", MessageCode.GCS06),
        (
            "7.12",
            ESME,
            "<sr:SetRandomisedOffsetLimit><sr:RandomisedOffsetLimit>600"
            "</sr:RandomisedOffsetLimit></sr:SetRandomisedOffsetLimit>",
            MessageCode.ECS38,
        ),
        (
            "6.25",
            ESME,
            "<sr:SetElectricitySupplyTamperState><sr:SupplyTamperState>Locked"
            "</sr:SupplyTamperState></sr:SetElectricitySupplyTamperState>",
            MessageCode.ECS81,
        ),
        (
            "6.8",
            ESME,
            "<sr:UpdateDeviceConfigurationBillingCalendar><sr:ElectricityBillingCalendar>"
            "<sr:BillingTime>06:30:00Z</sr:BillingTime><sr:Monthly>15</sr:Monthly>"
            "</sr:ElectricityBillingCalendar></sr:UpdateDeviceConfigurationBillingCalendar>",
            MessageCode.ECS30,
        ),
        (
            "6.11",
            GSME,
            "<sr:SynchroniseClock><sr:CurrentDateTime>2026-03-02T09:30:00Z"
            "</sr:CurrentDateTime><sr:TolerancePeriod>60</sr:TolerancePeriod>"
            "</sr:SynchroniseClock>",
            MessageCode.GCS28,
        ),
        (
            "6.6",
            GSME,
            "<sr:UpdateDeviceConfigurationGasConversion><sr:CalorificValue>39.5"
            "</sr:CalorificValue><sr:ConversionFactor>1.02"
            "</sr:ConversionFactor></sr:UpdateDeviceConfigurationGasConversion>",
            MessageCode.GCS23,
        ),
        (
            "6.8",
            GSME,
            "<sr:UpdateDeviceConfigurationBillingCalendar><sr:GasBillingCalendar>"
            "<sr:BillingPeriodStart>2026-04-01T00:00:00Z</sr:BillingPeriodStart>"
            "<sr:Periodicity>SixMonthly</sr:Periodicity></sr:GasBillingCalendar>"
            "</sr:UpdateDeviceConfigurationBillingCalendar>",
            MessageCode.GCS25A,
        ),
        (
            "6.14.1",
            ESME,
            "<sr:UpdateDeviceConfigurationALCDescriptions>"
            '<sr:ALCSHCALCSDescription index="4"><sr:SwitchDescription>Heater'
            "</sr:SwitchDescription></sr:ALCSHCALCSDescription>"
            "</sr:UpdateDeviceConfigurationALCDescriptions>",
            MessageCode.ECS46A,
        ),
        (
            "1.6",
            GSME,
            "<sr:UpdatePaymentMode><sr:ExecutionDateTime>2030-06-01T00:00:00Z"
            "</sr:ExecutionDateTime><sr:Prepayment><sr:SuspendDebtDisabled>true"
            "</sr:SuspendDebtDisabled><sr:SuspendDebtEmergency>true</sr:SuspendDebtEmergency>"
            "<sr:DisablementThreshold>-100</sr:DisablementThreshold></sr:Prepayment>"
            "</sr:UpdatePaymentMode>",
            GsmeCriticalCode.GCS03,
        ),
        (
            "6.7",
            GSME,
            "<sr:UpdateDeviceConfigurationGasFlow><sr:UncontrolledGasFlowRateDecimal>2.5"
            "</sr:UncontrolledGasFlowRateDecimal><sr:SupplyDepletionState>Unchanged"
            "</sr:SupplyDepletionState><sr:SupplyTamperState>Unchanged</sr:SupplyTamperState>"
            "<sr:StabilisationPeriod>30</sr:StabilisationPeriod><sr:MeasurementPeriod>600"
            "</sr:MeasurementPeriod></sr:UpdateDeviceConfigurationGasFlow>",
            GsmeCriticalCode.GCS24A,
        ),
    ],
)
def test_signed_pre_command_is_executed_and_answered_signed(
    gateway: Gateway,
    store: Store,
    clock: ManualClock,
    srv: str,
    target: str,
    body: str,
    code: int,
) -> None:
    pre = transform(gateway, 100, srv, target, body)
    parsed = parse_general_signing(pre)
    header = parsed.header
    assert (header.cra, header.counter, header.message_code) == (Cra.COMMAND, 100, code)
    assert header.originator == Eui64.parse(SUPPLIER).value.to_bytes(8, "big")
    assert header.recipient == Eui64.parse(target).value.to_bytes(8, "big")
    assert parsed.signature is None and pre == b"\xdf" + parsed.signed_part  # unsigned
    amount = (
        0
        if "AdjustMeterBalance>" not in body
        else int(body.split("AdjustMeterBalance>")[1].split("<")[0])
    )
    if amount:  # the request's amount is the command's (DLMS big-endian, ZCL little-endian)
        raw = amount.to_bytes(4, "big" if target == ESME else "little", signed=True)
        assert parsed.content.endswith(raw)
    assert REQUEST_VALUES.get(code, b"") in parsed.content
    assert send_signed(gateway, 100, sign(pre), srv, target) == "I99"
    body_xml = pushed(store, clock)[f"{target}:{SUPPLIER}:100"]
    payload = xml.parse(body_xml).findtext(f".//{{{SR}}}GBCSPayload")
    assert payload is not None
    answer = parse_general_signing(base64.b64decode(payload))
    assert (answer.header.cra, answer.header.counter) == (Cra.RESPONSE, 100)
    device_ds = WORLD.device_keys(Eui64.parse(target)).ds.public_key()
    assert answer.signature_valid(device_ds)


def test_tampering_is_refused_and_nothing_is_sent(
    gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    pre = transform(gateway, 200)
    # signed by another User's key
    assert send_signed(gateway, 200, sign(pre, NETWORK_OPERATOR)) == "E41"
    # changed after signing (the last content octet: the script executed)
    good = sign(pre)
    changed = bytearray(good)
    changed[len(pre) - 1] ^= 0x01
    assert send_signed(gateway, 200, bytes(changed)) == "E42"
    # a signature that does not cover the content
    forged = pre + b"\x40" + bytes(64)
    assert send_signed(gateway, 200, forged) == "E41"
    # unsigned, or not GBCS at all
    assert send_signed(gateway, 200, pre) == "E41"
    assert send_signed(gateway, 200, b"ABC") == "E41"
    # signed for another device: the GSME's pre-command sent under the ESME's transform
    other = transform(gateway, 201, target=GSME)
    assert send_signed(gateway, 200, sign(other)) == "E42"
    # the transform is for the ESME: a CV 5 under its RequestID aimed at another device
    assert send_signed(gateway, 200, good, target=GSME) == "E42"
    assert pushed(store, clock) == {}  # nothing executed
    # the genuine one still goes, once (base64 with blanks, as xs:base64Binary allows)
    assert send_signed(gateway, 200, good, spaced=True) == "I99"
    assert send_signed(gateway, 200, good) == "E40"  # replayed
    # a CV 5 with no transform
    assert send_signed(gateway, 202, good) == "E42"
    assert set(pushed(store, clock)) == {f"{ESME}:{SUPPLIER}:200"}


def test_a_user_without_a_ds_certificate_cannot_sign(gateway: Gateway, store: Store) -> None:
    pre = transform(gateway, 300)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM gbcs_certificates WHERE kind = 'ds'")
    fresh = Gateway(store, gateway.clock, dsp_signing_key(), gbcs=WORLD)
    assert send_signed(fresh, 300, sign(pre)) == "E41"
