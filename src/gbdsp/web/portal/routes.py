"""Routes of the SSI portal. Each page handler is a plain function run in a worker thread:
it gets the signed-in account and the parsed form, calls services, renders a template."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from gbdsp.bootstrap import App
from gbdsp.csvformat import read_device_ids
from gbdsp.domain.errors import Conflict, GbdspError, InvalidValue, NotFound
from gbdsp.domain.housekeeping import AGE_BUCKETS
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.install_codes import NotYours, RequestStatus, is_overdue
from gbdsp.domain.products import CplKey
from gbdsp.domain.rules.mp169 import why_not_restrictable
from gbdsp.domain.visibility import Viewer, is_responsible, may_see, parties_of
from gbdsp.services import housekeeping, install_codes, inventory, reports, restricted
from gbdsp.services.portal_accounts import (
    Account,
    SignInRefused,
    TooManyAttempts,
    account_of,
    csrf_ok,
    csrf_token,
    sign_in,
    sign_out,
)
from gbdsp.web.clients import client_of
from gbdsp.web.limits import buffered
from gbdsp.web.portal import charts, security

HERE = Path(__file__).parent
MAX_UPLOAD_BYTES = 5_000_000
MAX_FORM_BYTES = MAX_UPLOAD_BYTES + 64_000
"""A posted form: an upload and a few fields, read within this as it streams in."""
MAX_SIGN_IN_BYTES = 8_000


@dataclass
class Page:
    """What a page handler works with."""

    request: Request
    account: Account
    csrf: str
    form: dict[str, str] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)

    @property
    def user_id(self) -> UserId:
        return self.account.user.user_id

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])


Handler = Callable[[Page], Response]


class Forbidden(GbdspError):
    """Signed in, but this is not the User's to do."""


def _templates() -> Jinja2Templates:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    env.globals["date_format"] = "%d %b %Y"
    env.filters["when"] = lambda d: d.strftime("%d %b %Y %H:%M") if d else "-"
    env.filters["day"] = lambda d: d.strftime("%a %d %b %Y") if d else "-"
    return Jinja2Templates(env=env)


