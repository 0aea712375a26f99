import pytest

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, UserId


@pytest.mark.parametrize(
    "text",
    [
        "00-DB-12-34-56-78-90-A2",
        "00db1234567890a2",
        "00:db:12:34:56:78:90:a2",
        " 00-db-12-34-56-78-90-A2 ",
        "00DB1234567890A2",
    ],
)
def test_device_id_accepts_duis_form_and_bare_hex_in_any_case(text: str) -> None:
    assert str(DeviceId.parse(text)) == "00-DB-12-34-56-78-90-A2"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "00-DB-12-34-56-78-90",
        "00-DB-12-34-56-78-90-A2-00",
        "00-DB-12-34-56-78-90-G2",
        "0-0DB-12-34-56-78-90-A2",
        "00DB1234567890A",
        "00-DB-12-34-56-78-90A2",
        "hello",
    ],
)
def test_device_id_rejects_malformed_text_with_a_clear_message(text: str) -> None:
    with pytest.raises(InvalidValue, match="not an EUI-64"):
        DeviceId.parse(text)


def test_high_bit_ids_survive_the_signed_storage_form() -> None:
    dcc = UserId.parse("90-B3-D5-1F-30-01-00-00")
    assert dcc.signed < 0
    assert UserId.from_signed(dcc.signed) == dcc
    top = DeviceId.parse("FF-FF-FF-FF-FF-FF-FF-FF")
    assert DeviceId.from_signed(top.signed) == top


def test_device_and_user_ids_of_the_same_value_are_different_things() -> None:
    device = DeviceId.parse("00-DB-12-34-56-78-00-04")
    user = UserId.parse("00-DB-12-34-56-78-00-04")
    assert device != user  # type: ignore[comparison-overlap]  # the point: never equal


def test_ids_hash_and_sort_by_value() -> None:
    a, b = DeviceId.parse("00-00-00-00-00-00-00-01"), DeviceId.parse("00-00-00-00-00-00-00-02")
    assert sorted([b, a]) == [a, b]
    assert {a, DeviceId.parse("0000000000000001")} == {a}
