"""What an ESME builder is given: the request as the device sees it (docs/gbcs.md, "ESME").

The Responses of the ESME use cases depend on the request's values (the log period, the
optional registers to reset...), so their builders take the DUIS request body, which the
other builders of wan/gbcs_payloads.py do not need. `entry` wraps such a builder into the
table's `Builder` shape; `gbcs_response` hands it the body.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from lxml import etree

from gbdsp.domain.devices import Device
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId, Eui64
from gbdsp.domain.requests import RequestId
from gbdsp.duis.namespaces import sr
from gbdsp.gbcs import responses
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.wan.esme_state import Meter


@dataclass(frozen=True, slots=True)
class Ask:
    """A request to an ESME (or the CHF or SAPC for the ECS use cases they answer)."""

    world: GbcsWorld
    seed: int
    rid: RequestId
    device: Device
    at: datetime
    body: etree._Element | None = None

    @property
    def meter(self) -> Meter:
        return Meter(self.seed, self.device.device_id)

    def exchange(self) -> responses.Exchange:
        """The device answering the requesting User, with the request's counter."""
        device, user = Eui64(self.device.device_id.value), Eui64(self.rid.originator.value)
        z = self.world.shared_secret(device, user)
        return responses.Exchange(_title(device), _title(user), self.rid.counter, z, self.at)

    def has(self, name: str) -> bool:
        return self.body is not None and self.body.find(f".//{sr(name)}") is not None

    def text(self, name: str) -> str | None:
        return None if self.body is None else self.body.findtext(f".//{sr(name)}")

    def count(self, name: str) -> int:
        return 0 if self.body is None else len(self.body.findall(f".//{sr(name)}"))

    def period(self, default: timedelta = timedelta(days=1)) -> tuple[datetime, datetime]:
        """The request's ReadLogPeriod, or the `default` span up to now."""
        start, end = self.text("StartDateTime"), self.text("EndDateTime")
        if start is None or end is None:
            return self.at - default, self.at
        return _instant(start), _instant(end)


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def _instant(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as e:
        raise InvalidValue(f"not a date-time: {text!r}") from e
    return at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class EsmeEntry:
    """An ESME builder in the shape of wan/gbcs_payloads.py `Builder`, taking the body too."""

    build: Callable[[Ask], bytes]

    def __call__(
        self,
        world: GbcsWorld,
        seed: int,
        rid: RequestId,
        device: Device,
        at: datetime,
        meter: DeviceId,
        body: etree._Element | None = None,
    ) -> bytes:
        return self.build(Ask(world, seed, rid, device, at, body))


def entry(build: Callable[[Ask], bytes]) -> EsmeEntry:
    return EsmeEntry(build)
