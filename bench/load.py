"""Open-loop DUIS load: signed requests at a target rate, a realistic SRV mix, many Users.

    python bench/load.py prepare --data DIR [--database URL] --devices N
    python bench/load.py run --data DIR --premises P (--target URL | --workers N)
                             [--rate 200] [--duration 20] [--receiver]
    python bench/load.py sweep --data DIR --premises P --workers 1,2,4 --rates 100,200,300
    python bench/load.py drain --data DIR [--workers N]

`prepare` makes a data directory: the fleet's suppliers with generated keys, reader Users,
and `gbdsp fleet generate`. `run` pre-signs every request (each User's counters strictly
increasing), then sends request k at start + k/rate whatever the server is doing (open loop:
latency is measured from when a request was due, so a slow server cannot hide its queue).
Each User has one keep-alive connection and sends in counter order, as a DUIS client must;
more Users give more concurrency. It stops by itself after --duration plus a drain of at
most --drain seconds, and prints the achieved rate, latency percentiles and counts by DUIS
response code or HTTP status. Targets must be on loopback: it refuses anything else.

--workers N starts `gbdsp serve --workers N` on the data directory for the run and reports
each server process's peak RSS. --receiver, after the run, points the suppliers' receive-response
URLs at a loopback receiver and reports how fast the outbox backlog of asynchronous
responses the run queued is delivered.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from bench_support import free_port, serve_command
from gbdsp import bootstrap
from gbdsp.domain.devices import DeviceType
from gbdsp.domain.ids import UserId
from gbdsp.duis import signature, xml
from gbdsp.duis.signature import SigningKey
from gbdsp.gbcs import party
from gbdsp.gbcs.party import CertificateKind
from gbdsp.keystore import KeyStore
from gbdsp.services import users
from gbdsp.worlds import fleet

DCC = "90-B3-D5-1F-30-00-00-02"
READERS = tuple(UserId(0x00FE_E700_0000_0400 | i) for i in range(8))
"""Other Users (role OU) that only read the inventory: more Users, more concurrency."""
SR_NS = "http://www.dccinterface.co.uk/ServiceUserGateway"
CODE = re.compile(rb"<sr:ResponseCode>([^<]+)</sr:ResponseCode>")

# The request mix: (weight, kind). Reads dominate DCC traffic; a few should be refused.
MIX = (
    (35, "8.2 by device"),
    (15, "8.2 by MPxN"),
    (25, "4.1.1 own ESME"),
    (15, "11.2 own meter"),
    (5, "4.1.1 other's ESME"),
    (5, "8.2 unknown device"),
)


def gbdsp(data: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "gbdsp", "--data", str(data), *args],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def prepare(data: Path, database: str | None, devices: int) -> None:
    """A data directory with the fleet, its suppliers' keys and the readers'."""
    gbdsp(data, "init")
    if database:
        config = data / "gbdsp.toml"
        config.write_text(re.sub(r"(?m)^url = .*$", f'url = "{database}"', config.read_text()))
        gbdsp(data, "init")
    for s in fleet.SUPPLIERS:
        ds, ka = gbcs_certificates(data, s.user_id)
        gbdsp(
            data,
            "users",
            "add",
            str(s.user_id),
            "--role",
            "IS",
            "--role",
            "GS",
            "--party",
            s.party_id,
            "--name",
            s.name,
            "--generate-key",
            "--ds-certificate",
            str(ds),
            "--ka-certificate",
            str(ka),
        )
    for r in READERS:
        gbdsp(
            data,
            "users",
            "add",
            str(r),
            "--role",
            "OU",
            "--party",
            "FLEET-READERS",
            "--name",
            "inventory reader",
            "--generate-key",
        )
    if devices:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "gbdsp",
                "--data",
                str(data),
                "fleet",
                "generate",
                "--devices",
                str(devices),
            ],
            check=True,
        )


def gbcs_certificates(data: Path, user: UserId) -> tuple[Path, Path]:
    """A supplier's own GBCS DS and KA certificates (self-signed, as a test User's), so its
    devices' Responses are MACed for it: without a KA certificate a device command is E11."""
    folder = data / "bench-gbcs"
    folder.mkdir(exist_ok=True)
    paths = []
    for kind in (CertificateKind.DS, CertificateKind.KA):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = party.self_signed(user.value, kind, key, datetime.now(UTC))
        path = folder / f"{user.value:016x}-{kind.value}.pem"
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        paths.append(path)
    return paths[0], paths[1]


