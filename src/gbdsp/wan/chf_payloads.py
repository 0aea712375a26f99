"""The CHF's Responses to the device log SRVs (gbcs/chf.py; docs/gbcs.md "CHF device log").

The DSP's command to the CHF is the ACB's (GBCS: the CHF use cases are the DCC's), so the
Response goes to the ACB, MACed with the CHF's and the ACB's KA keys, and names the User
with the request's counter (as CS08 does; we give the ACB's command the User's counter).
gbdsp keeps no CHF device log, so every request succeeds.
"""

from __future__ import annotations

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import Eui64
from gbdsp.gbcs import chf
from gbdsp.gbcs.responses import Exchange
from gbdsp.gbcs_world import ACB
from gbdsp.wan.gbcs_ask import Ask

REQUEST_TYPES = {"Add": chf.ChfCode.CCS01, "Remove": chf.ChfCode.CCS02}
"""SRV 8.11's RequestType -> its use case."""


def _title(eui: Eui64) -> bytes:
    return eui.value.to_bytes(8, "big")


def acb_exchange(ask: Ask) -> tuple[Exchange, bytes]:
    """The CHF answering the ACB with the User's counter, and the User's title (the
    supplementary remote party) - every CHF use case's Response (also wan/dbch_payloads.py)."""
    eui = Eui64(ask.device.device_id.value)
    z = ask.world.shared_secret(eui, ACB)
    ex = Exchange(_title(eui), _title(ACB), ask.rid.counter, z, ask.at)
    return ex, _title(Eui64(ask.rid.originator.value))


def _response(ask: Ask, code: chf.ChfCode) -> bytes:
    ex, user = acb_exchange(ask)
    return chf.device_log_response(ex, code, remote_party=user, remote_counter=ask.rid.counter)


def ccs01_ccs02(ask: Ask) -> bytes:
    """8.11: CCS01 (Add) or CCS02 (Remove), as the body's RequestType says."""
    request_type = (ask.text("RequestType") or "").strip()
    code = REQUEST_TYPES.get(request_type)
    if code is None:
        raise InvalidValue(f"8.11 RequestType {request_type!r}")
    return _response(ask, code)


def ccs03(ask: Ask) -> bytes:
    """8.12.1: CCS03."""
    return _response(ask, chf.ChfCode.CCS03)
