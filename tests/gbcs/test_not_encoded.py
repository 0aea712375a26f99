"""With a test world, what gbdsp cannot encode in GBCS is answered E11 and kept nowhere:
no stand-in PreCommand, Local Command or Response, no transform, no consumed counter, no
device response queued, one audit row (docs/gbcs.md, "Not encoded"). A CV 6 returns the
User's own signed command for local delivery. An alert gbdsp cannot encode is refused."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509

from gbdsp.clock import ManualClock
from gbdsp.config import Config, WanConfig
from gbdsp.domain.devices import DeviceType
from gbdsp.domain.errors import NotEncoded
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import RequestId, WebService
from gbdsp.duis import xml
from gbdsp.duis.namespaces import SR
from gbdsp.gateway.pipeline import Gateway, HttpReply
from gbdsp.gateway.registry import gbcs_builder
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import PARTIES
from gbdsp.services.alerts import alert_log_rows, raise_alert
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from tests.duis_support import ESME, SUPPLIER, dsp_signing_key, request, signed
from tests.gbcs.support import WORLD, unknown_remote_party
from tests.gbcs.test_critical import send_signed, sign, transform

T, S, D = WebService.TRANSFORM, WebService.SEND_COMMAND, WebService.NON_DEVICE
UNCHANGED_TAMPER = (
    "<sr:SetElectricitySupplyTamperState><sr:SupplyTamperState>Unchanged"
    "</sr:SupplyTamperState></sr:SetElectricitySupplyTamperState>"
)
READ_REGISTERS = "<sr:ReadInstantaneousImportRegisters/>"


def _answer(reply: HttpReply) -> str:
    assert reply.status == 200, reply.body
    code = xml.parse(reply.body).findtext(f"{{{SR}}}Header/{{{SR}}}ResponseCode")
    assert code is not None
    return code


def _queued(store: Store) -> int:
    later = datetime(2100, 1, 1, tzinfo=UTC)
    with store.transaction() as tx:
        return len(tx.outbox.claim_due(later, later, 1000))


def _audited(store: Store, code: str) -> list[str]:
    """The details of the audit rows with that outcome (the reason is audited: a DUIS
    response has no element for it)."""
    with store.read() as tx:
        return [e.detail or "" for e in tx.audit.recent(1000) if e.outcome == code]


def test_a_pre_command_gbdsp_cannot_encode_is_e11_and_leaves_nothing(
    gateway: Gateway, store: Store
) -> None:
    """6.25 Unchanged has no RTDS case (gbcs/commands.py): E11, no transform, counter kept."""
    data = signed(request(srv="6.25", body=UNCHANGED_TAMPER, cv=4, counter=500, target=ESME))
    assert _answer(gateway.handle(T, data)) == "E11"
    [reason] = _audited(store, "E11")
    assert "PreCommand of 6.25" in reason and "not encoded" in reason
    # No transform was issued: its CV 5 is refused (E42), nothing runs.
    assert send_signed(gateway, 500, b"\xdf" + bytes(40), "6.25") == "E42"
    # The counter was not consumed: the same counter carries a new request.
    assert send_signed(gateway, 500, sign(transform(gateway, 500)), "7.2") == "I99"
    assert _queued(store) == 1


def _without_ka(party: Eui64, usage: KeyUsage, prepayment: bool) -> x509.Certificate | None:
    """The ZAZ1 certificates, less every KA one: no Response can be MACed for anyone."""
    return None if usage is KeyUsage.KA else PARTIES.certificate(party, usage)


def test_a_response_that_cannot_be_maced_is_e11_and_nothing_is_sent(
    gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    emulator = DeviceEmulator(WanConfig(), WORLD.with_parties(_without_ka))
    no_ka = Gateway(store, clock, dsp_signing_key(), wan=emulator)
    data = signed(request(srv="4.1.1", body=READ_REGISTERS, cv=1, counter=600, target=ESME))
    assert _answer(no_ka.handle(S, data)) == "E11"
    [reason] = _audited(store, "E11")
    assert f"{SUPPLIER} has no GBCS KA certificate" in reason
    assert _queued(store) == 0
    # Nothing was consumed: the same request, to a gateway that can MAC, is sent.
    assert _answer(gateway.handle(S, data)) == "I99"
    assert _queued(store) == 1


def test_an_unknown_remote_partys_certificate_of_another_party_is_e11_with_why(
    gateway: Gateway, store: Store, tmp_path: Path
) -> None:
    """4.14 as an Unknown Remote Party carries the User's KA certificate; one of another
    party cannot be the one the Response is encrypted for: E11, saying so, nothing kept."""
    other = unknown_remote_party(0x90B3D51F30010099, tmp_path)
    body = (
        "<sr:ReadPrepaymentDailyReadLog><sr:ReadLogPeriod>"
        "<sr:StartDateTime>2026-03-14T00:00:00Z</sr:StartDateTime>"
        "<sr:EndDateTime>2026-03-15T00:00:00Z</sr:EndDateTime></sr:ReadLogPeriod>"
        f"<sr:KAPublicSecurityCredentials>{other}</sr:KAPublicSecurityCredentials>"
        "</sr:ReadPrepaymentDailyReadLog>"
    )
    data = signed(request(srv="4.14", body=body, cv=1, counter=700, target=ESME))
    assert _answer(gateway.handle(S, data)) == "E11"
    [reason] = _audited(store, "E11")
    assert "cannot carry the request's values" in reason, reason
    assert "90B3D51F30010099" in reason, reason
    assert _queued(store) == 0


def test_the_emulator_raises_not_encoded_for_a_use_case_with_no_builder(
    gateway: Gateway, store: Store
) -> None:
    with store.read() as tx:
        esme = tx.devices.get(DeviceId.parse(ESME), with_history=False)
    assert esme is not None and gbcs_builder("6.17", DeviceType.ESME) is None
    rid = RequestId(UserId.parse(SUPPLIER), esme.device_id, 7)
    now = datetime.now(UTC)
    with pytest.raises(NotEncoded, match=r"Response of 6\.17 from a ESME is not encoded"):
        DeviceEmulator(WanConfig(), WORLD).device_response(
            "6.17", rid, str(rid), esme, now, build=None
        )
    # With no test world (simulator, benchmarks) the documented stand-in stays.
    stand_in = DeviceEmulator(WanConfig()).device_response(
        "6.17", rid, str(rid), esme, now, build=None
    )
    assert getattr(stand_in.payload, "payload", b"").startswith(b"GBDSP-EMULATED-RESPONSE:6.17:")


def test_cv6_returns_the_signed_pre_command_for_local_delivery(
    gateway: Gateway, store: Store
) -> None:
    signed_pre = sign(transform(gateway, 700))
    text = base64.b64encode(signed_pre).decode()
    body = f"<sr:SignedPreCommand><sr:GBCSPayload>{text}</sr:GBCSPayload></sr:SignedPreCommand>"
    reply = gateway.handle(D, signed(request(srv="7.2", body=body, cv=6, counter=700, target=ESME)))
    assert _answer(reply) == "I0"
    local = xml.parse(reply.body).findtext(f".//{{{SR}}}LocalCommand/{{{SR}}}GBCSPayload")
    assert local is not None and base64.b64decode(local) == signed_pre
    assert _queued(store) == 0  # delivered by the User, not over the SM WAN
    again = gateway.handle(D, signed(request(srv="7.2", body=body, cv=6, counter=700, target=ESME)))
    assert _answer(again) == "E40"  # the transform was used


def test_an_alert_gbdsp_cannot_encode_is_refused_and_not_logged(
    gateway: Gateway, store: Store, clock: ManualClock
) -> None:
    """A PPMID's alert has no encoder: with a test world it is refused (the CLI shows the
    reason), neither logged nor pushed; without one the stand-in stays (tests/gbcs/
    test_alerts.py)."""
    ppmid = DeviceId.parse("00-DB-12-34-56-78-90-A4")
    with pytest.raises(NotEncoded, match="alert 8F01 from a PPMID"):
        raise_alert(store, clock, Config(), dsp_signing_key(), ppmid, "8F01", WORLD)
    assert alert_log_rows(store, ppmid, diagnostics=False) == []
    assert _queued(store) == 0
    esme = raise_alert(
        store, clock, Config(), dsp_signing_key(), DeviceId.parse(ESME), "8F01", WORLD
    )
    assert esme.delivered and _queued(store) == 1