@dataclass
class Planned:
    due: float
    """Seconds after the start at which this request is sent."""
    kind: str
    body: bytes
    path: str
    """The DUIS web service: serviceD for non-device (CV 8), serviceS for commands (CV 1)."""


@dataclass
class UserStream:
    user: UserId
    key: SigningKey
    requests: list[Planned] = field(default_factory=list)


def _request(user: str, target: str, counter: int, srv: str, cv: int, body: str) -> str:
    return (
        f'<sr:Request xmlns:sr="{SR_NS}" schemaVersion="5.4"><sr:Header>'
        f"<sr:RequestID>{user}:{target}:{counter}</sr:RequestID>"
        f"<sr:CommandVariant>{cv}</sr:CommandVariant>"
        f"<sr:ServiceReference>{'.'.join(srv.split('.')[:2])}</sr:ServiceReference>"
        f"<sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant>"
        f"</sr:Header><sr:Body>{body}</sr:Body></sr:Request>"
    )


def _inventory(by: str, value: str) -> str:
    return f"<sr:ReadInventory><sr:{by}>{value}</sr:{by}></sr:ReadInventory>"


def plan_requests(
    data: Path, premises: int, rate: float, duration: float, seed: int = 1
) -> list[UserStream]:
    """Every request of the run, signed, per User in counter order."""
    keys = KeyStore(data)
    streams = []
    for user in (*(s.user_id for s in fleet.SUPPLIERS), *READERS):
        key = keys.signing_key(user)
        if key is None:
            raise SystemExit(f"no key for {user} in {data}: run `load.py prepare` first")
        streams.append(UserStream(user, key))
    suppliers = {s.user_id: s for s in fleet.SUPPLIERS}
    rng = random.Random(seed)
    kinds = [k for w, k in MIX for _ in range(w)]
    counter = time.time_ns() // 1000
    total = int(rate * duration)
    for k in range(total):
        stream = streams[k % len(streams)]
        kind = rng.choice(kinds)
        if stream.user not in suppliers and not kind.startswith("8.2"):
            kind = "8.2 by device"  # readers may only read the inventory
        counter += 1
        p = fleet.plan(rng.randrange(premises))
        if kind.startswith("4.1.1") or kind.startswith("11.2"):
            mine = kind != "4.1.1 other's ESME"
            p = _premises_of(rng, premises, p, stream.user, mine)
        originator = str(stream.user)
        if kind == "8.2 by device":
            text = _request(
                originator,
                DCC,
                counter,
                "8.2",
                8,
                _inventory("DeviceID", str(p.device_id(DeviceType.ESME))),
            )
        elif kind == "8.2 by MPxN":
            text = _request(originator, DCC, counter, "8.2", 8, _inventory("MPxN", p.mpan))
        elif kind == "8.2 unknown device":
            text = _request(
                originator,
                DCC,
                counter,
                "8.2",
                8,
                _inventory("DeviceID", "00-FE-E7-3F-FF-FF-FF-FF"),
            )
        elif kind == "11.2 own meter":
            meter = DeviceType.GSME if p.mprn and rng.random() < 0.5 else DeviceType.ESME
            text = _request(
                originator, str(p.device_id(meter)), counter, "11.2", 1, "<sr:ReadFirmwareVersion/>"
            )
        else:
            text = _request(
                originator,
                str(p.device_id(DeviceType.ESME)),
                counter,
                "4.1.1",
                1,
                "<sr:ReadInstantaneousImportRegisters/>",
            )
        root = xml.parse(text.encode())
        signature.sign(root, stream.key)
        stream.requests.append(
            Planned(
                k / rate,
                kind,
                etree.tostring(root, xml_declaration=True, encoding="UTF-8"),
                "/api/v1/serviceD" if kind.startswith("8.2") else "/api/v1/serviceS",
            )
        )
    return streams


