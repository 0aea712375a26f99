"""CPL import, with and without MP202's two rows per PPMID firmware version."""

from gbdsp.clock import SystemClock
from gbdsp.config import Config
from gbdsp.services.cpl import import_cpl, list_cpl
from gbdsp.services.inventory import RowError
from gbdsp.store.store import Store

CLOCK = SystemClock()
WITHOUT_MP202 = Config.model_validate({"modifications": {"mp202": {"enabled": False}}})
ROWS = [
    {
        "manufacturer": "EF01",
        "model": "0F0A",
        "hardware_version": "0002",
        "firmware_version": "00000105",
        "device_type": "PPMID",
        "smets_variant": "SMETS2+",
    },
    {
        "manufacturer": "EF01",
        "model": "0F0A",
        "hardware_version": "0002",
        "firmware_version": "00000105",
        "device_type": "PPMID",
        "smets_variant": "SMETS1",
    },
]


def test_with_mp202_one_firmware_version_has_both_smets_rows(store: Store) -> None:
    errors: list[RowError] = []
    report = import_cpl(store, CLOCK, Config(), list(enumerate(ROWS, 2)), on_error=errors.append)  # type: ignore[arg-type]
    assert (report.changed, errors) == (2, [])
    assert len(list_cpl(store)) == 2


def test_without_mp202_the_smets1_variant_needs_its_own_firmware_version(store: Store) -> None:
    errors: list[RowError] = []
    report = import_cpl(
        store,
        CLOCK,
        WITHOUT_MP202,
        list(enumerate(ROWS, 2)),  # type: ignore[arg-type]
        on_error=errors.append,
    )
    assert (report.changed, report.rejected) == (1, 1)
    assert "needs its own firmware version" in errors[0].message and errors[0].line == 3
    interim = dict(ROWS[1], firmware_version="S1000105")  # the fictitious version
    report = import_cpl(
        store,
        CLOCK,
        WITHOUT_MP202,
        [(2, interim)],  # type: ignore[list-item]
        on_error=errors.append,
    )
    assert report.changed == 1
