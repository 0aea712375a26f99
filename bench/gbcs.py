"""CPU per GBCS device response by use-case family (encode + MAC + encrypt, or sign), the
critical-command path (CV 4 pre-command, CV 5 check: parse, compare, ECDSA verify), and
device key derivation for a fleet (measured on N devices, extrapolated to 10M).

    python bench/gbcs.py [--responses 2000] [--devices 2000]
    python bench/gbcs.py --responses 20000 --devices 100000     # the docs/gbcs.md figures

"warm": the device's keys and its KA shared secret with the User are cached (a device that
answers again; GbcsWorld keeps 8,192 of each); "cold": each response is from a device not
seen before (derive its key pairs and compute the ECDH shared secret first). CPU is process
time, one core.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.duis.namespaces import SR
from gbdsp.duis.request import read_request
from gbdsp.gbcs import alerts, commands, crypto, cs, dlms, esme_commands, gsme, gsme_logs, responses
from gbdsp.gbcs.certificates import device_certificate
from gbdsp.gbcs.codes import Cra, MessageCode
from gbdsp.gbcs.frames import GroupingHeader, message
from gbdsp.gbcs.keys import DeviceKeys, KeyUsage
from gbdsp.gbcs.parse import parse_general_signing
from gbdsp.gbcs_world import ACB, PARTIES, GbcsWorld
from gbdsp.wan import esme_commands as esme_commands_wan
from gbdsp.wan import esme_configuration, esme_reads, esme_tariffs
from gbdsp.wan.gbcs_ask import Ask

USER = Eui64.parse("90-B3-D5-1F-30-01-00-00")
AT = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FIRST = 0x00DB_0000_0000_0000
MODEL = DeviceModel("AB01", "010A030B", "0001", "0002012F")
ECS43_CONTENT = parse_general_signing(
    commands.pre_command(
        commands.USE_CASES[MessageCode.ECS43],
        commands.CommandExchange(USER.value.to_bytes(8, "big"), FIRST.to_bytes(8, "big"), 1, AT),
    )
).content


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def families(world: GbcsWorld) -> dict[str, Callable[[Eui64, int], bytes]]:
    def exchange(device: Eui64, counter: int, to: Eui64 = USER) -> responses.Exchange:
        return responses.Exchange(
            _title(device), _title(to), counter, world.shared_secret(device, to), AT
        )

    def signed(device: Eui64, counter: int) -> bytes:
        header = GroupingHeader(Cra.RESPONSE, counter, _title(device), _title(USER), 0x0059)
        content = dlms.access_response(
            counter, [dlms.octet_string(b"\x01\x23\xab\xcd")], [(dlms.GET, dlms.SUCCESS)]
        )
        return message(header, content, z=None, signer=world.device_keys(device).ds)

    def gas(device: Eui64, counter: int) -> gsme.GsmeExchange:
        return gsme.GsmeExchange(
            _title(device), _title(USER), counter, world.shared_secret(device, USER), AT
        )

    def alert(device: Eui64, counter: int) -> alerts.AlertExchange:
        keys = world.device_keys(device)
        return alerts.AlertExchange(
            _title(device), _title(USER), counter, AT, keys.ds, world.shared_secret(device, USER)
        )

    prepay = gsme.PrepaymentRegisters(2_500_000, 500_000, 130, 121, 223, 202)
    half_hours = gsme_logs.Samples(AT, gsme_logs.HALF_HOUR, list(range(48)))
    snapshot = gsme_logs.RegisterSnapshot(1, AT, 1000, (500, 250, 125, 125), (1000, 0, 0, 0))
    anchors = [
        cs.RemotePartyDetails(
            cs.Role.SUPPLIER,
            [
                cs.TrustAnchor(ka, _title(USER), bytes(8), pp)
                for ka, pp in ((False, False), (True, False), (True, True))
            ],
        )
    ]
    return {
        "DLMS, encrypted registers (ECS17b)": lambda d, c: responses.ecs17b(
            exchange(d, c), responses.ImportEnergy(123_456, 789)
        ),
        "DLMS, clear (ECS52)": lambda d, c: responses.ecs52(exchange(d, c), "0123ABCD"),
        "GBZ, encrypted (GCS13a)": lambda d, c: responses.gcs13a(
            exchange(d, c), responses.GasConsumption(98_765)
        ),
        "GBZ, clear (GCS38)": lambda d, c: responses.gcs38(exchange(d, c), "0123ABCD"),
        "ASN.1 (CS08, to the ACB)": lambda d, c: responses.cs08(
            exchange(d, c, ACB), "0123ABCD", remote_party=_title(USER), remote_counter=c
        ),
        "signed, no MAC (critical-response shape)": signed,
        "critical response, signed (ECS43)": lambda d, c: commands.response(
            MessageCode.ECS43,
            ECS43_CONTENT,
            commands.CommandExchange(_title(USER), _title(d), c, AT),
            world.device_keys(d).ds,
        ),
        "GBZ, clear + encrypted components (GCS14)": lambda d, c: gsme.gcs14(gas(d, c), prepay),
        "GBZ, clear, acknowledged (GCS07)": lambda d, c: gsme.acknowledged(
            gas(d, c), MessageCode.GCS07
        ),
        "GBZ log, 48 half-hours encrypted (GCS17)": lambda d, c: gsme_logs.gcs17(
            gas(d, c), half_hours
        ),
        "GBZ log, 31 components, 7 snapshots (GCS16a)": lambda d, c: gsme_logs.gcs16a(
            gas(d, c), [snapshot] * 7
        ),
        "ASN.1, trust anchors to the ACB (CS02a)": lambda d, c: cs.security_credentials(
            cs.Route(_title(d), _title(ACB), c, z=world.shared_secret(d, ACB)), anchors
        ),
        "ASN.1, signed through the ACB (CS04AC)": lambda d, c: cs.joined(
            cs.Route(
                _title(d), _title(ACB), c, signer=world.device_keys(d).ds, remote_party=_title(USER)
            ),
            MessageCode.CS04AC,
        ),
        "alert, critical, signed (GBZ 8F30)": lambda d, c: alerts.gbz_alert(alert(d, c), 0x8F30),
        "alert, non-critical, MACed (DLMS 810E)": lambda d, c: alerts.dlms_alert(
            alert(d, c), 0x810E
        ),
        **esme_families(world),
    }


DAY_PERIOD = etree.fromstring(
    f'<sr:R xmlns:sr="{SR}"><sr:ReadLogPeriod><sr:StartDateTime>2026-11-30T12:00:00Z'
    "</sr:StartDateTime><sr:EndDateTime>2026-12-01T12:00:00Z</sr:EndDateTime>"
    "</sr:ReadLogPeriod></sr:R>"
)
TARIFF = parse_general_signing(
    esme_commands.pre_command(
        esme_commands.CriticalCode.ECS01B,
        _title(USER),
        FIRST.to_bytes(8, "big"),
        1,
        esme_tariffs.price(
            read_request(
                etree.fromstring(
                    f'<sr:Request xmlns:sr="{SR}"><sr:Header><sr:RequestID>'
                    f"{USER}:00-DB-00-00-00-00-00-00:1</sr:RequestID><sr:CommandVariant>4"
                    "</sr:CommandVariant><sr:ServiceReference>1.2</sr:ServiceReference>"
                    "<sr:ServiceReferenceVariant>1.2.1</sr:ServiceReferenceVariant></sr:Header>"
                    "<sr:Body><sr:UpdatePricePrimaryElement><sr:ElectricityPriceElements>"
                    "<sr:StandingCharge>20000</sr:StandingCharge><sr:StandingChargeScale>-5"
                    "</sr:StandingChargeScale><sr:PriceScale>-5</sr:PriceScale><sr:TOUTariff>"
                    '<sr:TOUPrice index="1">2121</sr:TOUPrice></sr:TOUTariff>'
                    "</sr:ElectricityPriceElements></sr:UpdatePricePrimaryElement></sr:Body>"
                    "</sr:Request>"
                )
            ),
            AT,
        )[1],
    )
).content
"""An ECS01b price command (the 80-entry price matrix) the ESME executes."""


def esme_families(world: GbcsWorld) -> dict[str, Callable[[Eui64, int], bytes]]:
    """The ESME use-case families (wan/esme_*.py): a read of an encrypted compact-array log,
    a large clear read, a command response, and a critical tariff command's response."""

    def ask(device: Eui64, counter: int, body: etree._Element | None = None) -> Ask:
        rid = RequestId.parse(f"{USER}:{DeviceId(device.value)}:{counter}")
        esme = Device(
            DeviceId(device.value), DeviceType.ESME, MODEL, "SMETS V2.0", SmiStatus.COMMISSIONED, AT
        )
        return Ask(world, 1, rid, esme, AT, esme.device_id, body)

    return {
        "DLMS, encrypted profile (ECS22b, 48 entries)": lambda d, c: esme_reads.ecs22b(
            ask(d, c, DAY_PERIOD[0])
        ),
        "DLMS, clear tariff read (ECS24, 17 items)": lambda d, c: esme_configuration.ecs24(
            ask(d, c)
        ),
        "DLMS, command response (ECS29a, 13 results)": lambda d, c: esme_commands_wan.ecs29(
            ask(d, c)
        ),
        "critical response, signed (ECS01b prices)": lambda d, c: esme_commands.response(
            esme_commands.CriticalCode.ECS01B,
            TARIFF,
            _title(USER),
            _title(d),
            c,
            AT,
            world.device_keys(d).ds,
        ),
    }


