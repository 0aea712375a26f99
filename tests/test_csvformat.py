"""The one reader of device-ID uploads (CLI, SSI API and portal use it alike)."""

from __future__ import annotations

import pytest

from gbdsp.csvformat import MAX_DEVICE_ID_ROWS, read_device_ids
from gbdsp.domain.errors import InvalidValue


def test_header_names_are_trimmed_and_other_columns_ignored() -> None:
    content = "\ufeffnote, device_id \nfirst,00-DB-12-34-56-78-90-98\n\n,  nonsense \n".encode()
    assert read_device_ids(content) == [(2, "00-DB-12-34-56-78-90-98"), (4, "nonsense")]


def test_a_short_row_reads_as_an_empty_id_for_its_line() -> None:
    assert read_device_ids(b"a,device_id\nx\n") == [(2, "")]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the CSV is empty"),
        (b"  \n", "the CSV is empty"),
        (b"deviceid\n00-DB-12-34-56-78-90-98\n", "must name a device_id column"),
        (b"device_id\n", "a header but no rows"),
        (b"device_id\n\xff\xfe\n", "not UTF-8"),
        (b"device_id\n" + b"x" * 140_000 + b"\n", "line 2: a field is longer than 131,072"),
    ],
)
def test_bad_uploads_are_refused_whole(content: bytes, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        read_device_ids(content)


def test_too_many_rows_is_refused() -> None:
    content = b"device_id\n" + b"00-DB-12-34-56-78-90-98\n" * (MAX_DEVICE_ID_ROWS + 1)
    with pytest.raises(InvalidValue, match="split the file"):
        read_device_ids(content)
