"""Defaults of sample requests that depend on the SMI (`gbdsp request build`).

The template premises of `gbdsp demo` is fully installed, so lifecycle SRVs that need a
device in some state (a CH in stock for 8.14.1, a meter left uncommissioned for 8.3) take
the first such device of the sending User, and 12.2 takes an ID not in the SMI yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from gbdsp.domain.devices import DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, UserId
from gbdsp.duis import samples
from gbdsp.duis.samples import Pick, Sample
from gbdsp.services import operations
from gbdsp.store.store import Store
from gbdsp.wan.emulator import DeviceEmulator
from gbdsp.worlds.demo import HUB_VERSION, METER_VERSION, MODELS, template_id

NEW_DEVICE_OCTETS = range(0xB0, 0x100)
"""12.2 samples take IDs 00-DB-12-34-56-78-90-B0 to -FF: the template range, after the
template premises' own devices."""


def prepare(sample: Sample, given: Mapping[str, str | None], now: datetime) -> dict[str, str]:
    """The field values (`samples.resolve`), with 12.2's model defaulting to the demo CPL
    model of its device type, so the device it pre-notifies is one the CPL knows."""
    values = samples.resolve(sample, given, now)
    if sample.srv == "12.2":
        dtype = DeviceType.parse(values["device-type"])
        model = MODELS[dtype]
        hub = dtype in (DeviceType.CHF, DeviceType.GPF)
        for key, value in (
            ("manufacturer", model.manufacturer),
            ("model", model.model),
            ("firmware", model.firmware_version),
            ("smets-version", HUB_VERSION if hub else METER_VERSION),
        ):
            values.setdefault(key, value)
    return values


def pick_device(store: Store, pick: Pick, user: UserId) -> DeviceId:
    with store.read() as tx:
        for status in pick.statuses:
            found = tx.devices.first_of(pick.types, status, user)
            if found is not None:
                return found.device_id
    raise InvalidValue(
        f"no default device: {user} has no "
        f"{'/'.join(t.value for t in pick.types)} that is "
        f"{' or '.join(s.value for s in pick.statuses)}; give --device"
    )


def new_device_id(store: Store) -> DeviceId:
    with store.read() as tx:
        for octet in NEW_DEVICE_OCTETS:
            candidate = template_id(octet)
            if tx.devices.get(candidate, with_history=False) is None:
                return candidate
    raise InvalidValue(
        "every sample device ID up to 00-DB-12-34-56-78-90-FF is in the SMI; give --device"
    )


def gpf_of(store: Store, chf: DeviceId) -> DeviceId:
    """The GPF on a CHF's Device Log (8.14.3 names it as OtherDeviceID)."""
    with store.read() as tx:
        for device in tx.devices.in_device_log(chf):
            if device.device_type is DeviceType.GPF:
                return device.device_id
    raise InvalidValue(f"{chf} has no GPF on its Device Log; give --gpf")


def needs_smi(sample: Sample, device: DeviceId | None, values: Mapping[str, str]) -> bool:
    """Whether `complete` must look at the SMI (static defaults need no data directory)."""
    return (
        (device is None and not isinstance(sample.device, DeviceId))
        or _needs_code(sample, values)
        or _needs_gpf(sample, values)
    )


def complete(
    store: Store,
    emulator: DeviceEmulator,
    sample: Sample,
    user: UserId,
    device: DeviceId | None,
    values: dict[str, str],
) -> DeviceId:
    """The request's device, and in `values` the defaults only the SMI or the device
    emulator knows (an install code, a CH's GPF)."""
    if device is None:
        if isinstance(sample.device, DeviceId):
            device = sample.device
        elif isinstance(sample.device, Pick):
            device = pick_device(store, sample.device, user)
        else:
            device = new_device_id(store)
    if _needs_code(sample, values):
        values["install-code"] = operations.install_code(emulator, DeviceId.parse(values["add"]))
    if _needs_gpf(sample, values):
        values["gpf"] = str(gpf_of(store, device))
    return device


def _needs_code(sample: Sample, values: Mapping[str, str]) -> bool:
    return (
        sample.srv == "8.11"
        and values.get("request-type") == "Add"
        and "install-code" not in values
    )


def _needs_gpf(sample: Sample, values: Mapping[str, str]) -> bool:
    return sample.srv == "8.14.3" and "gpf" not in values
