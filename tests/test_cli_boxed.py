"""`gbdsp init` registers every DCC Boxed test User with the profile's roles, and `gbdsp
demo` leaves the template premises as the templates expect it (docs/test-worlds.md,
docs/duis-coverage.md)."""

from __future__ import annotations

import pytest

from gbdsp.domain.ids import UserId
from gbdsp.store.store import Store
from gbdsp.worlds.demo_boxed import FRESH, TEMPLATE_SCHEDULE
from tests.test_cli import Gbdsp
from tests.test_cli import gbdsp as gbdsp  # the fixture, shared

pytestmark = pytest.mark.slow


def test_init_and_demo_prepare_the_boxed_world(gbdsp: Gbdsp) -> None:
    init = gbdsp("init")
    assert init.returncode == 0, init.stderr
    assert "registered test User 90-B3-D5-1F-30-03-00-00 (ES, GS, IS)" in init.stdout
    assert "world profile: boxed" in init.stdout
    assert gbdsp("demo", "--premises", "0").returncode == 0
    url = gbdsp.env.get("GBDSP_DATABASE__URL") or f"sqlite:///{gbdsp.data_dir / 'gbdsp.sqlite'}"
    store = Store.open(url)
    try:
        with store.read() as tx:
            assert tx.schedules.get(TEMPLATE_SCHEDULE) is not None
            acb = tx.users.get(UserId.parse("90-B3-D5-1F-30-00-00-02"))
            assert acb is not None and acb.roles
    finally:
        store.close()
    fresh = gbdsp("demo", "--premises", "0", "--boxed-fresh")
    assert fresh.returncode == 0, fresh.stderr
    assert "00-DB-12-34-56-78-90-A2 back to Pending (--boxed-fresh)" in fresh.stdout
    assert "00-DB-12-34-56-78-90-A0 back to InstalledNotCommissioned" in fresh.stdout
    store = Store.open(url)
    try:
        with store.read() as tx:
            for device_id, status in FRESH:
                found = tx.devices.get(device_id, with_history=False)
                assert found is not None and found.status is status
    finally:
        store.close()
    again = gbdsp("demo", "--premises", "0", "--boxed-fresh")
    assert "already as before installation" in again.stdout


def test_init_under_sec_gives_the_remote_parties_no_role(gbdsp: Gbdsp) -> None:
    gbdsp.env["GBDSP_WORLD__PROFILE"] = "sec"
    init = gbdsp("init")
    assert init.returncode == 0, init.stderr
    assert "registered test User 90-B3-D5-1F-30-00-00-02 (no DUIS role)" in init.stdout
    assert "registered test User 90-B3-D5-1F-30-01-00-00 (GS, IS)" in init.stdout
