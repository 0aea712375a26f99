"""The SSI REST API (JSON under /ssi/api/v1): what people do in the SSI, for programs.

Every route authenticates a bearer token (services/ssi_access.py) and authorises the call
for that caller; errors are JSON `{"error": ...}` with a precise HTTP status.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gbdsp.bootstrap import App
from gbdsp.csvformat import format_device, parse_registration, read_device_ids
from gbdsp.domain.errors import Conflict, GbdspError, InvalidValue, NotFound
from gbdsp.domain.housekeeping import HousekeepingRule
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.install_codes import NotYours
from gbdsp.services import housekeeping, install_codes, inventory, registration, restricted
from gbdsp.services.ssi_access import Caller, TokenRefused, caller_of
from gbdsp.web.limits import read_limited
from gbdsp.web.openapi import document as openapi_document

PREFIX = "/ssi/api/v1"
NO_STORE = {"Cache-Control": "no-store"}
"""Every answer may carry personal data or a secret (an install code): never cached."""


@dataclass(frozen=True, slots=True)
class Call:
    """One authenticated call: the request, its caller and its body (read within the
    limit before the handler runs)."""

    request: Request
    caller: Caller
    body: bytes

    def json(self) -> Any:
        if not self.body.strip():
            raise InvalidValue("send a JSON body")
        try:
            return json.loads(self.body)
        except (ValueError, RecursionError) as e:
            raise InvalidValue(f"the body is not JSON: {str(e)[:80]}") from e

    def json_object(self, expected: str) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise InvalidValue(f"expected a JSON object: {expected}")
        return body

    def request_id(self) -> int:
        return int(self.request.path_params["id"])


Handler = Callable[[Call], Awaitable[Any]]


class Forbidden(GbdspError):
    """The caller is authenticated but may not do this."""


def routes(app: App) -> list[Route]:
    limit = app.config.ssi.max_body_bytes

    def guarded(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            header = request.headers.get("authorization", "")
            token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
            try:
                caller = await run_in_threadpool(caller_of, app.store, token, app.clock.now())
            except TokenRefused as e:
                return _error(e.status, str(e))
            body = await read_limited(request, limit)
            if body is None:
                return _error(413, f"the body is larger than {limit:,} bytes")
            try:
                return JSONResponse(await handler(Call(request, caller, body)), headers=NO_STORE)
            except (Forbidden, NotYours) as e:
                return _error(403, str(e))  # texts name no other User
            except Conflict as e:
                return _error(409, str(e))
            except NotFound as e:  # others' requests too: an ID tells nothing
                return _error(404, str(e))
            except (InvalidValue, ValueError) as e:
                return _error(400, str(e))

        return endpoint

    async def me(call: Call) -> Any:
        caller = call.caller
        return {
            "user_id": str(caller.user_id) if caller.user_id else None,
            "operator": caller.is_operator,
            "label": caller.label,
        }

    async def device(call: Call) -> Any:
        device_id = DeviceId.parse(call.request.path_params["device_id"])
        view = await run_in_threadpool(inventory.show_device, app.store, device_id)
        d = view.device
        found = await run_in_threadpool(
            restricted.history, app.store, app.sealer(), call.caller.viewer, device_id
        )
        shown: dict[str, Any] = {}
        if found.access.shows_history:  # domain/visibility.py decides, before loading
            shown["restricted_history"] = [
                {
                    "restricted": c.restricted,
                    "by": str(c.by),
                    "at": c.at.isoformat(),
                    "reasonable_steps": c.reasonable_steps,
                    **(
                        {"consumer_preference": c.consumer_preference}
                        if found.access.shows_words
                        else {}
                    ),
                }
                for c in found.changes
            ]
        return {
            **format_device(d),
            "history": [
                {
                    "status": c.status.value,
                    "effective_at": c.effective_at.isoformat(),
                    "reason": c.reason,
                    "by": str(c.by) if c.by else None,
                }
                for c in d.history
            ],
            "device_log": [str(m.device_id) for m in view.device_log],
            **shown,
        }

    async def set_restricted(call: Call) -> Any:
        by = call.caller.user_id
        if by is None:
            raise Forbidden("Restricted mode is set by the Responsible Supplier, not operators")
        body = call.json_object(
            '{"restricted": true|false, "consumer_preference": "...", '
            '"reasonable_steps": true|false}'
        )
        wanted, words = body.get("restricted"), body.get("consumer_preference", "")
        if not isinstance(wanted, bool) or not isinstance(words, str):
            raise InvalidValue(
                'expected {"restricted": true|false, "consumer_preference": '
                '"...", "reasonable_steps": true|false}'
            )
        device_id = DeviceId.parse(call.request.path_params["device_id"])
        try:
            changed = await run_in_threadpool(
                lambda: restricted.set_restricted(
                    app.store,
                    app.clock,
                    app.config,
                    by,
                    device_id,
                    wanted,
                    words,
                    body.get("reasonable_steps") is True,
                    sealer=app.sealer(),
                )
            )
        except restricted.NotResponsibleSupplier as e:
            raise Forbidden("only the Responsible Supplier sets or clears Restricted mode") from e
        return {"changed": [str(d) for d in changed], "restricted": wanted}

    def supplier(caller: Caller) -> UserId:
        if caller.user_id is None:
            raise Forbidden("install-code requests are between suppliers, not operators")
        return caller.user_id

    async def raise_one(call: Call) -> Any:
        by = supplier(call.caller)
        body = call.json_object('{"device_id": "...", "backlog": false}')
        if not isinstance(body.get("device_id"), str):
            raise InvalidValue('expected {"device_id": "...", "backlog": false}')
        rows = await run_in_threadpool(
            install_codes.raise_requests,
            app.store,
            app.clock,
            app.config,
            by,
            [(1, body["device_id"])],
            backlog=body.get("backlog") is True,
        )
        if rows[0].request_id is None:
            raise InvalidValue(rows[0].message)
        return {"id": rows[0].request_id, "message": rows[0].message}

    async def raise_bulk(call: Call) -> Any:
        by = supplier(call.caller)
        devices = read_device_ids(call.body)
        rows = await run_in_threadpool(
            install_codes.raise_requests,
            app.store,
            app.clock,
            app.config,
            by,
            devices,
            backlog=call.request.query_params.get("backlog") == "true",
        )
        return [
            {"line": r.line, "device_id": r.device, "id": r.request_id, "message": r.message}
            for r in rows
        ]

    async def my_requests(call: Call) -> Any:
        found = await run_in_threadpool(
            install_codes.requests_for, app.store, supplier(call.caller)
        )
        return [r.as_json() for r in found]

    async def answer(call: Call) -> Any:
        by = supplier(call.caller)
        body = call.json_object('{"install_code": "hex"} or {"not_installer": true}')
        code = body.get("install_code")
        if code is not None and not isinstance(code, str):
            raise InvalidValue("install_code is a string of hexadecimal digits")
        try:
            raw = bytes.fromhex(code) if code is not None else None
        except ValueError as e:
            raise InvalidValue("install_code must be hex") from e
        answered = await run_in_threadpool(
            lambda: install_codes.answer(
                app.store,
                app.clock,
                app.sealer(),
                by,
                call.request_id(),
                install_code=raw,
                not_installer=body.get("not_installer") is True,
            )
        )
        return answered.as_json()

    async def redirect(call: Call) -> Any:
        by = supplier(call.caller)
        body = call.json_object('{"to": "USER ID"}')
        to = UserId.parse(str(body.get("to", "")))
        moved = await run_in_threadpool(
            install_codes.redirect, app.store, app.clock, app.config, by, call.request_id(), to
        )
        return moved.as_json()

    async def read_code(call: Call) -> Any:
        code = await run_in_threadpool(
            install_codes.read_code,
            app.store,
            app.sealer(),
            supplier(call.caller),
            call.request_id(),
        )
        return {"install_code": code.hex().upper()}

    async def close_request(call: Call) -> Any:
        closed = await run_in_threadpool(
            install_codes.close, app.store, app.clock, supplier(call.caller), call.request_id()
        )
        return closed.as_json()

    async def sla(call: Call) -> Any:
        lines = await run_in_threadpool(install_codes.sla_report, app.store, app.clock, app.config)
        return [
            {
                "installing_supplier": str(s.assignee),
                "received": s.received,
                "answered_in_time": s.in_time,
                "answered_late": s.late,
                "outstanding": s.outstanding,
                "overdue": s.overdue,
                "median_working_days": s.median_working_days,
            }
            for s in lines
            if call.caller.may_see(s.assignee)
        ]

    async def registration_data(call: Call) -> Any:
        if not call.caller.is_operator:
            raise Forbidden("registration data comes from the DCC's operators, not Users")
        body = call.json()
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
        count = await run_in_threadpool(registration.record, app.store, entries, app.clock.now())
        return {"recorded": count}

    async def forecast(call: Call) -> Any:
        now = app.clock.now()  # once: the rule and the forecast are of the same moment
        rules = [housekeeping.rule_in_force(app.config, now)]
        rules += [HousekeepingRule.parse(r) for r in call.request.query_params.getlist("rule")]
        forecasts = await run_in_threadpool(housekeeping.dry_run, app.store, now, rules)
        return [
            {
                "rule": f.rule.describe(),
                "days": f.days,
                "devices": [
                    {"device_type": t, "responsible_supplier": str(u) if u else None, "count": n}
                    for t, u, n in f.counts
                    if call.caller.may_see(u)
                ],
            }
            for f in forecasts
        ]

    async def pending_age(call: Call) -> Any:
        rows = await run_in_threadpool(housekeeping.pending_age, app.store, app.clock)
        return [
            {
                "device_type": t,
                "responsible_supplier": str(u) if u else None,
                "age": bucket,
                "count": n,
            }
            for t, u, bucket, n in rows
            if call.caller.may_see(u)
        ]

    async def hub_stock(call: Call) -> Any:
        stock = await run_in_threadpool(housekeeping.hub_stock, app.store)
        return [
            {
                "holder": str(s.holder) if s.holder else None,
                "in_stock": s.in_stock,
                "installed": s.installed,
                "in_stock_firmware_behind": s.behind,
            }
            for s in stock
            if call.caller.may_see(s.holder)
        ]

    async def stock_rotation(call: Call) -> Any:
        rows = await run_in_threadpool(housekeeping.stock_rotation, app.store, app.clock)
        return [
            {
                "holder": str(r.holder) if r.holder else None,
                "installs": r.installs,
                "installed_while_older_stock_waited": r.newer_first,
                "oldest_in_stock_days": r.oldest_in_stock_days,
            }
            for r in rows
            if call.caller.may_see(r.holder)
        ]

    async def archive(call: Call) -> Any:
        device = call.request.query_params.get("device")

        def read() -> list[Any]:
            with app.store.read() as tx:
                return tx.housekeeping.archived(
                    DeviceId.parse(device) if device else None, limit=500
                )

        entries = await run_in_threadpool(read)
        return [
            {
                "device_id": str(e.device_id),
                "device_type": e.device_type,
                "removed_at": _iso(e.removed_at),
                "pending_since": _iso(e.pending_since),
                "rule": e.rule,
                "run_id": e.run_id,
            }
            for e in entries
            if call.caller.may_see(e.responsible_supplier)
        ]

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document())

    return [
        Route(f"{PREFIX}/openapi.json", openapi),
        Route(f"{PREFIX}/me", guarded(me)),
        Route(f"{PREFIX}/devices/{{device_id}}", guarded(device)),
        Route(
            f"{PREFIX}/devices/{{device_id}}/restricted", guarded(set_restricted), methods=["PUT"]
        ),
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
        Route(
            f"{PREFIX}/install-code-requests/{{id:int}}/answer", guarded(answer), methods=["POST"]
        ),
        Route(
            f"{PREFIX}/install-code-requests/{{id:int}}/redirect",
            guarded(redirect),
            methods=["POST"],
        ),
        Route(f"{PREFIX}/install-code-requests/{{id:int}}/code", guarded(read_code)),
        Route(
            f"{PREFIX}/install-code-requests/{{id:int}}/close",
            guarded(close_request),
            methods=["POST"],
        ),
    ]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=NO_STORE)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
