"""Property: whatever a mutated signed request looks like, the gateway answers without a
500 or a crash, and a refused request changes nothing (no counter, no SMI change, no
device response queued). A fixed budget by default (GBDSP_FUZZ_EXAMPLES, default 200);
set it higher for a longer run, e.g. GBDSP_FUZZ_EXAMPLES=5000."""

from __future__ import annotations

import os
from itertools import count

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.duis import xml
from gbdsp.gateway.pipeline import HttpReply
from tests.duis_support import SUPPLIER, read_firmware, request, signed
from tests.scenarios.duis_client import inventory_mpxn
from tests.security.world import ESME, D, S, World, code_of

EXAMPLES = int(os.environ.get("GBDSP_FUZZ_EXAMPLES", "200"))
COUNTERS = count(1_000)
HOSTILE = [
    b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>",
    b"&e;",
    b"]]>",
    b"\x00",
    b"\xff\xfe",
    b"<![CDATA[",
    b"<?xml version='1.0' encoding='UTF-16'?>",
    b"9" * 5000,
    b"</sr:Body>",
    b"<sr:Body>",
    b"xmlns:sr='urn:x'",
    b"\xc3\x28",
]


def base_message(kind: str, counter: int) -> bytes:
    if kind == "device":
        return read_firmware(counter)
    return signed(
        request(srv="8.4", cv=8, counter=counter, body=inventory_mpxn(ESME, "1900000000999"))
    )


def byte_mutation(data: bytes, draw: st.DrawFn) -> bytes:
    i = draw(st.integers(0, len(data) - 1))
    j = draw(st.integers(i, min(len(data), i + 64)))
    how = draw(st.sampled_from(["flip", "delete", "duplicate", "insert"]))
    if how == "flip":
        return data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    if how == "delete":
        return data[:i] + data[j:]
    if how == "duplicate":
        return data[:j] + data[i:j] + data[j:]
    return data[:i] + draw(st.sampled_from(HOSTILE)) + data[i:]


def tree_mutation(data: bytes, draw: st.DrawFn) -> bytes:
    root = xml.parse(data)
    elements = list(root.iter())
    target = elements[draw(st.integers(0, len(elements) - 1))]
    how = draw(st.sampled_from(["drop", "duplicate", "text", "attribute"]))
    parent = target.getparent()
    if how == "drop" and parent is not None:
        parent.remove(target)
    elif how == "duplicate" and parent is not None:
        parent.insert(parent.index(target), etree.fromstring(etree.tostring(target)))
    elif how == "text" and len(target) == 0:
        target.text = draw(st.text(max_size=60))
    else:
        name = draw(st.sampled_from(["schemaVersion", "URI", "Algorithm", "Id"]))
        target.set(name, draw(st.text(max_size=30).filter(lambda t: "\x00" not in t)))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["device", "inventory"]))
    data = base_message(kind, next(COUNTERS))
    for _ in range(draw(st.integers(1, 3))):
        try:
            data = byte_mutation(data, draw) if draw(st.booleans()) else tree_mutation(data, draw)
        except (xml.XmlRejected, ValueError):
            data = byte_mutation(data, draw)  # no longer a tree: mutate its bytes
    return kind, data


def state(world: World) -> tuple[object, ...]:
    with world.store.read() as tx:
        esme = tx.devices.get(DeviceId.parse(ESME), with_history=False)
        assert esme is not None
        return (
            tx.counters.last(UserId.parse(SUPPLIER)),
            tx.outbox.pending(),
            esme.import_mpxn,
            esme.status,
        )


@pytest.mark.slow
def test_mutated_signed_requests_never_crash_and_refusals_change_nothing(world: World) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(mutated())
    def check(case: tuple[str, bytes]) -> None:
        kind, data = case
        before = state(world)
        reply: HttpReply = world.gateway.handle(S if kind == "device" else D, data)
        assert reply.status < 500, reply.body
        if reply.status != 200:
            assert reply.content_type == "text/plain"
            assert state(world) == before  # refused before trust: nothing processed
            return
        code = code_of(reply)  # a signed, schema-valid DUIS response
        if not code.startswith("I"):
            assert state(world)[1:] == before[1:]  # refused after trust: only the counter

    check()
