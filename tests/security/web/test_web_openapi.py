"""The SSI API's OpenAPI description matches its routes, and schemathesis, fuzzing every
operation from that description against a real server on both backends, never gets a 5xx.

Budget: GBDSP_FUZZ_EXAMPLES examples per operation (default 8, for `make test`); raise it
for a longer run, e.g. `GBDSP_FUZZ_EXAMPLES=500 pytest tests/security/test_web_openapi.py`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from gbdsp import bootstrap
from gbdsp.bootstrap import App
from gbdsp.config import Config, DatabaseConfig
from gbdsp.services.ssi_access import issue_token
from gbdsp.store.store import Store
from gbdsp.web import ssi_api
from gbdsp.web.app import create_app
from gbdsp.web.openapi import PREFIX, document
from tests.conftest import PostgresServer
from tests.security.web.conftest import NOW, ROLES, build_world
from tests.web.conftest import serve

EXAMPLES = int(os.environ.get("GBDSP_FUZZ_EXAMPLES", "8"))
schema = schemathesis.openapi.from_dict(document())


def test_every_route_is_described_and_nothing_else(tmp_path: Path) -> None:
    routes = ssi_api.routes(App(tmp_path, Config(), None))  # type: ignore[arg-type]
    served = {
        (m.lower(), re.sub(r"\{(\w+):\w+\}", r"{\1}", r.path))
        for r in routes
        for m in (r.methods or ())
        if m != "HEAD"
    }
    described = {(m, p) for p, ops in document()["paths"].items() for m in ops}
    assert served == described


def test_the_description_is_served(fuzz_server: tuple[str, dict[str, str]]) -> None:
    url, _ = fuzz_server
    reply = httpx.get(f"{url}{PREFIX}/openapi.json")
    assert reply.status_code == 200 and reply.json() == document()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_server(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    postgres: PostgresServer | None,
) -> Iterator[tuple[str, dict[str, str]]]:
    data = tmp_path_factory.mktemp("fuzz") / "data"
    pg_url = None
    if request.param == "sqlite":
        app = bootstrap.initialise(data)
    else:
        if postgres is None:
            pytest.skip("PostgreSQL not available (GBDSP_TEST_POSTGRES=auto)")
        pg_url = postgres.create()
        data.mkdir(parents=True)
        app = App(
            data,
            Config(database=DatabaseConfig(url=pg_url)),
            Store.open(pg_url, migrate_schema=True),
        )
    world = build_world(app.store, data, app.config)
    tokens = {
        "supplier": issue_token(app.store, ROLES["supplier"], "fuzz", NOW),
        "operator": issue_token(app.store, None, "fuzz", NOW),
    }
    try:
        with serve(create_app(world, relay=False)) as url:
            yield url, tokens
    finally:
        app.close()
        if pg_url and postgres is not None:
            postgres.drop(pg_url)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
def test_no_input_gets_a_server_error(
    case: schemathesis.Case[Any], fuzz_server: tuple[str, dict[str, str]]
) -> None:
    url, tokens = fuzz_server
    who = "operator" if case.path.endswith("/registration-data") else "supplier"
    response = case.call(
        base_url=url, headers={"Authorization": f"Bearer {tokens[who]}"}, timeout=30
    )
    assert response.status_code < 500, (case.method, case.path, response.text[:300])
