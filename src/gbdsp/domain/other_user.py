"""Where an Other User (OU) has standing: the rule behind DUIS E4 for the OU role.

The SRV matrix makes an OU *eligible* for 25 SRVs (srv-catalogue.csv); eligibility says
which SRVs a role may send, not on which Devices. Read alone, it let any OU change any
supplier's devices (issue 18, finding 1). The safe reading, resting on:

- SEC Section I1 (Privacy): a User that is neither the Import/Export Supplier nor the
  Network Operator may obtain a consumer's data only with that Energy Consumer's explicit
  consent; DUIS 9.1 Request Customer Identification Number is the route by which an OU
  proves it is acting for the consumer at the premises (the CIN is shown on the consumer's
  own IHD);
- SEC Section H (DCC Services: eligibility of Users for a Service Request in respect of a
  Smart Metering System): the Responsible Supplier, not an OU, maintains the SMI status,
  the MPxN and the CH's Device Log of its Smart Metering System, so an OU has standing only
  on the Type 2 Devices (a CAD) it brought itself.

So an OU may:
- send 9.1 to any meter (the consent route: nothing in the SMI changes);
- read a device (4.x, 6.2.x, 7.x, 8.9, 11.2), or add, join and unjoin its own Type 2 Device
  (8.11, 8.7.2, 8.8.2) on premises whose consumer authorised it (`ou_authorisations`,
  `gbdsp users authorise-ou`), the HAN SRVs only with its own Type 2 Device as the other
  party;
- update the inventory (8.4) and pre-notify (12.2) only its own Type 2 Devices;
and never the SMI status, MPxN or hub whitelist of another party's devices. An SRV not
listed here gives an OU no standing on any device (a catalogue change must decide).
docs/security.md records the choice.
"""

from __future__ import annotations

from enum import Enum

from gbdsp.domain.devices import Device, DeviceClass, DeviceType
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.parties import User


class Standing(Enum):
    CIN = "any meter: the consent route"
    PREMISES = "premises whose consumer authorised the OU"
    OWN_TYPE2 = "the OU's own Type 2 Devices only"


_READS = (
    "4.8.1",
    "4.8.2",
    "4.8.3",
    "4.11.1",
    "4.11.2",
    "4.17",
    "6.2.4",
    "6.2.7",
    "7.7",
    "7.11",
    "7.14",
    "7.15",
    "8.9",
    "11.2",
)
HAN_SRVS = frozenset({"8.11", "8.7.2", "8.8.2"})
"""Whitelist, join, unjoin: on authorised premises, the other party the OU's own Type 2."""

OU_STANDING: dict[str, Standing] = {
    "9.1": Standing.CIN,
    **{srv: Standing.PREMISES for srv in (*_READS, *sorted(HAN_SRVS))},
    "8.4": Standing.OWN_TYPE2,
}
NO_DEVICE_SRVS = frozenset({"8.2", "5.1", "5.2", "5.3", "12.1", "12.2"})
"""OU-eligible SRVs that name no SMI device to act on: 8.2 reads the inventory, which the
matrix opens to every role; 12.2 adds a device (`may_prenotify`); 5.x and 12.1 are not
implemented (HTTP 501)."""


def premises_of(device: Device) -> DeviceId | None:
    """A premises is known by the CHF of its Smart Metering System."""
    if device.device_type.device_class is DeviceClass.COMMS_HUB:
        return device.device_id if device.device_type is DeviceType.CHF else device.chf_id
    return device.chf_id


def is_own_type2(user: User, device: Device) -> bool:
    """A Type 2 Device (CAD, IHD) the OU pre-notified itself (12.2 records the sender)."""
    return device.device_type.is_type2 and device.installing_supplier == user.user_id


def other_user_covers(
    user: User, device: Device, srv: str, authorised: frozenset[DeviceId]
) -> bool:
    """Whether the OU role lets `user` send `srv` to (or about) `device`."""
    standing = OU_STANDING.get(srv)
    if standing is Standing.CIN:
        return True
    if standing is Standing.OWN_TYPE2:
        return is_own_type2(user, device)
    if standing is Standing.PREMISES:
        premises = premises_of(device)
        return premises is not None and premises in authorised
    return False


def may_pair(user: User, other: Device) -> bool:
    """8.11 / 8.7.2 / 8.8.2 by an OU: the device added, joined or unjoined is its own
    Type 2 Device, never another party's meter or hub."""
    return is_own_type2(user, other)


def may_prenotify(device_type: DeviceType) -> bool:
    """12.2 by an OU: only a Type 2 Device enters the SMI in its name."""
    return device_type.is_type2
