"""MP121 install-code requests: raised by the gaining supplier, answered by the installer.

Everything a request goes through is tracked (who, when, due date in Working Days), every
update mails the other side (through the outbox: nothing acknowledged is lost), and
install codes are sealed at rest, never mailed or logged: a mail says an answer waits, and
only the requester reads the code, through the authenticated API or CLI.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from gbdsp.clock import Clock
from gbdsp.config import Config
from gbdsp.domain import install_codes as rules
from gbdsp.domain.errors import Conflict, InvalidValue, NotFound
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.install_codes import InstallCodeRequest, RequestStatus
from gbdsp.domain.outbox import Mail
from gbdsp.domain.rules import rules_on
from gbdsp.domain.working_days import working_days_between
from gbdsp.sealing import Sealer
from gbdsp.store.store import Store, Transaction

BATCH = 1000


@dataclass(frozen=True, slots=True)
class RowResult:
    line: int
    device: str
    request_id: int | None
    message: str


def _require_in_force(config: Config, now: datetime) -> None:
    refusal = rules_on(config.rule_settings(), now.date()).mp121.refusal
    if refusal is not None:
        raise Conflict(refusal)


def _due(config: Config, raised: datetime) -> date:
    return config.rule_settings().mp121.due_date(raised.date())


def raise_requests(
    store: Store,
    clock: Clock,
    config: Config,
    requester: UserId,
    devices: Iterable[tuple[int, str]],
    *,
    backlog: bool = False,
) -> list[RowResult]:
    """Raise one request per device (a bulk CSV is thousands); each row succeeds or fails on
    its own, with its reason. Installers get one mail per batch listing their new requests."""
    now = clock.now()
    _require_in_force(config, now)
    results: list[RowResult] = []
    rows = list(devices)
    for start in range(0, len(rows), BATCH):
        with store.transaction() as tx:
            results += _raise_batch(
                tx, config, requester, rows[start : start + BATCH], now, backlog
            )
    return results


def _raise_batch(
    tx: Transaction,
    config: Config,
    requester: UserId,
    rows: list[tuple[int, str]],
    now: datetime,
    backlog: bool,
) -> list[RowResult]:
    results: list[RowResult] = []
    per_assignee: dict[UserId, list[str]] = {}
    parsed: dict[int, DeviceId] = {}
    for line, text in rows:
        try:
            parsed[line] = DeviceId.parse(text)
        except InvalidValue as e:
            results.append(RowResult(line, text, None, str(e)))
    found = tx.devices.get_many(list(parsed.values()))
    open_for = tx.install_codes.open_for(list(parsed.values()))
    due = _due(config, now)
    accepted: list[tuple[int, DeviceId, UserId]] = []
    for line, device_id in parsed.items():
        device = found.get(device_id)
        why = rules.why_no_request(
            device, device is not None and device.responsible_supplier == requester
        )
        if why is None and device_id in open_for:
            earlier = open_for[device_id]
            why = f"request {earlier} for it is still open" if earlier else "it is listed twice"
        if why is not None:
            results.append(RowResult(line, str(device_id), None, f"refused: {why}"))
            continue
        assert device is not None and device.installing_supplier is not None
        accepted.append((line, device_id, device.installing_supplier))
        open_for[device_id] = 0  # a repeat later in the same batch is refused too
    if accepted:
        ids = tx.install_codes.raise_many(
            requester, [(d, a) for _, d, a in accepted], now, due, backlog=backlog
        )
        for (line, device_id, assignee), request_id in zip(accepted, ids, strict=True):
            note = " (you installed it yourself)" if assignee == requester else ""
            results.append(
                RowResult(
                    line,
                    str(device_id),
                    request_id,
                    f"raised, assigned to {assignee}, due {due}{note}",
                )
            )
            per_assignee.setdefault(assignee, []).append(str(device_id))
    for assignee, devices in per_assignee.items():
        _mail(
            tx,
            assignee,
            now,
            f"{len(devices)} install-code request(s) for you",
            f"{requester} asks for the install codes of {len(devices)} device(s) you "
            f"installed (SEC Appendix AC 4.16), due by {due}: {', '.join(devices[:20])}"
            + (" ..." if len(devices) > 20 else "")
            + ". Answer in the SSI (gbdsp install-codes list).",
        )
    return sorted(results, key=lambda r: r.line)


def answer(
    store: Store,
    clock: Clock,
    sealer: Sealer,
    by: UserId,
    request_id: int,
    *,
    install_code: bytes | None = None,
    not_installer: bool = False,
) -> InstallCodeRequest:
    """The installing supplier gives the code (sealed at once), or says it did not install."""
    if (install_code is None) == (not not_installer):
        raise InvalidValue("answer with an install code, or say you are not the installer")
    if install_code is not None and not 6 <= len(install_code) <= 16:
        raise InvalidValue("an install code is 6 to 16 octets (DUIS InstallCode)")
    now = clock.now()
    with store.transaction() as tx:
        request = _get(tx, request_id, for_update=True).answered(
            by, now, not_installer=not_installer
        )
        tx.install_codes.save(
            request, code_sealed=sealer.seal(install_code) if install_code else None
        )
        what = (
            "says it did not install the device: redirect the request to an earlier supplier"
            if not_installer
            else "has answered: read the code in the SSI"
        )
        _mail(
            tx,
            request.requester,
            now,
            f"install-code request {request_id}: answered",
            f"{by} {what} (device {request.device_id}).",
        )
        return request


def redirect(
    store: Store, clock: Clock, config: Config, by: UserId, request_id: int, to: UserId
) -> InstallCodeRequest:
    """After 'not the installer', the requester points the request at an earlier supplier."""
    now = clock.now()
    with store.transaction() as tx:
        request = _get(tx, request_id, for_update=True).redirected(by, to, _due(config, now))
        user = tx.users.get(to)
        if user is None or not any(r.is_supplier for r in user.roles):
            raise NotFound(f"{to} is not a registered supplier User")
        tx.install_codes.save(request)
        _mail(
            tx,
            to,
            now,
            "1 install-code request(s) for you",
            f"{by} asks for the install code of {request.device_id} (redirected to you).",
        )
        return request


def read_code(store: Store, sealer: Sealer, by: UserId, request_id: int) -> bytes:
    with store.read() as tx:
        request = _get(tx, request_id)
        request.check_requester(by)
        sealed = tx.install_codes.sealed_code(request_id)
    if not sealed:
        raise Conflict(f"request {request_id} has no install code ({request.status.value})")
    return sealer.open(sealed)


def close(store: Store, clock: Clock, by: UserId, request_id: int) -> InstallCodeRequest:
    """Only the requester closes a request."""
    with store.transaction() as tx:
        request = _get(tx, request_id, for_update=True).closed(by, clock.now())
        tx.install_codes.save(request)
        return request


def close_on_success(tx: Transaction, device_id: DeviceId, by: UserId, at: datetime) -> None:
    """The requester's device joined its CHF with the right code: the request has done its
    job and closes itself (called by 8.11 when the emulated device accepts the code)."""
    for request in tx.install_codes.still_open(device_id, by):
        tx.install_codes.save(request.joined(at))


def requests_for(store: Store, user: UserId) -> list[InstallCodeRequest]:
    """What a supplier may see: the requests it raised and those assigned to it."""
    with store.read() as tx:
        return tx.install_codes.of_party(user)


def request_for(store: Store, user: UserId, request_id: int) -> InstallCodeRequest:
    """One request, only for its requester or its assignee ('not found' for anyone else)."""
    with store.read() as tx:
        request = _get(tx, request_id)
    request.check_party(user)
    return request


@dataclass(frozen=True, slots=True)
class QueueLine:
    """A request in a supplier's queue, with what its due date means today."""

    request: InstallCodeRequest
    overdue: bool
    working_days_left: int
    """Working Days from today up to the due date (0 on the day, and when overdue)."""


