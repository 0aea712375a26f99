import pytest

from gbdsp.domain.devices import DeviceType, SmiStatus
from gbdsp.domain.smi_status import TRANSITIONS, Refused, Trigger, next_status

S = SmiStatus
T = Trigger
E, G, CHF, GPF, PPMID, IHD = (
    DeviceType.ESME,
    DeviceType.GSME,
    DeviceType.CHF,
    DeviceType.GPF,
    DeviceType.PPMID,
    DeviceType.IHD,
)


@pytest.mark.parametrize(
    ("trigger", "device_type", "current", "expected"),
    [
        (T.CH_DELIVERED, CHF, None, S.PENDING),  # AC 2.4
        (T.PRENOTIFIED, E, None, S.PENDING),
        (T.WHITELISTED, E, S.PENDING, S.WHITELISTED),
        (T.CH_INSTALLED, CHF, S.PENDING, S.COMMISSIONED),  # 8.14.1
        (T.CH_INSTALLED, GPF, S.PENDING, S.INSTALLED_NOT_COMMISSIONED),
        (T.CH_INSTALLED_NO_WAN, CHF, S.PENDING, S.INSTALLED_NOT_COMMISSIONED),
        (T.CH_RETURNED, GPF, S.INSTALLED_NOT_COMMISSIONED, S.WITHDRAWN),
        (T.COMMISSIONED, E, S.WHITELISTED, S.COMMISSIONED),  # AC 4.13
        (T.COMMISSIONED, G, S.INSTALLED_NOT_COMMISSIONED, S.COMMISSIONED),
        (T.JOINED, PPMID, S.WHITELISTED, S.COMMISSIONED),  # AC 4.9
        (T.JOINED, GPF, S.INSTALLED_NOT_COMMISSIONED, S.COMMISSIONED),  # AC 4.10
        (T.REACTIVATED, E, S.DECOMMISSIONED, S.PENDING),  # AC 7.1
        (T.REACTIVATED, CHF, S.WITHDRAWN, S.PENDING),
        (T.DECOMMISSIONED, E, S.COMMISSIONED, S.DECOMMISSIONED),
        (T.INVENTORY_UPDATE, CHF, S.PENDING, S.WITHDRAWN),
    ],
)
def test_allowed_transitions(
    trigger: Trigger, device_type: DeviceType, current: SmiStatus | None, expected: SmiStatus
) -> None:
    wanted = expected if trigger is T.INVENTORY_UPDATE else None
    assert next_status(trigger, device_type, current, wanted) is expected


@pytest.mark.parametrize(
    ("trigger", "device_type", "current"),
    [
        # AC 4.12(b): no Commission Device to a commissioned, decommissioned or suspended meter
        (T.COMMISSIONED, E, S.COMMISSIONED),
        (T.COMMISSIONED, E, S.DECOMMISSIONED),
        (T.COMMISSIONED, G, S.SUSPENDED),
        (T.COMMISSIONED, E, None),  # not in the SMI
        (T.COMMISSIONED, CHF, S.PENDING),  # 8.1.1 is for meters
        (T.PRENOTIFIED, E, S.PENDING),  # already there
        (T.PRENOTIFIED, CHF, None),  # CHs come by delivery
        (T.CH_DELIVERED, E, None),
        (T.WHITELISTED, E, S.COMMISSIONED),
        (T.JOINED, GPF, S.PENDING),  # GPF: only once installed
        (T.REACTIVATED, E, S.COMMISSIONED),  # AC 7.1 sources only
        (T.REACTIVATED, E, S.SUSPENDED),
        (T.DECOMMISSIONED, E, S.DECOMMISSIONED),
        (T.JOINED, IHD, None),  # Type 2: no status at all
    ],
)
def test_refused_transitions_say_why(
    trigger: Trigger, device_type: DeviceType, current: SmiStatus | None
) -> None:
    result = next_status(trigger, device_type, current)
    assert isinstance(result, Refused)
    assert device_type.value in result.reason


def test_inventory_update_may_set_only_the_statuses_the_xsd_allows() -> None:
    assert isinstance(next_status(T.INVENTORY_UPDATE, E, S.PENDING, S.COMMISSIONED), Refused)
    assert isinstance(next_status(T.INVENTORY_UPDATE, CHF, S.PENDING, S.PENDING), Refused)
    assert next_status(T.INVENTORY_UPDATE, E, S.WHITELISTED, S.PENDING) is S.PENDING


def test_no_transition_gives_a_type2_device_a_status() -> None:
    assert all(not t.device_types & {IHD, DeviceType.CAD, DeviceType.TYPE2} for t in TRANSITIONS)


def test_every_trigger_is_in_the_table() -> None:
    assert {t.trigger for t in TRANSITIONS} == set(Trigger)
