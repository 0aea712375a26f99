"""8.2 Read Inventory latency on a large fleet: by Device ID and by MPxN, p50/p99.

    python bench/read_inventory.py --data DIR --premises P [--requests 2000] [--http]

DIR is a data directory made by `bench/load.py prepare` (any size, SQLite or PostgreSQL).
Three figures for each kind of query, premises drawn at random over the whole fleet (so
the working set is the fleet, not a few cached pages):
1. query: the premises lookup 8.2 runs (handlers.premises_of) in a read transaction;
2. gateway: the whole signed pipeline in-process (parse, XSD, verify, anti-replay, access,
   lookup, audit, sign), requests pre-signed;
3. with --http: one client, sequential round trips to `gbdsp serve` on the same data.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import signal
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from gbdsp import bootstrap
from gbdsp.domain.devices import DeviceType
from gbdsp.domain.requests import WebService
from gbdsp.domain.service_requests import InventoryQuery
from gbdsp.duis import signature, xml
from gbdsp.gateway.handlers import premises_of
from gbdsp.gateway.pipeline import Gateway
from gbdsp.keystore import KeyStore
from gbdsp.worlds import fleet
from load import DCC, READERS, _inventory, _post, _request, start_server


def percentiles(label: str, seconds: list[float]) -> None:
    s = sorted(seconds)
    n = len(s)
    print(
        f"  {label:<34} p50 {s[n // 2] * 1000:7.3f} ms  p99 {s[int(n * 0.99)] * 1000:7.3f} ms"
        f"  mean {statistics.fmean(s) * 1000:7.3f} ms  (n={n})"
    )


def queries(rng: random.Random, premises: int, n: int) -> dict[str, list[InventoryQuery]]:
    plans = [fleet.plan(rng.randrange(premises)) for _ in range(n)]
    return {
        "by Device ID": [InventoryQuery(device_id=p.device_id(DeviceType.ESME)) for p in plans],
        "by MPxN": [InventoryQuery(mpxn=p.mpan) for p in plans],
    }


def signed_requests(
    data: Path, rng: random.Random, premises: int, n: int
) -> dict[str, list[bytes]]:
    key = KeyStore(data).signing_key(READERS[0])
    assert key is not None, "run bench/load.py prepare first"
    counter = time.time_ns() // 1000
    out: dict[str, list[bytes]] = {}
    for kind, qs in queries(rng, premises, n).items():
        bodies = []
        for q in qs:
            counter += 1
            body = (
                _inventory("DeviceID", str(q.device_id))
                if q.device_id
                else _inventory("MPxN", q.mpxn or "")
            )
            root = xml.parse(_request(str(READERS[0]), DCC, counter, "8.2", 8, body).encode())
            signature.sign(root, key)
            bodies.append(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
        out[kind] = bodies
    return out


def timed(items: list[object], call: Callable[[object], object]) -> list[float]:
    times = []
    for item in items:
        t0 = time.perf_counter()
        call(item)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--premises", type=int, required=True)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--http", action="store_true")
    args = parser.parse_args()
    rng = random.Random(7)
    app = bootstrap.open_app(args.data)
    print(f"8.2 Read Inventory, {app.store.backend}, premises drawn from {args.premises:,}:")
    try:
        for kind, qs in queries(rng, args.premises, args.requests).items():

            def lookup(q: object) -> object:
                with app.store.read() as tx:
                    found = premises_of(tx, q)  # type: ignore[arg-type]
                assert found, q
                return found

            percentiles(f"query {kind}", timed(list(qs), lookup))
        gateway = Gateway(app.store, app.clock, app.signing_key(), app.config)
        requests = signed_requests(args.data, rng, args.premises, args.requests)
        for kind, bodies in requests.items():

            def handle(body: object) -> object:
                reply = gateway.handle(WebService.NON_DEVICE, body)  # type: ignore[arg-type]
                assert b"<sr:ResponseCode>I0<" in reply.body, reply.body[:300]
                return reply

            percentiles(f"gateway {kind}", timed(list(bodies), handle))
    finally:
        app.close()
    if args.http:
        http_figures(args, rng)


def http_figures(args: argparse.Namespace, rng: random.Random) -> None:
    requests = signed_requests(args.data, rng, args.premises, args.requests)
    server, url = start_server(args.data, 1)
    try:
        host, port = url.removeprefix("http://").split(":")

        async def sequential(bodies: list[bytes]) -> list[float]:
            reader, writer = await asyncio.open_connection(host, int(port))
            times = []
            for body in bodies:
                t0 = time.perf_counter()
                code = await _post(reader, writer, host, "/api/v1/serviceD", body)
                times.append(time.perf_counter() - t0)
                assert code == "I0", code
            writer.close()
            return times

        for kind, bodies in requests.items():
            percentiles(f"HTTP round trip {kind}", asyncio.run(sequential(bodies)))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