def routes(app: App) -> list[BaseRoute]:
    templates = _templates()
    names = _user_names(app)

    def render(
        request: Request,
        name: str,
        context: dict[str, Any],
        status: int = 200,
        account: Account | None = None,
        csrf: str = "",
    ) -> Response:
        response = templates.TemplateResponse(
            request,
            name,
            {
                "account": account,
                "csrf": csrf,
                "csrf_field": security.CSRF_FIELD,
                "names": names,
                "path": request.url.path,
                "notice": "",
                **context,
            },
            status_code=status,
        )
        response.headers.update(security.HEADERS)
        return response

    def page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            token = request.cookies.get(security.SESSION_COOKIE, "")
            account = (
                await run_in_threadpool(account_of, app.store, app.clock, token) if token else None
            )
            if account is None:
                if request.method == "POST":
                    return _plain(403, "your session has ended: sign in again")
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/ssi/sign-in?next={quote(target)}", 303)
            csrf = csrf_token(token)
            if request.method == "POST":
                replayed = await buffered(request, MAX_FORM_BYTES)
                if replayed is None:
                    return _plain(413, f"the form is larger than {MAX_FORM_BYTES:,} bytes")
                request = replayed
            current = Page(request, account, csrf)
            if request.method == "POST":
                try:
                    await _read_form(request, current)
                except InvalidValue as e:
                    return _plain(413, str(e))
                if not csrf_ok(token, current.form.get(security.CSRF_FIELD, "")):
                    return _plain(
                        403,
                        "this form has no valid anti-forgery token: reload the page and try again",
                    )
            try:
                return await run_in_threadpool(handler, current)
            except (NotFound, NotYours) as e:
                # Someone else's request or device is 'not found': an ID tells nothing.
                return render(
                    request,
                    "error.html",
                    {
                        "title": "Not found",
                        "message": str(e)
                        if isinstance(e, NotFound)
                        else "There is no such page among yours.",
                    },
                    404,
                    account,
                    csrf,
                )
            except Forbidden as e:
                return render(
                    request,
                    "error.html",
                    {"title": "Not allowed", "message": str(e)},
                    403,
                    account,
                    csrf,
                )

        return endpoint

    # -- sign-in -------------------------------------------------------------------------

    async def sign_in_page(request: Request) -> Response:
        next_url = _safe_next(request.query_params.get("next", ""))
        token = security.sign_in_token(request)
        error, name, status = "", "", 200
        if request.method == "POST":
            replayed = await buffered(request, MAX_SIGN_IN_BYTES)
            if replayed is None:
                return _plain(413, "the sign-in form is too large")
            form = await replayed.form(max_files=0, max_fields=10)
            name = str(form.get("name", ""))
            next_url = _safe_next(str(form.get("next", "")))
            if not security.sign_in_token_ok(request, str(form.get(security.CSRF_FIELD, ""))):
                return _plain(
                    403, "this form has no valid anti-forgery token: reload the page and try again"
                )
            try:
                session = await run_in_threadpool(
                    sign_in,
                    app.store,
                    app.clock,
                    name,
                    str(form.get("password", "")),
                    client_of(request, app.config.server.trusted_proxies),
                )
            except TooManyAttempts as e:
                error, status = str(e), 429
            except SignInRefused as e:
                error, status = str(e), 401
            else:
                response: Response = RedirectResponse(next_url or "/ssi/inventory", 303)
                security.set_session(response, request, session)
                return response
        response = render(
            request,
            "sign_in.html",
            {
                "title": "Sign in",
                "error": error,
                "name": name,
                "next": next_url,
                "sign_in_csrf": token,
            },
            status,
        )
        security.set_sign_in_token(response, request, token)
        return response

    def do_sign_out(p: Page) -> Response:
        sign_out(app.store, p.request.cookies.get(security.SESSION_COOKIE, ""))
        response = RedirectResponse("/ssi/sign-in?signed_out=1", 303)
        security.clear_session(response)
        return response

    async def home(request: Request) -> Response:
        return RedirectResponse("/ssi/inventory", 303)

    # -- inventory -----------------------------------------------------------------------

    def inventory_page(p: Page) -> Response:
        q = p.request.query_params.get("q", "")
        kind = p.request.query_params.get("kind", "auto")
        results, error = None, ""
        if q.strip():
            try:
                results = inventory.search(app.store, p.account.user, q, kind)
            except InvalidValue as e:
                error = str(e)
        return render(
            p.request,
            "inventory.html",
            {
                "title": "Inventory",
                "q": q,
                "kind": kind,
                "results": results,
                "error": error,
                "kinds": [
                    ("auto", "Anything"),
                    ("device", "Device ID"),
                    ("mpxn", "MPxN"),
                    ("uprn", "UPRN"),
                    ("postcode", "Postcode"),
                ],
            },
            account=p.account,
            csrf=p.csrf,
        )

    def premises_page(p: Page) -> Response:
        view = inventory.premises(app.store, p.account.user, _device_id(p.param("id")))
        return render(
            p.request,
            "premises.html",
            {"title": f"Premises {view.key}", "view": view},
            account=p.account,
            csrf=p.csrf,
        )

    def device_page(
        p: Page, *, restricted_form: dict[str, Any] | None = None, status: int = 200
    ) -> Response:
        device_id = _device_id(p.param("id"))
        view = inventory.device_for(app.store, p.account.user, device_id)
        d = view.device
        history = restricted.history(
            app.store, app.sealer(), Viewer(p.account.user), device_id
        ).changes
        with app.store.read() as tx:
            cpl = tx.cpl.find(CplKey(d.model, d.device_type, d.smets_variant))
        return render(
            p.request,
            "device.html",
            {
                "title": f"{d.device_type.value} {d.device_id}",
                "view": view,
                "d": d,
                "cpl": cpl,
                "restricted_history": history,
                "responsible": is_responsible(p.account.user, d),
                "restrictable": why_not_restrictable(d) is None,
                "notice": _NOTICES.get(p.request.query_params.get("done", ""), ""),
                "visible_log": [x for x in view.device_log if may_see(p.account.user, x)],
                "form": restricted_form or {},
            },
            status,
            p.account,
            p.csrf,
        )

    def restricted_post(p: Page) -> Response:
        """Step 1 checks and asks for confirmation; step 2 (confirm=yes) changes the flag."""
        device_id = _device_id(p.param("id"))
        wanted = p.form.get("restricted") == "true"
        preference = p.form.get("consumer_preference", "")
        steps = p.form.get("reasonable_steps") == "yes"
        confirmed = p.form.get("confirm") == "yes"
        try:
            changed = restricted.set_restricted(
                app.store,
                app.clock,
                app.config,
                p.user_id,
                device_id,
                wanted,
                preference,
                steps,
                sealer=app.sealer(),
                dry_run=not confirmed,
            )
        except restricted.NotResponsibleSupplier as e:
            raise Forbidden(str(e)) from e
        except (InvalidValue, Conflict) as e:
            return device_page(
                p,
                restricted_form={
                    "error": str(e),
                    "consumer_preference": preference,
                    "reasonable_steps": steps,
                    "restricted": wanted,
                },
                status=422,
            )
        if not confirmed:
            return render(
                p.request,
                "restricted_confirm.html",
                {
                    "title": "Confirm Restricted mode",
                    "device_id": device_id,
                    "changed": changed,
                    "restricted": wanted,
                    "consumer_preference": preference,
                    "reasonable_steps": steps,
                },
                account=p.account,
                csrf=p.csrf,
            )
        return RedirectResponse(
            f"/ssi/devices/{device_id}?done={'restricted' if wanted else 'unrestricted'}", 303
        )

    def extract(p: Page) -> Response:
        out = io.StringIO()
        inventory.export_for(app.store, p.account.user, out)
        return Response(
            out.getvalue(),
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="devices-{p.user_id.hex}.csv"',
                "Cache-Control": "no-store",
            },
        )

    # -- install codes -------------------------------------------------------------------

    def queues_page(
        p: Page, *, raise_form: dict[str, str] | None = None, status: int = 200
    ) -> Response:
        mine, assigned = install_codes.queue(app.store, app.clock, app.config, p.user_id)
        return render(
            p.request,
            "install_codes.html",
            {
                "title": "Install-code requests",
                "mine": mine,
                "assigned": assigned,
                "form": raise_form or {},
                "notice": _NOTICES.get(p.request.query_params.get("done", ""), ""),
            },
            status,
            p.account,
            p.csrf,
        )

    def raise_one(p: Page) -> Response:
        text = p.form.get("device_id", "").strip()
        backlog = p.form.get("backlog") == "yes"
        try:
            if not text:
                raise InvalidValue("type the Device ID of the meter, PPMID or HCALCS")
            DeviceId.parse(text)
            rows = install_codes.raise_requests(
                app.store, app.clock, app.config, p.user_id, [(1, text)], backlog=backlog
            )
        except (InvalidValue, Conflict) as e:
            return queues_page(
                p,
                raise_form={
                    "device_id": text,
                    "error": str(e),
                    "backlog": "yes" if backlog else "",
                },
                status=422,
            )
        if rows[0].request_id is None:
            return queues_page(
                p,
                raise_form={
                    "device_id": text,
                    "error": rows[0].message,
                    "backlog": "yes" if backlog else "",
                },
                status=422,
            )
        return RedirectResponse(f"/ssi/install-codes/{rows[0].request_id}?done=raised", 303)

    def raise_bulk(p: Page) -> Response:
        filename, content = p.files.get("file", ("", b""))
        backlog = p.form.get("backlog") == "yes"
        try:
            devices = read_device_ids(content)
            results = install_codes.raise_requests(
                app.store, app.clock, app.config, p.user_id, devices, backlog=backlog
            )
        except (InvalidValue, Conflict) as e:
            return queues_page(
                p,
                raise_form={"bulk_error": str(e), "backlog": "yes" if backlog else ""},
                status=422,
            )
        return render(
            p.request,
            "bulk_result.html",
            {
                "title": "Bulk install-code requests",
                "filename": filename,
                "results": results,
                "raised": sum(1 for r in results if r.request_id is not None),
            },
            account=p.account,
            csrf=p.csrf,
        )

    def request_page(p: Page, *, form: dict[str, str] | None = None, status: int = 200) -> Response:
        request_id = int(p.param("id"))
        r = install_codes.request_for(app.store, p.user_id, request_id)
        code = None
        if r.requester == p.user_id and r.status is RequestStatus.ANSWERED:
            code = install_codes.read_code(app.store, app.sealer(), p.user_id, request_id)
        today = app.clock.now().date()
        return render(
            p.request,
            "request.html",
            {
                "title": f"Install-code request {r.id}",
                "r": r,
                "code": code.hex().upper() if code else None,
                "overdue": is_overdue(r.status, r.due, today),
                "is_requester": r.requester == p.user_id,
                "is_assignee": r.assignee == p.user_id,
                "form": form or {},
                "notice": _NOTICES.get(p.request.query_params.get("done", ""), ""),
            },
            status,
            p.account,
            p.csrf,
        )

    def request_action(p: Page) -> Response:
        request_id = int(p.param("id"))
        action = p.param("action")
        typed = p.form.get("install_code", "").strip()
        try:
            if action == "answer":
                try:
                    raw = bytes.fromhex(typed.replace("-", "").replace(" ", ""))
                except ValueError as e:
                    raise InvalidValue(
                        "an install code is hexadecimal (0-9, A-F), for example 0123456789ABCDEF"
                    ) from e
                install_codes.answer(
                    app.store, app.clock, app.sealer(), p.user_id, request_id, install_code=raw
                )
            elif action == "not-installer":
                install_codes.answer(
                    app.store, app.clock, app.sealer(), p.user_id, request_id, not_installer=True
                )
            elif action == "close":
                install_codes.close(app.store, app.clock, p.user_id, request_id)
            elif action == "redirect":
                to = UserId.parse(p.form.get("to", ""))
                install_codes.request_for(app.store, p.user_id, request_id)  # yours at all?
                try:
                    install_codes.redirect(
                        app.store, app.clock, app.config, p.user_id, request_id, to
                    )
                except NotFound as e:  # the User named, not the request: say so here
                    raise InvalidValue(str(e)) from e
            else:
                raise NotFound(f"no action {action!r}")
        except (InvalidValue, Conflict) as e:
            return request_page(
                p,
                form={"error": str(e), "install_code": typed, "to": p.form.get("to", "")},
                status=422,
            )
        return RedirectResponse(f"/ssi/install-codes/{request_id}?done={action}", 303)

    # -- housekeeping --------------------------------------------------------------------

    def housekeeping_page(p: Page, *, error: str = "", status: int = 200) -> Response:
        parties = sorted(parties_of(p.account.user), key=str)
        now = app.clock.now()
        rule = housekeeping.rule_in_force(app.config, now)
        forecasts = housekeeping.dry_run(app.store, now, [rule])  # one "now" per request
        due_counts = [(f.days, sum(n for _, u, n in f.counts if u in parties)) for f in forecasts]
        return render(
            p.request,
            "housekeeping.html",
            {
                "title": "Housekeeping",
                "rule": rule.describe(),
                "due_counts": due_counts,
                "due": housekeeping.due_within(app.store, now, app.config, parties),
                "removed": housekeeping.removed(app.store, [p.user_id]),
                "error": error,
                "notice": _NOTICES.get(p.request.query_params.get("done", ""), ""),
                "today": now,
            },
            status,
            p.account,
            p.csrf,
        )

    def renotify(p: Page) -> Response:
        device_id = _device_id(p.param("id"))
        try:
            housekeeping.renotify(
                app.store,
                app.clock,
                app.config,
                p.account.user,
                device_id,
                emulator=app.emulator,
            )
        except Conflict as e:
            return housekeeping_page(p, error=str(e), status=409)
        return RedirectResponse(f"/ssi/devices/{device_id}?done=renotified", 303)

    # -- reports -------------------------------------------------------------------------

    def reports_page(p: Page) -> Response:
        user = p.account.user
        parties = parties_of(user)
        now = app.clock.now()
        profile = reports.outcome_profile(app.store, [user.user_id], now)
        sla = [
            s
            for s in install_codes.sla_report(app.store, app.clock, app.config)
            if s.assignee in parties
        ]
        ages = [
            (t, bucket, n)
            for t, u, bucket, n in housekeeping.pending_age(app.store, app.clock)
            if u in parties
        ]
        stock = [s for s in housekeeping.hub_stock(app.store) if s.holder in parties]
        buckets = [label for _, label in AGE_BUCKETS]
        types = sorted({t for t, _, _ in ages})
        days = [d for d, *_ in profile.by_day]
        context = {
            "title": "Reports",
            "profile": profile,
            "sla": sla,
            "ages": ages,
            "stock": stock,
            "types": types,
            "buckets": buckets,
            "by_code": charts.rows(
                "Requests by response code",
                [c for c, _ in profile.by_code],
                [charts.Series("requests", [n for _, n in profile.by_code])],
            ),
            "by_day": charts.columns(
                "Requests per day, last 30 days",
                [f"{d:%d %b}" for d in days],
                [
                    charts.Series("succeeded", [s for _, s, _, _ in profile.by_day]),
                    charts.Series("failed", [f for _, _, f, _ in profile.by_day]),
                    charts.Series("refused: Restricted", [r for *_, r in profile.by_day]),
                ],
                label_every=5,
            ),
            "sla_chart": charts.rows(
                "Install-code requests you received",
                [names.get(s.assignee, str(s.assignee)) for s in sla],
                [
                    charts.Series("answered in time", [s.in_time for s in sla]),
                    charts.Series("answered late", [s.late for s in sla]),
                    charts.Series("open, not yet due", [s.outstanding - s.overdue for s in sla]),
                    charts.Series("overdue", [s.overdue for s in sla]),
                ],
            ),
            "age_chart": charts.columns(
                "Pending devices by how long they have been Pending",
                [_short_age(b) for b in buckets],
                [
                    charts.Series(
                        t,
                        [
                            sum(n for tt, b, n in ages if tt == t and b == bucket)
                            for bucket in buckets
                        ],
                    )
                    for t in types[:4]
                ]
                if types
                else [charts.Series("devices", [0] * len(buckets))],
            ),
            "stock_chart": charts.rows(
                "Communications Hubs",
                [names.get(s.holder, str(s.holder)) if s.holder else "-" for s in stock],
                [
                    charts.Series(
                        "in stock, firmware current", [s.in_stock - s.behind for s in stock]
                    ),
                    charts.Series("in stock, firmware behind", [s.behind for s in stock]),
                    charts.Series("installed", [s.installed for s in stock]),
                ],
            ),
        }
        return render(p.request, "reports.html", context, account=p.account, csrf=p.csrf)

    return [
        Route("/ssi", home),
        Route("/ssi/", home),
        Route("/ssi/sign-in", sign_in_page, methods=["GET", "POST"]),
        Route("/ssi/sign-out", page(do_sign_out), methods=["POST"]),
        Route("/ssi/inventory", page(inventory_page)),
        Route("/ssi/extract.csv", page(extract)),
        Route("/ssi/premises/{id}", page(premises_page)),
        Route("/ssi/devices/{id}", page(device_page)),
        Route("/ssi/devices/{id}/restricted", page(restricted_post), methods=["POST"]),
        Route("/ssi/install-codes", page(queues_page)),
        Route("/ssi/install-codes", page(raise_one), methods=["POST"]),
        Route("/ssi/install-codes/bulk", page(raise_bulk), methods=["POST"]),
        Route("/ssi/install-codes/{id:int}", page(request_page)),
        Route("/ssi/install-codes/{id:int}/{action}", page(request_action), methods=["POST"]),
        Route("/ssi/housekeeping", page(housekeeping_page)),
        Route("/ssi/housekeeping/renotify/{id}", page(renotify), methods=["POST"]),
        Route("/ssi/reports", page(reports_page)),
        Mount("/ssi/static", StaticFiles(directory=HERE / "static"), name="portal-static"),
    ]


