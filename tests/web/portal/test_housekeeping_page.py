"""The portal's housekeeping page over HTTP, on the demo's world (gbdsp init && gbdsp demo)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gbdsp.clock import ManualClock
from gbdsp.domain.visibility import parties_of
from gbdsp.services import housekeeping
from gbdsp.services.demo import BOXED_SUPPLIER
from tests.web.portal.conftest import demo_portal
from tests.web.portal.test_http import sign_in

ROW = re.compile(r'<tr[^>]*><td><a href="/ssi/devices/([0-9A-F-]+)">.*?</tr>', re.S)


class TickingClock(ManualClock):
    """Time passes between two reads, as it does on a real server: each read is 1 s on."""

    def now(self) -> datetime:
        return self.advance(timedelta(seconds=1))


def test_overdue_devices_show_next_run_not_todays_date(tmp_path: Path) -> None:
    clock = TickingClock(datetime.now(UTC).replace(microsecond=0))
    with demo_portal(tmp_path, clock) as portal:
        client = sign_in(portal.url, "boxed-supplier")
        page = client.get("/ssi/housekeeping")
        assert page.status_code == 200
        with portal.app.store.read() as tx:
            user = tx.users.get(BOXED_SUPPLIER)
        assert user is not None
        now = clock.now()
        rule = housekeeping.rule_in_force(portal.app.config, now)
        parties = sorted(parties_of(user), key=str)
        overdue = {str(d.device_id) for d in housekeeping.due_within(
            portal.app.store, now, portal.app.config, parties) if d.removal_on <= now}
    assert len(overdue) >= 2, "the demo has overdue devices"
    rows = {m[1]: m[0] for m in ROW.finditer(page.text)}
    assert overdue <= set(rows)
    for device in overdue:
        assert "Next run" in rows[device], rows[device]
        assert f"{now:%d %b %Y}" not in rows[device].split("</td>")[3]
    later = [row for device, row in rows.items() if device not in overdue]
    assert later and not any("Next run" in row for row in later)
    assert rule.months == 36
