"""The GSME and GPF Responses (gbcs/gsme.py, gbcs/gsme_logs.py) as the gateway's table builds
them from device state (wan/gsme_payloads.py, wan/gas_meter.py), decoded and verified by the
real gbcs-parser (a separate process): each must decode, its MAC must verify, it must not be
signed, and the decoded (decrypted) values must be the device state."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import RequestId
from gbdsp.duis.namespaces import SR
from gbdsp.gateway.registry import REGISTRY, gbcs_builder
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan import gas_meter
from gbdsp.wan.gbcs_payloads import gbcs_response
from gbdsp.wan.registers import gas_register
from tests.gbcs.conftest import Decoder, Verdict
from tests.gbcs.support import unknown_remote_party

SEED = 7
AT = datetime(2026, 3, 15, 10, 20, 30, tzinfo=UTC)
USER = UserId.parse("90-B3-D5-1F-30-01-00-00")
GSME = DeviceId.parse("00-DB-12-34-56-78-90-A1")
GPF = DeviceId.parse("00-DB-12-34-56-78-90-A3")
MODEL = DeviceModel("AB02", "020B0101", "0001", "00010203")


def _device(device_id: DeviceId, dtype: DeviceType) -> Device:
    return Device(device_id, dtype, MODEL, "SMETS V1.58", SmiStatus.COMMISSIONED, AT, "1234567890")


@pytest.fixture(scope="module")
def world() -> GbcsWorld:
    return GbcsWorld(bytes.fromhex("6b" * 32))


@pytest.fixture
def certificates(world: GbcsWorld, tmp_path: Path) -> Path:
    """The GSME's and the GPF's certificates in the layout gbcs-decode.js reads."""
    directory = tmp_path / "certs"
    directory.mkdir()
    for device in (GSME, GPF):
        for usage in KeyUsage:
            pem = world.device_certificate(Eui64(device.value), usage).public_bytes(
                serialization.Encoding.PEM
            )
            (directory / f"{device.value:016x}-{usage.value}.pem").write_bytes(pem)
    return directory


def _body(xml: str) -> etree._Element:
    return etree.fromstring(f'<sr:Body xmlns:sr="{SR}">{xml}</sr:Body>')


def _period(start: datetime, end: datetime) -> str:
    return (
        f"<sr:ReadLogPeriod><sr:StartDateTime>{start.isoformat()}</sr:StartDateTime>"
        f"<sr:EndDateTime>{end.isoformat()}</sr:EndDateTime></sr:ReadLogPeriod>"
    )


def _respond(
    world: GbcsWorld, srv: str, counter: int, *, gpf: bool = False, body: str = ""
) -> bytes:
    device = _device(GPF, DeviceType.GPF) if gpf else _device(GSME, DeviceType.GSME)
    rid = RequestId(USER, Eui64(device.device_id.value), counter)
    frame = gbcs_response(
        world,
        SEED,
        gbcs_builder(srv, device.device_type),
        rid,
        device,
        AT,
        mirrored=GSME if gpf else None,
        body=_body(body) if body else None,
    )
    assert frame is not None, srv
    return frame


def _decode(decoder: Decoder, frames: list[bytes], *dirs: Path) -> list[Verdict]:
    verdicts = decoder.decode(frames, dirs)
    for v in verdicts:
        assert (v.ok, v.mac, v.signature) == (True, "valid", "absent"), v.raw
    return verdicts


def _numbered(v: Verdict, name: str) -> list[str]:
    """The notes of the items `name 1`, `name 2`... in order."""
    pattern = re.compile(rf"{re.escape(name)} \d+$")
    return [notes for item, _, notes in v.items() if pattern.fullmatch(item)]


def _decrypted(v: Verdict) -> list[Verdict]:
    sections = sorted(
        (k for k in v.raw["parsed"] if k.startswith("Decrypted Payload")),
        key=lambda k: int(k.split()[-1]),
    )
    return [v.section(k) for k in sections]


OTHERS = (
    *("4.1.1", "11.2", "2.2", "3.3", "6.13", "6.24.1", "8.7.2", "8.8.2"),
    *("6.21", "6.23", "8.5"),
)
"""Encoded elsewhere: GCS13a, GCS38 (gbcs/responses.py), the CS use cases (test_cs.py; the
DCC's trust anchor replacements, signed, to the ACB or TransCoS: test_cs_credentials_rtds.py)."""
GSME_SRVS = sorted(
    srv for srv, d in REGISTRY.items() if DeviceType.GSME in d.gbcs and srv not in OTHERS
)
THROUGH_ACB = {"9.1", "14.1", "4.17", "4.4.4"}


def test_every_gsme_and_gpf_use_case_decodes_with_a_valid_mac(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    gpf_srvs = sorted(
        srv for srv, d in REGISTRY.items() if DeviceType.GPF in d.gbcs and srv not in OTHERS
    )
    assert len(GSME_SRVS) >= 26 and len(gpf_srvs) >= 6
    frames = [_respond(world, srv, 1000 + i) for i, srv in enumerate(GSME_SRVS)]
    frames += [_respond(world, srv, 2000 + i, gpf=True) for i, srv in enumerate(gpf_srvs)]
    verdicts = _decode(decoder, frames, certificates, user_keys)
    for i, (srv, v) in enumerate(zip([*GSME_SRVS, *gpf_srvs], verdicts, strict=True)):
        code = v.notes_of("Message Code")[0]
        # A GPF answers 8.9 with CS07 (Read Device Join Details), a CS use case.
        assert code == "" or code.startswith(("GCS", "CS07", "Read")), (srv, code)
        recipient = v.hex_of("Recipient System Title")[0].replace(" ", "")
        if srv in THROUGH_ACB:
            assert recipient == f"08{ACB.value:016X}", srv
            assert v.hex_of("Supplementary Remote Party ID") == ["90 B3 D5 1F 30 01 00 00"]
        else:
            assert recipient == f"08{USER.value:016X}", srv
        counter = 1000 + i if i < len(GSME_SRVS) else 2000 + i - len(GSME_SRVS)
        assert v.notes_of("Originator Counter") == [str(counter)], srv


def test_register_reads_decrypt_to_the_emulated_registers(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    blocks, tiers, prepay, balance, gpf_blocks = _decode(
        decoder,
        [
            _respond(world, "4.1.4", 1),
            _respond(world, "4.1.2", 2),
            _respond(world, "4.3", 3),
            _respond(world, "4.18", 4),
            _respond(world, "4.1.4", 5, gpf=True),
        ],
        certificates,
        user_keys,
    )
    expected_blocks = [str(b) for b in gas_meter.blocks(SEED, GSME, AT)]
    total = gas_register(SEED, GSME, AT).litres
    assert sum(int(b) for b in expected_blocks) == total
    (clear,) = _decrypted(blocks)
    assert clear.notes_of("Attribute Data Value") == [*expected_blocks, "1000", "1", "1"]
    (gpf_clear,) = _decrypted(gpf_blocks)  # the GPF's copy of its GSME's registers
    assert gpf_clear.notes_of("Attribute Data Value") == clear.notes_of("Attribute Data Value")
    (clear,) = _decrypted(tiers)
    assert clear.notes_of("Attribute Data Value") == [
        "1000",
        "1",
        "1",
        *(str(t) for t in gas_meter.tiers(SEED, GSME, AT)),
    ]
    p = gas_meter.prepayment(SEED, GSME)
    assert prepay.notes_of("Attribute Data Value")[:2] == ["0x50", "826"]  # currency, clear
    (clear,) = _decrypted(prepay)
    assert clear.notes_of("Attribute Data Value") == [
        str(x)
        for x in (
            p.accumulated_debt,
            p.emergency_credit,
            p.credit,
            p.payment_debt,
            p.time_debt_1,
            p.time_debt_2,
        )
    ]
    assert balance.notes_of("Attribute Data Value") == [
        str(gas_meter.bill_to_date(SEED, GSME, AT)),
        str(p.credit),
    ]
    for v in (blocks, tiers, prepay, balance):  # the reading's date-time in the header
        assert v.hex_of("Date Time") == ["0C 07 EA 03 0F FF 0A 14 1E 00 80 00 FF"]


def test_configuration_reads_are_the_smi_and_the_emulated_configuration(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    mprn, mode, calendar, identity, gas, valve, behaviours = _decode(
        decoder,
        [
            _respond(world, "6.2.7", 1),
            _respond(world, "6.2.9", 2),
            _respond(world, "6.2.3", 3),
            _respond(world, "6.2.4", 4),
            _respond(world, "6.2.8", 5),
            _respond(world, "7.4", 6),
            _respond(world, "6.2.10", 7),
        ],
        certificates,
        user_keys,
    )
    assert mprn.notes_of("Attribute Data Value") == ["1234567890"]
    assert mode.notes_of("Attribute Data Value") == [
        f"0x{gas_meter.payment_control(SEED, GSME):04X}"
    ]
    assert calendar.notes_of("Billing Period Start Time") == ["2020-01-01 00:00:00"]
    assert calendar.notes_of("Billing Period Duration") == ["1"]
    assert identity.notes_of("Attribute Data Value")[:2] == [MODEL.manufacturer, MODEL.model]
    c = gas_meter.gas_configuration()
    values = gas.notes_of("Attribute Data Value")
    assert values[2] == str(c.calorific_value) and values[4] == str(c.conversion_factor)
    assert values[8] == str(c.flow_threshold)
    status = gas_meter.valve(AT)
    assert valve.notes_of("Attribute Data Value") == [str(status.battery_days), "2"]
    configured = gas_meter.event_configuration()
    assert _numbered(behaviours, "Event Id") == [str(e) for e in configured]
    assert _numbered(behaviours, "Event Configuration") == [
        f"0x{c:02X}" for c in configured.values()
    ]


def test_acknowledged_commands_answer_each_command_component(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    events = "".join(
        f"<sr:x{code}><sr:WANAlert>{wan}</sr:WANAlert><sr:HANAlert>Disable</sr:HANAlert>"
        f"<sr:EventLog>Enable</sr:EventLog><sr:Alarm>Disable</sr:Alarm></sr:x{code}>"
        for code, wan in (("810E", "Enable"), ("8161", "Disable"), ("8162", "Enable"))
    )
    body = f"<sr:ConfigureAlertBehaviour><sr:GasSupplierAlertEventSettings>{events}"
    body += "</sr:GasSupplierAlertEventSettings></sr:ConfigureAlertBehaviour>"
    alerts, message, cin = _decode(
        decoder,
        [
            _respond(world, "6.22", 1, body=body),
            _respond(world, "3.1", 2),
            _respond(world, "9.1", 3),
        ],
        certificates,
        user_keys,
    )
    # two distinct configurations (WAN alert on or off): two Set Event Configuration
    assert alerts.notes_of("Command Id").count("Set Event Configuration") == 2
    assert alerts.notes_of("Status Code") == ["Success", "Success"]
    assert "Display Message" in message.notes_of("Command Id")
    assert "Update CIN" in cin.notes_of("Command Id")


def test_profile_network_and_daily_logs_are_the_register_differences(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    day = AT.replace(hour=0, minute=0, second=0, microsecond=0)
    profile, network, daily = _decode(
        decoder,
        [
            _respond(
                world,
                "4.8.1",
                1,
                body=f"<sr:ReadActiveImportProfileData>{_period(day, day + timedelta(hours=6))}"
                "</sr:ReadActiveImportProfileData>",
            ),
            _respond(
                world,
                "4.10",
                2,
                body=f"<sr:ReadNetworkData>{_period(day, day + timedelta(hours=1))}"
                "</sr:ReadNetworkData>",
            ),
            _respond(
                world,
                "4.17",
                3,
                gpf=True,
                body="<sr:RetrieveDailyConsumptionLog>"
                f"{_period(day - timedelta(days=5), AT + timedelta(days=5))}"
                "</sr:RetrieveDailyConsumptionLog>",
            ),
        ],
        certificates,
        user_keys,
    )

    def used(start: datetime, seconds: int) -> str:
        after = gas_register(SEED, GSME, start + timedelta(seconds=seconds)).litres
        return str(after - gas_register(SEED, GSME, start).litres)

    (clear,) = _decrypted(profile)
    half_hours = [day + timedelta(minutes=30 * i) for i in range(13)]  # 00:00 to 06:00
    assert _numbered(clear, "Sample") == [used(t, 1800) for t in half_hours]
    assert clear.notes_of("Sample Request Interval") == ["1800"]
    (clear,) = _decrypted(network)
    assert _numbered(clear, "Sample") == [
        used(day + timedelta(minutes=6 * i), 360) for i in range(11)
    ]
    # days that have ended by now: the five before today (the GPF's copy of the GSME)
    (clear,) = _decrypted(daily)
    assert _numbered(clear, "Sample") == [
        used(day - timedelta(days=5 - i), 86_400) for i in range(5)
    ]


def test_daily_and_billing_logs_publish_the_snapshots_found(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    day = AT.replace(hour=0, minute=0, second=0, microsecond=0)
    reads, prepay, billing, none_found = _decode(
        decoder,
        [
            _respond(
                world,
                "4.6.1",
                1,
                body=f"<sr:RetrieveImportDailyReadLog>{_period(day - timedelta(days=2), AT)}"
                "</sr:RetrieveImportDailyReadLog>",
            ),
            _respond(
                world,
                "4.14",
                2,
                body=f"<sr:ReadPrepaymentDailyReadLog>{_period(day - timedelta(days=1), AT)}"
                "</sr:ReadPrepaymentDailyReadLog>",
            ),
            _respond(
                world,
                "4.4.3",
                3,
                body="<sr:RetrieveBillingCalendarTriggeredBillingDataLog>"
                f"{_period(datetime(2025, 1, 1, tzinfo=UTC), AT)}"
                "</sr:RetrieveBillingCalendarTriggeredBillingDataLog>",
            ),
            _respond(world, "4.4.2", 4),
        ],
        certificates,
        user_keys,
    )
    snapshots = _decrypted(reads)
    assert len(snapshots) == 3  # the midnights of the last two days and today
    assert reads.notes_of("Status Code") == ["Not Found"] * 28
    for i, clear in enumerate(snapshots):
        midnight = day - timedelta(days=2 - i)
        assert clear.notes_of("Snapshot Time") == [midnight.strftime("%Y-%m-%d %H:%M:%S")]
        assert clear.notes_of("Current Summation Delivered") == [
            str(gas_register(SEED, GSME, midnight).litres)
        ]
    p = gas_meter.prepayment(SEED, GSME)
    credit = [c.notes_of("Meter Balance") for c in _decrypted(prepay)]
    assert credit == [[str(p.credit)]] * 2
    # the last 12 month starts up to 2026-03-15: 2025-04-01 to 2026-03-01
    found = [c.notes_of("Snapshot Time")[0] for c in _decrypted(billing)]
    assert found[0] == "2025-04-01 00:00:00" and found[11] == "2026-03-01 00:00:00"
    assert len(found) == 24  # the registers' and the prepayment snapshots
    assert none_found.notes_of("Status Code") == ["Not Found"] * 24


def test_a_changed_octet_fails_the_mac(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    frame = bytearray(_respond(world, "4.3", 9))
    frame[-20] ^= 0x01
    (v,) = decoder.decode([bytes(frame)], [certificates, user_keys])
    assert v.mac == "invalid" or not v.ok, v.raw


def test_tariff_and_prepayment_configuration_are_the_emulated_ones(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path
) -> None:
    tariff, prepayment = _decode(
        decoder, [_respond(world, "4.11.1", 1), _respond(world, "4.13", 2)], certificates, user_keys
    )
    t = gas_meter.tariff(SEED, GSME)
    values = tariff.notes_of("Attribute Data Value")
    assert values[-1] == str(t.standing_charge) and values[-3] == "826"
    assert values[10:14] == [str(p) for p in t.tier_prices]  # tiers 1-4, block 1
    assert tariff.notes_of("Price") == [str(t.tier_prices[0])]  # the current price
    assert tariff.notes_of("Price Tier 1") == ["1"]
    assert tariff.hex_of("Day Id Refs (Monday to Sunday)") == ["01 01 01 01 01 01 01"]
    assert tariff.notes_of("Season 1 Start Date") == ["01 January 2020"]
    c = gas_meter.prepayment_configuration()
    values = prepayment.notes_of("Attribute Data Value")
    assert values[:2] == [str(c.debt_recovery_top_up_percentage), str(c.overall_debt_cap)]
    assert values[5] == str(c.emergency_credit_limit)
    assert prepayment.notes_of("Calendar Type")[0] == "Friendly Credit Calendar"
    assert prepayment.notes_of("Friendly Credit Enable 1") == ["0"]


def test_an_unknown_remote_party_is_answered_through_the_acb_for_its_certificate(
    decoder: Decoder, world: GbcsWorld, certificates: Path, user_keys: Path, tmp_path: Path
) -> None:
    """4.14 carrying the User's KA certificate (RTDS GCS16b URP, from the GPF): the Response
    goes to the ACB, names the User, and is encrypted for that certificate's key (the User's
    registered one cannot decrypt it)."""
    given = tmp_path / "given"
    certificate = unknown_remote_party(USER.value, given)
    day = AT.replace(hour=0, minute=0, second=0, microsecond=0)
    body = (
        f"<sr:ReadPrepaymentDailyReadLog>{_period(day - timedelta(days=1), AT)}"
        f"<sr:KAPublicSecurityCredentials>{certificate}"
        "</sr:KAPublicSecurityCredentials></sr:ReadPrepaymentDailyReadLog>"
    )
    frame = _respond(world, "4.14", 9, gpf=True, body=body)
    [v] = _decode(decoder, [frame], given, certificates, user_keys)
    assert v.hex_of("Recipient System Title") == ["08 90 B3 D5 1F 30 00 00 02"]  # the ACB
    assert v.hex_of("Supplementary Remote Party ID") == ["90 B3 D5 1F 30 01 00 00"]
    credit = gas_meter.prepayment(SEED, GSME).credit
    assert [c.notes_of("Meter Balance") for c in _decrypted(v)] == [[str(credit)]] * 2
    [registered] = decoder.decode([frame], [certificates, user_keys])
    assert not registered.ok, registered.raw  # the registered KA key does not decrypt it
