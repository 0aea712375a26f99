"""ASGI entry point for `gbdsp serve --workers N`: each worker process builds its own app
from the data directory named in $GBDSP_DATA (set by the CLI before it starts them)."""

from __future__ import annotations

from starlette.applications import Starlette

from gbdsp import bootstrap
from gbdsp.web.app import create_app


def app_from_environment() -> Starlette:
    return create_app(bootstrap.open_app(bootstrap.resolve_data_dir(None)), jobs=True)
