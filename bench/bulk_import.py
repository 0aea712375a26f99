"""Bulk SMI import: devices/second and peak memory, on SQLite and on PostgreSQL.

    python bench/bulk_import.py [--devices 1000000] [--backends sqlite,postgresql]

Generates a GB-shaped device extract CSV once, then imports it in a fresh child process
per backend (so each peak-memory figure is that backend's own), through the same service
`gbdsp smi import` uses. PostgreSQL: a throw-away database on $GBDSP_BENCH_POSTGRES_URL
(default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_support import temporary_database
from gbdsp.clock import SystemClock
from gbdsp.csvformat import DEVICE_COLUMNS, format_device
from gbdsp.domain.devices import Device, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.services.inventory import import_devices, numbered_rows
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import HUB_VERSION, METER_VERSION, MODELS, _variants

SUPPLIER = "90-B3-D5-1F-30-01-00-00"
PREMISES_TYPES = (
    DeviceType.CHF,
    DeviceType.GPF,
    DeviceType.ESME,
    DeviceType.GSME,
    DeviceType.IHD,
    DeviceType.PPMID,
)


def generate(path: Path, devices: int) -> None:
    """A premises is CHF, GPF, ESME, GSME, IHD and PPMID: six devices, mostly commissioned."""
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=DEVICE_COLUMNS, lineterminator="\n")
        writer.writeheader()
        for n in range(devices):
            premises, slot = divmod(n, len(PREMISES_TYPES))
            dtype = PREMISES_TYPES[slot]
            chf = DeviceId((0x00DB_0000 << 32) | (premises << 4))
            status = (
                None
                if dtype.is_type2
                else (SmiStatus.PENDING if premises % 20 == 0 else SmiStatus.COMMISSIONED)
            )
            device = Device(
                device_id=DeviceId(chf.value | slot),
                device_type=dtype,
                model=MODELS[dtype],
                smets_chts_version=HUB_VERSION
                if dtype in (DeviceType.CHF, DeviceType.GPF)
                else METER_VERSION,
                status=status,
                status_date=None,
                import_mpxn=f"{1_000_000_000_000 + premises:013d}"
                if dtype is DeviceType.ESME
                else None,
                uprn=str(premises),
                postcode=f"LS{premises % 30} {premises % 9}AB",
                chf_id=None if dtype is DeviceType.CHF else chf,
            )
            row = format_device(device)
            row["responsible_supplier"] = (
                "" if dtype in (DeviceType.CHF, DeviceType.GPF) else SUPPLIER
            )
            row["status_date"] = "2025-01-01T00:00:00+00:00" if status else ""
            writer.writerow(row)


def child(backend: str, csv_path: Path) -> None:
    """Import in this process and print one JSON line of figures."""
    with tempfile.TemporaryDirectory() as tmp, temporary_database(backend, Path(tmp)) as url:
        store = Store.open(url, migrate_schema=True)
        try:
            register_test_users(store)
            with store.transaction() as tx:
                for dtype, model in MODELS.items():
                    for variant in _variants(dtype):
                        tx.cpl.put(CplEntry(CplKey(model, dtype, variant)))
            errors: list[str] = []
            started = time.perf_counter()
            with csv_path.open(newline="") as f:
                report = import_devices(
                    store,
                    SystemClock(),
                    numbered_rows(csv.DictReader(f)),
                    on_error=lambda e: errors.append(str(e)),
                )
            seconds = time.perf_counter() - started
        finally:
            store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "backend": backend,
                "added": report.added,
                "rejected": report.rejected,
                "seconds": round(seconds, 1),
                "per_second": round(report.added / seconds),
                "peak_mb": round(peak_mb),
                "first_error": errors[:1],
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=1_000_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.csv)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "devices.csv"
        started = time.perf_counter()
        generate(path, args.devices)
        print(
            f"generated {args.devices:,} devices ({path.stat().st_size / 1e6:.0f} MB CSV) "
            f"in {time.perf_counter() - started:.1f}s"
        )
        for backend in args.backends.split(","):
            out = subprocess.run(
                [sys.executable, __file__, "--child", backend, "--csv", str(path)],
                capture_output=True,
                text=True,
            )
            if out.returncode:
                print(f"{backend}: failed\n{out.stderr}")
                continue
            r = json.loads(out.stdout)
            print(
                f"{backend:<10} {r['added']:>10,} devices in {r['seconds']:>6}s = "
                f"{r['per_second']:>7,} devices/s, peak {r['peak_mb']} MB"
                + (f", {r['rejected']} rejected: {r['first_error']}" if r["rejected"] else "")
            )


if __name__ == "__main__":
    main()
