"""12.1 Request WAN Matrix: which CSP region serves a postcode, and what each region answers.

The CSP regions follow the DNO areas (SEC Schedule 11 / DCC's published coverage maps): North
is Scotland and the North of England (SHEPD, SPD, ENWL, Northern Powergrid), Central is Wales,
Merseyside, the Midlands and the East, South the rest. A postcode area decides the region;
that is the granularity of gbdsp's emulated SM WAN (docs/duis-coverage.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gbdsp.domain.devices import CspRegion
from gbdsp.domain.response_codes import ResponseCode

_SCOTLAND = (
    "AB",
    "DD",
    "DG",
    "EH",
    "FK",
    "G",
    "HS",
    "IV",
    "KA",
    "KW",
    "KY",
    "ML",
    "PA",
    "PH",
    "TD",
    "ZE",
)
_NORTH = frozenset(
    (
        *_SCOTLAND,
        "BB",
        "BD",
        "BL",
        "CA",
        "DH",
        "DL",
        "DN",
        "FY",
        "HD",
        "HG",
        "HU",
        "HX",
        "LA",
        "LS",
        "M",
        "NE",
        "OL",
        "PR",
        "S",
        "SK",
        "SR",
        "TS",
        "WA",
        "WF",
        "WN",
        "YO",
    )
)
_CENTRAL = frozenset(
    (
        "B",
        "CB",
        "CF",
        "CH",
        "CO",
        "CV",
        "DE",
        "DY",
        "HR",
        "IP",
        "L",
        "LD",
        "LE",
        "LL",
        "LN",
        "NG",
        "NN",
        "NP",
        "NR",
        "PE",
        "SA",
        "ST",
        "SY",
        "TF",
        "WR",
        "WS",
        "WV",
    )
)
BASE_REGIONS = (CspRegion.NORTH, CspRegion.CENTRAL, CspRegion.SOUTH)
TECHNOLOGY = {
    CspRegion.NORTH: "Long Range Radio",
    CspRegion.CENTRAL: "Cellular",
    CspRegion.SOUTH: "Cellular",
}
NOT_IN_REGION = ResponseCode.E120101
"""Our pairing (the XSD's 12.1 codes have no public meaning): the region does not serve the
address, so it gives no coverage figures."""
UNKNOWN_ADDRESS = ResponseCode.E120102
"""Our pairing: a UPRN the SMI and the SM WAN know nothing of (no region can be named)."""


def postcode_area(postcode: str) -> str:
    match = re.match(r"\s*([A-Za-z]{1,2})", postcode)
    return match.group(1).upper() if match else ""


def region_of_postcode(postcode: str) -> CspRegion:
    area = postcode_area(postcode)
    if area == "BT":
        return CspRegion.UNKNOWN  # Northern Ireland has no DCC SM WAN
    if area in _NORTH:
        return CspRegion.NORTH
    if area in _CENTRAL:
        return CspRegion.CENTRAL
    return CspRegion.SOUTH if area else CspRegion.UNKNOWN


def base_region(region: CspRegion) -> CspRegion:
    """The 4G regions are served by the CSP of the same name."""
    return {
        CspRegion.NORTH_4G: CspRegion.NORTH,
        CspRegion.CENTRAL_4G: CspRegion.CENTRAL,
        CspRegion.SOUTH_4G: CspRegion.SOUTH,
    }.get(region, region)


@dataclass(frozen=True, slots=True)
class MatrixLine:
    """One DSPWANMatrixResponse: a region's code and, where it serves the address, its
    coverage figures."""

    region: CspRegion
    code: str
    coverage: bool | None = None
    technology: str | None = None
    likelihood: str | None = None


def matrix(serving: CspRegion, coverage: bool) -> tuple[MatrixLine, ...]:
    """Every CSP region's line: the serving one I0 with its coverage, the others E120101."""
    lines = []
    for region in BASE_REGIONS:
        if region is base_region(serving):
            lines.append(
                MatrixLine(
                    region,
                    ResponseCode.I0,
                    coverage,
                    TECHNOLOGY[region],
                    "High" if coverage else "Low",
                )
            )
        else:
            lines.append(MatrixLine(region, NOT_IN_REGION))
    return tuple(lines)
