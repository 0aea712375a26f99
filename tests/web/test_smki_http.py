"""The SMKI repository service (DCC Boxed port 8083) over real HTTP: the request and response
shapes and status codes `@smartdcc/dccboxed-keystore` 0.4.2 uses, and `gbdsp serve` running
it beside the DUIS server (one and two workers)."""

from __future__ import annotations

import base64
import io
import signal
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from lxml import etree

from gbdsp.clock import ManualClock
from gbdsp.domain.ids import DeviceId
from gbdsp.gbcs.certificates import certificate_eui
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.services.smki import SmkiRepository
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.web.smki import create_smki_app
from gbdsp.worlds.demo import create_demo_fleet
from tests.test_cli import Gbdsp
from tests.test_restart import free_port
from tests.web.conftest import serve

ESME = "00-db-12-34-56-78-90-a0"
"""The ESME of the DCC Boxed template premises (gbdsp demo)."""
XML = {"content-type": "application/xml"}
WORLD = GbcsWorld(bytes.fromhex("5a" * 32))


def _search(**fields: str) -> bytes:
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items())
    return (
        f'<?xml version="1.0" encoding="utf-8"?><CertificateSearchRequest>{inner}'
        "</CertificateSearchRequest>"
    ).encode()


def _retrieve(serial: str) -> bytes:
    return (
        f"<CertificateDataRequest><CertificateSerial>{serial}</CertificateSerial>"
        "</CertificateDataRequest>"
    ).encode()


@pytest.fixture
def smki_url(store: Store, clock: ManualClock) -> Iterator[str]:
    register_test_users(store)
    create_demo_fleet(store, clock, premises=0, seed=1)
    with serve(create_smki_app(SmkiRepository(store, WORLD))) as url:
        yield url


def _results(body: bytes) -> list[dict[str, str]]:
    root = etree.fromstring(body)
    assert root.tag == "CertificateSearchResponse"
    return [{str(c.tag): c.text or "" for c in r} for r in root.findall("Result")]


def test_device_search_then_retrieve_gives_the_world_certificates(smki_url: str) -> None:
    found = httpx.post(
        f"{smki_url}/services/certificatesearch?apikey=x",
        content=_search(CertificateSubjectAltName=ESME),
        headers=XML,
    )
    assert found.status_code == 200 and found.headers["content-type"] == "application/xml"
    results = _results(found.content)
    assert {r["CertificateUsage"] for r in results} == {"DS", "KA"}
    assert all(
        r["CertificateStatus"] == "I" and r["CertificateSubjectAltName"] == ESME for r in results
    )
    for r in results:
        got = httpx.post(
            f"{smki_url}/services/retrievecertificate",
            content=_retrieve(r["CertificateSerial"]),
            headers=XML,
        )
        assert got.status_code == 200
        body = etree.fromstring(got.content).find("CertificateResponse")
        assert body is not None and body.findtext("CertificateSubjectAltName") == ESME
        cert = x509.load_der_x509_certificate(
            base64.b64decode(body.findtext("CertificateBody") or "")
        )
        eui = DeviceId.parse(ESME)
        assert int.from_bytes(certificate_eui(cert), "big") == eui.value
        usage = {"DS": "ds", "KA": "ka"}[r["CertificateUsage"]]
        from gbdsp.domain.ids import Eui64
        from gbdsp.gbcs.keys import KeyUsage

        assert cert == WORLD.device_certificate(Eui64(eui.value), KeyUsage(usage))