def _premises_of(
    rng: random.Random, premises: int, p: fleet.PremisesPlan, user: UserId, mine: bool
) -> fleet.PremisesPlan:
    """A premises whose supplier is (or, for a refusal, is not) this User."""
    for _ in range(200):
        if (p.supplier.user_id == user) == mine:
            return p
        p = fleet.plan(rng.randrange(premises))
    return p


@dataclass
class Result:
    kind: str
    due: float
    latency: float
    """From when the request was due to when its reply was read (includes queueing)."""
    outcome: str


def check_loopback(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except socket.gaierror as e:
        raise SystemExit(f"cannot resolve {host!r}: {e}") from e
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise SystemExit(f"refusing to load {host!r}: load.py only targets loopback")
    return host, parts.port or 80


async def run_load(url: str, streams: list[UserStream], drain: float) -> tuple[list[Result], float]:
    host, port = check_loopback(url)
    results: list[Result] = []
    start = time.perf_counter() + 0.2
    last = max((r.due for s in streams for r in s.requests), default=0.0)
    deadline = start + last + drain

    async def user(stream: UserStream) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            for planned in stream.requests:
                wait = start + planned.due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                if time.perf_counter() > deadline:
                    results.append(
                        Result(planned.kind, planned.due, float("inf"), "not sent (drain)")
                    )
                    continue
                outcome = await _post(reader, writer, host, planned.path, planned.body)
                results.append(
                    Result(
                        planned.kind,
                        planned.due,
                        time.perf_counter() - (start + planned.due),
                        outcome,
                    )
                )
        finally:
            writer.close()

    await asyncio.gather(*(user(s) for s in streams))
    return results, time.perf_counter() - start


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, path: str, body: bytes
) -> str:
    """HTTP/1.1 on bare streams: the generator must cost far less than the server."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/xml\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    headers = await reader.readuntil(b"\r\n\r\n")
    status = int(headers.split(b" ", 2)[1])
    length = int(headers.lower().split(b"content-length:")[1].split(b"\r\n")[0])
    reply = await reader.readexactly(length)
    if status != 200:
        return f"HTTP {status}"
    found = CODE.search(reply)
    return found.group(1).decode() if found else "no code"


def report(
    results: list[Result], seconds: float, rate: float, warmup: float = 0.0
) -> dict[str, float]:
    """Rate over the whole run; latency of the requests due after the first `warmup`
    seconds (new worker processes load the schema, the CPL and their connections)."""
    done = sorted(r.latency for r in results if r.latency != float("inf") and r.due >= warmup)
    n = len(done)

    def pct(q: float) -> float:
        return done[min(n - 1, int(n * q))] * 1000 if n else float("nan")

    replied = sum(1 for r in results if r.latency != float("inf"))
    figures = {
        "target": rate,
        "achieved": replied / seconds if seconds else 0.0,
        "sent": n,
        "p50": pct(0.50),
        "p90": pct(0.90),
        "p99": pct(0.99),
        "max": done[-1] * 1000 if n else float("nan"),
    }
    print(
        f"target {rate:.0f}/s, achieved {figures['achieved']:.0f}/s ({replied} replies in "
        f"{seconds:.1f}s); after {warmup:.0f}s warm-up, latency ms p50 {figures['p50']:.1f} "
        f"p90 {figures['p90']:.1f} p99 {figures['p99']:.1f} max {figures['max']:.1f}"
    )
    by_kind: dict[str, Counter[str]] = {}
    latencies: dict[str, list[float]] = {}
    for r in results:
        by_kind.setdefault(r.kind, Counter())[r.outcome] += 1
        if r.latency != float("inf") and r.due >= warmup:
            latencies.setdefault(r.kind, []).append(r.latency * 1000)
    for kind, counts in sorted(by_kind.items()):
        print(
            f"  {kind:<22} "
            + ", ".join(f"{c} {n}" for c, n in counts.most_common())
            + _percentiles(latencies.get(kind, []))
        )
    return figures


def _percentiles(ms: list[float]) -> str:
    """p50 / p99 of one kind's latencies (8.2 under the mix's load, say)."""
    if not ms:
        return ""
    ms.sort()
    return f"; p50 {ms[len(ms) // 2]:.1f} p99 {ms[min(len(ms) - 1, int(len(ms) * 0.99))]:.1f} ms"


# -- a server for the run, its memory, and a loopback receiver of pushed responses ----------


def start_server(data: Path, workers: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    server = subprocess.Popen(
        serve_command(data, port, workers),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(url + "/health").status_code == 200:
                time.sleep(1.0 if workers > 1 else 0.1)  # let every worker come up
                return server, url
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gbdsp serve did not come up")


def process_tree(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, []))
    return found


def peak_rss_mb(pids: list[int]) -> list[float]:
    """VmHWM (peak resident set) of each process, in MB."""
    peaks = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return peaks


class Receiver:
    """A loopback receive-response endpoint that answers 200 and counts what arrives."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self.port = free_port()

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                headers = await reader.readuntil(b"\r\n\r\n")
                length = int(headers.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                await reader.readexactly(length)
                self.times.append(time.perf_counter())
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, asyncio.CancelledError):
            writer.close()