def bench_critical(n: int) -> None:
    """The gateway's own cost of a critical command: the CV 4 pre-command, and the CV 5
    check (gateway/critical.py: parse, compare with the issued APDU, verify the User's
    P1363 signature against its DS certificate)."""
    key = PARTIES.private_key(USER, KeyUsage.DS)
    cert = PARTIES.certificate(USER, KeyUsage.DS)
    assert key is not None and cert is not None
    public = cert.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    use_case = commands.USE_CASES[MessageCode.ECS43]
    exchange = commands.CommandExchange(_title(USER), _title(Eui64(FIRST)), 1, AT)
    started = time.process_time()
    for i in range(n):
        pre = commands.pre_command(
            use_case, commands.CommandExchange(exchange.user, exchange.device, i, AT)
        )
    build = (time.process_time() - started) / n * 1000
    signed = pre + b"\x40" + crypto.sign(key, pre[1:])
    started = time.process_time()
    for _ in range(n):
        parsed = parse_general_signing(signed)
        assert parsed.signed_part == pre[1:] and parsed.signature_valid(public)
    verify = (time.process_time() - started) / n * 1000
    print(
        f"critical command (ECS43), {n:,} each (ms): CV 4 pre-command {build:.3f}; "
        f"CV 5 check (parse, compare, ECDSA P-256 verify) {verify:.3f}"
    )


