"""Sample requests (`gbdsp request build`): XSD-valid, and read back as the gateway reads them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from lxml import etree

from gbdsp.domain import service_requests
from gbdsp.domain.devices import DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DCC_ACCESS_CONTROL_BROKER, DeviceId, UserId
from gbdsp.domain.srv import catalogue
from gbdsp.duis import bodies, samples, schema, xml
from gbdsp.duis.request import read_request
from gbdsp.worlds import demo, sample_defaults
from gbdsp.worlds.demo import MODELS, TEMPLATE_MPAN, template_id

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
USER = UserId.parse("90-B3-D5-1F-30-01-00-00")
SOME_CHF = DeviceId.parse("00-DB-12-34-60-00-01-A0")
SMI_DEFAULTS = {
    "install-code": "00112233445566778899AABBCCDDEEFF",
    "gpf": "00-DB-12-34-60-00-01-A1",
}
"""What the CLI fills from the SMI and the device emulator (tests/test_request_cli.py)."""


def built(
    srv: str, device: DeviceId | None = None, given: Mapping[str, str] | None = None, **named: str
) -> etree._Element:
    """Build, serialise and parse again with the gateway's hardened parser."""
    chosen = samples.sample(srv)
    fields = {**(given or {}), **{k.replace("_", "-"): v for k, v in named.items()}}
    values = sample_defaults.prepare(chosen, fields, NOW)
    for name, value in SMI_DEFAULTS.items():
        if any(f.name == name for f in chosen.fields):
            values.setdefault(name, value)
    if device is None:
        device = chosen.device if isinstance(chosen.device, DeviceId) else SOME_CHF
    root = samples.build_request(srv, USER, device, values, counter=1_700_000_000_000)
    return xml.parse(xml.serialise(root))


@pytest.mark.parametrize("srv", list(samples.SAMPLES))
def test_every_sample_is_valid_duis_5_4_with_its_defaults(srv: str) -> None:
    root = built(srv)
    assert schema.schema_error(root) is None
    request = read_request(root)
    chosen = samples.SAMPLES[srv]
    assert (request.srv, request.cv, request.service_reference) == (
        srv,
        chosen.cv,
        chosen.service_reference,
    )
    assert request.request_id.originator == USER
    assert request.request_id.counter == 1_700_000_000_000
    expected_target = DCC_ACCESS_CONTROL_BROKER if chosen.cv is samples.CV8 else chosen.device
    assert request.request_id.target.value == expected_target.value  # type: ignore[union-attr]
    assert etree.QName(request.body).localname == chosen.body_element
    assert root.find("{http://www.w3.org/2000/09/xmldsig#}Signature") is None  # unsigned


@pytest.mark.parametrize("srv", list(samples.SAMPLES))
def test_each_sample_uses_a_command_variant_its_srv_allows(srv: str) -> None:
    found = catalogue().get(srv)
    assert found is not None
    assert samples.SAMPLES[srv].cv in found.command_variants
    assert samples.SAMPLES[srv].cv.value in (1, 8)  # no CV 4: nothing to pre-sign here


def test_the_pretty_form_is_the_same_request() -> None:
    root = samples.build_request("8.2", USER, template_id(0xA2), {}, 5)
    pretty = xml.serialise(root, pretty=True)
    assert pretty.count(b"\n") > 5
    assert etree.tostring(xml.parse(pretty)) == etree.tostring(root)


def test_the_template_premises_is_the_demo_one() -> None:
    """duis/ sits below services/, so samples.py names the template premises itself."""
    assert samples.template_device(0xA0) == template_id(0xA0)
    assert samples.TEMPLATE_MPAN == demo.TEMPLATE_MPAN
    assert samples.DEFAULT_USER == demo.BOXED_SUPPLIER


def test_a_prenotification_without_a_model_is_refused() -> None:
    values = samples.resolve(samples.sample("12.2"), {}, NOW)
    with pytest.raises(InvalidValue, match=r"12\.2 needs --manufacturer and --model"):
        samples.build_request("12.2", USER, template_id(0xB0), values, 1)


def test_the_required_srvs_are_buildable() -> None:
    required = {
        "8.2",
        "4.1.1",
        "11.2",
        "12.2",
        "8.11",
        "8.14.1",
        "8.14.2",
        "8.14.3",
        "8.14.4",
        "8.3",
        "6.20.1",
    }
    assert required <= set(samples.SAMPLES)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({}, service_requests.InventoryQuery(device_id=template_id(0xA2))),
        ({"mpxn": TEMPLATE_MPAN}, service_requests.InventoryQuery(mpxn=TEMPLATE_MPAN)),
        ({"uprn": "77012345678"}, service_requests.InventoryQuery(uprn="77012345678")),
        ({"postcode": "M22 4TA"}, service_requests.InventoryQuery(postcode="M22 4TA")),
    ],
)
def test_read_inventory_by_each_key(
    given: dict[str, str], expected: service_requests.InventoryQuery
) -> None:
    body = read_request(built("8.2", given=given)).body
    assert bodies.read_inventory_query(body) == expected


