"""Soak: signed DUIS load against `gbdsp serve` while its processes are killed with SIGKILL.

Prints what the guarantee is about: requests acknowledged (I99), their responses delivered
to the User's receive-response URL, lost (acknowledged, never delivered) and duplicated
(delivered more than once). Run on both backends:

    .venv/bin/python bench/soak.py --backend sqlite --seconds 30 --kills 3
    .venv/bin/python bench/soak.py --backend postgresql --seconds 30 --kills 3 --workers 2
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).parent))
from tests.duis_support import ESME, SUPPLIER, read_firmware  # noqa: E402

from bench_support import free_port, temporary_database  # noqa: E402

RESPONSE_ID = re.compile(rb"<sr:ResponseID>([^<]+)</sr:ResponseID>")
CODE = re.compile(rb"<sr:ResponseCode>([^<]+)</sr:ResponseCode>")
STALL_SECONDS = 45.0
"""Delivery is over when nothing new arrived for this long (longer than a lease: 30 s)."""


class Receiver(ThreadingHTTPServer):
    """The User's receive-response endpoint: counts every ResponseID it is given."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/smartdcc/duis"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        found = RESPONSE_ID.search(body)
        if found:
            with self.server.lock:
                self.server.seen[found[1].decode()] += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


class Gbdsp:
    """`gbdsp` as a user runs it, on a throw-away data directory and database."""

    def __init__(self, data: Path, database_url: str, port: int, workers: int) -> None:
        self.env = {
            **os.environ,
            "GBDSP_DATA": str(data),
            "GBDSP_DATABASE__URL": database_url,
            "GBDSP_SMKI__PORT": "0",
        }
        self.port, self.workers = port, workers
        self.process: subprocess.Popen[bytes] | None = None

    def __call__(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "gbdsp", *args], env=self.env, check=True, capture_output=True
        )

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gbdsp",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("gbdsp serve did not come up")

    def kill(self) -> None:
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)  # every worker and the supervisor
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=60)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def soak(backend: str, seconds: float, kills: int, workers: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp, temporary_database(backend, Path(tmp)) as url:
        receiver = Receiver()
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        gbdsp = Gbdsp(Path(tmp) / "data", url, free_port(), workers)
        gbdsp("init")
        gbdsp("demo", "--premises", "5")
        gbdsp("users", "set-url", SUPPLIER, receiver.url)
        gbdsp.start()
        acknowledged: set[str] = set()
        sent = refused = dropped = 0
        stop_at = time.monotonic() + seconds
        kill_every = seconds / (kills + 1)
        next_kill = time.monotonic() + kill_every
        counter = time.time_ns() // 1000
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop_at:
                if kills and time.monotonic() >= next_kill:
                    gbdsp.kill()
                    gbdsp.start()
                    next_kill += kill_every
                counter += 1
                sent += 1
                try:
                    reply = client.post(
                        f"{gbdsp.url}/api/v1/serviceS",
                        content=read_firmware(counter),
                        headers={"Content-Type": "application/xml"},
                    )
                except httpx.HTTPError:
                    dropped += 1  # the server died under it: not acknowledged
                    continue
                code = CODE.search(reply.content)
                if reply.status_code == 200 and code and code[1] == b"I99":
                    acknowledged.add(f"{ESME}:{SUPPLIER}:{counter}")
                else:
                    refused += 1
        load_ended = time.monotonic()
        last, stalled_since = -1, time.monotonic()
        while time.monotonic() - stalled_since < STALL_SECONDS:  # until nothing more comes
            with receiver.lock:
                have = len(acknowledged & set(receiver.seen))
            if have == len(acknowledged):
                break
            if have != last:
                last, stalled_since = have, time.monotonic()
            time.sleep(0.5)
        drained = time.monotonic() - load_ended
        time.sleep(2)  # a duplicate would arrive now
        gbdsp.stop()
        receiver.shutdown()
        with receiver.lock:
            seen = Counter(receiver.seen)
    return {
        "sent": sent,
        "acknowledged": len(acknowledged),
        "not acknowledged (connection dropped by a kill)": dropped,
        "refused": refused,
        "delivered": len(acknowledged & set(seen)),
        "lost": len(acknowledged - set(seen)),
        "duplicated": sum(n - 1 for n in seen.values() if n > 1),
        "kills": kills,
        "seconds to deliver the rest after the load": drained,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    began = time.perf_counter()
    figures = soak(args.backend, args.seconds, args.kills, args.workers)
    print(
        f"soak on {args.backend}, {args.workers} worker(s), {args.seconds:.0f} s of load "
        f"({time.perf_counter() - began:.0f} s in all):"
    )
    for name, value in figures.items():
        print(f"  {name:<48} {value:>8,.0f}")


if __name__ == "__main__":
    main()
