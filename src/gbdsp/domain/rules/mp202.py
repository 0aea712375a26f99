"""MP202: one PPMID model usable in SMETS1 and SMETS2+ systems (seed 004).

In force: the CPL holds two rows per PPMID firmware version (SMETS1, SMETS2+); a PPMID may be
pre-notified as either; at whitelisting its SMETS version in the SMI becomes that of the CH
it joins, whatever was pre-notified (seed 004's four-row table); 11.4 OTA firmware goes only
to PPMIDs in SMETS2+ systems.

Not in force (the tactical interim): the SMI keeps the pre-notified version, so a PPMID
installed in the other system than it was pre-notified for cannot be targeted, and a
PPMID's SMETS1 variant is listed on the CPL under a separate, fictitious firmware version.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from gbdsp.domain.devices import Device, DeviceType, SmetsVariant
from gbdsp.domain.products import CplEntry
from gbdsp.domain.rules.switch import Switch


@dataclass(frozen=True, slots=True)
class Settings:
    switch: Switch


@dataclass(frozen=True, slots=True)
class InForce:
    in_force: ClassVar[bool] = True

    def version_at_whitelisting(self, ppmid: Device, chf: Device) -> str:
        """The SMETS/CHTS version the SMI holds for a device once it is on `chf`'s Device
        Log: a PPMID's follows the CH it joins."""
        if ppmid.device_type is not DeviceType.PPMID:
            return ppmid.smets_chts_version
        return "SMETS1" if chf.smets_variant is SmetsVariant.SMETS1 else _smets2(ppmid)

    def may_target(self, ppmid: Device, chf: Device | None) -> str | None:
        """Why 11.4 may not be sent to this PPMID, or None: OTA firmware is SMETS2+ only."""
        return _in_smets1_system(ppmid, chf)

    def recorded_in_other_system(self, ppmid: Device, chf: Device) -> str | None:
        """Never: the version follows the CH, so nothing is left to correct."""
        return None

    def cpl_conflict(self, entry: CplEntry, existing: list[CplEntry]) -> str | None:
        """Never: both SMETS rows of a PPMID may share its firmware version (seed 004)."""
        return None

    def describe(self) -> str:
        return "follows the CH at whitelisting (MP202)"


@dataclass(frozen=True, slots=True)
class Off:
    in_force: ClassVar[bool] = False

    def version_at_whitelisting(self, ppmid: Device, chf: Device) -> str:
        """The SMI keeps the pre-notified version."""
        return ppmid.smets_chts_version

    def may_target(self, ppmid: Device, chf: Device | None) -> str | None:
        """Why 11.4 may not be sent to this PPMID, or None: OTA firmware is SMETS2+ only,
        and a PPMID whose SMI version differs from its system cannot be targeted."""
        why = _in_smets1_system(ppmid, chf)
        system = _system(ppmid, chf)
        if why is None and ppmid.smets_variant is not system:
            return (
                f"PPMID {ppmid.device_id} is recorded as {ppmid.smets_variant.value} but "
                f"installed in a {system.value} system (MP202 not in force)"
            )
        return why

    def recorded_in_other_system(self, ppmid: Device, chf: Device) -> str | None:
        """Why a PPMID just joined to `chf` is recorded in the SMI for the other system than
        the one it is in, or None. Seed 004's failed installation: the SMI keeps the
        pre-notified version, so a PPMID pre-notified as SMETS2+ and joined to a SMETS1 CH
        (or the reverse) 'cannot be the target of any Service Requests' until the DCC
        corrects the SMI by hand."""
        recorded = SmetsVariant.of_version(self.version_at_whitelisting(ppmid, chf))
        if recorded is chf.smets_variant:
            return None
        return (
            f"PPMID {ppmid.device_id} stays recorded as {recorded.value} on a "
            f"{chf.smets_variant.value} CH (MP202 not in force)"
        )

    def cpl_conflict(self, entry: CplEntry, existing: list[CplEntry]) -> str | None:
        """One firmware version of a model has one CPL row: the tactical interim lists a
        PPMID's SMETS1 variant under a separate, fictitious firmware version."""
        key = entry.key
        for other in existing:
            if (
                other.key.model == key.model
                and other.key.device_type is key.device_type
                and other.key.smets_variant is not key.smets_variant
            ):
                return (
                    f"{key.model.model} firmware {key.model.firmware_version} is already on "
                    f"the CPL as {other.key.smets_variant.value}; without MP202 the "
                    f"{key.smets_variant.value} variant needs its own firmware version"
                )
        return None

    def describe(self) -> str:
        return "as pre-notified (interim CPL rows)"


Policy = InForce | Off


def policy(settings: Settings, day: date) -> Policy:
    return InForce() if settings.switch.in_force(day) else Off()


def _system(ppmid: Device, chf: Device | None) -> SmetsVariant:
    return chf.smets_variant if chf is not None else ppmid.smets_variant


def _in_smets1_system(ppmid: Device, chf: Device | None) -> str | None:
    if _system(ppmid, chf) is SmetsVariant.SMETS1:
        return f"PPMID {ppmid.device_id} is in a SMETS1 system (no OTA firmware)"
    return None


def _smets2(ppmid: Device) -> str:
    return ppmid.smets_chts_version if ppmid.smets_variant is SmetsVariant.SMETS2 else "SMETS2"
