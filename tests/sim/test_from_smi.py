"""`simulate --from-smi`: the starting fleet read from a real SMI on both backends."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gbdsp.clock import ManualClock
from gbdsp.sim import batch, examples, from_smi
from gbdsp.sim.fleet import KINDS
from gbdsp.store.store import Store
from gbdsp.store.tables import devices
from gbdsp.worlds.fleet import generate_fleet

START = date(2026, 4, 1)


def _state(store: Store) -> tuple[int, list[tuple[str, int]]]:
    with store.engine.connect() as conn:
        c = devices.c
        rows = conn.execute(
            select(c.status, func.count()).group_by(c.status).order_by(c.status)
        ).all()
        return sum(n for _, n in rows), [(str(s), int(n)) for s, n in rows]


def test_the_snapshot_is_the_smi_joined_by_chf(store: Store, clock: ManualClock) -> None:
    generate_fleet(store, clock, devices=3000)
    before = _state(store)
    with store.read() as tx:
        with_batches = from_smi.read(
            tx.smi_snapshot.stream(from_smi.KIND_CODES, from_smi.STATUS_CODES, batch=700), START
        )
    with store.engine.connect() as conn:
        c = devices.c
        rows = conn.execute(
            select(c.device_id, c.device_type, c.smets_chts_version, c.status, c.chf_id)
        ).all()
    assert _state(store) == before  # read-only
    assert with_batches.devices == len(rows) == before[0]
    # The same figures worked out row by row from the table itself.
    hubs = {
        r[0]: r
        for r in rows
        if r[1] == "CHF" and r[3] not in ("Pending", None, "Decommissioned", "Withdrawn")
    }
    by_hub: dict[int, Counter[str]] = {h: Counter() for h in hubs}
    uncommissioned = set()
    for r in rows:
        if r[4] in by_hub:
            by_hub[r[4]][r[1]] += 1
            if r[1] == "ESME" and r[3] == "InstalledNotCommissioned":
                uncommissioned.add(r[4])
    assert with_batches.installed == len(hubs) > 0
    assert int(with_batches.gas.sum()) == sum(1 for c in by_hub.values() if c["GSME"])
    assert int(with_batches.ppmid.sum()) == sum(1 for c in by_hub.values() if c["PPMID"])
    smets1 = {h for h, r in hubs.items() if r[2].upper().startswith("SMETS1")}
    assert int(with_batches.smets1.sum()) == len(smets1)
    assert int(with_batches.uncommissioned.sum()) == len(uncommissioned - smets1)
    pending = Counter(
        r[1] for r in rows if r[3] == "Pending" and r[1] in ("CHF", "ESME", "GSME", "PPMID")
    )
    kinds = Counter(KINDS[k].value for k in with_batches.stock_kind.tolist())
    assert kinds == pending
    pending_since = [r for r in rows if r[3] == "Pending" and r[1] == "CHF"]
    assert len(pending_since) == int((with_batches.stock_kind == 0).sum())
    assert (with_batches.stock_since <= 0).all() and (with_batches.stock_since < 0).any()
    assert abs(sum(with_batches.suppliers.values()) - 1) < 1e-9

    scenario = from_smi.adapt(examples.get("mp60-housekeeping").scenario(), with_batches)
    assert scenario.fleet.premises >= with_batches.installed
    outcome = batch.run_all(scenario, [1], snapshot=with_batches)
    assert outcome.daily[0]["ppmids"][0, 0] >= int(with_batches.ppmid.sum())
    # The SMI's Pending CHs are in stock on day one (each a CHF and a GPF row).
    assert outcome.daily[0]["pending_chs"][0, 0] > 0
    rows_by_origin = {a.key: a.origin for a in scenario.assumption_rows()}
    assert rows_by_origin["fleet.premises"] == "SMI"
    assert rows_by_origin["stock.wait_days_median"] == "scenario"


@pytest.mark.slow
def test_simulate_from_smi_on_the_command_line(tmp_path: Path) -> None:
    env = {**os.environ, "GBDSP_DATA": str(tmp_path / "data")}
    env.pop("GBDSP_DATABASE__URL", None)

    def gbdsp(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gbdsp", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )

    assert gbdsp("init").returncode == 0
    assert gbdsp("fleet", "generate", "--devices", "2000").returncode == 0
    (tmp_path / "quick.toml").write_text(
        examples.get("mp60-housekeeping").text.replace("months = 12", "months = 3")
    )
    done = gbdsp("simulate", "quick.toml", "--from-smi", "-o", "out", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "SMI: " in done.stdout and "installed systems" in done.stdout
    report = (tmp_path / "out" / "report.html").read_text()
    assert "Fleet from the SMI:" in report
    scaled = gbdsp("simulate", "--example", "mp60-housekeeping", "--from-smi", "--scale", "0.1")
    assert scaled.returncode == 2 and "--scale does not go with --from-smi" in scaled.stderr
