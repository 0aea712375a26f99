"""What the DCC Boxed templates expect of the template premises beyond the demo fleet
(docs/duis-coverage.md): the firmware version 11.1 and 11.4 name (00000000) on the CPL for
the models of the ESME and PPMID they target. Idempotent; run after the template premises
exists (`services/demo.py` calls `prepare_template_premises` once it is built)."""

from __future__ import annotations

from dataclasses import replace

from gbdsp.domain.ids import DeviceId
from gbdsp.domain.products import CplEntry, CplKey
from gbdsp.store.store import Store

TEMPLATE_FIRMWARE = "00000000"
"""The FirmwareVersion of the 11.1 and 11.4 templates."""
FIRMWARE_TARGETS = (DeviceId.parse("00-DB-12-34-56-78-90-A0"),   # 11.1: the ESME
                    DeviceId.parse("00-DB-12-34-56-78-90-A4"))   # 11.4: the PPMID


def prepare_template_premises(store: Store) -> int:
    """Put the templates' firmware on the CPL for the template devices' models; returns how
    many CPL rows were added (0 when already there or the premises is absent)."""
    added = 0
    with store.transaction() as tx:
        for device_id in FIRMWARE_TARGETS:
            device = tx.devices.get(device_id, with_history=False)
            if device is None:
                continue
            model = replace(device.model, firmware_version=TEMPLATE_FIRMWARE)
            key = CplKey(model, device.device_type, device.smets_variant)
            if tx.cpl.find(key) is None and tx.cpl.put(CplEntry(key)):
                added += 1
    return added
