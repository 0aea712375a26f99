"""Hosts for the scale-out test: network namespaces joined by a bridge, made with iproute2,
and a PostgreSQL server of its own in one of them.

Each namespace is a host with its own address, loopback and ports; the bridge also has an
address in the root namespace, where the test (the DUIS client and the Users' endpoint) runs.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql")


class Unavailable(Exception):
    """What this machine lacks to make hosts (not root, no iproute2, no PostgreSQL)."""


def _run(*args: str) -> None:
    subprocess.run(args, check=True, capture_output=True, timeout=30)


def check_available() -> None:
    if os.geteuid() != 0:
        raise Unavailable("network namespaces need root")
    if shutil.which("ip") is None:
        raise Unavailable("no `ip` (iproute2)")
    if shutil.which("runuser") is None:
        raise Unavailable("no `runuser`")
    pg_bin()


def pg_bin() -> Path:
    versions = sorted(PG_BIN.glob("*/bin/initdb"))
    if not versions:
        raise Unavailable(f"no PostgreSQL server binaries under {PG_BIN}")
    return versions[-1].parent


@dataclass
class Network:
    """A /24 on a bridge: the root namespace is .254, host n is .n."""

    tag: str
    subnet: str
    hosts: dict[str, int] = field(default_factory=dict)

    @property
    def bridge(self) -> str:
        return f"gbd{self.tag}br"

    @property
    def root_address(self) -> str:
        return f"{self.subnet}.254"

    def address(self, host: str) -> str:
        return f"{self.subnet}.{self.hosts[host]}"

    def namespace(self, host: str) -> str:
        return f"gbd{self.tag}{host}"

    def exec_prefix(self, host: str) -> list[str]:
        return ["ip", "netns", "exec", self.namespace(host)]

    def add_host(self, host: str) -> None:
        n = len(self.hosts) + 1
        self.hosts[host] = n
        ns, outside, inside = self.namespace(host), f"gbd{self.tag}{n}h", f"gbd{self.tag}{n}n"
        _run("ip", "netns", "add", ns)
        _run("ip", "link", "add", outside, "type", "veth", "peer", "name", inside)
        _run("ip", "link", "set", inside, "netns", ns)
        _run("ip", "netns", "exec", ns, "ip", "addr", "add", f"{self.subnet}.{n}/24", "dev", inside)
        _run("ip", "netns", "exec", ns, "ip", "link", "set", inside, "up")
        _run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")
        _run("ip", "link", "set", outside, "master", self.bridge)
        _run("ip", "link", "set", outside, "up")


@contextmanager
def network(hosts: Sequence[str]) -> Iterator[Network]:
    """The bridge and one namespace per host, removed afterwards whatever happens."""
    pid = os.getpid()
    net = Network(tag=f"{pid % 1000:03d}", subnet=f"10.{200 + pid % 50}.{(pid // 50) % 250}")
    try:
        _run("ip", "link", "add", net.bridge, "type", "bridge")
        _run("ip", "addr", "add", f"{net.root_address}/24", "dev", net.bridge)
        _run("ip", "link", "set", net.bridge, "up")
        for host in hosts:
            net.add_host(host)
        yield net
    finally:
        for host in net.hosts:
            subprocess.run(["ip", "netns", "del", net.namespace(host)], capture_output=True)
        subprocess.run(["ip", "link", "del", net.bridge], capture_output=True)


@contextmanager
def postgres_host(net: Network, host: str) -> Iterator[str]:
    """A fresh PostgreSQL cluster listening only on `host`'s address; yields its URL."""
    bin_dir = pg_bin()
    root = Path(tempfile.mkdtemp(prefix="gbdsp-pg-"))
    data = root / "data"
    shutil.chown(root, "postgres", "postgres")
    address = net.address(host)
    as_postgres = ["runuser", "-u", "postgres", "--"]
    _run(*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres")
    with (data / "pg_hba.conf").open("a") as hba:
        hba.write(f"host all all {net.subnet}.0/24 trust\n")
    server = subprocess.Popen(
        [
            *net.exec_prefix(host),
            *as_postgres,
            str(bin_dir / "postgres"),
            "-D",
            str(data),
            "-c",
            f"listen_addresses={address}",
            "-c",
            f"unix_socket_directories={root}",
            "-c",
            "max_connections=200",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_ready(bin_dir, address, server)
        yield f"postgresql+psycopg://postgres@{address}:5432/postgres"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(bin_dir: Path, address: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the PostgreSQL host did not start")
        ready = subprocess.run(
            [str(bin_dir / "pg_isready"), "-h", address, "-p", "5432", "-q"], timeout=10
        )
        if ready.returncode == 0:
            return
        time.sleep(0.2)
    raise RuntimeError("the PostgreSQL host is not ready after 30 s")
