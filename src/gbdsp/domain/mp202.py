"""MP202: one PPMID model usable in SMETS1 and SMETS2+ systems (seed 004).

In force: the CPL holds two rows per PPMID firmware version (SMETS1, SMETS2+); a PPMID may be
pre-notified as either; at whitelisting its SMETS version in the SMI becomes that of the CH
it joins, whatever was pre-notified (seed 004's four-row table); 11.4 OTA firmware goes only
to PPMIDs in SMETS2+ systems.

Not in force (the tactical interim): the SMI keeps the pre-notified version, so a PPMID
installed in the other system than it was pre-notified for cannot be targeted.
"""

from __future__ import annotations

from gbdsp.domain.devices import Device, DeviceType, SmetsVariant
from gbdsp.domain.products import CplEntry


def version_at_whitelisting(ppmid: Device, chf: Device, in_force: bool) -> str:
    """The SMETS/CHTS version the SMI holds for a PPMID once it is on `chf`'s Device Log."""
    if in_force and ppmid.device_type is DeviceType.PPMID:
        return "SMETS1" if chf.smets_variant is SmetsVariant.SMETS1 else ppmid_smets2(ppmid)
    return ppmid.smets_chts_version


def ppmid_smets2(ppmid: Device) -> str:
    return ppmid.smets_chts_version if ppmid.smets_variant is SmetsVariant.SMETS2 else "SMETS2"


def may_target(ppmid: Device, chf: Device | None, in_force: bool) -> str | None:
    """Why 11.4 may not be sent to this PPMID, or None. OTA firmware is SMETS2+ only, and
    without MP202 a PPMID whose SMI version differs from its system cannot be targeted."""
    system = chf.smets_variant if chf is not None else ppmid.smets_variant
    if system is SmetsVariant.SMETS1:
        return f"PPMID {ppmid.device_id} is in a SMETS1 system (no OTA firmware)"
    if not in_force and ppmid.smets_variant is not system:
        return (f"PPMID {ppmid.device_id} is recorded as {ppmid.smets_variant.value} but "
                f"installed in a {system.value} system (MP202 not in force)")
    return None


def cpl_conflict(entry: CplEntry, existing: list[CplEntry], in_force: bool) -> str | None:
    """Without MP202 one firmware version of a model has one CPL row: the tactical interim
    lists a PPMID's SMETS1 variant under a separate, fictitious firmware version. With MP202
    both rows may share the version (seed 004)."""
    if in_force:
        return None
    key = entry.key
    for other in existing:
        if (other.key.model == key.model and other.key.device_type is key.device_type
                and other.key.smets_variant is not key.smets_variant):
            return (f"{key.model.model} firmware {key.model.firmware_version} is already on the "
                    f"CPL as {other.key.smets_variant.value}; without MP202 the "
                    f"{key.smets_variant.value} variant needs its own firmware version")
    return None
