"""8.2 Read Inventory stays an index lookup however large the SMI: PostgreSQL's planner,
given statistics of a generated fleet, picks the indexes for every query 8.2 runs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from gbdsp.clock import ManualClock
from gbdsp.domain.devices import DeviceType
from gbdsp.services.users import register_test_users, set_response_url
from gbdsp.store import outbox_repositories, repositories
from gbdsp.store.store import Store
from gbdsp.worlds import fleet
from tests.factories import SUPPLIER, WHEN


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


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_relay_lease_is_an_index_scan_after_many_deliveries(store: Store) -> None:
    """Delivered rows' dead index entries once made every lease a bitmap scan of all of them
    (19 ms after 140,000 deliveries); the partial index keeps it a scan that stops at the
    limit (migration 0019)."""
    register_test_users(store)
    set_response_url(store, SUPPLIER, "http://127.0.0.1:9/duis")
    with store.transaction() as tx:
        tx.outbox.add_many(
            [
                {
                    "response_id": f"r{n}",
                    "user_id": SUPPLIER,
                    "body": b"<m/>",
                    "created_at": WHEN,
                    "attempts": 0,
                    "next_attempt_at": WHEN,
                }
                for n in range(5_000)
            ]
        )
    with store.transaction() as tx:
        tx.outbox.delivered_many([m.id for m in tx.outbox.claim_due(WHEN, WHEN, 4_990)], WHEN)
    with store.engine.begin() as conn:
        conn.execute(text("ANALYZE outbox"))
    query = outbox_repositories.due_duis(WHEN, 50).with_for_update(skip_locked=True)
    nodes = plan_nodes(store, query, query.compile().params)
    scans = {(n["Node Type"], n.get("Index Name")) for n in nodes if "Scan" in n["Node Type"]}
    assert ("Index Scan", "ix_outbox_due") in scans, scans
    assert not {n["Node Type"] for n in nodes} & {"Sort", "Bitmap Heap Scan"}, nodes
