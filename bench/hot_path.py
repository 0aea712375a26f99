"""The signed 8.2 round trip in-process: wall and CPU time per request, median of repeats.

    python bench/hot_path.py --data DIR --premises P [--requests 1000] [--repeats 5]
                             [--profile]

DIR is made by `bench/load.py prepare`. Requests are pre-signed 8.2 Read Inventory, half by
Device ID and half by MPxN, over the whole fleet. CPU time is this process's own (parse,
XSD, verify, SQLAlchemy and driver work, response signing), which is what a gateway worker
spends; it is steadier than wall time on a shared machine. --profile prints a pyinstrument
call tree of one more pass (`pip install pyinstrument`).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from pathlib import Path

from sqlalchemy import event

from gbdsp import bootstrap
from gbdsp.domain.requests import WebService
from gbdsp.gateway.pipeline import Gateway
from read_inventory import signed_requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--premises", type=int, required=True)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    app = bootstrap.open_app(args.data)
    try:
        gateway = Gateway(app.store, app.clock, app.signing_key(), app.config)
        rng = random.Random(11)
        warm = signed_requests(args.data, rng, args.premises, 100)
        for body in warm["by Device ID"] + warm["by MPxN"]:
            gateway.handle(WebService.NON_DEVICE, body)
        statements = [0]

        def count(*_: object) -> None:
            statements[0] += 1

        event.listen(app.store.engine, "before_cursor_execute", count)
        walls, cpus = [], []
        for _ in range(args.repeats):
            batch = signed_requests(args.data, rng, args.premises, args.requests // 2)
            bodies = batch["by Device ID"] + batch["by MPxN"]
            t0, c0 = time.perf_counter(), time.process_time()
            for body in bodies:
                reply = gateway.handle(WebService.NON_DEVICE, body)
                assert b"<sr:ResponseCode>I0<" in reply.body, reply.body[:300]
            walls.append((time.perf_counter() - t0) / len(bodies) * 1000)
            per_request = statements[0] / len(bodies)
            statements[0] = 0
            cpus.append((time.process_time() - c0) / len(bodies) * 1000)
        print(
            f"8.2 in-process on {app.store.backend}, {args.repeats} x {len(bodies)} requests: "
            f"wall median {statistics.median(walls):.3f} ms/request "
            f"({', '.join(f'{w:.2f}' for w in walls)}); CPU median "
            f"{statistics.median(cpus):.3f} ms/request ({', '.join(f'{c:.2f}' for c in cpus)}); "
            f"{per_request:.2f} SQL statements/request"
        )
        if args.profile:
            from pyinstrument import Profiler  # type: ignore[import-not-found]  # optional

            batch = signed_requests(args.data, rng, args.premises, args.requests // 2)
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for body in batch["by Device ID"] + batch["by MPxN"]:
                gateway.handle(WebService.NON_DEVICE, body)
            profiler.stop()
            print(profiler.output_text(unicode=False, color=False))
    finally:
        app.close()


if __name__ == "__main__":
    main()
