"""Devices in the SMI: types, SMI statuses, the device record and its dated status history."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum

from gbdsp.domain.enums import parse_enum
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, UserId


class DeviceClass(Enum):
    """How the SEC and GBCS group device types (reference/smi.md section 3)."""

    SMART_METER = "Smart Meter"
    COMMS_HUB = "Communications Hub"
    TYPE1 = "Type 1"
    AUXILIARY = "Auxiliary"
    TYPE2 = "Type 2"


class DeviceType(Enum):
    """Device types, spelled as DUIS `sr:DeviceType` where DUIS has them.

    DUIS 5.4 has no SAPC and no generic Type 2 value; we add both (values `SAPC`,
    `Type2`) so the SMI can hold every device AC and GBCS name. See docs/decisions.md.
    """

    ESME = "ESME"
    GSME = "GSME"
    CHF = "CHF"
    GPF = "GPF"
    PPMID = "PPMID"
    HCALCS = "HCALCS"
    SAPC = "SAPC"
    IHD = "IHD"
    CAD = "CAD"
    TYPE2 = "Type2"

    @classmethod
    def parse(cls, text: str) -> DeviceType:
        return parse_enum(cls, text, "device type")

    @property
    def device_class(self) -> DeviceClass:
        return _CLASS_OF[self]

    @property
    def is_type1(self) -> bool:
        return self.device_class is DeviceClass.TYPE1

    @property
    def is_type2(self) -> bool:
        return self.device_class is DeviceClass.TYPE2

    @property
    def has_smi_status(self) -> bool:
        """Type 2 Devices have no SMI Status (SEC definition of the SMI)."""
        return not self.is_type2

    @property
    def in_duis(self) -> bool:
        return self not in (DeviceType.SAPC, DeviceType.TYPE2)


_CLASS_OF = {
    DeviceType.ESME: DeviceClass.SMART_METER,
    DeviceType.GSME: DeviceClass.SMART_METER,
    DeviceType.CHF: DeviceClass.COMMS_HUB,
    DeviceType.GPF: DeviceClass.COMMS_HUB,
    # GBCS Join Device names type1 HCALCS and type1 PPMID (reference/smi.md [S16]).
    DeviceType.PPMID: DeviceClass.TYPE1,
    DeviceType.HCALCS: DeviceClass.TYPE1,
    # AC 4.9 lists SAPC beside ESME and GPF as something a Type 1 Device joins to.
    DeviceType.SAPC: DeviceClass.AUXILIARY,
    DeviceType.IHD: DeviceClass.TYPE2,
    DeviceType.CAD: DeviceClass.TYPE2,
    DeviceType.TYPE2: DeviceClass.TYPE2,
}


class SmiStatus(Enum):
    """SMI Status, exactly as the DUIS 5.4 XSD `sr:DeviceStatus` enumerates it."""

    PENDING = "Pending"
    WHITELISTED = "Whitelisted"
    INSTALLED_NOT_COMMISSIONED = "InstalledNotCommissioned"
    COMMISSIONED = "Commissioned"
    DECOMMISSIONED = "Decommissioned"
    WITHDRAWN = "Withdrawn"
    SUSPENDED = "Suspended"
    RECOVERY = "Recovery"
    RECOVERED = "Recovered"

    @classmethod
    def parse(cls, text: str) -> SmiStatus:
        return parse_enum(cls, text, "SMI status")


class CspRegion(Enum):
    """The Communications Service Provider region of a premises (DUIS `sr:CSPRegion`)."""

    NORTH = "North"
    CENTRAL = "Central"
    SOUTH = "South"
    NORTH_4G = "4G North"
    CENTRAL_4G = "4G Central"
    SOUTH_4G = "4G South"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, text: str) -> CspRegion:
        return parse_enum(cls, text, "CSP region")


class SmetsVariant(Enum):
    """Which system a device model runs in; MP202 lets one PPMID firmware have both rows."""

    SMETS1 = "SMETS1"
    SMETS2 = "SMETS2+"

    @classmethod
    def parse(cls, text: str) -> SmetsVariant:
        return parse_enum(cls, text, "SMETS variant")

    @classmethod
    def of_version(cls, smets_chts_version: str) -> SmetsVariant:
        """`SMETS1...` is SMETS1; SMETS2, SMETS3 and every CHTS version are SMETS2+."""
        return cls.SMETS1 if smets_chts_version.upper().startswith("SMETS1") else cls.SMETS2


@dataclass(frozen=True, slots=True)
class DeviceModel:
    """A Device Model as the CPL knows it (without the device type and SMETS variant)."""

    manufacturer: str
    model: str
    hardware_version: str
    firmware_version: str


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One dated line of a device's SMI status history."""

    status: SmiStatus
    effective_at: datetime
    reason: str
    by: UserId | None = None


@dataclass(frozen=True, slots=True)
class Device:
    """A Device record in the SMI (SEC Section A: Smart Metering Inventory)."""

    device_id: DeviceId
    device_type: DeviceType
    model: DeviceModel
    smets_chts_version: str
    status: SmiStatus | None
    status_date: datetime | None
    import_mpxn: str | None = None
    uprn: str | None = None
    postcode: str | None = None
    chf_id: DeviceId | None = None
    """The CHF on whose Device Log this device is (for a GPF: the CHF of its hub)."""
    responsible_supplier: UserId | None = None
    installing_supplier: UserId | None = None
    """The User that pre-notified the device (MP121 asks it for install codes)."""
    network_operator: UserId | None = None
    """The Electricity Distributor or Gas Transporter of the device's MPxN (registration data)."""
    restricted: bool = False
    """MP169 Restricted mode: an attribute, not an SMI status (seed 001 D-001)."""
    csp_region: CspRegion | None = None
    """Which CSP serves the premises (set when the CH is delivered; its devices inherit it)."""
    history: tuple[StatusChange, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.device_type.has_smi_status != (self.status is not None):
            if self.status is None:
                raise InvalidValue(f"{self.device_type.value} {self.device_id} needs an SMI status")
            raise InvalidValue(f"{self.device_type.value} is a Type 2 Device and has no SMI status")

    @property
    def smets_variant(self) -> SmetsVariant:
        return SmetsVariant.of_version(self.smets_chts_version)

    def with_status(self, change: StatusChange) -> Device:
        return replace(
            self,
            status=change.status,
            status_date=change.effective_at,
            history=(*self.history, change),
        )


def normalise_postcode(postcode: str) -> str:
    """`sw1a1aa` and `SW1A 1AA ` are the same postcode: upper case, one space before the
    three-character inward code (any other text: single spaces)."""
    compact = "".join(postcode.upper().split())
    if (
        5 <= len(compact) <= 7
        and compact.isalnum()
        and compact[-3].isdigit()
        and compact[-2:].isalpha()
    ):
        return f"{compact[:-3]} {compact[-3:]}"
    return " ".join(postcode.upper().split())
