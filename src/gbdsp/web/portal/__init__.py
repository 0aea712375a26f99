"""The SSI portal: server-rendered pages under /ssi/ for people at suppliers, agents and
network operators (docs/ssi-portal.md).

Each page calls the same services as the SSI REST API (`web/ssi_api.py`) and shows only
what the signed-in person's User may see. Endpoints are thin: parse the form, call one
service in a worker thread, render a template.
"""

from __future__ import annotations

from gbdsp.web.portal.routes import routes

__all__ = ["routes"]
