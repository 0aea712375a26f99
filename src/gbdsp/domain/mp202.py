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
        return (
            f"PPMID {ppmid.device_id} is recorded as {ppmid.smets_variant.value} but "
            f"installed in a {system.value} system (MP202 not in force)"
        )
    return None


def recorded_in_other_system(ppmid: Device, chf: Device, in_force: bool) -> str | None:
    """Why a PPMID just joined to `chf` is recorded in the SMI for the other system than the
    one it is in, or None. Seed 004's failed installation: without MP202 the SMI keeps the
    pre-notified version, so a PPMID pre-notified as SMETS2+ and joined to a SMETS1 CH (or
    the reverse) 'cannot be the target of any Service Requests' until the DCC corrects the
    SMI by hand. With MP202 the version follows the CH and nothing is left to correct."""
    recorded = SmetsVariant.of_version(version_at_whitelisting(ppmid, chf, in_force))
    if recorded is chf.smets_variant:
        return None
    return (
        f"PPMID {ppmid.device_id} stays recorded as {recorded.value} on a "
        f"{chf.smets_variant.value} CH (MP202 not in force)"
    )


def cpl_conflict(entry: CplEntry, existing: list[CplEntry], in_force: bool) -> str | None:
    """Without MP202 one firmware version of a model has one CPL row: the tactical interim
    lists a PPMID's SMETS1 variant under a separate, fictitious firmware version. With MP202
    both rows may share the version (seed 004)."""
    if in_force:
        return None
    key = entry.key
    for other in existing:
        if (
            other.key.model == key.model
            and other.key.device_type is key.device_type
            and other.key.smets_variant is not key.smets_variant
        ):
            return (
                f"{key.model.model} firmware {key.model.firmware_version} is already on the "
                f"CPL as {other.key.smets_variant.value}; without MP202 the "
                f"{key.smets_variant.value} variant needs its own firmware version"
            )
    return None