def queue(
    store: Store, clock: Clock, config: Config, user: UserId
) -> tuple[list[QueueLine], list[QueueLine]]:
    """The supplier's two queues: requests it raised, and requests assigned to it (open
    ones first, most urgent first)."""
    calendar = config.rule_settings().mp121.calendar
    today = clock.now().date()
    lines = [
        QueueLine(
            r,
            rules.is_overdue(r.status, r.due, today),
            working_days_between(today, r.due, calendar),
        )
        for r in requests_for(store, user)
    ]
    lines.sort(
        key=lambda q: (q.request.status is not RequestStatus.OPEN, q.request.due, q.request.id)
    )
    return (
        [q for q in lines if q.request.requester == user],
        [q for q in lines if q.request.assignee == user],
    )


@dataclass(frozen=True, slots=True)
class SlaLine:
    assignee: UserId
    received: int
    in_time: int
    late: int
    outstanding: int
    overdue: int
    median_working_days: float | None


def sla_report(store: Store, clock: Clock, config: Config) -> list[SlaLine]:
    """For the Panel: per installing supplier, requests received (backlog apart), answered in
    time, late, outstanding and overdue, and the median answer time in Working Days."""
    calendar = config.rule_settings().mp121.calendar
    today = clock.now().date()
    with store.read() as tx:
        rows = tx.install_codes.tracked()
    lines = []
    for assignee in sorted({r.assignee for r in rows}, key=str):
        mine = [r for r in rows if r.assignee == assignee]
        answered = [r for r in mine if r.answered_at is not None]
        times = [
            working_days_between(r.raised_at.date(), r.answered_at.date(), calendar)
            for r in answered
            if r.answered_at
        ]
        open_ = [r for r in mine if r.status is RequestStatus.OPEN]
        lines.append(
            SlaLine(
                assignee,
                len(mine),
                sum(
                    1
                    for r in answered
                    if r.answered_at and rules.answered_in_time(r.answered_at.date(), r.due)
                ),
                sum(
                    1
                    for r in answered
                    if r.answered_at and not rules.answered_in_time(r.answered_at.date(), r.due)
                ),
                len(open_),
                sum(1 for r in open_ if rules.is_overdue(r.status, r.due, today)),
                statistics.median(times) if times else None,
            )
        )
    return lines


