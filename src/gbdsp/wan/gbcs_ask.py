"""What a GBCS Response builder is given: the request as the device sees it (docs/gbcs.md).

Every builder of a use case gbdsp encodes (wan/gbcs_payloads.py, wan/gsme_payloads.py,
wan/cs_payloads.py, wan/esme_*.py) has one shape, `Builder`: it takes one `Ask` and returns
the Response's bytes. The registry (gateway/registry.py) names the builder of each SRV and
device type; whoever hands a request to the emulator hands it that builder too
(`BuilderLookup`), so the emulator keeps no table of its own.

Many Responses follow the request's values (the log period, the optional registers to
reset, the UTRN...): `body` is the DUIS request body, None where there is none (a DCC
Scheduled occurrence), in which case a builder answers with the request's defaults.

The device log use cases (8.9 CS07 and CCS04/06/07, 8.12.2 GCS59, the 8.7.2 joins of a
PPMID or HCALCS, whose use case follows the other device's type) read `device_log`: the
devices the SMI holds on the answering device's log, looked up only when a builder asks
(by whoever builds the Ask, in its transaction: gateway/execution.py).

What set commands changed on the device (its supply state, tariff, configuration) is
`state`, looked up the same way, only when a builder asks (`setting`): a builder reports the
override where there is one, its documented default otherwise (wan/device_state.py).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.duis.namespaces import sr
from gbdsp.gbcs import party as gbcs_party
from gbdsp.gbcs import responses
from gbdsp.gbcs.kdf import shared_secret
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan.device_state import StateLookup
from gbdsp.wan.esme_state import Meter

KA_KIND = gbcs_party.CertificateKind.KA

DeviceLog = Callable[[], Sequence[Device]]
"""The devices on a device's log as the SMI holds them, read when called (Ask.device_log)."""


@dataclass(frozen=True, slots=True)
class Ask:
    """A request to a device, for the builder of its GBCS Response."""

    world: GbcsWorld
    """The test world whose keys MAC (or sign) the Response."""
    seed: int
    """The emulator's seed: the emulated registers and logs follow it."""
    rid: RequestId
    """The request: its originator is the User answered, its counter the Response's."""
    device: Device
    """The device answering."""
    at: datetime
    meter: DeviceId
    """The device whose registers are read: the device itself, or for a GPF the GSME whose
    data it holds (GBCS: the GPF answers from its copy of the GSME's registers)."""
    body: etree._Element | None = None
    """The DUIS request body (None: the request's defaults)."""
    log: DeviceLog = field(default=lambda: ())
    """Looks up the devices of `device_log` (default: none)."""
    state: StateLookup = field(default=lambda: _NOTHING_SET)
    """Looks up what set commands changed on `meter` (default: nothing)."""

    def setting(self, name: str, default: Any) -> Any:
        """The value a set command gave `name` on `meter` (wan/device_state.py), else the
        builder's documented `default`."""
        return self.state().get(name, default)

    @property
    def device_log(self) -> Sequence[Device]:
        """The other devices on the answering device's log, as the SMI holds them: for a
        CHF, those on its CHF Device Log (and its GPF); for any other device, the devices
        joined to it (8.7, 8.8), in ID order."""
        return self.log()

    @property
    def registers(self) -> Meter:
        """The emulated ESME registers and logs of `meter` (wan/esme_state.py)."""
        return Meter(self.seed, self.meter)

    def exchange(self) -> responses.Exchange:
        """The device answering the requesting User, with the request's counter; an Unknown
        Remote Party (its request carries its KA certificate) through the ACB, encrypted
        for that certificate (GBCS 7.2.10, RTDS ECS21b URP)."""
        device, user = Eui64(self.device.device_id.value), Eui64(self.rid.originator.value)
        unknown = self.unknown_remote_party()
        if unknown is None:
            z = self.world.shared_secret(device, user)
            return responses.Exchange(_title(device), _title(user), self.rid.counter, z, self.at)
        return responses.Exchange(
            _title(device),
            _title(user),
            self.rid.counter,
            shared_secret(self.world.device_keys(device).ka, unknown),
            self.at,
            acb=(_title(ACB), self.world.shared_secret(device, ACB)),
            originator_counter=self.originator_counter(),
        )

    def originator_counter(self) -> int:
        """The device's supplementary originator counter: the milliseconds of the Unix
        epoch at its answer, which grow as a device's own counter must (GBCS 4.3.5)."""
        return int(self.at.timestamp() * 1000)

    def unknown_remote_party(self) -> ec.EllipticCurvePublicKey | None:
        """The KA key of the certificate the request carries (`KAPublicSecurityCredentials`:
        the User is an Unknown Remote Party to the device), or None. InvalidValue if it is
        not a P-256 KA certificate of the requesting User."""
        text = self.text("KAPublicSecurityCredentials")
        if text is None:
            return None
        try:
            der = base64.b64decode("".join(text.split()), validate=True)
        except binascii.Error as e:
            raise InvalidValue(f"KAPublicSecurityCredentials is not base64: {e}") from e
        party = gbcs_party.check(gbcs_party.load(der), self.rid.originator.value, KA_KIND)
        key = party.certificate.public_key()
        assert isinstance(key, ec.EllipticCurvePublicKey)  # check() allows only P-256
        return key

    def has(self, name: str) -> bool:
        return self.body is not None and self.body.find(f".//{sr(name)}") is not None

    def text(self, name: str) -> str | None:
        return None if self.body is None else self.body.findtext(f".//{sr(name)}")

    def count(self, name: str) -> int:
        return 0 if self.body is None else len(self.body.findall(f".//{sr(name)}"))

    def instant(self, name: str) -> datetime:
        """The date-time the request gives `name` (InvalidValue if it gives none)."""
        text = self.text(name)
        if text is None:
            raise InvalidValue(f"no {name} in the request")
        return _instant(text)

    def period(self, default: timedelta = timedelta(days=1)) -> tuple[datetime, datetime]:
        """The request's ReadLogPeriod, or the `default` span up to now."""
        start, end = self.text("StartDateTime"), self.text("EndDateTime")
        if start is None or end is None:
            return self.at - default, self.at
        return _instant(start), _instant(end)


_NOTHING_SET: Mapping[str, Any] = {}

Builder = Callable[[Ask], bytes]
"""The GBCS Response of one use case to an `Ask` (InvalidValue: the request's values cannot
be carried, and the caller keeps its stand-in)."""

BuilderLookup = Callable[[str, DeviceType], Builder | None]
"""The builder for an SRV sent to a device type, or None where gbdsp encodes no Response
(gateway/registry.py `gbcs_builder`)."""


def stand_ins(srv: str, device_type: DeviceType) -> Builder | None:
    """A lookup that names no builder: every Response is the documented stand-in."""
    return None


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def _instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as e:
        raise InvalidValue(f"not a date-time: {text!r}") from e
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
