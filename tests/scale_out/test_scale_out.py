"""Scale-out (issue 20): two gateway hosts and one PostgreSQL host, each in a network namespace
of its own, share one database. Signed load goes to both; counters, the outbox relay, DCC
schedules and housekeeping must each act once (docs/scaling.md).

GBDSP_SCALE_OUT=required (CI) makes a machine that cannot make namespaces a failure; by
default the test is skipped there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa

from gbdsp.gateway.handlers import REPLAY_CODE
from tests.duis_support import ESME, read_firmware, read_inventory, request, signed
from tests.scale_out.netns import Network, Unavailable, check_available, network, postgres_host
from tests.test_cli import Gbdsp
from tests.web.conftest import serve
from tests.web.test_duis_http import Receiver

pytestmark = pytest.mark.slow

MODE = os.environ.get("GBDSP_SCALE_OUT", "auto")
SUPPLIER = "90-B3-D5-1F-30-01-00-00"
CODE = re.compile(rb"<sr:ResponseCode>([^<]+)</sr:ResponseCode>")
REQUEST_ID = re.compile(rb"<sr:RequestID>([^<]+)</sr:RequestID>")
SCHEDULE_ID = re.compile(rb"<sr:DSPScheduleID>([^<]+)</sr:DSPScheduleID>")
HOUSEKEEPING_EVERY = 3
"""Seconds between housekeeping due times in this test (`*/3` in the seconds field)."""
JOBS_ENV = {
    "GBDSP_JOBS__POLL_SECONDS": "0.5",
    "GBDSP_JOBS__HOUSEKEEPING__SCHEDULE": f"*/{HOUSEKEEPING_EVERY} * * * * *",
    "GBDSP_JOBS__DCC_SCHEDULES__SCHEDULE": "* * * * * *",
    "GBDSP_JOBS__TIMEZONE": "UTC",
}


@dataclass
class GatewayHost:
    name: str
    address: str
    process: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://{self.address}:8079"


@pytest.fixture(scope="module")
def net() -> Iterator[Network]:
    try:
        check_available()
    except Unavailable as e:
        if MODE == "required":
            pytest.fail(f"GBDSP_SCALE_OUT=required: {e}")
        pytest.skip(str(e))
    with network(["db", "gw1", "gw2"]) as made:
        yield made


@pytest.fixture(scope="module")
def database(net: Network) -> Iterator[str]:
    with postgres_host(net, "db") as url:
        yield url


def _start(net: Network, host: str, gbdsp: Gbdsp) -> GatewayHost:
    address = net.address(host)
    process = subprocess.Popen(
        [*net.exec_prefix(host), sys.executable, "-m", "gbdsp", "serve", "--host", address],
        env={**gbdsp.env, **JOBS_ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    gateway = GatewayHost(host, address, process)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{gateway.url}/health", timeout=1).status_code == 200:
                return gateway
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gbdsp serve did not come up on {host}")


@pytest.fixture(scope="module")
def receiver(net: Network) -> Iterator[tuple[Receiver, str]]:
    """The supplier's endpoint, in the root namespace, reached by both hosts."""
    got = Receiver()
    with serve(got.app(), host=net.root_address) as url:
        yield got, url


