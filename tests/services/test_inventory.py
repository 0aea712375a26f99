import csv
import io
from collections.abc import Mapping
from typing import Any, cast

import pytest

from gbdsp.clock import ManualClock
from gbdsp.domain.errors import NotFound
from gbdsp.domain.ids import DeviceId
from gbdsp.services.inventory import RowError, export_devices, import_devices, show_device
from gbdsp.store.store import Store
from tests.factories import extract_row, seed

Row = Mapping[str | None, Any]


def run_import(
    store: Store, clock: ManualClock, rows: list[dict[str, Any]], batch_size: int = 2
) -> tuple[Any, list[RowError]]:
    errors: list[RowError] = []
    report = import_devices(
        store,
        clock,
        list(enumerate(cast(list[Row], rows), start=2)),
        on_error=errors.append,
        batch_size=batch_size,
    )
    return report, errors


def test_import_adds_devices_with_their_first_history_line(
    store: Store, clock: ManualClock
) -> None:
    seed(store)
    report, errors = run_import(store, clock, [extract_row()])
    assert (report.added, report.rejected, errors) == (1, 0, [])
    view = show_device(store, DeviceId.parse("00-DB-12-34-00-00-00-01"))
    assert view.device.status is not None and view.device.status.value == "Commissioned"
    assert [c.reason for c in view.device.history] == ["bulk SMI import"]


def test_bad_rows_are_reported_by_line_and_do_not_stop_the_rest(
    store: Store, clock: ManualClock
) -> None:
    seed(store)
    rows = [
        extract_row(device_id="00-DB-12-34-00-00-00-01"),
        extract_row(device_id="00-DB-12-34-00-00-00-0"),  # line 3
        extract_row(device_id="00-DB-12-34-00-00-00-03", device_type="TOASTER"),
        extract_row(device_id="00-DB-12-34-00-00-00-04", model="NOPE"),  # not on CPL
        extract_row(
            device_id="00-DB-12-34-00-00-00-05", responsible_supplier="11-11-11-11-11-11-11-11"
        ),
        extract_row(device_id="00-DB-12-34-00-00-00-06", status=""),
        extract_row(device_id="00-DB-12-34-00-00-00-07"),
    ]
    report, errors = run_import(store, clock, rows)
    assert (report.added, report.rejected) == (2, 5)
    assert [e.line for e in errors] == [3, 4, 5, 6, 7]
    assert "not an EUI-64" in errors[0].message
    assert "unknown device type 'TOASTER'" in errors[1].message
    assert "is not on the CPL" in errors[2].message
    assert "11-11-11-11-11-11-11-11 is not a registered User" in errors[3].message
    assert "needs an SMI status" in errors[4].message


def test_import_is_idempotent(store: Store, clock: ManualClock) -> None:
    seed(store)
    rows = [extract_row(device_id=f"00-DB-12-34-00-00-00-{n:02X}") for n in range(1, 6)]
    first, _ = run_import(store, clock, rows)
    again, errors = run_import(store, clock, rows)
    assert (first.added, again.added, again.unchanged, errors) == (5, 0, 5, [])
    with store.transaction() as tx:
        assert tx.devices.count() == 5
        assert len(tx.devices.history(DeviceId.parse("00-DB-12-34-00-00-00-01"))) == 1


def test_a_conflicting_duplicate_is_refused_not_overwritten(
    store: Store, clock: ManualClock
) -> None:
    seed(store)
    run_import(store, clock, [extract_row()])
    report, errors = run_import(store, clock, [extract_row(status="Pending")])
    assert report.rejected == 1
    assert "already in the SMI with different data" in errors[0].message
    status = show_device(store, DeviceId.parse("00-DB-12-34-00-00-00-01")).device.status
    assert status is not None and status.value == "Commissioned"


@pytest.mark.parametrize("batch_size", [1, 10])
def test_a_duplicate_within_the_file_is_caught_in_and_across_batches(
    store: Store, clock: ManualClock, batch_size: int
) -> None:
    seed(store)
    rows = [extract_row(), extract_row(), extract_row(status="Pending")]
    report, errors = run_import(store, clock, rows, batch_size=batch_size)
    assert (report.added, report.unchanged, report.rejected) == (1, 1, 1)
    assert errors[0].line == 4


def test_export_writes_what_import_reads(store: Store, clock: ManualClock) -> None:
    seed(store)
    rows = [
        extract_row(device_id=f"00-DB-12-34-00-00-00-{n:02X}", postcode="ls1 4ap")
        for n in range(1, 4)
    ]
    rows.append(
        extract_row(
            device_id="00-DB-12-34-00-00-00-10",
            device_type="CHF",
            manufacturer="CD01",
            model="0C01",
            hardware_version="0003",
            firmware_version="00000401",
            smets_chts_version="CHTS V1.0",
            status="Pending",
            import_mpxn="",
        )
    )
    run_import(store, clock, rows)
    buffer = io.StringIO()
    assert export_devices(store, buffer) == 4
    exported = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert {r["postcode"] for r in exported if r["device_type"] == "ESME"} == {"LS1 4AP"}
    report, errors = run_import(store, clock, exported)
    assert (report.unchanged, errors) == (4, [])


def test_show_device_of_an_unknown_id_says_so(store: Store) -> None:
    with pytest.raises(NotFound, match="00-DB-12-34-00-00-00-09 is not in the SMI"):
        show_device(store, DeviceId.parse("00-DB-12-34-00-00-00-09"))
