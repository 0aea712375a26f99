"""The CSV formats gbdsp reads and writes: the SMI device extract and the CPL.

The device extract that `gbdsp smi export` writes is exactly what `gbdsp smi import`
reads, so an inventory moves between instances (SQLite <-> PostgreSQL) unchanged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from gbdsp.domain.devices import (
    CspRegion,
    Device,
    DeviceModel,
    DeviceType,
    SmetsVariant,
    SmiStatus,
    StatusChange,
    normalise_postcode,
)
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.products import CplEntry, CplKey, CplStatus

DEVICE_COLUMNS = (
    "device_id",
    "device_type",
    "manufacturer",
    "model",
    "hardware_version",
    "firmware_version",
    "smets_chts_version",
    "status",
    "status_date",
    "import_mpxn",
    "uprn",
    "postcode",
    "chf_id",
    "responsible_supplier",
    "installing_supplier",
    "network_operator",
    "restricted",
    "csp_region",
)
DEVICE_REQUIRED = (
    "device_id",
    "device_type",
    "manufacturer",
    "model",
    "firmware_version",
    "smets_chts_version",
)
REGISTRATION_COLUMNS = ("mpxn", "supplier", "effective_from")
CPL_COLUMNS = (
    "manufacturer",
    "model",
    "hardware_version",
    "firmware_version",
    "device_type",
    "smets_variant",
    "status",
)


MAX_DEVICE_ID_ROWS = 100_000
"""A device-ID upload larger than this is refused whole (a bulk request is a batch, not a feed)."""


def read_device_ids(content: bytes) -> list[tuple[int, str]]:
    """(line, device text) of a device-ID upload: a CSV whose header names a `device_id`
    column (other columns are ignored). The one reader of this format, for the CLI, the SSI
    API and the portal; each row is judged later on its own, so a bad ID is a row error."""
    if not content.strip():
        raise InvalidValue("the CSV is empty: its first line must name a device_id column")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InvalidValue("the CSV is not UTF-8 text (save it as CSV UTF-8)") from e
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [name.strip() for name in next(reader)]
        if "device_id" not in header:
            raise InvalidValue(
                "the first line of the CSV must name a device_id column, for example: device_id"
            )
        column = header.index("device_id")
        rows: list[tuple[int, str]] = []
        for fields in reader:
            if len(rows) >= MAX_DEVICE_ID_ROWS:
                raise InvalidValue(f"more than {MAX_DEVICE_ID_ROWS:,} rows: split the file")
            if any(fields):
                value = fields[column] if column < len(fields) else ""
                rows.append((reader.line_num, value.strip()))
    except csv.Error as e:
        line = reader.line_num  # counts the line the error is on
        reason = (
            f"a field is longer than {csv.field_size_limit():,} characters"
            if "field larger" in str(e)
            else str(e)
        )
        raise InvalidValue(f"line {line}: {reason}") from e
    if not rows:
        raise InvalidValue("the CSV has a header but no rows")
    return rows


def check_header(
    found: Sequence[str] | None, required: tuple[str, ...], known: tuple[str, ...]
) -> None:
    """Refuse a file whose header lacks required columns or names unknown ones."""
    if not found:
        raise InvalidValue("the file is empty (expected a header line)")
    names = [f.strip() for f in found]
    missing = [c for c in required if c not in names]
    if missing:
        raise InvalidValue(f"header lacks column(s): {', '.join(missing)}")
    unknown = [c for c in names if c not in known]
    if unknown:
        raise InvalidValue(f"unknown column(s): {', '.join(unknown)} (known: {', '.join(known)})")


def parse_device(row: Mapping[str | None, Any], default_date: datetime, reason: str) -> Device:
    """One extract row to a Device whose history is one line (`reason`); raises InvalidValue.

    Hot path of bulk import: every field is read once.
    """
    _check_field_count(row)
    v = {name: str(row.get(name) or "").strip() for name in DEVICE_COLUMNS}
    for name in DEVICE_REQUIRED:
        if not v[name]:
            raise InvalidValue(f"{name} is empty")
    device_type = DeviceType.parse(v["device_type"])
    status = SmiStatus.parse(v["status"]) if v["status"] else None
    if status is None and device_type.has_smi_status:
        raise InvalidValue(f"status is empty (a {device_type.value} needs an SMI status)")
    status_date = _parse_datetime(v["status_date"]) if v["status_date"] else default_date
    return Device(
        device_id=DeviceId.parse(v["device_id"]),
        device_type=device_type,
        model=DeviceModel(
            v["manufacturer"], v["model"], v["hardware_version"], v["firmware_version"]
        ),
        smets_chts_version=v["smets_chts_version"],
        status=status,
        status_date=status_date if status else None,
        import_mpxn=_mpxn(v["import_mpxn"]) if v["import_mpxn"] else None,
        uprn=_uprn(v["uprn"]) if v["uprn"] else None,
        postcode=normalise_postcode(v["postcode"]) or None,
        chf_id=DeviceId.parse(v["chf_id"]) if v["chf_id"] else None,
        responsible_supplier=_user(v["responsible_supplier"]),
        installing_supplier=_user(v["installing_supplier"]),
        network_operator=_user(v["network_operator"]),
        restricted=_bool(v["restricted"]),
        csp_region=CspRegion.parse(v["csp_region"]) if v["csp_region"] else None,
        history=(StatusChange(status, status_date, reason),) if status else (),
    )


def format_device(d: Device) -> dict[str, str]:
    return {
        "device_id": str(d.device_id),
        "device_type": d.device_type.value,
        "manufacturer": d.model.manufacturer,
        "model": d.model.model,
        "hardware_version": d.model.hardware_version,
        "firmware_version": d.model.firmware_version,
        "smets_chts_version": d.smets_chts_version,
        "status": d.status.value if d.status else "",
        "status_date": d.status_date.isoformat() if d.status_date else "",
        "import_mpxn": d.import_mpxn or "",
        "uprn": d.uprn or "",
        "postcode": d.postcode or "",
        "chf_id": str(d.chf_id) if d.chf_id else "",
        "responsible_supplier": str(d.responsible_supplier) if d.responsible_supplier else "",
        "installing_supplier": str(d.installing_supplier) if d.installing_supplier else "",
        "network_operator": str(d.network_operator) if d.network_operator else "",
        "restricted": "true" if d.restricted else "false",
        "csp_region": d.csp_region.value if d.csp_region else "",
    }


def parse_cpl(row: Mapping[str | None, Any]) -> CplEntry:
    def get(name: str) -> str:
        return str(row.get(name) or "").strip()

    _check_field_count(row)
    for name in ("manufacturer", "model", "firmware_version", "device_type", "smets_variant"):
        if not get(name):
            raise InvalidValue(f"{name} is empty")
    key = CplKey(
        DeviceModel(
            get("manufacturer"), get("model"), get("hardware_version"), get("firmware_version")
        ),
        DeviceType.parse(get("device_type")),
        SmetsVariant.parse(get("smets_variant")),
    )
    return CplEntry(key, CplStatus.parse(get("status")) if get("status") else CplStatus.ACTIVE)


def format_cpl(e: CplEntry) -> dict[str, str]:
    return {
        "manufacturer": e.key.model.manufacturer,
        "model": e.key.model.model,
        "hardware_version": e.key.model.hardware_version,
        "firmware_version": e.key.model.firmware_version,
        "device_type": e.key.device_type.value,
        "smets_variant": e.key.smets_variant.value,
        "status": e.status.value,
    }


def _check_field_count(row: Mapping[str | None, Any]) -> None:
    # csv.DictReader files surplus fields under the key None.
    if row.get(None):
        raise InvalidValue("more fields than the header has columns")


def _parse_datetime(text: str, name: str = "status_date") -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as e:
        raise InvalidValue(f"{name} {text!r} is not an ISO 8601 date or time") from e
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _mpxn(text: str) -> str:
    # An MPAN core is 13 digits; an MPRN 6 to 10 digits.
    if not text.isdigit() or not 6 <= len(text) <= 13:
        raise InvalidValue(f"import_mpxn {text!r} is not an MPAN core or MPRN (6-13 digits)")
    return text


def _uprn(text: str) -> str:
    if not text.isdigit() or len(text) > 12:
        raise InvalidValue(f"uprn {text!r} is not a UPRN (up to 12 digits)")
    return text


def _user(text: str) -> UserId | None:
    return UserId.parse(text) if text else None


def _bool(text: str) -> bool:
    lowered = text.casefold()
    if lowered in ("", "false", "no", "0", "n"):
        return False
    if lowered in ("true", "yes", "1", "y"):
        return True
    raise InvalidValue(f"restricted {text!r} is not true or false")


def parse_registration(row: Mapping[str | None, Any]) -> tuple[str, UserId, datetime]:
    """One registration-data row: (MPxN, supplier User ID, effective from)."""
    _check_field_count(row)
    v = {name: str(row.get(name) or "").strip() for name in REGISTRATION_COLUMNS}
    supplier = _user(v["supplier"])
    if supplier is None:
        raise InvalidValue("supplier is empty")
    return _mpxn(v["mpxn"]), supplier, _parse_datetime(v["effective_from"], "effective_from")
