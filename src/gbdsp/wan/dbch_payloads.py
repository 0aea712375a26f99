"""The CHF's Responses to the Dual Band CH SRVs 6.28-6.32 (gbcs/dbch.py; docs/gbcs.md
"Dual Band CH"), from the emulated Sub GHz radio (wan/dbch_state.py).

As for the CHF device log (wan/chf_payloads.py), the DSP's command is the ACB's, so the
Response goes to the ACB and names the User with the request's counter.
"""

from __future__ import annotations

from datetime import timedelta

from gbdsp.domain.errors import InvalidValue
from gbdsp.gbcs import dbch
from gbdsp.gbcs.dlms_data import Data
from gbdsp.wan import dbch_state
from gbdsp.wan.chf_payloads import acb_exchange
from gbdsp.wan.gbcs_ask import Ask


def _command(ask: Ask, code: dbch.DbchCode) -> bytes:
    ex, user = acb_exchange(ask)
    return dbch.command_response(ex, code, remote_party=user, remote_counter=ask.rid.counter)


def _read(ask: Ask, code: dbch.DbchCode, value: Data) -> bytes:
    ex, user = acb_exchange(ask)
    return dbch.read_response(ex, code, value, remote_party=user, remote_counter=ask.rid.counter)


def dbch04(ask: Ask) -> bytes:
    """6.28 Set CHF Sub GHz Configuration: the SET of the requested values succeeds (they
    must make a DBCH04 command: InvalidValue keeps the stand-in)."""
    if ask.body is None:
        raise InvalidValue("6.28 needs its SetCHFSubGHzConfiguration values")
    dbch_state.requested_configuration(ask.body).data().encode()
    return _command(ask, dbch.DbchCode.DBCH04)


def dbch05(ask: Ask) -> bytes:
    """6.29 Request CHF Sub GHz Channel Scan: the SET succeeds."""
    return _command(ask, dbch.DbchCode.DBCH05)


def dbch03(ask: Ask) -> bytes:
    """6.30 Read CHF Sub GHz Configuration: the emulated configuration."""
    return _read(ask, dbch.DbchCode.DBCH03, dbch_state.DEFAULT.data())


def dbch01(ask: Ask) -> bytes:
    """6.31 Read CHF Sub GHz Channel: the operating channel."""
    channel = dbch_state.operating_channel(ask.seed, ask.device.device_id, ask.at)
    return _read(ask, dbch.DbchCode.DBCH01, dbch.channel_bits(channel))


def dbch02(ask: Ask) -> bytes:
    """6.32 Read CHF Sub GHz Channel Log: the channel changes of the ReadLogPeriod."""
    start, end = ask.period(timedelta(days=7))
    entries = dbch_state.channel_log(ask.seed, ask.device.device_id, start, end, ask.at)
    return _read(ask, dbch.DbchCode.DBCH02, dbch.channel_log(entries))