def overdue(store: Store, clock: Clock) -> list[InstallCodeRequest]:
    """Open requests past their due date (escalation), backlog excluded."""
    with store.read() as tx:
        return tx.install_codes.overdue(clock.now().date())


def _get(tx: Transaction, request_id: int, *, for_update: bool = False) -> InstallCodeRequest:
    request = tx.install_codes.get(request_id, for_update=for_update)
    if request is None:
        raise NotFound(f"install-code request {request_id} does not exist")
    return request


def _mail(tx: Transaction, user_id: UserId, at: datetime, subject: str, body: str) -> bool:
    """Queue a notification; no address on record means no mail (the SSI queue remains)."""
    user = tx.users.get(user_id)
    if user is None or not user.email:
        return False
    _queue_mail(tx, user.email, at, subject, body)
    return True


def _queue_mail(tx: Transaction, address: str, at: datetime, subject: str, body: str) -> None:
    tx.outbox.add_mail(Mail(address, f"[gbdsp] {subject}", body), at)


@dataclass(frozen=True, slots=True)
class ReminderReport:
    reminded: int
    """Open requests whose installer was reminded that the due date is near."""
    escalated: int
    """Requests newly overdue: installer, requester (and escalation address) told."""
    mails: int

    def describe(self) -> str:
        return (
            f"{self.reminded} request(s) reminded, {self.escalated} newly overdue "
            f"escalated, {self.mails} mail(s) queued"
        )


def send_reminders(store: Store, clock: Clock, config: Config) -> ReminderReport:
    """MP121 chasing, run by the scheduler: each open request (backlog apart) gets one
    reminder to its installer when its due date is `remind_working_days` away, and one
    escalation when it becomes overdue (installer, requester, and the configured
    escalation address). One mail per party per run, never per request; each request is
    marked in the same transaction, so a rerun sends nothing twice."""
    now = clock.now()
    today = now.date()
    mp121 = rules_on(config.rule_settings(), today).mp121
    if mp121.refusal is not None:  # no obligation to answer: nothing to chase
        return ReminderReport(0, 0, 0)
    settings = mp121.settings
    with store.transaction() as tx:
        repo = tx.install_codes
        soon = [r for r in repo.not_reminded(today) if settings.reminder_due(r.due, today)]
        late = repo.not_escalated(today)
        mails = 0
        for assignee, group in _grouped(soon, "assignee").items():
            mails += _mail(
                tx,
                assignee,
                now,
                f"{len(group)} install-code request(s) due soon",
                f"Please answer by the due date (SEC Appendix AC 4.16): "
                f"{_listing(group)}. Answer in the SSI (gbdsp install-codes list).",
            )
        for assignee, group in _grouped(late, "assignee").items():
            mails += _mail(
                tx,
                assignee,
                now,
                f"{len(group)} install-code request(s) overdue",
                f"These are past their due date (SEC Appendix AC 4.16) and show as "
                f"late in the SLA report: {_listing(group)}.",
            )
        for requester, group in _grouped(late, "requester").items():
            mails += _mail(
                tx,
                requester,
                now,
                f"{len(group)} of your install-code requests are overdue",
                f"The installing supplier has not answered in time: "
                f"{_listing(group)}. The SLA report lists them.",
            )
        if late and settings.escalation_address:
            _queue_mail(
                tx,
                settings.escalation_address,
                now,
                f"{len(late)} install-code request(s) newly overdue",
                "Newly overdue (installer: requests): "
                + "; ".join(f"{a}: {len(g)}" for a, g in _grouped(late, "assignee").items())
                + ". Details: gbdsp install-codes report.",
            )
            mails += 1
        repo.mark_reminded([r.id for r in soon], now)
        repo.mark_escalated([r.id for r in late], now)
    return ReminderReport(len(soon), len(late), mails)


def _grouped(requests: list[InstallCodeRequest], by: str) -> dict[UserId, list[InstallCodeRequest]]:
    groups: dict[UserId, list[InstallCodeRequest]] = {}
    for r in requests:
        groups.setdefault(getattr(r, by), []).append(r)
    return groups


def _listing(group: list[InstallCodeRequest]) -> str:
    shown = ", ".join(f"request {r.id} (device {r.device_id}, due {r.due})" for r in group[:20])
    return shown + (f" and {len(group) - 20} more" if len(group) > 20 else "")