def set_response_urls(data: Path, url: str | None) -> None:
    """All suppliers within milliseconds, so the relay sees the whole backlog at once."""
    app = bootstrap.open_app(data)
    try:
        for s in fleet.SUPPLIERS:
            users.set_response_url(app.store, s.user_id, url)
    finally:
        app.close()


async def measured(
    args: argparse.Namespace, url: str, receiver: Receiver | None, streams: list[UserStream]
) -> dict[str, float]:
    results, seconds = await run_load(url, streams, args.drain)
    figures = report(results, seconds, args.rate, args.warmup)
    if receiver is not None:
        # The responses queued up during the run; only now may the relay push them, so
        # what is measured is how fast a backlog drains, not the run's arrival rate.
        await asyncio.to_thread(
            set_response_urls, args.data, f"http://127.0.0.1:{receiver.port}/responses"
        )
        expected = sum(1 for r in results if r.outcome == "I99")
        settle = time.perf_counter() + args.drain + 60
        while len(receiver.times) < expected and time.perf_counter() < settle:
            await asyncio.sleep(0.2)
        got = receiver.times
        span = (got[-1] - got[0]) if len(got) > 1 else 0.0
        figures["delivered"] = len(got)
        figures["delivery_rate"] = len(got) / span if span else 0.0
        print(
            f"outbox: {len(got)} of {expected} asynchronous responses queued during the "
            f"run pushed to the receiver afterwards, {figures['delivery_rate']:.0f}/s from "
            "first to last"
        )
    return figures


def run_once(args: argparse.Namespace, workers: int | None, rate: float) -> dict[str, float]:
    args.rate = rate
    started = time.perf_counter()
    streams = plan_requests(args.data, args.premises, rate, args.duration)
    print(
        f"pre-signed {sum(len(s.requests) for s in streams)} requests for {len(streams)} "
        f"Users in {time.perf_counter() - started:.1f}s"
    )
    server = None
    url = args.target
    if workers:
        server, url = start_server(args.data, workers)
    try:

        async def go() -> dict[str, float]:
            if not args.receiver:
                return await measured(args, url, None, streams)
            async with Receiver() as receiver:
                return await measured(args, url, receiver, streams)

        figures = asyncio.run(go())
        if server is not None:
            peaks = peak_rss_mb(process_tree(server.pid))
            figures["peak_rss_mb"] = max(peaks, default=0.0)
            print(f"server processes peak RSS MB: {', '.join(f'{p:.0f}' for p in peaks)}")
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.receiver:
            set_response_urls(args.data, None)
    return figures


