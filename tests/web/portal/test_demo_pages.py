"""Portal pages over HTTP on the demo's world (gbdsp init && gbdsp demo && gbdsp serve)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gbdsp.clock import ManualClock
from gbdsp.domain.visibility import parties_of
from gbdsp.services import housekeeping
from gbdsp.worlds.demo import BOXED_SUPPLIER
from gbdsp.worlds.demo_month import restricted_meter
from tests.web.portal.conftest import TEMPLATE_CHF, demo_portal
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
        overdue = {
            str(d.device_id)
            for d in housekeeping.due_within(portal.app.store, now, portal.app.config, parties)
            if d.removal_on <= now
        }
    assert len(overdue) >= 2, "the demo has overdue devices"
    rows = {m[1]: m[0] for m in ROW.finditer(page.text)}
    assert overdue <= set(rows)
    for device in overdue:
        assert "Next run" in rows[device], rows[device]
        assert f"{now:%d %b %Y}" not in rows[device].split("</td>")[3]
    later = [row for device, row in rows.items() if device not in overdue]
    assert later and not any("Next run" in row for row in later)
    assert rule.months == 36


def test_every_page_has_the_demos_data_for_the_boxed_supplier(tmp_path: Path) -> None:
    """gbdsp init && gbdsp demo && gbdsp serve, signed in as boxed-supplier: no page empty."""
    with demo_portal(tmp_path) as portal:
        client = sign_in(portal.url, "boxed-supplier")
        pages = {
            path: client.get(path)
            for path in (
                "/ssi/inventory?q=M22+4TA",
                f"/ssi/premises/{TEMPLATE_CHF}",
                f"/ssi/devices/{restricted_meter()}",
                "/ssi/install-codes",
                "/ssi/install-codes/1",
                "/ssi/housekeeping",
                "/ssi/reports",
            )
        }
    assert all(r.status_code == 200 for r in pages.values()), {
        p: r.status_code for p, r in pages.items()
    }
    text = {path.split("?")[0]: r.text for path, r in pages.items()}
    assert TEMPLATE_CHF in text["/ssi/inventory"]
    assert "00-DB-12-34-56-78-90-A0" in text[f"/ssi/premises/{TEMPLATE_CHF}"]
    device = text[f"/ssi/devices/{restricted_meter()}"]
    assert "Changed their mind" in device and "Agreed to smart services" in device
    queues = text["/ssi/install-codes"]
    assert queues.count("Overdue") >= 2
    for status in ("Answered", "NotInstaller", "Closed", "backlog"):
        assert status in queues, status
    assert "Overdue" in text["/ssi/install-codes/1"] and "Northwind" in text["/ssi/install-codes/1"]
    assert "Pre-notify again" in text["/ssi/housekeeping"]
    reports = text["/ssi/reports"]
    assert "E169" in reports and "I99" in reports and "E19" in reports
