"""Terminal rendering of SMI views (rich), kept apart from the command definitions."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from gbdsp.domain.devices import Device
from gbdsp.services.inventory import DeviceView


def render_device(console: Console, view: DeviceView) -> None:
    d = view.device
    status = d.status.value if d.status else "(Type 2: no SMI status)"
    console.print(f"[bold]{d.device_id}[/]  {d.device_type.value}  {status}"
                  + (f" since {d.status_date:%Y-%m-%d %H:%M}Z" if d.status_date else ""))
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
            history.add_row(f"{change.effective_at:%Y-%m-%d %H:%M:%S}Z", change.status.value,
                            change.reason, str(change.by) if change.by else "")
        console.print(history)
    if view.device_log:
        log = Table(title=f"Device Log of CHF {d.device_id}", title_justify="left")
        for column in ("device", "type", "status", "MPxN"):
            log.add_column(column)
        for member in view.device_log:
            log.add_row(str(member.device_id), member.device_type.value,
                        member.status.value if member.status else "-", member.import_mpxn or "")
        console.print(log)


def _facts(view: DeviceView) -> list[tuple[str, str]]:
    d = view.device
    m = d.model
    rows = [
        ("model", f"{m.manufacturer} / {m.model} (hardware {m.hardware_version or '-'}, "
                  f"firmware {m.firmware_version})"),
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
