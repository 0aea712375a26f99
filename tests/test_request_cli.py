"""`gbdsp request build SRV | gbdsp send -` against a real `gbdsp serve` over a fresh demo."""

from __future__ import annotations

import shlex
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gbdsp.duis import signature, xml
from gbdsp.duis.namespaces import sr
from gbdsp.duis.samples import SAMPLES
from gbdsp.duis.smki import DSP_CERTIFICATE, load_certificate, pki_file
from tests.test_cli import Gbdsp
from tests.test_restart import Server, free_port
from tests.web.conftest import serve
from tests.web.test_duis_http import Receiver

pytestmark = pytest.mark.slow

DSP_CERT = load_certificate(pki_file(DSP_CERTIFICATE))
SUPPLIER = "90-B3-D5-1F-30-01-00-00"
EXPECTED = {
    # Non-device requests are answered at once (I0); device requests are acknowledged
    # (I99) and answered later by the emulated device.
    "8.2": "I0",
    "12.2": "I0",
    "8.14.1": "I0",
    "8.14.2": "I0",
    "8.14.3": "I0",
    "8.14.4": "I0",
    "8.3": "I0",
    "4.1.1": "I99",
    "11.2": "I99",
    "8.11": "I99",
    "6.20.1": "I99",
    "6.2.4": "I99",
    "6.2.7": "I99",
    "4.18": "I99",
    "4.11.1": "I99",
    "7.4": "I99",
    "8.9": "I99",
    "4.8.1": "I99",
    "4.17": "I99",
    "4.6.1": "I99",
    "6.13": "I99",
    "8.7.2": "I99",
}


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    """The test supplier's receive-response endpoint (device answers are pushed there)."""
    found = Receiver()
    with serve(found.app()) as url:
        yield found, f"{url}/smartdcc/duis"


@pytest.fixture
def server(tmp_path: Path, database_url: str, receiver: tuple[Receiver, str]) -> Iterator[Server]:
    gbdsp = Gbdsp(tmp_path / "data", database_url)
    assert gbdsp("init").returncode == 0
    assert gbdsp("demo").returncode == 0  # the defaults, as a new user runs it
    assert gbdsp("users", "set-url", SUPPLIER, receiver[1]).returncode == 0
    s = Server(gbdsp, free_port())
    s.start()
    yield s
    assert s.process is not None
    s.process.send_signal(signal.SIGTERM)
    s.process.wait(timeout=20)


def build_and_send(server: Server, srv: str, *extra: str) -> subprocess.CompletedProcess[bytes]:
    """The pipe a user types, both ends pretty-printed: build | send - (from stdin)."""
    gbdsp = f"{shlex.quote(sys.executable)} -m gbdsp"
    line = (
        f"{gbdsp} request build {srv} --pretty {' '.join(map(shlex.quote, extra))} | "
        f"{gbdsp} send - --url {server.url} --pretty"
    )
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        env=server.gbdsp.env,
        capture_output=True,
        timeout=120,
    )


def test_every_sample_is_answered_with_a_signed_success(
    server: Server, receiver: tuple[Receiver, str]
) -> None:
    assert set(EXPECTED) == set(SAMPLES)  # a new sample needs its expected answer here
    acknowledged: dict[str, str] = {}
    for srv, code in EXPECTED.items():
        sent = build_and_send(server, srv)
        assert b"ResponseCode " + code.encode() in sent.stderr, (srv, sent.stderr)
        assert sent.returncode == 0, (srv, sent.stderr)
        assert b"\n  <sr:Header>" in sent.stdout  # --pretty
        root = xml.parse(sent.stdout)  # pretty, and still verifies
        signature.verify(root, lambda issuer, serial: DSP_CERT)
        assert root.findtext(f"{sr('Header')}/{sr('ResponseCode')}") == code
        assert root.findtext(f".//{sr('ServiceReferenceVariant')}") == srv
        request_id = root.findtext(f"{sr('Header')}/{sr('RequestID')}") or ""
        assert request_id.startswith(f"{SUPPLIER}:"), (srv, request_id)
        if code == "I99":
            acknowledged[request_id] = srv
    # Each acknowledged device request gets the device's signed I0 at the User's endpoint.
    # 8.11 is followed by DCC alert N24 (docs/duis-coverage.md).
    alerts = sum(srv == "8.11" for srv in acknowledged.values())
    pushed = receiver[0].wait_for(len(acknowledged) + alerts, seconds=60)
    answers = {}
    n24 = []
    for body in pushed:
        answer = xml.parse(body)
        signature.verify(answer, lambda issuer, serial: DSP_CERT)
        rid = answer.findtext(f"{sr('Header')}/{sr('RequestID')}")
        alert = answer.findtext(f".//{sr('DCCAlertCode')}")
        if alert is not None:
            n24.append((alert, rid))
            continue
        answers[rid] = answer.findtext(f"{sr('Header')}/{sr('ResponseCode')}")
    assert answers == {rid: "I0" for rid in acknowledged}
    assert n24 == [("N24", rid) for rid, srv in acknowledged.items() if srv == "8.11"]
    # What the lifecycle samples did is in the SMI: the 12.2 device is Pending ...
    shown = server.gbdsp("smi", "show", "00-DB-12-34-56-78-90-B0")
    assert shown.returncode == 0 and "Pending" in shown.stdout, shown.stdout
    # ... so the next 12.2 takes the next free ID, and naming B0 again is refused.
    assert b"ResponseCode I0" in build_and_send(server, "12.2").stderr
    assert "Pending" in server.gbdsp("smi", "show", "00-DB-12-34-56-78-90-B1").stdout
    again = build_and_send(
        server, "12.2", "--device-type", "GSME", "--device", "00-DB-12-34-56-78-90-B0"
    )
    assert b"ResponseCode E120203" in again.stderr and again.returncode == 1


def test_bad_input_is_one_clear_line(tmp_path: Path) -> None:
    gbdsp = Gbdsp(tmp_path / "data", "")
    unknown = gbdsp("request", "build", "9.9")
    assert unknown.returncode == 2
    assert "no sample for SRV '9.9'; buildable: 8.2, 4.1.1" in unknown.stderr
    bad = gbdsp("request", "build", "8.11", "--add", "nope")
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "gbdsp: error: --add: not a Device ID (8 hex octets joined by -): 'nope'"
    )
    stray = gbdsp("request", "build", "8.2", "--install-code", "00")
    assert stray.returncode == 2 and "No such option '--install-code'" in stray.stderr
    listed = gbdsp("request", "list")
    assert listed.returncode == 0
    assert "8.14.3" in listed.stdout and "--return-type" in listed.stdout


def test_static_defaults_need_no_data_directory(tmp_path: Path) -> None:
    """8.2 and the reads build before `gbdsp init`: nothing but the table is needed."""
    gbdsp = Gbdsp(tmp_path / "nothing-here", "")
    built = gbdsp("request", "build", "4.1.1", "--counter", "7")
    assert built.returncode == 0, built.stderr
    assert "90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:7</sr:RequestID>" in built.stdout
    needs_smi = gbdsp("request", "build", "8.14.1")
    assert needs_smi.returncode == 2 and "gbdsp init" in needs_smi.stderr
