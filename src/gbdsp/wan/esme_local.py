"""Local Commands (DUIS CV 2) to an ESME: the GBCS Command the User delivers to the device
itself, MACed as the DSP MACs every command it sends (General-Ciphering with the ACB's KA
key and the device's; GBCS 7.3, docs/gbcs.md "Local commands").

Encoded: 4.1.1 Read Instantaneous Import Registers (ECS17b), the Get Protected Attributes
of the import registers (gbcs/esme_commands.py `protected_read`), as the RTDS 4.5.0 ECS17b
command has it.
"""

from __future__ import annotations

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.ids import Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.gbcs import esme_commands
from gbdsp.gbcs.codes import Cra, MessageCode
from gbdsp.gbcs.frames import GroupingHeader, message
from gbdsp.gbcs_world import ACB, GbcsWorld

LOCAL = {("4.1.1", DeviceType.ESME)}


def local_command(world: GbcsWorld, srv: str, rid: RequestId, device: Device) -> bytes | None:
    """The MACed GBCS Command of this local command, or None if gbdsp does not encode it."""
    if (srv, device.device_type) not in LOCAL:
        return None
    eui = Eui64(device.device_id.value)
    user, title = rid.originator.value.to_bytes(8, "big"), eui.value.to_bytes(8, "big")
    content = esme_commands.protected_read(
        user,
        title,
        rid.counter,
        esme_commands.IMPORT_REGISTERS,
        esme_commands.IMPORT_REGISTER_VALUES,
    )
    header = GroupingHeader(Cra.COMMAND, rid.counter, user, title, MessageCode.ECS17B)
    return message(header, content, z=world.shared_secret(eui, ACB))