def fill_outbox(data: Path, messages: int) -> None:
    """Queue `messages` responses (the body does not matter to the relay) for the suppliers."""
    app = bootstrap.open_app(data)
    try:
        now = app.clock.now()
        body = b"<?xml version='1.0' encoding='UTF-8'?><sr:Response/>"
        tag = time.time_ns()
        with app.store.transaction() as tx:
            tx.outbox.add_many(
                [
                    {
                        "response_id": f"fill:{tag}:{n}",
                        "user_id": fleet.SUPPLIERS[n % len(fleet.SUPPLIERS)].user_id,
                        "body": body,
                        "created_at": now,
                        "attempts": 0,
                        "next_attempt_at": now,
                    }
                    for n in range(messages)
                ]
            )
    finally:
        app.close()


def drain(data: Path, workers: int, fill: int) -> None:
    """Deliver the outbox backlog (responses queued while no receive-response URL was set)
    to a loopback receiver, and time it: the relay's own rate, with no requests arriving."""
    if fill:
        fill_outbox(data, fill)

    async def go() -> None:
        async with Receiver() as receiver:
            server, _ = await asyncio.to_thread(start_server, data, workers)
            try:
                await asyncio.to_thread(
                    set_response_urls, data, f"http://127.0.0.1:{receiver.port}/responses"
                )
                quiet_since = time.perf_counter()
                seen = 0
                while time.perf_counter() - quiet_since < 3:
                    await asyncio.sleep(0.25)
                    if len(receiver.times) != seen:
                        seen, quiet_since = len(receiver.times), time.perf_counter()
                got = receiver.times
                span = got[-1] - got[0] if len(got) > 1 else 0.0
                print(
                    f"outbox backlog: {len(got)} messages delivered by {workers} worker(s) "
                    f"in {span:.1f}s = {len(got) / span if span else 0:.0f}/s"
                )
            finally:
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=30)
                await asyncio.to_thread(set_response_urls, data, None)

    asyncio.run(go())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("prepare")
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--database", help="database URL (default: SQLite in the data dir)")
    p.add_argument("--devices", type=int, default=10_000)
    d = sub.add_parser("drain", help="time the delivery of the outbox backlog")
    d.add_argument("--data", type=Path, required=True)
    d.add_argument("--workers", type=int, default=1)
    d.add_argument("--fill", type=int, default=0, help="queue this many messages first")
    for name in ("run", "sweep"):
        r = sub.add_parser(name)
        r.add_argument("--data", type=Path, required=True)
        r.add_argument(
            "--premises",
            type=int,
            required=True,
            help="premises in the fleet (`fleet generate` prints it)",
        )
        r.add_argument("--target", default="", help="a running server (loopback only)")
        r.add_argument("--duration", type=float, default=20)
        r.add_argument("--drain", type=float, default=10)
        r.add_argument(
            "--warmup",
            type=float,
            default=2,
            help="seconds at the start left out of the latency figures",
        )
        r.add_argument("--receiver", action="store_true")
        if name == "run":
            r.add_argument("--rate", type=float, default=200)
            r.add_argument("--workers", type=int, default=0)
        else:
            r.add_argument("--rates", default="100,200,300,400")
            r.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    if args.command == "prepare":
        prepare(args.data, args.database, args.devices)
        return
    if args.command == "drain":
        drain(args.data, args.workers, args.fill)
        return
    if args.target:
        check_loopback(args.target)
    if args.command == "run":
        if not args.target and not args.workers:
            parser.error("give --target URL or --workers N")
        run_once(args, args.workers or None, args.rate)
        return
    for workers in (int(w) for w in args.workers.split(",")):
        best = 0.0
        for rate in (float(r) for r in args.rates.split(",")):
            print(f"--- {workers} worker(s), {rate:.0f}/s")
            f = run_once(args, workers, rate)
            if f["p99"] < 100 and f["achieved"] >= 0.95 * rate:
                best = max(best, f["achieved"])
        print(f"=== {workers} worker(s): highest rate with p99 < 100 ms: {best:.0f}/s")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
