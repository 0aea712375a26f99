"""The SSI REST API (JSON under /ssi/api/v1): what people do in the SSI, for programs.

Every route authenticates a bearer token (services/ssi_access.py) and authorises the call
for that caller; errors are JSON `{"error": ...}` with a precise HTTP status.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gbdsp.bootstrap import App
from gbdsp.csvformat import format_device, parse_registration
from gbdsp.domain.errors import Conflict, GbdspError, InvalidValue, NotFound
from gbdsp.domain.housekeeping import HousekeepingRule
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.services import housekeeping, install_codes, inventory, registration, restricted
from gbdsp.services.ssi_access import Caller, caller_of

PREFIX = "/ssi/api/v1"
Handler = Callable[[Request, Caller], Awaitable[Any]]


class Forbidden(GbdspError):
    """The caller is authenticated but may not do this."""


def routes(app: App) -> list[Route]:
    def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            header = request.headers.get("authorization", "")
            token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") \
                else ""
            caller = await run_in_threadpool(caller_of, app.store, token) if token else None
            if caller is None:
                return _error(401, "a valid bearer token is needed (gbdsp ssi token)")
            try:
                return JSONResponse(await handler(request, caller))
            except (Forbidden, install_codes.NotYours) as e:
                return _error(403, str(e))
            except Conflict as e:
                return _error(409, str(e))
            except NotFound as e:
                return _error(404, str(e))
            except (InvalidValue, ValueError) as e:
                return _error(400, str(e))

        return endpoint

    async def me(request: Request, caller: Caller) -> Any:
        return {"user_id": str(caller.user_id) if caller.user_id else None,
                "operator": caller.is_operator, "label": caller.label}

    async def device(request: Request, caller: Caller) -> Any:
        device_id = DeviceId.parse(request.path_params["device_id"])
        view = await run_in_threadpool(inventory.show_device, app.store, device_id)
        d = view.device
        return {
            **format_device(d),
            "history": [{"status": c.status.value, "effective_at": c.effective_at.isoformat(),
                         "reason": c.reason, "by": str(c.by) if c.by else None}
                        for c in d.history],
            "device_log": [str(m.device_id) for m in view.device_log],
            "restricted_history": [
                {"restricted": c.restricted, "by": str(c.by), "at": c.at.isoformat(),
                 "consumer_preference": c.consumer_preference,
                 "reasonable_steps": c.reasonable_steps}
                for c in await run_in_threadpool(restricted.history, app.store, device_id)],
        }

    async def set_restricted(request: Request, caller: Caller) -> Any:
        if caller.user_id is None:
            raise Forbidden("Restricted mode is set by the Responsible Supplier, not operators")
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("restricted"), bool):
            raise InvalidValue('expected {"restricted": true|false, "consumer_preference": '
                               '"...", "reasonable_steps": true|false}')
        device_id = DeviceId.parse(request.path_params["device_id"])
        try:
            changed = await run_in_threadpool(
                restricted.set_restricted, app.store, app.clock, app.config, caller.user_id,
                device_id, body["restricted"], str(body.get("consumer_preference", "")),
                bool(body.get("reasonable_steps", False)))
        except restricted.NotResponsibleSupplier as e:
            raise Forbidden(str(e)) from e
        return {"changed": [str(d) for d in changed], "restricted": body["restricted"]}

    def supplier(caller: Caller) -> UserId:
        if caller.user_id is None:
            raise Forbidden("install-code requests are between suppliers, not operators")
        return caller.user_id

    async def raise_one(request: Request, caller: Caller) -> Any:
        body = await request.json()
        if not isinstance(body, dict) or not isinstance(body.get("device_id"), str):
            raise InvalidValue('expected {"device_id": "...", "backlog": false}')
        rows = await run_in_threadpool(
            install_codes.raise_requests, app.store, app.clock, app.config, supplier(caller),
            [(1, body["device_id"])], backlog=bool(body.get("backlog", False)))
        if rows[0].request_id is None:
            raise InvalidValue(rows[0].message)
        return {"id": rows[0].request_id, "message": rows[0].message}

    async def raise_bulk(request: Request, caller: Caller) -> Any:
        text = (await request.body()).decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "device_id" not in reader.fieldnames:
            raise InvalidValue("send a CSV whose header has a device_id column")
        devices = [(reader.line_num, row.get("device_id") or "") for row in reader]
        rows = await run_in_threadpool(
            install_codes.raise_requests, app.store, app.clock, app.config, supplier(caller),
            devices, backlog=request.query_params.get("backlog") == "true")
        return [{"line": r.line, "device_id": r.device, "id": r.request_id,
                 "message": r.message} for r in rows]

    async def my_requests(request: Request, caller: Caller) -> Any:
        found = await run_in_threadpool(install_codes.requests_for, app.store,
                                        supplier(caller))
        return [r.as_json() for r in found]

    async def answer(request: Request, caller: Caller) -> Any:
        body = await request.json()
        code = body.get("install_code") if isinstance(body, dict) else None
        try:
            raw = bytes.fromhex(code) if isinstance(code, str) else None
        except ValueError as e:
            raise InvalidValue("install_code must be hex") from e
        answered = await run_in_threadpool(
            lambda: install_codes.answer(app.store, app.clock, app.sealer(), supplier(caller),
                                         int(request.path_params["id"]), install_code=raw,
                                         not_installer=bool(body.get("not_installer"))))
        return answered.as_json()

    async def redirect(request: Request, caller: Caller) -> Any:
        body = await request.json()
        to = UserId.parse(str(body.get("to", ""))) if isinstance(body, dict) else None
        if to is None:
            raise InvalidValue('expected {"to": "USER ID"}')
        moved = await run_in_threadpool(install_codes.redirect, app.store, app.clock,
                                        app.config, supplier(caller),
                                        int(request.path_params["id"]), to)
        return moved.as_json()

    async def read_code(request: Request, caller: Caller) -> Any:
        code = await run_in_threadpool(install_codes.read_code, app.store, app.sealer(),
                                       supplier(caller), int(request.path_params["id"]))
        return {"install_code": code.hex().upper()}

    async def close_request(request: Request, caller: Caller) -> Any:
        closed = await run_in_threadpool(install_codes.close, app.store, app.clock,
                                         supplier(caller), int(request.path_params["id"]))
        return closed.as_json()

    async def sla(request: Request, caller: Caller) -> Any:
        lines = await run_in_threadpool(install_codes.sla_report, app.store, app.clock,
                                        app.config)
        return [{"installing_supplier": str(s.assignee), "received": s.received,
                 "answered_in_time": s.in_time, "answered_late": s.late,
                 "outstanding": s.outstanding, "overdue": s.overdue,
                 "median_working_days": s.median_working_days}
                for s in lines if caller.may_see(s.assignee)]

    async def registration_data(request: Request, caller: Caller) -> Any:
        if not caller.is_operator:
            raise Forbidden("registration data comes from the DCC's operators, not Users")
        body = await request.json()
        if not isinstance(body, list):
            raise InvalidValue("expected a JSON list of {mpxn, supplier, effective_from}")
        entries = []
        for n, item in enumerate(body, 1):
            try:
                if not isinstance(item, dict):
                    raise InvalidValue("expected an object")
                entries.append(parse_registration(item))
            except InvalidValue as e:
                raise InvalidValue(f"entry {n}: {e}") from e
        count = await run_in_threadpool(registration.record, app.store, entries,
                                        app.clock.now())
        return {"recorded": count}

    async def forecast(request: Request, caller: Caller) -> Any:
        now = app.clock.now()  # once: the rule and the forecast are of the same moment
        rules = [housekeeping.rule_in_force(app.config, now)]
        rules += [HousekeepingRule.parse(r) for r in request.query_params.getlist("rule")]
        forecasts = await run_in_threadpool(housekeeping.dry_run, app.store, now, rules)
        return [{"rule": f.rule.describe(), "days": f.days,
                 "devices": [{"device_type": t, "responsible_supplier": str(u) if u else None,
                              "count": n} for t, u, n in f.counts if caller.may_see(u)]}
                for f in forecasts]

    async def pending_age(request: Request, caller: Caller) -> Any:
        rows = await run_in_threadpool(housekeeping.pending_age, app.store, app.clock)
        return [{"device_type": t, "responsible_supplier": str(u) if u else None,
                 "age": bucket, "count": n} for t, u, bucket, n in rows if caller.may_see(u)]

    async def hub_stock(request: Request, caller: Caller) -> Any:
        stock = await run_in_threadpool(housekeeping.hub_stock, app.store)
        return [{"holder": str(s.holder) if s.holder else None, "in_stock": s.in_stock,
                 "installed": s.installed, "in_stock_firmware_behind": s.behind}
                for s in stock if caller.may_see(s.holder)]

    async def stock_rotation(request: Request, caller: Caller) -> Any:
        rows = await run_in_threadpool(housekeeping.stock_rotation, app.store, app.clock)
        return [{"holder": str(r.holder) if r.holder else None, "installs": r.installs,
                 "installed_while_older_stock_waited": r.newer_first,
                 "oldest_in_stock_days": r.oldest_in_stock_days}
                for r in rows if caller.may_see(r.holder)]

    async def archive(request: Request, caller: Caller) -> Any:
        device = request.query_params.get("device")

        def read() -> list[Any]:
            with app.store.read() as tx:
                return tx.housekeeping.archived(DeviceId.parse(device) if device else None,
                                                limit=500)

        entries = await run_in_threadpool(read)
        return [{"device_id": str(e.device_id), "device_type": e.device_type,
                 "removed_at": _iso(e.removed_at), "pending_since": _iso(e.pending_since),
                 "rule": e.rule, "run_id": e.run_id}
                for e in entries if caller.may_see(e.responsible_supplier)]

    return [
        Route(f"{PREFIX}/me", guarded(me)),
        Route(f"{PREFIX}/devices/{{device_id}}", guarded(device)),
        Route(f"{PREFIX}/devices/{{device_id}}/restricted", guarded(set_restricted),
              methods=["PUT"]),
        Route(f"{PREFIX}/registration-data", guarded(registration_data), methods=["POST"]),
        Route(f"{PREFIX}/housekeeping/forecast", guarded(forecast)),
        Route(f"{PREFIX}/housekeeping/pending-age", guarded(pending_age)),
        Route(f"{PREFIX}/housekeeping/ch-stock", guarded(hub_stock)),
        Route(f"{PREFIX}/housekeeping/archive", guarded(archive)),
        Route(f"{PREFIX}/housekeeping/stock-rotation", guarded(stock_rotation)),
        Route(f"{PREFIX}/install-code-requests", guarded(my_requests)),
        Route(f"{PREFIX}/install-code-requests", guarded(raise_one), methods=["POST"]),
        Route(f"{PREFIX}/install-code-requests/bulk", guarded(raise_bulk), methods=["POST"]),
        Route(f"{PREFIX}/install-code-requests/sla", guarded(sla)),
        Route(f"{PREFIX}/install-code-requests/{{id:int}}/answer", guarded(answer),
              methods=["POST"]),
        Route(f"{PREFIX}/install-code-requests/{{id:int}}/redirect", guarded(redirect),
              methods=["POST"]),
        Route(f"{PREFIX}/install-code-requests/{{id:int}}/code", guarded(read_code)),
        Route(f"{PREFIX}/install-code-requests/{{id:int}}/close", guarded(close_request),
              methods=["POST"]),
    ]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