@pytest.mark.parametrize("dtype", ["ESME", "GSME", "PPMID", "IHD"])
def test_prenotification_names_the_demo_cpl_model_of_the_type(dtype: str) -> None:
    new = template_id(0xB7)
    body = read_request(built("12.2", new, device_type=dtype)).body
    read = bodies.prenotification(body)
    model = MODELS[DeviceType(dtype)]
    assert (
        read.device_id,
        read.device_type,
        read.manufacturer,
        read.model,
        read.firmware_version,
    ) == (new, dtype, model.manufacturer, model.model, model.firmware_version)


def test_prenotification_takes_the_model_given() -> None:
    read = bodies.prenotification(
        read_request(
            built("12.2", template_id(0xB1), manufacturer="ZZ01", model="0099", firmware="01")
        ).body
    )
    assert (read.manufacturer, read.model, read.firmware_version) == ("ZZ01", "0099", "01")


def test_han_device_log_add_carries_the_install_code_and_remove_does_not() -> None:
    added = bodies.han_device_log_update(
        read_request(built("8.11", install_code="a1b2c3d4e5f6", mpxn="1312345678111")).body
    )
    assert added == service_requests.HanDeviceLogUpdate(
        template_id(0x98), True, bytes.fromhex("A1B2C3D4E5F6"), "1312345678111"
    )
    removed = bodies.han_device_log_update(
        read_request(built("8.11", request_type="Remove", add="00-db-12-34-56-78-90-a4")).body
    )
    assert removed == service_requests.HanDeviceLogUpdate(template_id(0xA4), False, None, None)


def test_import_mpxn_is_an_mpan_or_an_mprn_by_its_length() -> None:
    assert bodies.import_mpxn(read_request(built("6.20.1")).body) == TEMPLATE_MPAN
    gas = built("6.20.1", template_id(0xA1), mpxn="1234567890")
    assert gas.find(".//{*}ImportMPRN") is not None
    assert bodies.import_mpxn(read_request(gas).body) == "1234567890"


def test_ch_install_defaults_to_an_mpan_of_the_hub_own() -> None:
    body = read_request(built("8.14.1", SOME_CHF)).body
    assert bodies.device_id_of(body) == SOME_CHF
    assert bodies.ch_install_mpxn(body) == f"19{SOME_CHF.value % 10**11:011d}"
    given = read_request(built("8.14.2", SOME_CHF, mpxn="1300000000042")).body
    assert bodies.ch_install_mpxn(given) == "1300000000042"


def test_decommission_names_its_device() -> None:
    assert bodies.device_id_of(read_request(built("8.3", SOME_CHF)).body) == SOME_CHF


def test_log_periods_default_to_the_last_day() -> None:
    root = built("4.8.1")
    assert root.findtext(".//{*}StartDateTime") == "2026-02-28T12:00:00.000Z"
    assert root.findtext(".//{*}EndDateTime") == "2026-03-01T12:00:00.000Z"


def test_an_unknown_srv_lists_the_buildable_ones() -> None:
    with pytest.raises(InvalidValue, match=r"no sample for SRV '9\.9'; buildable: 8\.2, "):
        samples.sample("9.9")


@pytest.mark.parametrize(
    ("srv", "given", "message"),
    [
        ("8.11", {"add": "not-a-device"}, "--add: not a Device ID"),
        ("8.11", {"install-code": "xyz"}, "--install-code: not hex octets"),
        ("8.14.1", {"location": "Moon"}, "--location must be one of: Outside Premises"),
        ("4.8.1", {"start": "yesterday"}, "--start: not an xs:dateTime"),
        ("8.2", {"install-code": "00"}, r"8\.2 takes no --install-code \(it takes --address"),
        ("8.2", {"mpxn": "1", "uprn": "2"}, "8.2 finds a premises by one key"),
        ("4.1.1", {"mpxn": "1"}, r"4\.1\.1 takes no --mpxn \(it takes no fields\)"),
    ],
)
def test_a_bad_field_is_named(srv: str, given: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        samples.resolve(samples.sample(srv), given, NOW)


@pytest.mark.parametrize(
    ("srv", "given", "element"),
    [
        ("6.20.1", {"mpxn": "12345678901"}, "ImportMPRN"),  # neither an MPAN nor an MPRN
        ("8.11", {"join-time": "4000"}, "JoinTimePeriod"),  # at most 3600 s
        ("8.11", {"install-code": "0011"}, "InstallCode"),  # at least 6 octets
        ("12.2", {"model": "M" * 31}, "DeviceModel"),
    ],
)
def test_a_value_the_schema_refuses_is_named_before_sending(
    srv: str, given: dict[str, str], element: str
) -> None:
    with pytest.raises(
        InvalidValue, match=f"{srv}: a field does not fit the DUIS 5.4 schema .*{element}"
    ):
        built(srv, given=given)
