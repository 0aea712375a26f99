"""The commands the DSP sends for the non-critical CS (GBCS common) and CHF use cases, built
from the DUIS values (wan/dsp_commands.py; docs/gbcs.md "Commands the DSP sends").

Their layouts are those of the RTDS 4.5.0 commands of the same use cases (facts, as
gbcs-parser names them): the ESME's top-up is a DLMS ACTION on its Token Gateway, the
GSME's a GBZ Consumer Top Up; the event log reads and clear are GBZ commands of the Events
cluster; the join details and the PPMID/HCALCS firmware version reads are an ASN.1 NULL;
the unjoins name the other device; the security credentials reads (CS02a/f), the DCC's
replacements (CS02b) and the GPF's log restore (GCS59) are ASN.1 (gbcs/cs.py); the CHF's
device log and Sub GHz commands are DLMS on its ZigBee Network Control and Sub GHz objects.
The PPMID/HCALCS commands, the security credentials reads and the CHF's commands are the
ACB's, for the User (RTDS CS08, CS04AC, CS02a, CCS02-CCS07, DBCH01-DBCH05); the CS02b
replacements the DCC's own (wan/dsp_commands.py `from_dcc`).
"""

from __future__ import annotations

from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import DeviceId
from gbdsp.gbcs import cs
from gbdsp.gbcs.chf import ChfCode
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.dbch import DbchCode
from gbdsp.gbcs.dlms_data import octet_string, unsigned
from gbdsp.gbcs.esme import ACTION, GET, SET
from gbdsp.gbcs.esme_commands import Request, access_request, utc_range
from gbdsp.gbcs.gsme_commands import CLIENT_TO_SERVER, Zcl, utc_time
from gbdsp.gbcs_world import ACB
from gbdsp.wan import cs_payloads, dsp_commands
from gbdsp.wan.cs_credentials import TRANSCOS, credentials_update
from gbdsp.wan.dbch_state import requested_configuration
from gbdsp.wan.esme_sent import o
from gbdsp.wan.gbcs_ask import Ask
from gbdsp.wan.gsme_sent import send as send_gbz

TOKEN_GATEWAY, ENTER = 115, 1
"""The ESME's Token Gateway (COSEM class 115) and its enter method (the UTRN)."""
PREPAYMENT_CREDIT = "0-0:19.40.0.255"
PREPAYMENT_CLUSTER, CONSUMER_TOP_UP = 0x0705, 0x04
FROM_REMOTE = 0
"""Consumer Top Up's Originating Device: remotely (RTDS CS01b)."""
GET_EVENT_LOG, CLEAR_EVENT_LOG_REQUEST = 0x00, 0x01
EVENT_CONTROL = {cs.GENERAL_EVENT_LOG: 0x10, cs.SECURITY_EVENT_LOG: 0x00}
"""Get Event Log's Event Control (high nibble) of each log, as RTDS CS10a and CS10b."""
NULL_COMMAND = b"\x05\x00"
"""An ASN.1 NULL: the Read Device Join Details and firmware version commands."""
NETWORK_CONTROL = 104
DEVICE_LOG, HISTORIC_DEVICE_LOG = "0-0:30.3.0.255", "0-0:30.3.1.255"
ACTIVE_DEVICES, BACKUP_PAN = 4, 4
"""ZigBee Network Control (class 104): attribute 4, method 4."""


def _utrn(ask: Ask) -> str:
    utrn = (ask.text("UTRN") or "").strip()
    if not utrn.isdigit():
        raise InvalidValue("no UTRN")
    return utrn


def top_up(ask: Ask) -> bytes:
    """2.2 Top Up Device: CS01a on an ESME, CS01b on a GSME."""
    utrn = _utrn(ask)
    if ask.device.device_type.name == "ESME":
        enter = Request(
            ACTION, TOKEN_GATEWAY, o(PREPAYMENT_CREDIT), ENTER, octet_string(utrn.encode())
        )
        content = access_request(ask.rid.counter, [enter])
        return dsp_commands.from_user(ask, MessageCode.CS01A, content)
    body = bytes([FROM_REMOTE, len(utrn)]) + utrn.encode()
    zcl = Zcl(PREPAYMENT_CLUSTER, CONSUMER_TOP_UP, body, frame=CLIENT_TO_SERVER)
    return send_gbz(ask, MessageCode.CS01B, [zcl])


