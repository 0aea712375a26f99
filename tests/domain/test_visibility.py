from datetime import UTC, datetime

import pytest

from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.domain.parties import User, UserRole
from gbdsp.domain.visibility import is_responsible, may_see, parties_of

SUPPLIER, INSTALLER, OPERATOR, STRANGER, AGENT = (
    UserId.parse(f"00-DB-00-00-00-00-00-0{n}") for n in range(1, 6)
)


def user(user_id: UserId, acts_for: frozenset[UserId] = frozenset()) -> User:
    return User(user_id, "P", "name", frozenset({UserRole.IS}), acts_for=acts_for)


DEVICE = Device(
    DeviceId.parse("00-DB-12-34-56-78-90-A0"),
    DeviceType.ESME,
    DeviceModel("AB01", "M", "1", "2"),
    "SMETS2",
    SmiStatus.COMMISSIONED,
    datetime(2026, 1, 1, tzinfo=UTC),
    responsible_supplier=SUPPLIER,
    installing_supplier=INSTALLER,
    network_operator=OPERATOR,
)


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        (user(SUPPLIER), True),
        (user(INSTALLER), True),
        (user(OPERATOR), True),
        (user(STRANGER), False),
        (user(AGENT, frozenset({SUPPLIER})), True),
        (user(AGENT, frozenset({STRANGER})), False),
    ],
)
def test_a_user_sees_devices_it_has_a_part_in(who: User, sees: bool) -> None:
    assert may_see(who, DEVICE) is sees


def test_only_the_responsible_supplier_is_responsible() -> None:
    assert is_responsible(user(SUPPLIER), DEVICE)
    assert not is_responsible(user(INSTALLER), DEVICE)
    assert not is_responsible(user(AGENT, frozenset({SUPPLIER})), DEVICE)


def test_an_agent_acts_for_its_principals() -> None:
    assert parties_of(user(AGENT, frozenset({SUPPLIER}))) == {AGENT, SUPPLIER}
