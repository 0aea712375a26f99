"""What a Service Request asks for, as domain values: the inputs of the use cases.

`duis/bodies.py` reads them from the DUIS XML bodies; the demo, the simulator and the tests
build them directly. They carry no XML, so the rules and services never see the wire format.
"""

from __future__ import annotations

from dataclasses import dataclass

from gbdsp.domain.ids import DeviceId


@dataclass(frozen=True, slots=True)
class InventoryQuery:
    """8.2 Read Inventory: exactly one of these is set (the XSD choice)."""

    device_id: DeviceId | None = None
    mpxn: str | None = None
    uprn: str | None = None
    postcode: str | None = None


@dataclass(frozen=True, slots=True)
class Prenotification:
    """12.2 DevicePrenotification."""

    device_id: DeviceId
    manufacturer: str
    model: str
    device_type: str
    smets_chts_version: str | None
    firmware_version: str | None
    associated_gpf: DeviceId | None


@dataclass(frozen=True, slots=True)
class HanDeviceLogUpdate:
    """8.11 UpdateHANDeviceLog: add a device to (or remove it from) a CHF's Device Log."""

    device_id: DeviceId
    add: bool
    install_code: bytes | None
    import_mpxn: str | None


@dataclass(frozen=True, slots=True)
class InventoryUpdate:
    """8.4 UpdateInventory: one of status, details, deletion or MPxN."""

    device_id: DeviceId
    status: str | None = None
    delete: bool = False
    import_mpxn: str | None = None
    firmware_version: str | None = None
    smets_chts_version: str | None = None


@dataclass(frozen=True, slots=True)
class FirmwareUpdate:
    """11.1 UpdateFirmware / 11.4 UpdatePPMIDFirmware."""

    firmware_version: str
    device_ids: tuple[DeviceId, ...]
    image: bytes = b""
    """The FirmwareImage the User sends (the meters' receipts carry its hash)."""


@dataclass(frozen=True, slots=True)
class WanMatrixQuery:
    """12.1 RequestWANMatrix: a UPRN, or a postcode with an address identifier."""

    uprn: str | None
    postcode: str | None
    address_identifier: str | None