def bench_responses(n: int) -> None:
    print(f"CPU per response, {n:,} responses per family (ms):")
    print(f"  {'family':<44} {'warm':>7} {'cold':>7}")
    for name in families(GbcsWorld(bytes(32))):
        warm_world = GbcsWorld(bytes(32))
        build = families(warm_world)[name]
        device = Eui64(FIRST)
        build(device, 0)  # derive and cache once
        started = time.process_time()
        for i in range(n):
            build(device, i)
        warm = (time.process_time() - started) / n * 1000
        cold_n = max(1, n // 4)
        cold_world = GbcsWorld(bytes([1]) * 32)
        build = families(cold_world)[name]
        started = time.process_time()
        for i in range(cold_n):
            build(Eui64(FIRST + 1 + i), i)
        cold = (time.process_time() - started) / cold_n * 1000
        print(f"  {name:<44} {warm:>7.3f} {cold:>7.3f}")


def bench_keys(n: int) -> None:
    secret = bytes(range(32))
    started = time.process_time()
    for i in range(n):
        DeviceKeys.derive(secret, (FIRST + i).to_bytes(8, "big"))
    seconds = time.process_time() - started
    per = seconds / n
    print(
        f"key derivation (DS + KA pairs): {n:,} devices in {seconds:.2f} s CPU "
        f"({per * 1e6:.0f} us each); 10,000,000 devices: {per * 1e7 / 60:.1f} min on one core"
    )
    m = max(1, n // 20)
    started = time.process_time()
    for i in range(m):
        keys = DeviceKeys.derive(secret, (FIRST + i).to_bytes(8, "big"))
        device_certificate(
            secret, (FIRST + i).to_bytes(8, "big"), KeyUsage.DS, keys.ds.public_key()
        )
        device_certificate(
            secret, (FIRST + i).to_bytes(8, "big"), KeyUsage.KA, keys.ka.public_key()
        )
    per_cert = (time.process_time() - started) / m
    print(
        f"keys + both certificates minted: {per_cert * 1e3:.2f} ms per device "
        f"(10,000,000: {per_cert * 1e7 / 3600:.1f} h on one core; done on demand, not stored)"
    )
    stored = _stored_bytes(secret)
    print(
        f"storage: derived keys need the 32-octet world secret only (one sealed file);"
        f" storing them instead would take {stored:,} B a device (2 encrypted PKCS#8 DER"
        f" keys and 2 DER certificates), {stored * 1e7 / 1e9:.1f} GB for 10M"
    )


def _stored_bytes(secret: bytes) -> int:
    eui = FIRST.to_bytes(8, "big")
    keys = DeviceKeys.derive(secret, eui)
    total = 0
    for usage, key in ((KeyUsage.DS, keys.ds), (KeyUsage.KA, keys.ka)):
        total += len(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.BestAvailableEncryption(b"master"),
            )
        )
        total += len(
            device_certificate(secret, eui, usage, key.public_key()).public_bytes(
                serialization.Encoding.DER
            )
        )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=2000)
    parser.add_argument("--devices", type=int, default=2000)
    args = parser.parse_args()
    bench_responses(args.responses)
    bench_critical(max(1, args.responses // 4))
    bench_keys(args.devices)


if __name__ == "__main__":
    main()
