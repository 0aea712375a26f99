"""A bulk install-code request of 100,000 devices: time to validate and assign, and memory.

python bench/install_codes.py [--devices 100000] [--backends sqlite,postgresql] [--memory]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench_support import temporary_database
from gbdsp.clock import SystemClock
from gbdsp.config import Config
from gbdsp.domain.devices import Device, DeviceType, SmiStatus, StatusChange
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.services.install_codes import raise_requests
from gbdsp.services.users import register_test_users
from gbdsp.store.store import Store
from gbdsp.worlds.demo import MODELS, create_demo_fleet

INSTALLER = UserId.parse("90-B3-D5-1F-30-01-00-00")
GAINER = UserId.parse("00-DB-12-34-56-78-01-01")


def run(backend: str, devices: int, memory: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp, temporary_database(backend, Path(tmp)) as url:
        store = Store.open(url, migrate_schema=True)
        try:
            register_test_users(store)
            create_demo_fleet(store, SystemClock(), premises=0, seed=1)  # CPL, demo suppliers
            when = datetime(2026, 1, 5, tzinfo=UTC)
            ids = [DeviceId((0x00DD << 48) | n) for n in range(devices)]
            with store.transaction() as tx:
                tx.devices.add_many(
                    [
                        Device(
                            i,
                            DeviceType.ESME,
                            MODELS[DeviceType.ESME],
                            "SMETS2",
                            SmiStatus.INSTALLED_NOT_COMMISSIONED,
                            when,
                            responsible_supplier=GAINER,
                            installing_supplier=INSTALLER,
                            history=(
                                StatusChange(SmiStatus.INSTALLED_NOT_COMMISSIONED, when, "bench"),
                            ),
                        )
                        for i in ids
                    ]
                )
            rows = [(n + 2, str(i)) for n, i in enumerate(ids)]
            rows += [(len(rows) + 2, "not-a-device")]
            if memory:
                tracemalloc.start()
            started = time.perf_counter()
            results = raise_requests(store, SystemClock(), Config(), GAINER, rows)
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] / 1e6 if memory else None
            tracemalloc.stop()
        finally:
            store.close()
    raised = sum(1 for r in results if r.request_id)
    print(
        f"{backend:<10} {len(rows):,} rows: {raised:,} raised, {len(rows) - raised} refused "
        f"in {seconds:.1f}s = {len(rows) / seconds:,.0f} rows/s"
        + (
            f"; peak Python memory of the request {peak:.0f} MB (tracemalloc on: slower)"
            if peak is not None
            else ""
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument(
        "--memory",
        action="store_true",
        help="Measure peak memory with tracemalloc (which slows the run).",
    )
    args = parser.parse_args()
    for backend in args.backends.split(","):
        run(backend, args.devices, args.memory)


if __name__ == "__main__":
    main()
