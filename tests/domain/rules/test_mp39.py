"""MP39: a Registered Supplier Agent may send CH returns only while it is in force (seed 003)."""

import pytest

from gbdsp.domain.parties import UserRole
from gbdsp.domain.rules import mp39


@pytest.mark.parametrize("srv", ["8.14.3", "8.14.4"])
def test_in_force_an_agent_may_send_ch_returns(srv: str) -> None:
    assert mp39.InForce().extra_roles(srv) == {UserRole.RSA}


@pytest.mark.parametrize("srv", ["8.14.1", "8.14.2", "4.8.1"])
def test_in_force_it_adds_nothing_to_other_srvs(srv: str) -> None:
    assert mp39.InForce().extra_roles(srv) == frozenset()


@pytest.mark.parametrize("srv", ["8.14.3", "8.14.4", "4.8.1"])
def test_off_the_catalogues_roles_stand(srv: str) -> None:
    assert mp39.Off().extra_roles(srv) == frozenset()
    assert mp39.Off() == mp39.OFF