def cs11(ask: Ask) -> bytes:
    """3.3 Clear Event Log on a GSME: Clear Event Log Request of the general event log."""
    zcl = Zcl(
        cs.EVENTS_CLUSTER,
        CLEAR_EVENT_LOG_REQUEST,
        bytes([cs.GENERAL_EVENT_LOG]),
        frame=CLIENT_TO_SERVER,
    )
    return send_gbz(ask, MessageCode.CS11, [zcl])


def cs10(ask: Ask) -> bytes:
    """6.13 on a GSME: Get Event Log of the event (CS10a) or security (CS10b) log, every
    event of the ReadLogPeriod."""
    security = (ask.text("LogToRead") or "").strip() == "Security"
    log = cs.SECURITY_EVENT_LOG if security else cs.GENERAL_EVENT_LOG
    start, end = ask.period()
    body = bytes([EVENT_CONTROL[log] | log]) + (0).to_bytes(2, "little")
    body += utc_time(start).to_bytes(4, "little") + utc_time(end).to_bytes(4, "little")
    body += b"\x00" + (0).to_bytes(2, "little")  # every event, from the first
    code = MessageCode.CS10B if security else MessageCode.CS10A
    return send_gbz(
        ask, code, [Zcl(cs.EVENTS_CLUSTER, GET_EVENT_LOG, body, frame=CLIENT_TO_SERVER)]
    )


def cs07(ask: Ask) -> bytes:
    """8.9 on a meter: Read Device Join Details (an ASN.1 NULL)."""
    return dsp_commands.from_user(ask, MessageCode.CS07, NULL_COMMAND)


def cs08(ask: Ask) -> bytes:
    """11.2 on a PPMID or HCALCS: the firmware version read, the ACB's (RTDS CS08)."""
    return dsp_commands.from_acb(ask, MessageCode.CS08, NULL_COMMAND)


def unjoin(ask: Ask) -> bytes:
    """8.8.2: the unjoin of the other device: on a meter the User's Method B unjoin
    (CS04B); on a PPMID or HCALCS the ACB's, signed, for the User (CS04AC, RTDS
    CS04ACNonCritical), as the Response answers them (wan/cs_payloads.py)."""
    other = DeviceId.parse((ask.text("OtherDeviceID") or "").strip())
    content = cs.unjoin_command(other.value.to_bytes(8, "big"))
    if ask.device.device_type.name in ("ESME", "GSME"):
        return dsp_commands.from_user(ask, MessageCode.CS04B, content)
    return dsp_commands.from_acb(ask, MessageCode.CS04AC, content, signed=True)


def read_device_log(ask: Ask) -> bytes:
    """8.9 on a CHF: the GET of its active devices (CCS06), or with ReadSecurityDetails the
    backups of its device log and historic device log (CCS07); the ACB's, for the User."""
    if ask.has("ReadSecurityDetails"):
        requests = [
            Request(ACTION, NETWORK_CONTROL, o(c), BACKUP_PAN)
            for c in (DEVICE_LOG, HISTORIC_DEVICE_LOG)
        ]
        code = ChfCode.CCS07
    else:
        requests = [Request(GET, NETWORK_CONTROL, o(DEVICE_LOG), ACTIVE_DEVICES)]
        code = ChfCode.CCS06
    return dsp_commands.from_acb(ask, code, access_request(ask.rid.counter, requests))


UNREGISTER_DEVICE = 2
"""ZigBee Network Control method 2: take a device off the CHF Device Log (CCS02)."""


def han_device_log(ask: Ask) -> bytes:
    """8.11 Remove: the CHF's Unregister Device of the device, the ACB's (RTDS CCS02). The
    Add (CCS01) is not encoded: two of its register-device fields have no meaning gbdsp
    can give (InvalidValue: the CHF is handed the request's values)."""
    if (ask.text("RequestType") or "").strip() != "Remove":
        raise InvalidValue("the command of an 8.11 Add (CCS01) is not encoded")
    device = DeviceId.parse((ask.text("DeviceID") or "").strip())
    entity = octet_string(device.value.to_bytes(8, "big"))
    request = Request(ACTION, NETWORK_CONTROL, o(DEVICE_LOG), UNREGISTER_DEVICE, entity)
    return dsp_commands.from_acb(ask, ChfCode.CCS02, access_request(ask.rid.counter, [request]))


ROLES = {"Supplier": cs.Role.SUPPLIER, "NetworkOperator": cs.Role.NETWORK_OPERATOR}
ROLES |= {"LoadController": cs.Role.LOAD_CONTROLLER, "ACB": cs.Role.ACB}
ROLES |= {"TransCoS": cs.Role.TRANSCOS, "Root": 0, "Recovery": 1}
"""DUIS RemotePartyRole -> GBCS RemotePartyRole (wan/cs_payloads.py ROLES)."""


