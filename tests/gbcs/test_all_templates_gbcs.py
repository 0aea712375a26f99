"""Every device template of @smartdcc/duis-templates answered in GBCS that the DCC Boxed
client stack decodes and verifies (issue 17, "Conformance"; docs/gbcs.md).

Each template is re-signed and sent through the gateway on a fresh copy of one demo world
with a GBCS test world (tests/gbcs/template_run.py); a CV 4 PreCommand is signed with the
User's ZAZ1 DS key and sent back as CV 5. Every GBCSPayload that comes back (PreCommand,
LocalCommand, pushed responses and alerts) is decoded by the real gbcs-parser
(`gbcs-decode.js`, one Node process for all) with gbdsp's exported device certificates and the
ZAZ1 keys. A template counts as decoded when all its messages give `ok`, as MAC-valid when
every MAC is `valid`, as signature-valid when every signature is `valid`, and as verified when
all three hold and every response and alert is protected (MACed or signed).

The counts are printed, with every template that fails and why; the MIN_ constants hold the
measured counts, so they can only go up. The templates a DCC Boxed answers without any
GBCSPayload (CV 8, the Non-Device SRVs) are not counted: there are DEVICE_TEMPLATES others.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from gbdsp.clock import ManualClock
from tests.gbcs.conftest import Decoder, Verdict, boxed_templates
from tests.gbcs.template_run import TemplateRun, TemplateWorld

DEVICE_TEMPLATES = 281
"""The templates of Command Variants 1 to 7 (the other 16 are CV 8, Non-Device Service
Requests, answered without GBCS)."""
NON_DEVICE = "8"
MIN_DECODED = 281
MIN_MAC_VALID = 281
MIN_SIGNATURE_VALID = 281
MIN_VERIFIED = 281
"""Measured (docs/gbcs.md, "Template-wide conformance")."""
UNPROTECTED = {"PreCommand"}
"""A PreCommand is unsigned until the User signs it, and carries no MAC."""
LOCAL = "2"
"""CV 2, a Local Command: the User delivers it, so no device response comes back."""


@pytest.fixture(scope="module")
def templates() -> list[Path]:
    return sorted(boxed_templates().iterdir())


def _shown(payload: bytes) -> str:
    if payload.startswith(b"GBDSP-EMULATED-"):
        return "stand-in " + payload.split(b":")[0].decode()
    return payload[:8].hex()


def failures(run: TemplateRun, verdicts: list[Verdict]) -> dict[str, str]:
    """The checks one template fails ("decoded", "mac", "signature", "protected"), each with
    why; empty if it is verified."""
    if run.problem:
        return {"decoded": run.problem}
    if not run.messages:
        return {"decoded": f"no GBCS message (answered {run.code})"}
    found: dict[str, str] = {}
    for message, v in zip(run.messages, verdicts, strict=True):
        if not v.ok:
            found.setdefault(
                "decoded", f"{message.kind}: {v.raw.get('error')} ({_shown(message.payload)})"
            )
            continue
        if v.mac not in ("valid", "absent"):
            found.setdefault("mac", f"{message.kind}: mac {v.mac}")
        if v.signature not in ("valid", "absent"):
            found.setdefault("signature", f"{message.kind}: signature {v.signature}")
        if message.kind not in UNPROTECTED and (v.mac, v.signature) == ("absent", "absent"):
            found.setdefault("protected", f"{message.kind}: neither MACed nor signed")
    if run.cv != LOCAL and not any(
        m.kind not in UNPROTECTED | {"LocalCommand"} for m in run.messages
    ):
        found.setdefault("protected", f"no device response after {run.code}")
    return found


def test_all_device_templates_in_verified_gbcs(
    decoder: Decoder,
    templates: list[Path],
    user_keys: Path,
    tmp_path: Path,
    _sqlite_template: Path,
    clock: ManualClock,
) -> None:
    started = time.perf_counter()
    world = TemplateWorld(tmp_path, _sqlite_template, clock)
    runs = [world.run(t) for t in templates]
    device = [r for r in runs if r.cv != NON_DEVICE]
    messages = [m.payload for r in device for m in r.messages]
    verdicts = iter(decoder.decode(messages, [world.certs, user_keys]))
    failed: dict[str, dict[str, str]] = {}
    for run in device:
        found = failures(run, [next(verdicts) for _ in run.messages])
        if found:
            failed[run.template] = found
    decoded = sum("decoded" not in f for f in failed.values()) + len(device) - len(failed)
    mac = sum(not {"decoded", "mac"} & f.keys() for f in failed.values())
    mac += len(device) - len(failed)
    signature = sum(not {"decoded", "signature"} & f.keys() for f in failed.values())
    signature += len(device) - len(failed)
    verified = len(device) - len(failed)
    print(
        f"\n{len(device)} device templates, {len(messages)} GBCS messages, "
        f"{time.perf_counter() - started:.0f} s: decoded {decoded}, MAC-valid {mac}, "
        f"signature-valid {signature}, verified {verified}"
    )
    for name, found in sorted(failed.items()):
        print(f"  {name}: " + "; ".join(f"{check}: {why}" for check, why in found.items()))
    assert len(device) == DEVICE_TEMPLATES
    assert decoded >= MIN_DECODED and mac >= MIN_MAC_VALID
    assert signature >= MIN_SIGNATURE_VALID and verified >= MIN_VERIFIED