_NOTICES = {
    "restricted": "Restricted mode is set. The CSP is told; the history below records it.",
    "unrestricted": "Restricted mode is cleared. The CSP is told; the history below records it.",
    "raised": "Request raised. The installing supplier has been told.",
    "answer": "Answer recorded. The requesting supplier has been told.",
    "not-installer": "Recorded that you did not install this device. The requester has been told.",
    "close": "Request closed.",
    "redirect": "Request redirected to the supplier you named.",
    "renotified": "Device pre-notified again: it is Pending in the SMI from today.",
}


async def _read_form(request: Request, page: Page) -> None:
    form = await request.form(max_files=2, max_fields=50)
    for key, value in form.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read(MAX_UPLOAD_BYTES + 1)
            if len(content) > MAX_UPLOAD_BYTES:
                raise InvalidValue(f"the file is larger than {MAX_UPLOAD_BYTES:,} bytes")
            page.files[key] = (value.filename or "", content)
        else:
            page.form[key] = value


def _short_age(label: str) -> str:
    """'under 3 months' -> '< 3 mo': chart axis labels must fit under their column."""
    return label.replace("under ", "< ").replace("over ", "> ").replace(" months", " mo")


def _device_id(text: str) -> DeviceId:
    try:
        return DeviceId.parse(text)
    except InvalidValue as e:
        raise NotFound(f"{text!r} is not a Device ID") from e


def _safe_next(target: str) -> str:
    """Only a path inside the portal: never an open redirect to another site."""
    return target if target.startswith("/ssi/") and not target.startswith("//") else ""


def _plain(status: int, message: str) -> Response:
    response = HTMLResponse(f"<!doctype html><title>{status}</title><p>{message}</p>", status)
    response.headers.update(security.HEADERS)
    return response


def _user_names(app: App) -> dict[UserId, str]:
    """User names for display, loaded lazily (Users are few and rarely change)."""

    class Names(dict[UserId, str]):
        def __missing__(self, key: UserId) -> str:
            with app.store.read() as tx:
                self.update({u.user_id: u.name for u in tx.users.all()})
            return dict.get(self, key, str(key))

        def get(self, key: object, default: Any = None) -> Any:
            if not isinstance(key, UserId):
                return default
            return self[key]

    return Names()
