"""Terminal rendering of SMI views (rich), kept apart from the command definitions."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from gbdsp.domain.devices import Device
from gbdsp.domain.housekeeping import AGE_BUCKETS
from gbdsp.domain.ids import UserId
from gbdsp.services.housekeeping import Forecast, HubStock, StockRotation
from gbdsp.services.inventory import DeviceView


def render_device(console: Console, view: DeviceView) -> None:
    d = view.device
    status = d.status.value if d.status else "(Type 2: no SMI status)"
    console.print(
        f"[bold]{d.device_id}[/]  {d.device_type.value}  {status}"
        + (f" since {d.status_date:%Y-%m-%d %H:%M}Z" if d.status_date else "")
    )
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    for label, value in _facts(view):
        facts.add_row(label, value)
    console.print(facts)
    if d.history:
        history = Table(title="Status history", title_justify="left")
        for column in ("effective", "status", "reason", "by"):
            history.add_column(column)
        for change in d.history:
            history.add_row(
                f"{change.effective_at:%Y-%m-%d %H:%M:%S}Z",
                change.status.value,
                change.reason,
                str(change.by) if change.by else "",
            )
        console.print(history)
    if view.device_log:
        log = Table(title=f"Device Log of CHF {d.device_id}", title_justify="left")
        for column in ("device", "type", "status", "MPxN"):
            log.add_column(column)
        for member in view.device_log:
            log.add_row(
                str(member.device_id),
                member.device_type.value,
                member.status.value if member.status else "-",
                member.import_mpxn or "",
            )
        console.print(log)


def _facts(view: DeviceView) -> list[tuple[str, str]]:
    d = view.device
    m = d.model
    rows = [
        (
            "model",
            f"{m.manufacturer} / {m.model} (hardware {m.hardware_version or '-'}, "
            f"firmware {m.firmware_version})",
        ),
        ("SMETS/CHTS", f"{d.smets_chts_version} ({d.smets_variant.value})"),
        ("MPxN", d.import_mpxn or "-"),
        ("UPRN / postcode", f"{d.uprn or '-'} / {d.postcode or '-'}"),
        ("CHF", _chf(view.chf, d)),
        ("responsible supplier", str(d.responsible_supplier or "-")),
        ("installing supplier", str(d.installing_supplier or "-")),
        ("restricted (MP169)", "yes" if d.restricted else "no"),
    ]
    return rows


def _chf(chf: Device | None, d: Device) -> str:
    if chf is None:
        return str(d.chf_id) if d.chf_id else "-"
    return f"{chf.device_id} ({chf.status.value if chf.status else '-'})"


def render_forecasts(console: Console, forecasts: list[Forecast]) -> None:
    """Dry run: each rule's removals today and ahead, side by side, then by type and User."""
    rules = list(dict.fromkeys(f.rule for f in forecasts))
    days = sorted({f.days for f in forecasts})
    table = Table(title="Housekeeping dry run: devices that would be removed (nobody acting)")
    table.add_column("rule")
    for d in days:
        table.add_column("today" if d == 0 else f"within {d} days", justify="right")
    for rule in rules:
        totals = {f.days: f.total for f in forecasts if f.rule == rule}
        table.add_row(rule.describe(), *(f"{totals[d]:,}" for d in days))
    console.print(table)
    for rule in rules:
        horizon = max(days)
        counts = next(f.counts for f in forecasts if f.rule == rule and f.days == horizon)
        if not counts:
            continue
        detail = Table(
            title=f"{rule.describe()}: within {horizon} days, by type and User",
            title_justify="left",
        )
        for column in ("device type", "Responsible Supplier", "devices"):
            detail.add_column(column)
        for dtype, supplier, n in sorted(counts, key=lambda c: (c[0], str(c[1]))):
            detail.add_row(dtype, str(supplier or "-"), f"{n:,}")
        console.print(detail)


def render_pending_age(console: Console, rows: list[tuple[str, UserId | None, str, int]]) -> None:
    labels = [label for _, label in AGE_BUCKETS]
    table = Table(title="Pending devices by how long they have been Pending")
    for column in ("device type", "Responsible Supplier", *labels):
        table.add_column(column, justify="right" if column in labels else "left")
    grid: dict[tuple[str, str], dict[str, int]] = {}
    for dtype, user, bucket, n in rows:
        grid.setdefault((dtype, str(user or "-")), {})[bucket] = n
    for (dtype, holder), counts in sorted(grid.items()):
        table.add_row(dtype, holder, *(f"{counts.get(label, 0):,}" for label in labels))
    console.print(table)


def render_hub_stock(console: Console, stock: list[HubStock]) -> None:
    table = Table(title="Communications Hubs per party (CHF)")
    for column in ("holder", "in stock (Pending)", "installed", "in stock, firmware > 1 behind"):
        table.add_column(column, justify="left" if column == "holder" else "right")
    for s in stock:
        table.add_row(str(s.holder or "-"), f"{s.in_stock:,}", f"{s.installed:,}", f"{s.behind:,}")
    console.print(table)


def render_stock_rotation(console: Console, rows: list[StockRotation]) -> None:
    table = Table(title="CH installs in the last 12 months: newest stock installed first?")
    for column in (
        "holder",
        "installs",
        "installed while older stock waited",
        "oldest CH in stock (days)",
    ):
        table.add_column(column, justify="left" if column == "holder" else "right")
    for r in rows:
        table.add_row(
            str(r.holder or "-"),
            f"{r.installs:,}",
            f"{r.newer_first:,}",
            "-" if r.oldest_in_stock_days is None else str(r.oldest_in_stock_days),
        )
    console.print(table)
