"""Send the DCC Boxed request templates through an in-process gateway with a GBCS test world,
and collect every GBCS message that comes back (tests/gbcs/test_all_templates_gbcs.py).

One pristine SQLite file (the demo world, the template premises, the DCC Boxed test Users)
is copied back before each template, so templates that change the SMI (decommission,
commissioning, unjoin...) do not disturb the others. A CV 4 template's PreCommand is signed
as the DCC Boxed client does (gbcs-parser's `signGroupingHeader`: `40` || the User's ZAZ1 DS
signature, here in Python) and sent back as CV 5 under the same RequestID, with the
template's ExecutionDateTime, so the device's signed Response is collected too, and the
8F66 alerts of a future-dated one.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from lxml import etree

from gbdsp.clock import ManualClock
from gbdsp.domain.devices import StatusChange
from gbdsp.domain.ids import DeviceId, Eui64, UserId
from gbdsp.domain.requests import WebService
from gbdsp.duis import xml
from gbdsp.duis.client import web_service_of
from gbdsp.duis.namespaces import SR
from gbdsp.duis.smki import TEST_USERS
from gbdsp.gateway.pipeline import Gateway
from gbdsp.gbcs import crypto
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import PARTIES, GbcsWorld
from gbdsp.services.smki_export import export
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import create_demo_fleet
from gbdsp.worlds.demo_boxed import FRESH, prepare_template_premises
from tests.conformance.boxed import request_id, with_counter
from tests.duis_support import dsp_signing_key, request, signed

DS = "http://www.w3.org/2000/09/xmldsig#"
H = f"{{{SR}}}Header"
WORLD_SECRET = bytes.fromhex("5e" * 32)
GENERAL_SIGNING = b"\xdf\x09"


@dataclass(frozen=True)
class Message:
    """One GBCSPayload: where it came from (PreCommand, the pushed response...) and its bytes."""

    kind: str
    payload: bytes


@dataclass
class TemplateRun:
    """What one template gave: the synchronous code, the GBCS messages, or why none."""

    template: str
    cv: str
    code: str = ""
    messages: list[Message] = field(default_factory=list)
    problem: str = ""


class TemplateWorld:
    """The pristine world, copied back before each template."""

    def __init__(self, directory: Path, migrated: Path, clock: ManualClock) -> None:
        self.directory = directory
        self.clock = clock
        self.pristine = directory / "pristine.sqlite"
        self.work = directory / "work.sqlite"
        self.certs = directory / "certs"
        self.world = GbcsWorld(WORLD_SECRET)
        shutil.copy(migrated, self.pristine)
        store = Store.open(f"sqlite:///{self.pristine}")
        try:
            register_test_users(store)
            create_demo_fleet(store, clock, premises=0, seed=1)
            prepare_template_premises(store, clock)
            with store.transaction() as tx:
                for spec in TEST_USERS:
                    tx.users.set_response_url(UserId.parse(spec.user_id), "http://127.0.0.1:9/")
            export(store, self.world, self.certs, private=False)
        finally:
            store.close()
        self.counter = 1_000_000

    @contextmanager
    def fresh(self) -> Iterator[Gateway]:
        """A gateway on a fresh copy of the pristine world (closed after use)."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.work}{suffix}").unlink(missing_ok=True)
        shutil.copy(self.pristine, self.work)
        store = Store.open(f"sqlite:///{self.work}")
        try:
            yield Gateway(store, self.clock, dsp_signing_key(), gbcs=self.world)
        finally:
            store.close()

    def run(self, template: Path) -> TemplateRun:
        with self.fresh() as gateway:
            return self._run(gateway, template)

    def _run(self, gateway: Gateway, template: Path) -> TemplateRun:
        raw = template.read_bytes()
        run = TemplateRun(
            template.name, xml.parse(raw).findtext(f"{H}/{{{SR}}}CommandVariant") or ""
        )
        self.counter += 1
        rid = request_id(raw)
        if rid.originator not in {u.user_id for u in TEST_USERS}:
            run.problem = f"originator {rid.originator} is not a DCC Boxed test User"
            return run
        if xml.parse(raw).findtext(f"{H}/{{{SR}}}ServiceReferenceVariant") == "8.1.1":
            _before_commissioning(gateway.store, DeviceId.parse(rid.target), self.clock)
        data = _resigned(raw, self.counter)
        reply = gateway.handle(web_service_of(data), data)
        root = xml.parse(reply.body)
        run.code = root.findtext(f"{H}/{{{SR}}}ResponseCode") or f"HTTP {reply.status}"
        pre = root.findtext(f".//{{{SR}}}PreCommand/{{{SR}}}GBCSPayload")
        local = root.findtext(f".//{{{SR}}}LocalCommand/{{{SR}}}GBCSPayload")
        if pre is not None:
            run.messages.append(Message("PreCommand", base64.b64decode(pre)))
            self._send_signed(gateway, raw, run, base64.b64decode(pre))
        if local is not None:
            run.messages.append(Message("LocalCommand", base64.b64decode(local)))
        run.messages += self._pushed(gateway)
        return run

    def _send_signed(self, gateway: Gateway, raw: bytes, run: TemplateRun, pre: bytes) -> None:
        """CV 5 with the PreCommand signed by the originator's ZAZ1 DS key, if it can be."""
        if not pre.startswith(GENERAL_SIGNING):
            return  # the documented stand-in: not a General-Signing APDU, cannot be signed
        rid = request_id(raw)
        key = PARTIES.private_key(Eui64.parse(rid.originator), KeyUsage.DS)
        if key is None:
            run.problem = f"{rid.originator} has no ZAZ1 DS key to sign the PreCommand"
            return
        header = xml.parse(raw).find(H)
        assert header is not None
        signed_pre = pre + b"\x40" + crypto.sign(key, pre[1:])
        text = base64.b64encode(signed_pre).decode()
        # the template's ExecutionDateTime goes with the signed command, as DUIS has it
        when = xml.parse(raw).findtext(f".//{{{SR}}}ExecutionDateTime")
        dated = f"<sr:ExecutionDateTime>{when}</sr:ExecutionDateTime>" if when else ""
        body = (
            f"<sr:SignedPreCommand>{dated}<sr:GBCSPayload>{text}</sr:GBCSPayload>"
            "</sr:SignedPreCommand>"
        )
        cv5 = signed(
            request(
                srv=header.findtext(f"{{{SR}}}ServiceReferenceVariant") or "",
                service_reference=header.findtext(f"{{{SR}}}ServiceReference"),
                body=body,
                cv=5,
                counter=self.counter,
                originator=rid.originator,
                target=rid.target,
            )
        )
        reply = gateway.handle(WebService.SEND_COMMAND, cv5)
        code = xml.parse(reply.body).findtext(f"{H}/{{{SR}}}ResponseCode")
        if code != "I99":
            run.problem = f"the signed PreCommand was answered {code}"

    def _pushed(self, gateway: Gateway) -> list[Message]:
        far = self.clock.now() + timedelta(days=3650 * 400)
        with gateway.store.transaction() as tx:
            bodies = [m.body for m in tx.outbox.claim_due(far, far, 1000)]
        found = []
        for body in bodies:
            root = xml.parse(body)
            kind = etree.QName(root).localname
            for payload in root.iter(f"{{{SR}}}GBCSPayload"):
                found.append(Message(kind, base64.b64decode(payload.text or "")))
        return found


def _before_commissioning(store: Store, device_id: DeviceId, clock: ManualClock) -> None:
    """A commissioning template's meter as an installer leaves it (worlds/demo_boxed.FRESH):
    Installed Not Commissioned, on this template's own copy of the world."""
    status = dict(FRESH).get(device_id)
    if status is None:
        return
    with store.transaction() as tx:
        tx.devices.record_status(device_id, StatusChange(status, clock.now(), "template"))


def _resigned(raw: bytes, counter: int) -> bytes:
    root = xml.parse(with_counter(raw, counter))
    for old in root.findall(f"{{{DS}}}Signature"):
        root.remove(old)
    return signed(root)
