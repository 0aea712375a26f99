"""`gbdsp smki export` end to end: a real data directory, the CLI as a separate process."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography import x509

from gbdsp.gbcs.certificates import certificate_eui
from tests.test_cli import Gbdsp, gbdsp  # noqa: F401 (the fixture)


@pytest.mark.slow
def test_export_writes_every_device_and_party_and_warns_for_private_keys(
    gbdsp: Gbdsp,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    assert gbdsp("init").returncode == 0
    assert gbdsp("demo").returncode == 0
    out = tmp_path / "certs"
    plain = gbdsp("smki", "export", str(out))
    assert plain.returncode == 0, plain.stderr
    devices = int(re.search(r"([\d,]+) devices", plain.stdout)[1].replace(",", ""))  # type: ignore[index]
    assert devices > 0 and "warning" not in plain.stderr
    pems = sorted(out.glob("*-ds.pem"))
    assert not list(out.glob("*.key"))
    assert (out / "90b3d51f30000002-ka.pem").is_file()  # the ACB
    assert (out / "90b3d51f30010000-pp-ka.pem").is_file()  # the supplier's prepayment KA
    for pem in pems[:5]:
        stem = pem.name.removesuffix("-ds.pem")
        assert re.fullmatch(r"[0-9a-f]{16}", stem)
        cert = x509.load_pem_x509_certificate(pem.read_bytes())
        if cert.subject == x509.Name([]):  # a device (parties have a subject)
            assert certificate_eui(cert).hex() == stem
    again = gbdsp("smki", "export", "--private", str(out))
    assert again.returncode == 0 and "warning" in again.stderr
    assert len(list(out.glob("*-ka.key"))) >= devices
    assert sorted(out.glob("*-ds.pem")) == pems
