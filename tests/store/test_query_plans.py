"""8.2 Read Inventory stays an index lookup however large the SMI: PostgreSQL's planner,
given statistics of a generated fleet, picks the indexes for every query 8.2 runs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from gbdsp.clock import ManualClock
from gbdsp.domain.devices import DeviceType
from gbdsp.store import repositories
from gbdsp.store.store import Store
from gbdsp.worlds import fleet


def plan_nodes(store: Store, statement: Any, params: dict[str, Any]) -> list[dict[str, Any]]:
    with store.engine.connect() as conn:
        compiled = statement.compile(
            dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
        )
        processors = compiled._bind_processors
        bound = {k: processors[k](v) if k in processors else v for k, v in params.items()}
        plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", bound).scalar_one()
    nodes, todo = [], [(plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]]
    while todo:
        node = todo.pop()
        nodes.append(node)
        todo.extend(node.get("Plans", []))
    return nodes


@pytest.mark.parametrize("backend", ["postgresql"])
def test_read_inventory_queries_use_indexes_not_table_scans(
    store: Store, clock: ManualClock
) -> None:
    fleet.generate_fleet(store, clock, devices=20_000)  # ANALYZEd at the end of the load
    p = fleet.plan(1234)
    chf, esme = p.device_id(DeviceType.CHF), p.device_id(DeviceType.ESME)
    cases: dict[str, tuple[Any, dict[str, Any]]] = {
        "device by ID": (repositories._DEVICE_BY_ID.statement, {"device_id": esme}),
        "premises of a CHF": (repositories._PREMISES.statement, {"chf_id": chf}),
        "by MPxN": (
            repositories._FIND_BY["import_mpxn"].statement,
            {"value": p.mpan, "limit": 17},
        ),
        "by UPRN": (
            repositories._FIND_BY["uprn"].statement,
            {"value": str(10_000_000 + 1234), "limit": 17},
        ),
    }
    for name, (statement, params) in cases.items():
        nodes = plan_nodes(store, statement, params)
        kinds = {n["Node Type"] for n in nodes}
        assert "Seq Scan" not in kinds, (name, kinds)
        assert kinds & {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}, (name, kinds)
    with store.engine.connect() as conn:  # and the planner was not simply told to
        assert conn.execute(text("SHOW enable_seqscan")).scalar_one() == "on"
