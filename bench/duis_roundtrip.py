"""Signed DUIS round trips over HTTP, per pipeline stage, and against the DCC Boxed tool.

    python bench/duis_roundtrip.py [--backends sqlite,postgresql] [--seconds 10]
                                   [--clients 16] [--java]

1. Round trips: `gbdsp serve` in its own process; `--clients` concurrent clients, each a
   different User with its own key (counters per User stay in order), send signed 8.2 Read
   Inventory requests for `--seconds`; prints requests/s and p50/p99 latency.
2. Stage costs: parse, XSD, signature check, database work, response signing, in-process.
3. With --java: verify+sign per message by us and by the DCC Boxed tool's own Java code
   (tool.jar in one warm JVM, via tests/conformance), same message.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx

from gbdsp.domain.parties import Certificate

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.duis_support import dsp_signing_key, request  # noqa: E402

from bench_support import free_port, temporary_database  # noqa: E402
from gbdsp.domain.ids import UserId  # noqa: E402
from gbdsp.duis import schema, signature, xml  # noqa: E402
from gbdsp.duis.request import read_request  # noqa: E402
from gbdsp.keystore import KeyStore  # noqa: E402

BODY = "<sr:ReadInventory><sr:DeviceID>00-DB-12-34-56-78-90-A2</sr:DeviceID></sr:ReadInventory>"


def gbdsp(data: Path, env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "gbdsp", "--data", str(data), *args],
        env=env,
        check=True,
        capture_output=True,
    )


def bench_users(n: int) -> list[str]:
    return [f"00-DB-12-34-56-78-0B-{i:02X}" for i in range(n)]


def setup(data: Path, env: dict[str, str], clients: int) -> None:
    gbdsp(data, env, "init")
    gbdsp(data, env, "demo", "--premises", "200")
    for user in bench_users(clients):
        gbdsp(
            data,
            env,
            "users",
            "add",
            user,
            "--role",
            "OU",
            "--party",
            "BENCH",
            "--name",
            "bench client",
            "--generate-key",
        )


def signed_stream(data: Path, user: str, start: int) -> Callable[[], bytes]:
    key = KeyStore(data).signing_key(UserId.parse(user))
    assert key is not None
    counter = [start]

    def next_request() -> bytes:
        counter[0] += 1
        root = request(srv="8.2", body=BODY, cv=8, counter=counter[0], originator=user)
        signature.sign(root, key)
        return xml_bytes(root)

    return next_request


def xml_bytes(root: object) -> bytes:
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")  # type: ignore[call-overload, no-any-return]


async def load(url: str, data: Path, clients: int, seconds: float) -> tuple[list[float], int]:
    """Each client pre-signs its requests (signing is the client's cost, not ours)."""
    per_client = 6000
    start = time.time_ns()
    streams = [signed_stream(data, user, start) for user in bench_users(clients)]
    prepared = [[s() for _ in range(per_client)] for s in streams]
    latencies: list[float] = []
    failures = 0
    deadline = time.perf_counter() + seconds

    async def client(requests: list[bytes]) -> None:
        nonlocal failures
        async with httpx.AsyncClient(timeout=30) as http:
            for body in requests:
                if time.perf_counter() > deadline:
                    return
                t0 = time.perf_counter()
                reply = await http.post(
                    url + "/api/v1/serviceD",
                    content=body,
                    headers={"Content-Type": "application/xml"},
                )
                latencies.append(time.perf_counter() - t0)
                if b"<sr:ResponseCode>I0<" not in reply.content:
                    failures += 1

    await asyncio.gather(*(raw_client(url, r, deadline, latencies) for r in prepared))
    failures = sum(1 for ok in _results if not ok)
    _results.clear()
    return latencies, failures


_results: list[bool] = []


async def raw_client(
    url: str, requests: list[bytes], deadline: float, latencies: list[float]
) -> None:
    """A keep-alive HTTP/1.1 client on bare asyncio streams: a load generator must cost far
    less than the server it measures, and httpx costs about as much as gbdsp per request."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        for body in requests:
            if time.perf_counter() > deadline:
                return
            head = (
                f"POST /api/v1/serviceD HTTP/1.1\r\nHost: {host}\r\n"
                f"Content-Type: application/xml\r\nContent-Length: {len(body)}\r\n\r\n"
            )
            t0 = time.perf_counter()
            writer.write(head.encode() + body)
            headers = await reader.readuntil(b"\r\n\r\n")
            length = int(headers.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            reply = await reader.readexactly(length)
            latencies.append(time.perf_counter() - t0)
            _results.append(b"<sr:ResponseCode>I0<" in reply)
    finally:
        writer.close()


def round_trips(backend: str, clients: int, seconds: float) -> None:
    with tempfile.TemporaryDirectory() as tmp, temporary_database(backend, Path(tmp)) as url:
        data = Path(tmp) / "data"
        env = {**os.environ, "GBDSP_DATABASE__URL": url}
        setup(data, env, clients)
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gbdsp", "--data", str(data), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    if httpx.get(url + "/health").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            latencies, failures = asyncio.run(load(url, data, clients, seconds))
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=20)
    latencies.sort()
    n = len(latencies)
    print(
        f"{backend:<10} {clients} clients: {n / seconds:8.0f} round trips/s, "
        f"p50 {latencies[n // 2] * 1000:6.1f} ms, p99 {latencies[int(n * 0.99)] * 1000:6.1f} ms"
        f", {failures} not I0"
    )


def stage_costs() -> None:
    """Microseconds per request for each stage, in this process (no HTTP, no database)."""
    from tests.duis_support import signing_key_of

    key = signing_key_of("90-B3-D5-1F-30-01-00-00")
    root = request(srv="8.2", body=BODY, cv=8, counter=1)
    signature.sign(root, key)
    data = xml_bytes(root)
    cert = load_cert()
    dsp = dsp_signing_key()
    schema.validator()
    n = 3000

    def timed(label: str, fn: Callable[[], object]) -> None:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        print(f"  {label:<34} {(time.perf_counter() - t0) / n * 1e6:7.1f} us")

    parsed = xml.parse(data)
    print("stage costs per request (in-process):")
    timed("parse (hardened)", lambda: xml.parse(data))
    timed("XSD validation", lambda: schema.schema_error(parsed))
    timed("header read", lambda: read_request(parsed))
    timed("signature verify", lambda: signature.verify(parsed, lambda i, s: cert))

    def sign_response() -> None:
        from gbdsp.domain.replies import Reply
        from gbdsp.domain.response_codes import ResponseCode
        from gbdsp.duis.response import build_response, serialise

        r = build_response(
            reply=Reply(ResponseCode.I0),
            at=_now(),
            request_id="x:y:1"[0:0] or None,
            service_reference="8.2",
            srv="8.2",
        )
        signature.sign(r, dsp)
        serialise(r)

    timed("response build + sign + serialise", sign_response)
    whole_gateway()


def whole_gateway() -> None:
    """The whole pipeline in-process on a SQLite demo (adds the database and the 13-device
    DSPInventory an 8.2 of the template premises returns)."""
    from tests.duis_support import read_inventory

    from gbdsp.bootstrap import initialise
    from gbdsp.domain.requests import WebService
    from gbdsp.gateway.pipeline import Gateway
    from gbdsp.services.users import register_test_users
    from gbdsp.worlds.demo import create_demo_fleet

    with tempfile.TemporaryDirectory() as tmp:
        app = initialise(Path(tmp))
        register_test_users(app.store)
        create_demo_fleet(app.store, app.clock, premises=50, seed=1)
        gateway = Gateway(app.store, app.clock, dsp_signing_key())
        base = time.time_ns() // 1000
        messages = [read_inventory(base + i) for i in range(1200)]
        for m in messages[:200]:
            gateway.handle(WebService.NON_DEVICE, m)
        t0 = time.perf_counter()
        for m in messages[200:]:
            gateway.handle(WebService.NON_DEVICE, m)
        per = (time.perf_counter() - t0) / 1000 * 1e6
        app.close()
    print(f"  {'whole pipeline incl. SQLite (8.2)':<34} {per:7.1f} us")


def _now() -> datetime:
    return datetime.now(UTC)


def load_cert() -> Certificate:
    from gbdsp.duis.smki import TEST_USERS, load_certificate, pki_file

    return load_certificate(pki_file(TEST_USERS[0].certificate_file))


def versus_java() -> None:
    from tests.conformance.boxed import BoxedTool, fetch_boxed
    from tests.duis_support import signing_key_of

    key = signing_key_of("90-B3-D5-1F-30-01-00-00")
    root = request(srv="8.2", body=BODY, cv=8, counter=1)
    signature.sign(root, key)
    data = xml_bytes(root)
    cert = load_cert()
    n = 3000
    t0 = time.perf_counter()
    for _ in range(n):
        parsed = xml.parse(data)
        schema.schema_error(parsed)
        signature.verify(parsed, lambda i, s: cert)
    ours_verify = (time.perf_counter() - t0) / n * 1e6
    t0 = time.perf_counter()
    for _ in range(n):
        r = xml.parse(data)
        r.remove(r[-1])
        signature.sign(r, key)
        xml_bytes(r)
    ours_sign = (time.perf_counter() - t0) / n * 1e6
    with BoxedTool(fetch_boxed()) as tool:
        java_verify = tool.bench_stats("validate", data, 2000).median_us
        java_sign = tool.bench_stats("sign", data, 2000).median_us
    print("verify (parse + XSD + signature) and sign, microseconds per message, one core:")
    print(
        f"  gbdsp  verify {ours_verify:7.1f}  sign {ours_sign:7.1f}  "
        f"sum {ours_verify + ours_sign:7.1f}"
    )
    print(
        f"  tool.jar verify {java_verify:7.1f}  sign {java_sign:7.1f}  "
        f"sum {java_verify + java_sign:7.1f}  (median, JVM warm)"
    )
    print(
        f"  ratio: gbdsp is {(java_verify + java_sign) / (ours_verify + ours_sign):.1f}x "
        "faster per core"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--java", action="store_true")
    args = parser.parse_args()
    stage_costs()
    if args.java:
        versus_java()
    for backend in args.backends.split(","):
        round_trips(backend, args.clients, args.seconds)


if __name__ == "__main__":
    main()
