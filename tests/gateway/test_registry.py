"""The SRV registry (gateway/registry.py) agrees with the SRV catalogue (domain/srv.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from gbdsp.domain.access import AccessRequest, srv_fits_device_type
from gbdsp.domain.devices import Device, DeviceModel, DeviceType, SmiStatus
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.requests import CommandVariant as CV
from gbdsp.domain.requests import RequestId
from gbdsp.domain.requests import WebService as WS
from gbdsp.domain.srv import catalogue
from gbdsp.gateway.registry import (
    REGISTRY,
    SENT_TO_DEVICE,
    critical_command,
    declared,
    gbcs_builder,
)
from gbdsp.wan import gbcs_payloads
from gbdsp.wan.gbcs_ask import stand_ins


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
            assert not declaration.gbcs, srv
        else:
            assert declaration.answer is None, srv


def test_an_undeclared_device_srv_is_sent_to_the_device() -> None:
    # every SRV of the catalogue is declared now (6.15.1 was the last); one that is not
    # would be sent to the device, which answers with the stand-in
    assert "99.1" not in REGISTRY
    assert declared("99.1") is SENT_TO_DEVICE
    assert gbcs_builder("99.1", DeviceType.ESME) is None
    assert critical_command("99.1", DeviceType.ESME) is None


def _device(device_type: DeviceType) -> Device:
    model = DeviceModel("AB01", "010A030B", "0001", "0002012F")
    at = datetime(2026, 12, 1, tzinfo=UTC)
    return Device(
        DeviceId.parse("00-DB-12-34-56-78-90-A1"),
        device_type,
        model,
        "SMETS V2.0",
        SmiStatus.COMMISSIONED,
        at,
    )


def test_every_gbcs_builder_is_for_a_device_srv_and_a_device_type_it_may_target() -> None:
    """A GBCS use case answers a Device Service Request, on a device type access control
    lets that SRV reach (domain/access.py `srv_fits_device_type`, E11 otherwise)."""
    pairs = [(srv, t) for srv, d in REGISTRY.items() for t in d.gbcs]
    assert len(pairs) >= 112
    for srv, device_type in pairs:
        found = catalogue().get(srv)
        assert found is not None and not found.non_device, srv
        device = _device(device_type)
        rid = RequestId.parse(f"90-B3-D5-1F-30-01-00-00:{device.device_id}:1")
        cv = min(found.command_variants, key=lambda cv: cv.value)
        web_service = cv.web_service
        assert web_service is not None
        request = AccessRequest(rid, None, found, cv, web_service, device)
        assert srv_fits_device_type(request) is None, (srv, device_type)


def test_every_critical_command_is_for_a_critical_srv_and_a_device_type_it_may_target() -> None:
    """A critical command answers a CV 4 of a critical SRV, on a device type access control
    lets it reach; the commission's (8.1.1) is the clock set of 6.11 (docs/gbcs.md)."""
    pairs = [(srv, t) for srv, d in REGISTRY.items() for t in d.critical]
    assert len(pairs) >= 41
    for srv, device_type in pairs:
        found = catalogue().get(srv)
        assert found is not None and found.critical, srv
        device = _device(device_type)
        rid = RequestId.parse(f"90-B3-D5-1F-30-01-00-00:{device.device_id}:1")
        request = AccessRequest(rid, None, found, CV.TRANSFORM, WS.TRANSFORM, device)
        assert srv_fits_device_type(request) is None, (srv, device_type)
    assert set(declared("8.1.1").critical) == set(declared("6.11").critical)


def test_the_declared_gbcs_builder_is_the_one_looked_up() -> None:
    assert declared("4.1.1").gbcs[DeviceType.GPF] is gbcs_payloads.gcs13a
    assert gbcs_builder("4.1.1", DeviceType.GPF) is gbcs_payloads.gcs13a
    assert gbcs_builder("4.1.1", DeviceType.PPMID) is None
    assert stand_ins("4.1.1", DeviceType.ESME) is None
