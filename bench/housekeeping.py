"""Housekeeping sweep at scale: time, peak memory, and gateway latency during the sweep.

    python bench/housekeeping.py [--devices 1000000] [--backends sqlite,postgresql]

Builds a data directory per backend (`gbdsp init`, `gbdsp demo --premises 0`, then a bulk
import of a GB-shaped fleet in which about 8% of premises are CHs in stock and some meters
are back in Pending, ages spread over four years), then times `housekeeping run --dry-run`
and the real run under AC 7.2 (12 months), in their own processes (peak RSS from each), while
a client measures signed 8.2 round trips against `gbdsp serve` on the same database.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.duis_support import read_inventory  # noqa: E402

from bench_support import free_port, temporary_database  # noqa: E402
from gbdsp.csvformat import DEVICE_COLUMNS  # noqa: E402
from gbdsp.domain.devices import DeviceType  # noqa: E402
from gbdsp.worlds.demo import HUB_VERSION, METER_VERSION, MODELS  # noqa: E402

SUPPLIERS = ("90-B3-D5-1F-30-01-00-00", "00-DB-12-34-56-78-01-01", "00-DB-12-34-56-78-01-02")
NOW = datetime.now(UTC)


def generate(path: Path, devices: int, seed: int = 7) -> int:
    """Premises of CHF, GPF, ESME, GSME, IHD; returns how many devices are Pending."""
    rng = random.Random(seed)
    pending = 0
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=DEVICE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        n = 0
        while n * 5 < devices:
            base = (0x00DC << 48) | (n << 4)
            supplier = rng.choice(SUPPLIERS)
            stock = rng.random() < 0.08
            age = timedelta(days=rng.randint(1, 4 * 365))
            for slot, (kind, version) in enumerate(
                (
                    ("CHF", HUB_VERSION),
                    ("GPF", HUB_VERSION),
                    ("ESME", METER_VERSION),
                    ("GSME", METER_VERSION),
                    ("IHD", METER_VERSION),
                )
            ):
                if stock and slot > 1:
                    break
                back_in_pending = kind == "ESME" and rng.random() < 0.02
                status = (
                    ""
                    if kind == "IHD"
                    else ("Pending" if stock or back_in_pending else "Commissioned")
                )
                pending += status == "Pending"
                model = MODELS[DeviceType.parse(kind)]
                eui = f"{base | slot:016X}"
                writer.writerow(
                    {
                        "device_id": "-".join(eui[i : i + 2] for i in range(0, 16, 2)),
                        "device_type": kind,
                        "manufacturer": model.manufacturer,
                        "model": model.model,
                        "hardware_version": model.hardware_version,
                        "firmware_version": model.firmware_version,
                        "smets_chts_version": version,
                        "status": status,
                        "status_date": (NOW - age).isoformat() if status else "",
                        "chf_id": ""
                        if kind == "CHF"
                        else "-".join(f"{base:016X}"[i : i + 2] for i in range(0, 16, 2)),
                        "responsible_supplier": supplier,
                        "restricted": "false",
                    }
                )
            n += 1
    return pending


def gbdsp(data: Path, env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """Run a gbdsp command; (seconds, peak RSS MB of that process, stdout)."""
    started = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(
        [sys.executable, "-m", "gbdsp", "--data", str(data), *args],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode not in (0, 1):
        raise RuntimeError(f"gbdsp {' '.join(args)} failed: {result.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return time.perf_counter() - started, max(peak, before) / 1024, result.stdout


def latencies(url: str, stop: threading.Event, out: list[float]) -> None:
    counter = time.time_ns() // 1000
    with httpx.Client(timeout=30) as client:
        while not stop.is_set():
            counter += 1
            body = read_inventory(counter)
            t0 = time.perf_counter()
            client.post(
                url + "/api/v1/serviceD", content=body, headers={"Content-Type": "application/xml"}
            )
            out.append(time.perf_counter() - t0)
            time.sleep(0.01)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000 if ordered else 0.0


def bench(backend: str, csv_path: Path, pending: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, temporary_database(backend, Path(tmp)) as url:
        data = Path(tmp) / "data"
        env = {
            **os.environ,
            "GBDSP_DATABASE__URL": url,
            "GBDSP_MODIFICATIONS__MP60__ENABLED": "false",
        }  # AC 7.2: 12 months
        gbdsp(data, env, "init")
        gbdsp(data, env, "demo", "--premises", "0")
        seconds, _, _ = gbdsp(data, env, "smi", "import", str(csv_path))
        print(f"{backend}: imported in {seconds:.0f}s ({pending:,} Pending)")
        seconds, peak, _ = gbdsp(data, env, "housekeeping", "run", "--dry-run")
        print(f"  dry run (4 horizons): {seconds:6.1f}s, peak {peak:.0f} MB")
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "gbdsp", "--data", str(data), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_up(url)
            quiet: list[float] = []
            stop = threading.Event()
            probe = threading.Thread(target=latencies, args=(url, stop, quiet))
            probe.start()
            time.sleep(5)
            stop.set()
            probe.join()
            during: list[float] = []
            stop = threading.Event()
            probe = threading.Thread(target=latencies, args=(url, stop, during))
            probe.start()
            seconds, peak, output = gbdsp(data, env, "housekeeping", "run")
            stop.set()
            probe.join()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        found = re.search(r"(\d+) devices removed", output)
        removed = found.group(1) if found else "?"
        print(f"  sweep: {removed} removed in {seconds:6.1f}s, peak {peak:.0f} MB")
        print(
            f"  gateway 8.2 latency  idle: p50 {percentile(quiet, 0.5):5.1f} ms, "
            f"p99 {percentile(quiet, 0.99):6.1f} ms ({len(quiet)} requests)"
        )
        print(
            f"  gateway 8.2 latency sweep: p50 {percentile(during, 0.5):5.1f} ms, "
            f"p99 {percentile(during, 0.99):6.1f} ms, max {max(during or [0]) * 1000:.0f} ms"
            f" ({len(during)} requests, mean {statistics.mean(during or [0]) * 1000:.1f})"
        )


def wait_up(url: str) -> None:
    for _ in range(200):
        try:
            if httpx.get(url + "/health").status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("gbdsp serve did not come up")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fleet.csv"
        pending = generate(path, args.devices)
        for backend in args.backends.split(","):
            bench(backend, path, pending)


if __name__ == "__main__":
    main()