@pytest.fixture(scope="module")
def hosts(
    net: Network,
    database: str,
    receiver: tuple[Receiver, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[GatewayHost, GatewayHost]]:
    """Both gateway hosts, deployed with the same data directory (configuration and keys),
    as an operator copies it to each host; the database is the PostgreSQL host's."""
    first = Gbdsp(tmp_path_factory.mktemp("gw1") / "data", database)
    for args in (
        ("init",),
        ("demo", "--premises", "2"),
        ("users", "set-url", SUPPLIER, f"{receiver[1]}/smartdcc/duis"),
    ):
        done = first(*args)
        assert done.returncode == 0, done.stderr
    second = Gbdsp(tmp_path_factory.mktemp("gw2") / "data", database)
    shutil.copytree(first.data_dir, second.data_dir)
    started = []
    try:
        started = [_start(net, "gw1", first), _start(net, "gw2", second)]
        yield started[0], started[1]
    finally:
        for gateway in started:
            gateway.process.terminate()
            try:
                gateway.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                gateway.process.kill()


def _post(url: str, body: bytes) -> str:
    reply = httpx.post(
        f"{url}/api/v1/serviceD" if b"<sr:CommandVariant>8<" in body else f"{url}/api/v1/serviceS",
        content=body,
        headers={"Content-Type": "application/xml"},
        timeout=30,
    )
    found = CODE.search(reply.content)
    return found.group(1).decode() if found else f"HTTP {reply.status_code}"


def test_each_counter_is_accepted_once_across_the_two_hosts(
    hosts: tuple[GatewayHost, GatewayHost],
) -> None:
    base = time.time_ns() // 1000
    barrier = threading.Barrier(2)

    def race(gateway: GatewayHost, body: bytes) -> str:
        barrier.wait()
        return _post(gateway.url, body)

    winners: Counter[str] = Counter()
    with ThreadPoolExecutor(2) as pool:
        for n in range(20):
            body = read_inventory(base + n)
            codes = list(pool.map(race, hosts, (body, body)))
            assert sorted(codes) == [REPLAY_CODE, "I0"], codes
            winners[hosts[codes.index("I0")].name] += 1
    assert sum(winners.values()) == 20


def test_every_acknowledged_response_is_delivered_once_by_the_two_relays(
    hosts: tuple[GatewayHost, GatewayHost], receiver: tuple[Receiver, str]
) -> None:
    got = receiver[0]
    base = time.time_ns() // 1000
    sent = {f"{SUPPLIER}:{ESME}:{base + n}".lower() for n in range(40)}
    # One User's counters must rise (anti-replay): its requests go in order, host by host.
    codes = [_post(hosts[n % 2].url, read_firmware(base + n)) for n in range(40)]
    assert codes == ["I99"] * 40
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not sent <= _request_ids(got):
        time.sleep(0.2)
    time.sleep(2)  # a duplicate, if any, has time to arrive
    delivered = Counter(_request_id_list(got))
    assert sent <= set(delivered), sorted(sent - set(delivered))[:3]
    assert {rid: n for rid, n in delivered.items() if rid in sent and n > 1} == {}


def test_a_dcc_schedule_runs_once_across_the_two_hosts(
    hosts: tuple[GatewayHost, GatewayHost], receiver: tuple[Receiver, str]
) -> None:
    at = (datetime.now(UTC) + timedelta(seconds=8)).replace(microsecond=0)
    body = _create_schedule(time.time_ns() // 1000, at)
    reply = httpx.post(
        f"{hosts[0].url}/api/v1/serviceD",
        content=body,
        headers={"Content-Type": "application/xml"},
        timeout=30,
    )
    schedule = SCHEDULE_ID.search(reply.content)
    assert schedule is not None, reply.text
    schedule_id = schedule.group(1)
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and not _scheduled(receiver[0], schedule_id):
        time.sleep(0.2)
    time.sleep(3)  # both hosts' dcc_schedules jobs have polled several times since
    assert len(_scheduled(receiver[0], schedule_id)) == 1


def test_housekeeping_runs_once_per_due_time(
    hosts: tuple[GatewayHost, GatewayHost], database: str
) -> None:
    time.sleep(4 * HOUSEKEEPING_EVERY)  # at least three due times while both hosts poll
    engine = sa.create_engine(database)
    try:
        with engine.connect() as conn:
            started = [
                row[0] for row in conn.execute(sa.text("SELECT started_at FROM housekeeping_runs"))
            ]
    finally:
        engine.dispose()
    slots = Counter(int(_utc(s).timestamp()) // HOUSEKEEPING_EVERY for s in started)
    assert len(slots) >= 3, started
    assert {slot: n for slot, n in slots.items() if n > 1} == {}


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _request_id_list(got: Receiver) -> list[str]:
    with got.lock:
        bodies = list(got.received)
    found = (REQUEST_ID.search(body) for body in bodies)
    return [m.group(1).decode().lower() for m in found if m]


def _request_ids(got: Receiver) -> set[str]:
    return set(_request_id_list(got))


def _scheduled(got: Receiver, schedule_id: bytes) -> list[bytes]:
    with got.lock:
        bodies = list(got.received)
    return [
        b
        for b in bodies
        if b"DSPScheduledMessage" in b
        and (m := SCHEDULE_ID.search(b))
        and m.group(1) == schedule_id
    ]


def _create_schedule(counter: int, at: datetime) -> bytes:
    """5.1: a daily 4.1.1 read of the ESME at `at` (UTC), starting on `at`'s date."""
    inner = (
        "<sr:ScheduleFrequency>Daily</sr:ScheduleFrequency>"
        f"<sr:ScheduleStartDate>{at.date().isoformat()}</sr:ScheduleStartDate>"
        f"<sr:ScheduleExecutionStartTime>{at.strftime('%H:%M:%S')}Z"
        "</sr:ScheduleExecutionStartTime>"
        "<sr:DSPScheduledServiceReference>4.6</sr:DSPScheduledServiceReference>"
        "<sr:DSPScheduledServiceReferenceVariant>4.6.1</sr:DSPScheduledServiceReferenceVariant>"
        f"<sr:DeviceID>{ESME}</sr:DeviceID><sr:DSPRetrieveImportDailyReadLog>"
        "<sr:StartDateOffset>-1</sr:StartDateOffset><sr:StartTime>00:00:00Z</sr:StartTime>"
        "<sr:EndDateOffset>0</sr:EndDateOffset><sr:EndTime>00:00:00Z</sr:EndTime>"
        "</sr:DSPRetrieveImportDailyReadLog>"
    )
    return signed(
        request(
            srv="5.1", body=f"<sr:CreateSchedule>{inner}</sr:CreateSchedule>", cv=8, counter=counter
        )
    )
