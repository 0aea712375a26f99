"""`gbdsp init` registers every DCC Boxed test User with the profile's roles, and `gbdsp
demo` leaves the template premises as the templates expect it (docs/test-worlds.md,
docs/duis-coverage.md)."""

from __future__ import annotations

import pytest

from gbdsp.domain.ids import UserId
from gbdsp.store.store import Store
from gbdsp.worlds.demo_boxed import TEMPLATE_SCHEDULE
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


def test_init_under_sec_gives_the_remote_parties_no_role(gbdsp: Gbdsp) -> None:
    gbdsp.env["GBDSP_WORLD__PROFILE"] = "sec"
    init = gbdsp("init")
    assert init.returncode == 0, init.stderr
    assert "registered test User 90-B3-D5-1F-30-00-00-02 (no DUIS role)" in init.stdout
    assert "registered test User 90-B3-D5-1F-30-01-00-00 (GS, IS)" in init.stdout