def test_organisation_search_by_name_and_role(smki_url: str) -> None:
    supplier = "90-b3-d5-1f-30-01-00-00"
    found = httpx.post(
        f"{smki_url}/services/certificatesearch",
        content=_search(CertificateSubjectName=supplier, CertificateRole="2"),
        headers=XML,
    )
    assert found.status_code == 200
    results = _results(found.content)
    # DS, KA and the prepayment KA of the ZAZ1 supplier
    assert sorted(r["CertificateUsage"] for r in results) == ["DS", "KA", "KA"]
    assert {r["CertificateRole"] for r in results} == {"2"}
    wrong_role = httpx.post(
        f"{smki_url}/services/certificatesearch",
        content=_search(CertificateSubjectName=supplier, CertificateRole="4"),
        headers=XML,
    )
    assert wrong_role.status_code == 402
    acb = httpx.post(
        f"{smki_url}/services/certificatesearch",
        content=_search(CertificateSubjectName="90-b3-d5-1f-30-00-00-02", CertificateRole="4"),
        headers=XML,
    )
    assert {r["CertificateUsage"] for r in _results(acb.content)} == {"DS", "KA"}


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("certificatesearch", _search(CertificateSubjectAltName="00-00-00-00-00-00-00-01"), 402),
        ("certificatesearch", _search(CertificateSubjectAltName="not-an-eui"), 401),
        ("certificatesearch", _search(), 401),
        (
            "certificatesearch",
            _search(CertificateSubjectAltName=ESME, CertificateSubjectName=ESME),
            401,
        ),
        ("certificatesearch", _search(CertificateSubjectName=ESME, CertificateRole="x"), 401),
        ("certificatesearch", b"<CertificateSearchRequest><unclosed>", 401),
        ("certificatesearch", b'<!DOCTYPE x [<!ENTITY a "b">]><CertificateSearchRequest/>', 401),
        ("certificatesearch", _retrieve("ab"), 401),
        ("certificatesearch", b"<a>" + b"x" * 20_000 + b"</a>", 413),
        ("retrievecertificate", _retrieve("4d01" + "00" * 14), 402),
        ("retrievecertificate", _retrieve("zz"), 401),
        ("retrievecertificate", _retrieve("0"), 401),
        ("retrievecertificate", b"<CertificateDataRequest/>", 401),
    ],
)
def test_bad_or_unknown_input_gets_the_dcc_boxed_status(
    smki_url: str, path: str, body: bytes, status: int
) -> None:
    reply = httpx.post(f"{smki_url}/services/{path}", content=body, headers=XML)
    assert reply.status_code == status, reply.text


def test_wrong_type_and_method_are_refused(smki_url: str) -> None:
    assert (
        httpx.post(
            f"{smki_url}/services/certificatesearch",
            content=b"{}",
            headers={"content-type": "application/json"},
        ).status_code
        == 415
    )
    assert httpx.get(f"{smki_url}/services/certificatesearch").status_code == 405


def test_org_crypto_zip_holds_the_test_organisations(smki_url: str) -> None:
    reply = httpx.get(f"{smki_url}/assets/crypto/org-crypto.zip")
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(reply.content)).namelist()
    assert "gbcs/90b3d51f30010000-ds.pem" in names and "gbcs/90b3d51f30010000-ds.key" in names
    assert "xml-sign-90B3D51F30010000-ds.pem" in names


@pytest.mark.parametrize("workers", ["1", "2"])
def test_gbdsp_serve_runs_the_smki_service(tmp_path: Path, database_url: str, workers: str) -> None:
    gbdsp = Gbdsp(tmp_path / "data", database_url)
    assert gbdsp("init").returncode == 0
    assert gbdsp("demo", "--premises", "0").returncode == 0
    port, smki_port = free_port(), free_port()
    gbdsp.env |= {"GBDSP_SMKI__PORT": str(smki_port), "GBDSP_SERVER__WORKERS": workers}
    process = subprocess.Popen(
        [sys.executable, "-m", "gbdsp", "serve", "--port", str(port)],
        env=gbdsp.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        reply = None
        for _ in range(150):
            try:
                reply = httpx.post(
                    f"http://127.0.0.1:{smki_port}/services/certificatesearch",
                    content=_search(CertificateSubjectAltName=ESME),
                    headers=XML,
                )
                break
            except httpx.TransportError:
                import time

                time.sleep(0.1)
        assert reply is not None and reply.status_code == 200
        assert {r["CertificateUsage"] for r in _results(reply.content)} == {"DS", "KA"}
        export = gbdsp("smki", "export", str(tmp_path / "certs"))
        assert export.returncode == 0, export.stderr
        ds = next(r for r in _results(reply.content) if r["CertificateUsage"] == "DS")
        pem = (tmp_path / "certs" / "00db1234567890a0-ds.pem").read_bytes()
        assert x509.load_pem_x509_certificate(pem).serial_number == int(ds["CertificateSerial"], 16)
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert "Traceback" not in stderr, stderr[-2000:]
