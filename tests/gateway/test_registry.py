"""The SRV registry (gateway/registry.py) agrees with the SRV catalogue (domain/srv.py)."""

from __future__ import annotations

from gbdsp.domain.srv import catalogue
from gbdsp.gateway.registry import REGISTRY, SENT_TO_DEVICE, declared


def test_every_declared_srv_is_in_the_catalogue() -> None:
    assert set(REGISTRY) - set(catalogue().by_id) == set()


def test_every_non_device_srv_has_an_answer() -> None:
    """Issue 21 left no Non-Device SRV answered HTTP 501 (docs/duis-coverage.md)."""
    non_device = {s.variant for s in catalogue().by_id.values() if s.non_device}
    assert {srv for srv in non_device if declared(srv).answer is None} == set()


def test_only_non_device_srvs_are_answered_by_the_dsp() -> None:
    """A device request's answer comes from the device; a CV 8 request has no device to
    check or change."""
    for srv, declaration in REGISTRY.items():
        found = catalogue().get(srv)
        assert found is not None
        if found.non_device:
            assert (declaration.check, declaration.effect, declaration.with_cin) == (
                None,
                None,
                False,
            ), srv
        else:
            assert declaration.answer is None, srv


def test_an_undeclared_device_srv_is_sent_to_the_device() -> None:
    assert "4.1.1" not in REGISTRY
    assert declared("4.1.1") is SENT_TO_DEVICE
