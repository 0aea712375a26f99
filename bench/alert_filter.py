"""The MP169 alert filter on its own: decisions per second.

    python bench/alert_filter.py [--devices 10000000] [--alerts 10000000] [--restricted 0.01]

GB sends about 1.6 billion device alerts a month (about 620 a second on average). The filter
asks, per alert, 'is this device Restricted, and is this code allowed?': with the Restricted
devices held as a set of 64-bit Device IDs (1% of 10 million devices is 100,000 integers,
a few MB), that is two hash lookups. This prints decisions/second and the set's size.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from gbdsp.config import Config
from gbdsp.domain.rules import rules_on


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=10_000_000)
    parser.add_argument("--alerts", type=int, default=10_000_000)
    parser.add_argument("--restricted", type=float, default=0.01)
    args = parser.parse_args()
    rng = random.Random(1)
    policy = rules_on(Config().rule_settings(), date.today()).mp169  # in force by default
    tracemalloc.start()
    restricted = set(rng.sample(range(args.devices), int(args.devices * args.restricted)))
    size_mb = tracemalloc.get_traced_memory()[0] / 1e6
    tracemalloc.stop()
    codes = ["8F01", "8F99", "8F0A", "1234", "8F33", "0001"]
    device_ids = [rng.randrange(args.devices) for _ in range(args.alerts)]
    alert_codes = [codes[i % len(codes)] for i in range(args.alerts)]
    started = time.perf_counter()
    delivered = sum(
        1
        for d, c in zip(device_ids, alert_codes, strict=True)
        if policy.delivers_alert(d in restricted, c)
    )
    seconds = time.perf_counter() - started
    print(
        f"{args.alerts:,} alerts over {args.devices:,} devices "
        f"({len(restricted):,} Restricted, set of {size_mb:.1f} MB): "
        f"{args.alerts / seconds:,.0f} decisions/s in {seconds:.2f}s, "
        f"{delivered:,} delivered, {args.alerts - delivered:,} to diagnostics only; "
        f"GB's average is about 620 alerts/s"
    )


if __name__ == "__main__":
    main()
