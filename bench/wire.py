"""Signed 8.2 round trips at wire speed: `wrk` against `gbdsp serve`, with its echo floor.

    python bench/wire.py [--backends sqlite,postgresql] [--workers 1,2] [--users 16]
                         [--seconds 10] [--warmup 3] [--max-rate 4000] [--tree NAME=SRC]

Closed loop: Debian's `wrk` (installed with apt-get if missing) holds one keep-alive
connection per DUIS User, each on a thread of its own running `bench/wire.lua`, and sends
that User's pre-signed 8.2 Read Inventory requests in counter order, so replay refusal
never fires; an answer counts if it is a signed I0. The requests are signed here, in
Python, before the run (signing is the client's cost, not the server's).

For each backend and worker count, in the same run and on the same server process:
1. the floor: the same bodies, the same client, to `POST /bench/echo` (the same uvicorn,
   Starlette and middleware, no DUIS work; served only with $GBDSP_BENCH_ECHO=1);
2. a warm-up of signed 8.2 (not counted), then the measured run.
Printed: round trips/s, p50/p99, the ratio to the echo floor, CPU ms per request of the
gbdsp processes (every process of the server's group, from /proc), of the database's
backends (PostgreSQL) and of wrk, and SQL statements per request (counted by the workers
themselves, $GBDSP_STATEMENT_COUNTS, `store/statement_count.py`).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from lxml import etree
from sqlalchemy import create_engine, text

from bench_support import free_port, serve_command, temporary_database
from gbdsp import bootstrap, config
from gbdsp.domain.ids import UserId
from gbdsp.domain.parties import User, UserRole
from gbdsp.duis import signature, xml
from gbdsp.duis.signature import SigningKey
from gbdsp.duis.smki import generate_identity, load_certificate
from gbdsp.services.users import add_user, register_test_users
from gbdsp.worlds.demo import create_demo_fleet

LUA = Path(__file__).with_name("wire.lua")
CHF = "00-DB-12-34-56-78-90-A2"
"""A DCC Boxed template premises: its 8.2 answers a DSPInventory of 13 devices."""
DCC = "90-B3-D5-1F-30-00-00-02"
SR_NS = "http://www.dccinterface.co.uk/ServiceUserGateway"
TICK = os.sysconf("SC_CLK_TCK")
RESULT = re.compile(r"WIRE-RESULT (.*)")
DUIS_PATH = "/api/v1/serviceD"
# What the server knows them by (gbdsp.web.bench_echo, gbdsp.store.statement_count): spelled
# here too, so that an older tree's setup (--tree) imports nothing it lacks.
ECHO_ENV, ECHO_PATH = "GBDSP_BENCH_ECHO", "/bench/echo"
STATEMENTS_ENV = "GBDSP_STATEMENT_COUNTS"


def statements(directory: Path) -> int:
    """The statements every worker counted into `directory` (one 8-byte integer a file)."""
    return sum(
        int.from_bytes(p.read_bytes()[:8], "little", signed=True) for p in directory.glob("*.count")
    )


@dataclass(frozen=True)
class BenchUser:
    user_id: UserId
    key: SigningKey
    pem: bytes


@dataclass
class Figures:
    label: str
    rate: float
    p50_ms: float
    p99_ms: float
    bad: int
    exhausted: int
    gbdsp_cpu_ms: float
    db_cpu_ms: float | None
    client_cpu_ms: float
    statements: float | None

    def line(self, floor: float | None) -> str:
        ratio = f"{self.rate / floor:5.2f}" if floor else "  -  "
        db = f"{self.db_cpu_ms:5.3f}" if self.db_cpu_ms is not None else "  -  "
        sql = f"{self.statements:5.2f}" if self.statements is not None else "  -  "
        warn = f"  {self.bad} not I0" if self.bad else ""
        if self.exhausted:
            warn += f"  ({self.exhausted} connections ran out of requests: raise --max-rate)"
        return (
            f"  {self.label:<12} {self.rate:8.0f}/s  p50 {self.p50_ms:6.2f}  p99 {self.p99_ms:6.2f}"
            f"  x echo {ratio}  CPU ms/req gbdsp {self.gbdsp_cpu_ms:5.3f} db {db}"
            f" wrk {self.client_cpu_ms:5.3f}  SQL/req {sql}{warn}"
        )


def bench_users(n: int) -> list[BenchUser]:
    """Other Users (as bench/duis_roundtrip.py's), each with a key generated here: the same
    keys for every backend, so the requests are signed once for the whole run."""
    users = []
    for i in range(n):
        user_id = UserId.parse(f"00-DB-12-34-56-78-0B-{i:02X}")
        key, pem = generate_identity(user_id)
        certificate = load_certificate(pem)
        users.append(
            BenchUser(user_id, SigningKey(key, certificate.issuer, certificate.serial), pem)
        )
    return users


def setup(data: Path, database: str, certificates: list[bytes]) -> None:
    """A data directory on `database`: the DCC Boxed Users, the demo fleet (with the
    template premises) and the bench Users with their certificates."""
    data.mkdir()
    toml = config.write_default(data)
    toml.write_text(re.sub(r"(?m)^url = .*$", f'url = "{database}"', toml.read_text()))
    app = bootstrap.initialise(data)
    try:
        register_test_users(app.store)
        create_demo_fleet(app.store, app.clock, premises=50, seed=1)
        for pem in certificates:
            certificate = load_certificate(pem)
            user = User(certificate.user_id, "BENCH", "bench client", frozenset({UserRole.OU}))
            add_user(app.store, user, certificate, app.clock.now())
    finally:
        app.close()


def signed_bodies(user: BenchUser, first: int, count: int) -> list[bytes]:
    """`count` signed 8.2 requests of `user`, counters `first`, `first`+1, ..."""
    bodies = []
    for counter in range(first, first + count):
        root = xml.parse(
            (
                f'<sr:Request xmlns:sr="{SR_NS}" schemaVersion="5.4"><sr:Header>'
                f"<sr:RequestID>{user.user_id}:{DCC}:{counter}</sr:RequestID>"
                "<sr:CommandVariant>8</sr:CommandVariant>"
                "<sr:ServiceReference>8.2</sr:ServiceReference>"
                "<sr:ServiceReferenceVariant>8.2</sr:ServiceReferenceVariant>"
                "</sr:Header><sr:Body><sr:ReadInventory>"
                f"<sr:DeviceID>{CHF}</sr:DeviceID></sr:ReadInventory></sr:Body></sr:Request>"
            ).encode()
        )
        signature.sign(root, user.key)
        bodies.append(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    return bodies


def write_phase(directory: Path, per_user: list[list[bytes]]) -> Path:
    """The files wire.lua reads: user-<i>.req, bodies as "<length>\\n<bytes>"."""
    directory.mkdir()
    for i, bodies in enumerate(per_user, start=1):
        with (directory / f"user-{i}.req").open("wb") as f:
            for body in bodies:
                f.write(b"%d\n" % len(body) + body)
    return directory


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (apt-get install -y wrk)", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is not installed and apt-get could not install it")
    return found


def group_cpu(pgid: int) -> float:
    """CPU seconds (user + system) of every live process in process group `pgid`."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # fields after the name: state ppid pgrp ...
                total += int(fields[11]) + int(fields[12])
    return total / TICK


def pid_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


class DatabaseCpu:
    """CPU seconds of the PostgreSQL backends serving our database (same machine)."""

    def __init__(self, url: str) -> None:
        self.engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        self.name = self.engine.url.database

    def __call__(self) -> dict[int, float]:
        with self.engine.connect() as conn:
            pids = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": self.name},
            ).scalars()
            return {pid: pid_cpu(pid) for pid in pids}

    def close(self) -> None:
        self.engine.dispose()


