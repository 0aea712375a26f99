"""Impact simulation at GB size: wall time and peak memory for 1M and 10M premises (and 30M
with --gb), 36 months after 36 months of stock history, every rule set of an example.

Each size runs in a child process of its own; its peak memory is sampled twice a second as
PSS (shared pages counted once), across the forked workers of `--workers`:

    .venv/bin/python bench/sim_scale.py                 # 1M and 10M
    .venv/bin/python bench/sim_scale.py --gb            # ... and 30M (about 60M devices)
    .venv/bin/python bench/sim_scale.py --premises 200000 --months 12
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time


def one(example: str, premises: int, months: int, history: int, workers: int) -> dict[str, float]:
    """Run one size here (the child) and report what it cost."""
    from gbdsp.sim import batch, examples

    scenario = examples.get(example).scenario()
    about = scenario.scenario.model_copy(update={"months": months, "history_months": history})
    fleet = scenario.fleet.model_copy(update={"premises": premises})
    scenario = scenario.model_copy(update={"scenario": about, "fleet": fleet})
    began = time.perf_counter()
    outcome = batch.run_all(scenario, [scenario.scenario.seed], workers=workers)
    took = time.perf_counter() - began
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime
    return {
        "premises": premises,
        "months": months,
        "rulesets": len(scenario.ruleset),
        "seconds": round(took, 1),
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "removed": int(outcome.totals(0, "removed")[0]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--example", default="combined")
    parser.add_argument(
        "--premises",
        type=int,
        action="append",
        help="sizes to run (default 1,000,000 and 10,000,000)",
    )
    parser.add_argument("--gb", action="store_true", help="also 30,000,000 premises")
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--history", type=int, default=36)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="rule sets in this many forked processes (shared fleet)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(
            json.dumps(one(args.example, args.premises[0], args.months, args.history, args.workers))
        )
        return
    sizes = args.premises or [1_000_000, 10_000_000]
    if args.gb:
        sizes.append(30_000_000)
    print(
        f"{args.example}: {args.months} months after {args.history} months of history, "
        f"one seed, every rule set over {args.workers} process(es); {os.cpu_count()} "
        "cores, load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'premises':>12} {'rule sets':>9} {'wall s':>8} {'CPU s':>8} "
        f"{'peak PSS MB':>12} {'main RSS MB':>12}"
    )
    for size in sizes:
        child = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                "--example",
                args.example,
                "--premises",
                str(size),
                "--months",
                str(args.months),
                "--history",
                str(args.history),
                "--workers",
                str(args.workers),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        peak = 0
        while child.poll() is None:
            peak = max(peak, _pss_kb(child.pid))
            time.sleep(0.5)
        stdout, stderr = child.communicate()
        if child.returncode != 0:
            print(f"{size:>12,} failed: {stderr.strip().splitlines()[-1:]}")
            continue
        r = json.loads(stdout.strip().splitlines()[-1])
        print(
            f"{r['premises']:>12,} {r['rulesets']:>9} {r['seconds']:>8.1f} "
            f"{r['cpu_seconds']:>8.1f} {peak // 1024:>12,} {r['peak_rss_mb']:>12,}",
            flush=True,
        )


def _pss_kb(pid: int) -> int:
    """Memory of a process and its children, shared pages counted once (Linux PSS, kB;
    forked workers share the fleet, so their RSS would count it twice)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("Pss:")), 0)
            with open(f"/proc/{current}/task/{current}/children") as f:
                todo += [int(c) for c in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


if __name__ == "__main__":
    main()
