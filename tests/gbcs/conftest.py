"""Fixtures for GBCS tests, and the real gbcs-parser run as a separate process.

`../shared/tools/gbcs-decode.js` (GPL-3.0 @smartdcc/gbcs-parser, built) decodes our frames
(another location: $GBDSP_GBCS_TOOLS).
GBDSP_CONFORMANCE=required (CI): a missing tool or node FAILS the tests that need it;
otherwise (default) they are skipped with the reason; =off skips them without looking.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest
from cryptography.hazmat.primitives import serialization

from gbdsp.clock import ManualClock
from gbdsp.gateway.pipeline import Gateway
from gbdsp.gbcs_world import PARTIES
from gbdsp.store.store import Store
from tests.gbcs.support import demo_gateway

MODE = os.environ.get("GBDSP_CONFORMANCE", "auto")
TOOLS = Path(
    os.environ.get("GBDSP_GBCS_TOOLS")
    or Path(__file__).resolve().parents[2] / ".." / "shared" / "tools"
)
"""gbcs-decode.js and the built gbcs-parser: ../shared/tools, or $GBDSP_GBCS_TOOLS."""
DECODER = TOOLS / "gbcs-decode.js"


@pytest.fixture
def gateway(store: Store, clock: ManualClock) -> Gateway:
    """The demo gateway of tests/gbcs/support.py (a module may define its own)."""
    return demo_gateway(store, clock)


def _unavailable(reason: str) -> NoReturn:
    if MODE == "required":
        pytest.fail(f"GBDSP_CONFORMANCE=required but {reason}", pytrace=False)
    pytest.skip(f"gbcs-parser unavailable: {reason}")


@dataclass(frozen=True)
class Verdict:
    """One line of gbcs-decode.js output."""

    raw: dict[str, Any]

    @property
    def ok(self) -> bool:
        return bool(self.raw.get("ok"))

    @property
    def mac(self) -> str:
        return str(self.raw.get("mac"))

    @property
    def signature(self) -> str:
        return str(self.raw.get("signature"))

    def items(self) -> list[tuple[str, str, str]]:
        """(name, hex, notes) of every decoded item, depth first, in message order."""
        found: list[tuple[str, str, str]] = []

        def walk(node: dict[str, Any]) -> None:
            for name, value in node.items():
                if isinstance(value, dict) and ("hex" in value or "children" in value):
                    found.append((name.strip(), value.get("hex", ""), value.get("notes", "")))
                    walk(value.get("children", {}))
                elif isinstance(value, dict):
                    walk(value)

        walk(self.raw.get("parsed", {}))
        return found

    def section(self, name: str) -> Verdict:
        return Verdict({"parsed": self.raw.get("parsed", {}).get(name, {})})

    def notes_of(self, suffix: str) -> list[str]:
        return [notes for name, _, notes in self.items() if name.endswith(suffix)]

    def hex_of(self, suffix: str) -> list[str]:
        return [h for name, h, _ in self.items() if name.endswith(suffix)]


class Decoder:
    """Runs gbcs-decode.js over a batch of messages with the given key directories."""

    def __init__(self, node: str) -> None:
        self.node = node

    def decode(self, messages: Sequence[bytes], key_dirs: Sequence[Path]) -> list[Verdict]:
        args = [self.node, str(DECODER)]
        for d in key_dirs:
            args += ["--keys", str(d)]
        done = subprocess.run(
            args,
            input="".join(m.hex() + "\n" for m in messages),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        lines = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
        assert len(lines) == len(messages), done.stderr
        return [Verdict(line) for line in lines]


@pytest.fixture(scope="session")
def decoder() -> Decoder:
    if MODE == "off":
        pytest.skip("GBDSP_CONFORMANCE=off")
    node = shutil.which("node")
    if node is None:
        _unavailable("node is not on PATH")
    if not DECODER.is_file() or not (TOOLS / "gbcs-parser" / "dist" / "index.js").is_file():
        _unavailable(f"{DECODER} or the built gbcs-parser is missing")
    return Decoder(node)


RTDS = TOOLS / "gbcs-parser" / "test" / "rtds" / "RTDS-4.5.0"
"""The RTDS 4.5.0 reference vectors (read at test time, never copied into gbdsp)."""


def critical_templates(pattern: str, srvs: Collection[str]) -> list[Path]:
    """The CV 4 templates named `pattern` whose SRV is one of `srvs`."""
    from gbdsp.duis import xml
    from gbdsp.duis.request import read_request

    found = []
    for template in sorted(boxed_templates().glob(pattern)):
        request = read_request(xml.parse(template.read_bytes()))
        if request.cv.value == 4 and request.srv in srvs:
            found.append(template)
    return found


def rtds_vector(template: Path, kind: str) -> bytes:
    """The RTDS vector of `kind` (PRECOMMAND, RESPONSE...) for the template of the same name."""
    use_case, srv = template.name.split("_")[:2]
    name = template.name.replace("_REQUEST_DUIS.XML", f"_{kind}_GBCS.HEX")
    path = RTDS / f"{srv}_{use_case}" / name
    if not path.is_file():
        _unavailable(f"no RTDS vector {path}")
    return bytes.fromhex("".join(path.read_text().split()))


def boxed_templates() -> Path:
    """The directory of the @smartdcc/duis-templates requests (tests/conformance/boxed.py),
    or skip (fail with GBDSP_CONFORMANCE=required) when the kit cannot be fetched."""
    from tests.conformance.boxed import BoxedUnavailable, fetch_boxed

    if MODE == "off":
        pytest.skip("GBDSP_CONFORMANCE=off")
    try:
        return fetch_boxed().templates_dir
    except BoxedUnavailable as exc:
        _unavailable(str(exc))


def write_user_keys(directory: Path) -> Path:
    """Write the shipped ZAZ1 private keys of the Users and the ACB into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    for f in PARTIES.files():
        key = serialization.load_pem_private_key(PARTIES.private_key_pem(f), None)
        (directory / f"{f.stem}.key").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    return directory


@pytest.fixture
def user_keys(tmp_path: Path) -> Iterator[Path]:
    """The shipped ZAZ1 private keys of the Users and the ACB (what each User holds)."""
    yield write_user_keys(tmp_path / "user-keys")
