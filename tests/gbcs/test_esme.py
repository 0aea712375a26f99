"""The ESME Responses (reads and non-critical commands, wan/esme_*.py) decoded and verified by
the real gbcs-parser, with values equal to the emulated ESME's state (docs/gbcs.md "ESME").

Every ESME entry of the registry is built once for a request like the DCC Boxed template's
and decoded in one batch: each must give `ok`, `mac: valid` and no signature. The values read
back must be the emulator's: registers, profile and daily logs, power, identity, MPAN,
balance."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from lxml import etree

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import RequestId
from gbdsp.duis.namespaces import SR
from gbdsp.gateway.registry import REGISTRY, gbcs_builder
from gbdsp.gbcs.dlms_data import (
    NumberRows,
    array,
    compact_array,
    double_long_unsigned,
    enum,
    long,
    structure,
)
from gbdsp.gbcs.esme import TITLES, EsmeCode
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.wan import esme_commands as ec
from gbdsp.wan import esme_configuration as eg
from gbdsp.wan import esme_reads as er
from gbdsp.wan.esme_state import CONFIGURATION, Meter
from gbdsp.wan.gbcs_payloads import gbcs_response
from tests.gbcs.conftest import Decoder, Verdict, write_user_keys
from tests.gbcs.support import unknown_remote_party

AT = datetime(2026, 3, 2, 9, 31, 7, tzinfo=UTC)
SEED = 7
WORLD = GbcsWorld(bytes.fromhex("e5" * 32))
SUPPLIER = "90-B3-D5-1F-30-01-00-00"
OPERATOR = "90-B3-D5-1F-30-02-00-00"
MODEL = DeviceModel("AB01", "010A030B", "0001", "0002012F")
ESME = Device(
    DeviceId.parse("00-DB-12-34-56-78-90-A0"),
    DeviceType.ESME,
    MODEL,
    "SMETS V2.0",
    SmiStatus.COMMISSIONED,
    AT,
    import_mpxn="1312345678333",
    network_operator=UserId.parse(OPERATOR),
)
CHF = Device(
    DeviceId.parse("00-DB-12-34-56-78-90-A2"),
    DeviceType.CHF,
    MODEL,
    "CHTS V1.0",
    SmiStatus.COMMISSIONED,
    AT,
)
PERIOD = (AT - timedelta(hours=3), AT)
LOG_PERIOD = (
    f"<sr:ReadLogPeriod><sr:StartDateTime>{PERIOD[0].isoformat()}</sr:StartDateTime>"
    f"<sr:EndDateTime>{PERIOD[1].isoformat()}</sr:EndDateTime></sr:ReadLogPeriod>"
)
DAYS = (
    "<sr:ReadLogPeriod><sr:StartDateTime>2026-02-25T00:00:00Z</sr:StartDateTime>"
    "<sr:EndDateTime>2026-03-01T00:00:00Z</sr:EndDateTime></sr:ReadLogPeriod>"
)
BODIES = {
    "3.3": "<sr:ClearEventLog><sr:ESMEEventLogType>ALCS</sr:ESMEEventLogType></sr:ClearEventLog>",
    "3.4": "<sr:UpdateSupplierName><sr:SupplierName>E</sr:SupplierName></sr:UpdateSupplierName>",
    "4.4.3": DAYS.replace("2026-02-25", "2025-12-15"),
    "4.6.1": DAYS,
    "4.6.2": DAYS,
    "4.8.1": LOG_PERIOD,
    "4.8.2": LOG_PERIOD,
    "4.8.3": LOG_PERIOD,
    "4.10": LOG_PERIOD,
    "4.14": DAYS,
    "4.17": DAYS,
    "6.5": "<sr:Voltage><sr:RMSVoltageCountersNotReset/></sr:Voltage>",
    "6.13": "<sr:ReadEventOrSecurityLog><sr:LogToRead>PowerEvent</sr:LogToRead>"
    "</sr:ReadEventOrSecurityLog>",
    "6.18.2": "<sr:Reset><sr:MaxDemandActivePowerImportValue/>"
    "<sr:MaxDemandActivePowerExportValue/></sr:Reset>",
    "6.22": "<sr:ConfigureAlertBehaviour><sr:ElectricityNetworkOperatorLoggingSettings/>"
    "</sr:ConfigureAlertBehaviour>",
    "7.9": "<sr:Add><sr:AddToBoostButton index='1'>true</sr:AddToBoostButton>"
    "<sr:AddToBoostButton index='3'>true</sr:AddToBoostButton></sr:Add>",
}
"""Request bodies of the SRVs whose Response depends on them (the others: the template's)."""
COUNTER = 0x100


def _body(srv: str) -> etree._Element | None:
    text = BODIES.get(srv)
    if text is None:
        return None
    return etree.fromstring(f'<sr:Body xmlns:sr="{SR}">{text}</sr:Body>')[0]


def _rid(originator: str, device: Device, counter: int) -> RequestId:
    return RequestId.parse(f"{originator}:{device.device_id}:{counter}")


ESME_MODULES = {ec.__name__, eg.__name__, er.__name__}
"""The ESME (DLMS) builders (docs/gbcs.md "ESME")."""
ESME_ENTRIES = sorted(
    (
        (srv, dtype)
        for srv, declaration in REGISTRY.items()
        for dtype, build in declaration.gbcs.items()
        if build.__module__ in ESME_MODULES
    ),
    key=lambda entry: (entry[0], entry[1].value),
)


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The ESME's and the CHF's certificates (as `smki export` writes them)."""
    directory = tmp_path_factory.mktemp("esme-certs")
    for device in (ESME, CHF):
        eui = Eui64(device.device_id.value)
        for usage in KeyUsage:
            cert = WORLD.device_certificate(eui, usage)
            path = directory / f"{eui.hex.lower()}-{usage.value}.pem"
            path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    yield directory


def _response(srv: str, dtype: DeviceType, originator: str = SUPPLIER) -> bytes:
    device = ESME if dtype is DeviceType.ESME else CHF
    rid = _rid(originator, device, COUNTER + ESME_ENTRIES.index((srv, dtype)))
    build = gbcs_builder(srv, dtype)
    frame = gbcs_response(WORLD, SEED, build, rid, device, AT, body=_body(srv))
    assert frame is not None, srv
    return frame


@pytest.fixture(scope="module")
def verdicts(
    decoder: Decoder, keys: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Verdict]:
    frames = [_response(srv, dtype) for srv, dtype in ESME_ENTRIES]
    users = write_user_keys(tmp_path_factory.mktemp("user-keys"))
    decoded = decoder.decode(frames, [keys, users])
    return {
        f"{srv} {dtype.value}": v for (srv, dtype), v in zip(ESME_ENTRIES, decoded, strict=True)
    }


def test_every_esme_response_decodes_with_a_valid_mac(verdicts: dict[str, Verdict]) -> None:
    assert len(verdicts) == len(ESME_ENTRIES) > 50
    for name, v in verdicts.items():
        assert (v.ok, v.mac, v.signature) == (True, "valid", "absent"), (name, v.raw)
        code = int(v.hex_of("Message Code")[0].replace(" ", ""), 16)
        assert code in set(EsmeCode), (name, code)


def _values(v: Verdict, kind: str, section: str = "Decrypted Payload 0") -> list[str]:
    """The values of that type in the section (a compact array's type description has none)."""
    return [n for n in v.section(section).notes_of(kind) if n]


def test_tou_registers_hold_the_emulated_import(verdicts: dict[str, Verdict]) -> None:
    meter = Meter(SEED, ESME.device_id)
    tou = _values(verdicts["4.1.2 ESME"], "Double Long Unsigned")
    assert tou == [str(meter.active_import(AT))] + ["0"] * 47
    blocks = _values(verdicts["4.1.3 ESME"], "Double Long Unsigned")
    assert blocks[0] == str(meter.active_import(AT)) and len(blocks) == 64


def test_half_hour_profile_is_the_register_growth(verdicts: dict[str, Verdict]) -> None:
    entries = Meter(SEED, ESME.device_id).half_hours(*PERIOD, AT)
    assert len(entries) == 6  # 06:30 to 09:00, the half hours ended by 09:31
    expected: list[str] = []
    for t, wh, _ in entries:
        expected += [str(int((t - datetime(2000, 1, 1, tzinfo=UTC)).total_seconds())), str(wh)]
    assert _values(verdicts["4.8.1 ESME"], "Double Long Unsigned") == expected
    assert all(int(wh) > 0 for wh in expected[1::2])
    varh = [str(var) for _, _, var in entries]
    assert _values(verdicts["4.8.2 ESME"], "Double Long Unsigned", "Payload")[1::2] == varh


def test_daily_logs_are_the_register_at_midnight(verdicts: dict[str, Verdict]) -> None:
    meter = Meter(SEED, ESME.device_id)
    midnights = meter.midnights(
        datetime(2026, 2, 25, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC), AT
    )
    assert len(midnights) == 5
    daily = _values(verdicts["4.6.1 ESME"], "Double Long Unsigned")
    # each row: time, active import, then the TOU matrix and four block rows (one each)
    assert daily[1::7] == [str(meter.active_import(t)) for t in midnights]
    consumption = _values(verdicts["4.17 ESME"], "Double Long Unsigned")[1::2]
    assert consumption == [
        str(meter.active_import(t) - meter.active_import(t - timedelta(days=1))) for t in midnights
    ]
    billing = _values(verdicts["4.4.3 ESME"], "Double Long Unsigned")
    assert billing[1] == str(meter.active_import(datetime(2026, 1, 1, tzinfo=UTC)))


def test_power_identity_mpan_and_balance(verdicts: dict[str, Verdict]) -> None:
    meter = Meter(SEED, ESME.device_id)
    assert verdicts["4.16 ESME"].notes_of("Double Long Unsigned")[0] == str(meter.power(AT))
    identity = verdicts["6.2.4 ESME"].hex_of("Octet String")
    assert identity[0] == "09 08 00 DB 12 34 56 78 90 A0"
    assert identity[2] == "09 08 " + " ".join(f"{b:02X}" for b in b"010A030B")
    chf = verdicts["6.2.4 CHF"].hex_of("Octet String")
    assert chf[0] == "09 08 00 DB 12 34 56 78 90 A2"
    assert "ECS26i" in verdicts["6.2.4 CHF"].notes_of("Message Code")[0]
    mpan = verdicts["6.2.7 ESME"].hex_of("Octet String")[0]
    assert bytes.fromhex(mpan.replace(" ", ""))[2:] == b"1312345678333"
    assert verdicts["4.18 ESME"].notes_of("Double Long")[0] == str(CONFIGURATION.meter_balance)
    prepay = _values(verdicts["4.3 ESME"], "Double Long")
    assert prepay == [str(CONFIGURATION.meter_balance)] + ["0"] * 5


def _results(v: Verdict) -> list[str]:
    return [name for name, _, _ in v.items() if name.endswith("] Access Response Specification")]


def test_command_responses_follow_the_request(verdicts: dict[str, Verdict]) -> None:
    assert len(_results(verdicts["3.4 ESME"])) == 1  # the name only
    assert len(_results(verdicts["6.18.2 ESME"])) == 2  # two registers named
    assert len(_results(verdicts["7.9 ESME"])) == 2  # two switches given
    assert len(_results(verdicts["6.5 ESME"])) == 11  # no counter reset: ECS29c
    assert "ECS29c" in verdicts["6.5 ESME"].notes_of("Message Code")[0]
    assert "ECS15c" in verdicts["3.3 ESME"].notes_of("Message Code")[0]
    assert "ECS25b3" in verdicts["6.22 ESME"].notes_of("Message Code")[0]
    assert "ECS35e" in verdicts["6.13 ESME"].notes_of("Message Code")[0]


def test_the_network_operator_reads_its_own_alert_behaviours(
    decoder: Decoder, keys: Path, user_keys: Path
) -> None:
    frame = _response("6.2.10", DeviceType.ESME, originator=OPERATOR)
    (v,) = decoder.decode([frame], [keys, user_keys])
    assert (v.ok, v.mac) == (True, "valid")
    assert "ECS25r2" in v.notes_of("Message Code")[0]
    assert len(v.notes_of("Bit String")) == 2


def test_esme_codes_have_titles() -> None:
    assert set(TITLES) == set(EsmeCode)


def test_packed_log_rows_are_the_typed_compact_array() -> None:
    """NumberRows packs rows of numbers at once: the same octets as CompactArray of the
    typed rows, and a value that does not fit its type is refused."""
    prototype = structure(double_long_unsigned(0), array([long(0)]), enum(0))
    rows = [(473299200, -5, 3), (473301000, 32767, 255)]
    typed = [structure(double_long_unsigned(t), array([long(v)]), enum(e)) for t, v, e in rows]
    assert NumberRows(prototype, tuple(rows)).encode() == compact_array(typed, prototype).encode()
    with pytest.raises(InvalidValue, match="does not fit"):
        NumberRows(prototype, ((1, 1 << 15, 0),)).encode()


def test_an_unknown_remote_party_is_answered_through_the_acb_for_its_certificate(
    decoder: Decoder, keys: Path, tmp_path: Path
) -> None:
    """4.14 carrying the User's KA certificate (RTDS ECS21b URP): the Response goes to the
    ACB, names the User, and is encrypted for that certificate's key only."""
    given = tmp_path / "given"
    certificate = unknown_remote_party(Eui64.parse(SUPPLIER).value, given)
    body = etree.fromstring(
        f'<sr:ReadPrepaymentDailyReadLog xmlns:sr="{SR}">{DAYS}'
        f"<sr:KAPublicSecurityCredentials>{certificate}"
        "</sr:KAPublicSecurityCredentials></sr:ReadPrepaymentDailyReadLog>"
    )
    rid = _rid(SUPPLIER, ESME, 77)
    frame = gbcs_response(
        WORLD, SEED, gbcs_builder("4.14", DeviceType.ESME), rid, ESME, AT, body=body
    )
    assert frame is not None
    users = write_user_keys(tmp_path / "users")
    [v] = decoder.decode([frame], [given, keys, users])
    assert (v.ok, v.mac, v.signature) == (True, "valid", "absent"), v.raw
    assert v.hex_of("Recipient System Title")[0] == "08 90 B3 D5 1F 30 00 00 02"  # the ACB
    assert v.hex_of("Supplementary Remote Party ID") == ["90 B3 D5 1F 30 01 00 00"]
    assert "Decrypted Payload 0" in v.raw["parsed"]
    [registered] = decoder.decode([frame], [keys, users])
    assert not registered.ok, registered.raw  # the registered KA key does not decrypt it
