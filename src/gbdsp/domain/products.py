"""The Central Products List (CPL): which device models may be in the SMI."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from gbdsp.domain.devices import DeviceModel, DeviceType, SmetsVariant
from gbdsp.domain.enums import parse_enum


class CplStatus(Enum):
    """CPL entry status, spelled as DUIS `sr:CPLStatus`; anything but Active is 'removed'."""

    ACTIVE = "Active"
    CANCELLED = "Cancelled"
    EXPIRED = "Expired"
    WITHDRAWN = "Withdrawn"

    @classmethod
    def parse(cls, text: str) -> CplStatus:
        if text.strip().casefold() == "removed":
            return cls.WITHDRAWN
        return parse_enum(cls, text, "CPL status")


@dataclass(frozen=True, slots=True)
class CplKey:
    """What identifies a CPL row. The SMETS variant is part of the key so that MP202's
    two rows per PPMID firmware version (SMETS1 and SMETS2+) need no schema change."""

    model: DeviceModel
    device_type: DeviceType
    smets_variant: SmetsVariant


@dataclass(frozen=True, slots=True)
class CplEntry:
    key: CplKey
    status: CplStatus = CplStatus.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.status is CplStatus.ACTIVE