def security_credentials(ask: Ask) -> bytes:
    """6.24.1 Retrieve Device Security Credentials (KRP): the ACB's Provide Security
    Credential Details of the roles asked (CS02a; CS02f with the Load Controller's), as the
    Response answers them (wan/cs_payloads.py)."""
    asked = (
        [(e.text or "").strip() for e in ask.body.iter("{*}RemotePartyRole")]
        if (ask.body is not None)
        else []
    )
    roles = [ROLES[r] for r in asked or ["Supplier"] if r in ROLES]
    if not roles:
        raise InvalidValue("no remote party role gbdsp encodes")
    code = MessageCode.CS02F if cs.Role.LOAD_CONTROLLER in roles else MessageCode.CS02A
    return dsp_commands.from_acb(ask, code, cs.provide_details_command(roles))


SUB_GHZ_CONFIGURATION = "0-0:94.44.10.0"
SUB_GHZ_SCAN = "0-0:94.44.10.1"
SUB_GHZ_CHANNEL = "0-0:94.44.10.2"
SUB_GHZ_CHANNEL_LOG = "0-0:94.44.10.3"
"""The Dual Band CH's Sub GHz objects (COSEM Data, the log a Profile Generic)."""
DATA, PROFILE = 1, 7


def _dbch(ask: Ask, code: int, request: Request) -> bytes:
    return dsp_commands.from_acb(ask, code, access_request(ask.rid.counter, [request]))


def dbch01(ask: Ask) -> bytes:
    """6.31 Read CHF Sub GHz Channel: the operating channel."""
    return _dbch(ask, DbchCode.DBCH01, Request(GET, DATA, o(SUB_GHZ_CHANNEL), 2))


def dbch02(ask: Ask) -> bytes:
    """6.32 Read CHF Sub GHz Channel Log, for the ReadLogPeriod."""
    start, end = ask.period()
    request = Request(GET, PROFILE, o(SUB_GHZ_CHANNEL_LOG), 2, selection=utc_range(start, end))
    return _dbch(ask, DbchCode.DBCH02, request)


def dbch03(ask: Ask) -> bytes:
    """6.30 Read CHF Sub GHz Configuration."""
    return _dbch(ask, DbchCode.DBCH03, Request(GET, DATA, o(SUB_GHZ_CONFIGURATION), 2))


def dbch04(ask: Ask) -> bytes:
    """6.28 Set CHF Sub GHz Configuration: the SET of the configuration the request gives
    (wan/dbch_state.py `requested_configuration`, as the CHF then reports it)."""
    if ask.body is None:
        raise InvalidValue("no DUIS body")
    value = requested_configuration(ask.body).data()
    return _dbch(ask, DbchCode.DBCH04, Request(SET, DATA, o(SUB_GHZ_CONFIGURATION), 2, value))


def dbch05(ask: Ask) -> bytes:
    """6.29 Request CHF Sub GHz Channel Scan: the SET of the scan request (0, RTDS)."""
    scan = Request(SET, DATA, o(SUB_GHZ_SCAN), 2, unsigned(0))
    return _dbch(ask, DbchCode.DBCH05, scan)


def dcc_replacement(ask: Ask) -> bytes:
    """6.21, 6.23, 8.5: the DCC's Update Security Credentials Command (CS02b) of the
    request, as the Response reads it (wan/cs_credentials.py `credentials_update`): the
    TransCoS's for 6.23, the ACB's otherwise; signed but for 8.5's ACB by ACB (RTDS). The
    device checks its MAC; the DCC's signature it is not asked to check here."""
    if ask.body is None:
        raise InvalidValue("no DUIS body")
    update = credentials_update(ask.body, ask.rid.counter, ask.at)
    by_transcos = update.mode == cs.ReplacementMode.SUPPLIER_BY_TRANSCOS
    party = TRANSCOS if by_transcos else ACB
    signed = update.mode != cs.ReplacementMode.ACB_BY_ACB
    content = cs.update_command(update)
    return dsp_commands.from_dcc(ask, party, update.code, content, signed=signed)


def gcs59(ask: Ask) -> bytes:
    """8.12.2 on a GPF: the Restore GPF Device Log Command of the devices the SMI holds
    joined to it (as the Response restores them; wan/cs_payloads.py)."""
    entries = [cs_payloads.log_entry(d) for d in ask.device_log]
    return dsp_commands.from_user(ask, MessageCode.GCS59, cs.restore_gpf_log_command(entries))