@contextlib.contextmanager
def serve(data: Path, workers: int, counts: Path, tree: Tree) -> Iterator[tuple[str, int]]:
    port = free_port()
    env = {**tree.env(), ECHO_ENV: "1", STATEMENTS_ENV: str(counts)}
    server = subprocess.Popen(
        serve_command(data, port, workers),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(url + "/health", timeout=2).status_code == 200:
                    break
            time.sleep(0.2)
        else:
            raise SystemExit("gbdsp serve did not come up")
        yield url, server.pid
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def run_wrk(
    wrk: str, url: str, phase: Path, path: str, mode: str, users: int, seconds: float
) -> tuple[dict[str, int], float]:
    """wrk's figures and its own CPU seconds."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [
            wrk,
            "-t",
            str(users),
            "-c",
            str(users),
            "-d",
            f"{round(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA),
            url,
            "--",
            str(phase),
            path,
            mode,
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    for line in done.stdout.splitlines():
        if line.startswith("WIRE-SAMPLE"):
            print("   ", line[:200], file=sys.stderr)
    found = RESULT.search(done.stdout)
    if not found:
        raise SystemExit(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    figures = {k: int(v) for k, v in (kv.split("=") for kv in found.group(1).split())}
    return figures, cpu


def measured(
    label: str,
    wrk: str,
    url: str,
    pgid: int,
    phase: Path,
    mode: str,
    args: argparse.Namespace,
    counts: Path,
    db_cpu: DatabaseCpu | None,
) -> Figures:
    path = ECHO_PATH if mode == "echo" else DUIS_PATH
    cpu0, sql0 = group_cpu(pgid), statements(counts)
    db0 = db_cpu() if db_cpu else {}
    figures, client_cpu = run_wrk(wrk, url, phase, path, mode, args.users, args.seconds)
    cpu1, sql1 = group_cpu(pgid), statements(counts)
    db1 = db_cpu() if db_cpu else {}
    n = max(figures["requests"], 1)
    db_ms = sum(v - db0.get(pid, 0.0) for pid, v in db1.items()) / n * 1000 if db_cpu else None
    return Figures(
        label,
        rate=figures["requests"] / (figures["duration_us"] / 1e6),
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        bad=figures["bad"] + figures["errors"],
        exhausted=figures["exhausted"],
        gbdsp_cpu_ms=(cpu1 - cpu0) / n * 1000,
        db_cpu_ms=db_ms,
        client_cpu_ms=client_cpu / n * 1000,
        statements=(sql1 - sql0) / n if mode == "duis" else None,
    )


@dataclass(frozen=True)
class Tree:
    """A gbdsp source tree to serve (`--tree NAME=SRC`, say an older commit's `git archive`
    to compare before and after in one run); SRC None: the installed gbdsp."""

    name: str
    src: Path | None

    def env(self) -> dict[str, str]:
        if self.src is None:
            return dict(os.environ)
        return {**os.environ, "PYTHONPATH": str(self.src)}


def setup_with(tree: Tree, data: Path, database: str, certificates: Path) -> None:
    """`setup` run by the tree's own code (its migrations make its database)."""
    subprocess.run(
        [sys.executable, __file__, "--setup", str(data), database, str(certificates)],
        env=tree.env(),
        check=True,
    )


def run_setup(data: str, database: str, certificates: str) -> None:
    pems = sorted(Path(certificates).glob("*.pem"))
    setup(Path(data), database, [p.read_bytes() for p in pems])


PIPELINE_PER_USER = 100


def in_process(
    backend: str,
    trees: list[Tree],
    places: dict[str, tuple[Path, DatabaseCpu | None]],
    rounds: list[Path],
    profile: bool,
) -> None:
    """Rounds of the gateway in-process, trees interleaved; medians."""
    if not rounds:
        return
    figures: dict[str, list[dict[str, float]]] = {t.name: [] for t in trees}
    for n, phase in enumerate(rounds):
        for tree in trees:
            data = places[tree.name][0] / "data"
            wanted = profile and n == len(rounds) - 1 and tree is trees[0]
            figures[tree.name].append(pipeline_with(tree, data, phase, wanted))
    print(f"{backend}, gateway in-process ({len(rounds)} rounds, medians):")
    for tree in trees:
        f = figures[tree.name]
        cpu = statistics.median(x["cpu_ms"] for x in f)
        wall = statistics.median(x["wall_ms"] for x in f)
        tag = "" if len(trees) == 1 else f" [{tree.name}]"
        each = ", ".join(f"{x['cpu_ms']:.3f}" for x in f)
        print(
            f"  {'8.2' + tag:<12} CPU {cpu:6.3f} ms/req  wall {wall:6.3f} ms/req"
            f"  SQL/req {f[0]['sql']:5.2f}  (CPU {each})"
        )


def pipeline_with(tree: Tree, data: Path, phase: Path, profile: bool) -> dict[str, float]:
    """`run_pipeline` in a process of the tree's own code: its CPU and statements per request."""
    done = subprocess.run(
        [sys.executable, __file__, "--pipeline", str(data), str(phase), str(int(profile))],
        env=tree.env(),
        check=True,
        capture_output=True,
        text=True,
    )
    lines = done.stdout.splitlines()
    for line in lines[1:]:
        print("   ", line)
    return {k: float(v) for k, v in (kv.split("=") for kv in lines[0].split()[1:])}


def run_pipeline(data: str, phase: str, profile: str) -> None:
    """The gateway in this process, no HTTP: the phase's bodies, Users taken in turn (each
    User's counters in order); the first fifth warms up. Prints CPU and wall ms and SQL
    statements per request, and with `profile` the cProfile of the rest."""
    import cProfile
    import io
    import pstats

    from sqlalchemy import event

    from gbdsp.domain.requests import WebService
    from gbdsp.gateway.pipeline import Gateway

    per_user = [read_phase(p) for p in sorted(Path(phase).glob("user-*.req"))]
    bodies = [b for turn in zip(*per_user, strict=False) for b in turn]
    app = bootstrap.open_app(Path(data))
    gateway = Gateway(app.store, app.clock, app.signing_key(), app.config)
    warm = len(bodies) // 5
    for body in bodies[:warm]:
        assert b"<sr:ResponseCode>I0<" in gateway.handle(WebService.NON_DEVICE, body).body
    statements = [0]
    event.listen(
        app.store.engine,
        "before_cursor_execute",
        lambda *_: statements.__setitem__(0, statements[0] + 1),
    )
    profiler = cProfile.Profile() if profile == "1" else None
    t0, c0 = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    for body in bodies[warm:]:
        gateway.handle(WebService.NON_DEVICE, body)
    if profiler:
        profiler.disable()
    n = len(bodies) - warm
    wall, cpu = (time.perf_counter() - t0) / n * 1000, (time.process_time() - c0) / n * 1000
    app.close()
    print(f"PIPELINE cpu_ms={cpu:.4f} wall_ms={wall:.4f} sql={statements[0] / n:.3f}")
    if profiler:
        text_out = io.StringIO()
        stats = pstats.Stats(profiler, stream=text_out)
        stats.sort_stats("tottime").print_stats(25)
        print(text_out.getvalue())


def read_phase(path: Path) -> list[bytes]:
    data, bodies, at = path.read_bytes(), [], 0
    while at < len(data):
        newline = data.index(b"\n", at)
        length = int(data[at:newline])
        bodies.append(data[newline + 1 : newline + 1 + length])
        at = newline + 1 + length
    return bodies


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--setup":
        run_setup(*sys.argv[2:])
        return
    if len(sys.argv) == 5 and sys.argv[1] == "--pipeline":
        run_pipeline(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--users", type=int, default=16, help="connections, one User each")
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument(
        "--max-rate", type=float, default=4000, help="requests signed per second of a run"
    )
    parser.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="NAME=SRC",
        help="also serve the gbdsp package under SRC (it must have this bench's echo route "
        "and statement counter), interleaved with the installed one",
    )
    parser.add_argument(
        "--pipeline",
        type=int,
        default=3,
        metavar="ROUNDS",
        help="first, rounds of the gateway in-process (no HTTP), trees interleaved",
    )
    parser.add_argument("--profile", action="store_true", help="cProfile one in-process round")
    parser.add_argument("--no-http", action="store_true", help="only the in-process rounds")
    args = parser.parse_args()
    trees = [Tree("this", None)] + [
        Tree(name, Path(src).resolve()) for name, src in (t.split("=", 1) for t in args.tree)
    ]
    for tree in trees[1:]:
        if tree.src is None or not (tree.src / "gbdsp" / "__init__.py").is_file():
            raise SystemExit(f"--tree {tree.name}: no gbdsp package under {tree.src}")
    wrk = ensure_wrk()
    workers = [int(w) for w in args.workers.split(",")]
    t0 = time.perf_counter()
    users = bench_users(args.users)
    per_run = math.ceil(args.max_rate * args.seconds / args.users)
    per_warmup = math.ceil(args.max_rate * args.warmup / args.users)
    counter = time.time_ns() // 1000
    with tempfile.TemporaryDirectory(prefix="gbdsp-wire-") as tmp:
        certificates = Path(tmp) / "certificates"
        certificates.mkdir()
        for i, u in enumerate(users):
            (certificates / f"{i:03d}.pem").write_bytes(u.pem)
        rounds = []  # in-process rounds first: their counters are below the runs'
        for r in range(args.pipeline):
            bodies = [signed_bodies(u, counter, PIPELINE_PER_USER) for u in users]
            rounds.append(write_phase(Path(tmp) / f"pipeline-{r}", bodies))
            counter += PIPELINE_PER_USER
        phases: dict[tuple[int, str], tuple[Path, Path]] = {}
        for w in [] if args.no_http else workers:  # a warm-up and a run per worker count, tree
            for tree in trees:
                pair = []
                for name, count in (("warm", per_warmup), ("run", per_run)):
                    bodies = [signed_bodies(u, counter, count) for u in users]
                    pair.append(write_phase(Path(tmp) / f"{name}-{w}-{tree.name}", bodies))
                    counter += count
                phases[w, tree.name] = (pair[0], pair[1])
        print(
            f"signed {len(phases) * (per_run + per_warmup) * args.users} requests in "
            f"{time.perf_counter() - t0:.1f} s; {args.users} connections (one User each), "
            f"{args.seconds} s runs after {args.warmup} s warm-ups, load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        for backend in args.backends.split(","):
            with contextlib.ExitStack() as stack:
                places = {}
                for tree in trees:
                    base = Path(tmp) / backend / tree.name
                    base.mkdir(parents=True)
                    database = stack.enter_context(temporary_database(backend, base))
                    setup_with(tree, base / "data", database, certificates)
                    db_cpu = DatabaseCpu(database) if backend == "postgresql" else None
                    if db_cpu:
                        stack.callback(db_cpu.close)
                    places[tree.name] = (base, db_cpu)
                in_process(backend, trees, places, rounds, args.profile)
                if args.no_http:
                    continue
                for w in workers:
                    print(f"{backend}, {w} worker{'s' if w > 1 else ''}:")
                    for tree in trees:
                        base, db_cpu = places[tree.name]
                        warm, run = phases[w, tree.name]
                        counts = base / f"counts-{w}"
                        tag = "" if len(trees) == 1 else f" [{tree.name}]"
                        with serve(base / "data", w, counts, tree) as (url, pgid):
                            run_wrk(wrk, url, warm, ECHO_PATH, "echo", args.users, args.warmup)
                            echo = measured(
                                "echo" + tag, wrk, url, pgid, run, "echo", args, counts, db_cpu
                            )
                            print(echo.line(None))
                            run_wrk(wrk, url, warm, DUIS_PATH, "duis", args.users, args.warmup)
                            duis = measured(
                                "8.2" + tag, wrk, url, pgid, run, "duis", args, counts, db_cpu
                            )
                            print(duis.line(echo.rate))


if __name__ == "__main__":
    main()
