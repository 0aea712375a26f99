"""The DCC Boxed request templates (@smartdcc/duis-templates) of the encoded use cases, sent
through the gateway; every pushed GBCSPayload must decode and verify with gbcs-parser (its
MAC, or its signature where the device signs it)."""

from __future__ import annotations

import base64
from datetime import timedelta
from pathlib import Path

import pytest

from gbdsp.clock import ManualClock
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.duis import xml
from gbdsp.duis.client import web_service_of
from gbdsp.duis.namespaces import SR
from gbdsp.duis.smki import TEST_USERS
from gbdsp.gateway.pipeline import Gateway
from gbdsp.gateway.registry import REGISTRY, gbcs_builder
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.services.smki_export import export
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet
from tests.conformance.boxed import BoxedUnavailable, fetch_boxed, request_id, with_counter
from tests.duis_support import dsp_signing_key, signed
from tests.gbcs.conftest import MODE, Decoder, _unavailable

DS = "http://www.w3.org/2000/09/xmldsig#"
ENCODED_SRVS = {srv for srv, declaration in REGISTRY.items() if declaration.gbcs}


@pytest.fixture(scope="module")
def templates() -> list[Path]:
    if MODE == "off":
        pytest.skip("GBDSP_CONFORMANCE=off")
    try:
        kit = fetch_boxed()
    except BoxedUnavailable as exc:
        _unavailable(str(exc))
    return sorted(
        p for p in kit.templates_dir.iterdir() if any(f"_{srv}_" in p.name for srv in ENCODED_SRVS)
    )


def _resigned(template: Path, counter: int) -> bytes:
    root = xml.parse(with_counter(template.read_bytes(), counter))
    for old in root.findall(f"{{{DS}}}Signature"):
        root.remove(old)
    return signed(root)


def test_templates_of_encoded_use_cases_answer_in_verified_gbcs(
    decoder: Decoder,
    store: Store,
    clock: ManualClock,
    templates: list[Path],
    user_keys: Path,
    tmp_path: Path,
) -> None:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=0, seed=1)
    signers = {u.user_id for u in TEST_USERS}
    with store.transaction() as tx:
        for user in signers:
            tx.users.set_response_url(UserId.parse(user), "http://127.0.0.1:9/duis")
    world = GbcsWorld(bytes.fromhex("77" * 32))
    gateway = Gateway(store, clock, dsp_signing_key(), gbcs=world)
    export(store, world, tmp_path / "certs", private=False)

    sent: dict[str, str] = {}  # ResponseID -> template
    skipped: dict[str, str] = {}
    # the CHF device log updates go last: 8.11 Remove takes a template meter off the CHF's
    # whitelist, and the requests after it to that meter got no device response; the 8.5
    # Service Opt Out just before them: it puts another key in the ESME's ACB cell, so the
    # ESME discards the DSP's commands after it (wan/device_auth.py)
    han_last = sorted(
        templates,
        key=lambda t: (
            t.name.startswith(("CCS01", "CCS02", "CCS03")),
            t.name.startswith("CS02bACBByACB"),
        ),
    )
    for counter, template in enumerate(han_last, start=10_000):
        rid = request_id(template.read_bytes())
        with store.read() as tx:
            device = tx.devices.get(DeviceId.parse(rid.target), with_history=False)
        srv = template.name.split("_")[1]
        if rid.originator not in signers:
            skipped[template.name] = f"originator {rid.originator} is not a test User"
            continue
        if device is None or gbcs_builder(srv, device.device_type) is None:
            skipped[template.name] = f"{srv} on {device and device.device_type} not encoded"
            continue
        data = _resigned(template, counter)
        if b"<sr:CommandVariant>1<" not in data and b"<sr:CommandVariant>3<" not in data:
            skipped[template.name] = "no device response for this Command Variant"
            continue
        reply = gateway.handle(web_service_of(data), data)
        assert b"I99" in reply.body, (template.name, reply.body[:400])
        sent[f"{rid.target}:{rid.originator}:{counter}"] = template.name
    later = clock.now() + timedelta(seconds=10)
    with store.transaction() as tx:
        pushed = {m.response_id: m for m in tx.outbox.claim_due(later, later, 1000)}
    assert set(sent) <= set(pushed)
    frames = []
    for response_id in sent:
        payload = xml.parse(pushed[response_id].body).findtext(f".//{{{SR}}}GBCSPayload")
        assert payload is not None, (sent[response_id], pushed[response_id].body[:900])
        frames.append(base64.b64decode(payload))
    verdicts = decoder.decode(frames, [tmp_path / "certs", user_keys])
    for name, v in zip(sent.values(), verdicts, strict=True):
        # MACed, or signed by the device (the CS Responses it sends through the ACB)
        assert v.ok and "valid" in (v.mac, v.signature), (name, v.raw)
        assert "invalid" not in (v.mac, v.signature), (name, v.raw)
    print(
        f"{len(sent)} templates answered in verified GBCS: {sorted(sent.values())}; "
        f"skipped: {skipped}"
    )
    # the CV 1 templates of the encoded use cases: ESME, GSME, GPF and CS (docs/gbcs.md)
    assert len(sent) >= MIN_VERIFIED


MIN_VERIFIED = 158
"""Measured after the ESME and GSME/GPF/CS use cases were merged (docs/gbcs.md)."""
