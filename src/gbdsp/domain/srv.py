"""The Service Reference Variant catalogue: what each SRV is and who may send it.

Built from the DUIS matrix and the XSD (reference/srv-catalogue.csv, shipped as package
data): 129 SRVs with their eligible User Roles, criticality and allowed Command Variants.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.parties import UserRole
from gbdsp.domain.requests import CommandVariant


class ServiceReferenceVariant(str):
    """A DUIS Service Reference Variant, such as "4.1.1": which service a request asks for.

    Its Service Reference is its first two numbers ("4.1"), as the DUIS header carries both.
    It is a `str`, so it is written and compared as DUIS writes it; `numbers` sorts 8.14.1
    after 8.2."""

    __slots__ = ()
    _FORM = re.compile(r"[0-9]{1,2}(\.[0-9]{1,2}){1,2}")

    def __new__(cls, text: str) -> ServiceReferenceVariant:
        if not cls._FORM.fullmatch(text):
            raise InvalidValue(f"not a Service Reference Variant: {text!r}")
        return super().__new__(cls, text)

    @property
    def service_reference(self) -> str:
        return ".".join(self.split(".")[:2])

    @property
    def numbers(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self.split("."))


CV = CommandVariant
CRITICAL_CVS = frozenset(
    {CV.TRANSFORM, CV.SIGNED_PRE_COMMAND, CV.SIGNED_PRE_COMMAND_LOCAL, CV.SIGNED_PRE_COMMAND_BOTH}
)
NON_CRITICAL_CVS = frozenset({CV.COMMAND, CV.LOCAL_COMMAND, CV.COMMAND_AND_LOCAL})
NON_DEVICE_CVS = frozenset({CV.NON_DEVICE})


@dataclass(frozen=True, slots=True)
class Srv:
    """One Service Reference Variant, as the catalogue describes it."""

    variant: ServiceReferenceVariant
    service_reference: str
    name: str
    critical: bool
    non_device: bool
    eligible_roles: frozenset[UserRole]
    body_element: str
    dcc_scheduled: bool = False
    """The SRV matrix marks it DCC Scheduled: 5.1 may create a schedule of it."""
    future_dated: str = "No"
    """The matrix's future-dated response pattern: DSP, Device or No."""

    @property
    def command_variants(self) -> frozenset[CommandVariant]:
        """CVs allowed for this SRV: 8 for non-device SRVs, 4 then 5/6/7 for critical ones,
        1/2/3 otherwise (DUIS CV table; the public templates agree for all 129 SRVs)."""
        if self.non_device:
            return NON_DEVICE_CVS
        return CRITICAL_CVS if self.critical else NON_CRITICAL_CVS


@dataclass(frozen=True)
class SrvCatalogue:
    by_id: Mapping[str, Srv]

    def get(self, srv: str) -> Srv | None:
        return self.by_id.get(srv)

    def __len__(self) -> int:
        return len(self.by_id)


def parse_catalogue(text: str) -> SrvCatalogue:
    srvs = {}
    for row in csv.DictReader(io.StringIO(text)):
        roles = frozenset(UserRole(r) for r in row["eligible_roles"].split("|") if r)
        srvs[row["srv"]] = Srv(
            variant=ServiceReferenceVariant(row["srv"]),
            service_reference=row["service_reference"],
            name=row["name"],
            critical=row["critical"] == "Yes",
            non_device=row["non_device"] == "Yes",
            eligible_roles=roles,
            body_element=row["body_element"],
            dcc_scheduled=row["dcc_scheduled"] == "Yes",
            future_dated=row["future_dated_pattern"] or "No",
        )
    return SrvCatalogue(srvs)


@cache
def catalogue() -> SrvCatalogue:
    """The shipped catalogue (read once; it is reference data, not state)."""
    text = resources.files("gbdsp.data").joinpath("srv-catalogue.csv").read_text("utf-8")
    return parse_catalogue(text)
