"""A DUIS User for scenario tests: signed requests over real HTTP, responses pushed back to
a real receive-response endpoint, the critical CV 4 -> CV 5 dance, as DCC Boxed clients do."""

from __future__ import annotations

import base64
import itertools
import time
from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives.asymmetric import ec
from lxml import etree

from gbdsp.domain.ids import Eui64
from gbdsp.duis.client import response_code
from gbdsp.duis.namespaces import SR
from gbdsp.duis.signature import SigningKey, sign
from gbdsp.gbcs import crypto
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs_world import PARTIES
from tests.duis_support import DCC, request
from tests.web.test_duis_http import Receiver

XML = {"Content-Type": "application/xml"}
_counters = itertools.count(time.time_ns() // 1000)


@dataclass
class DuisUser:
    user_id: str
    key: SigningKey
    url: str
    receiver: Receiver
    gbcs_ds: ec.EllipticCurvePrivateKey | None = None
    """The User's GBCS DS key, which signs pre-commands (None: its shipped ZAZ1 key)."""
    last_reply: bytes = b""

    def send(
        self, srv: str, body: str, *, cv: int, target: str = DCC, counter: int | None = None
    ) -> tuple[str, str]:
        """Post one signed request; (synchronous ResponseCode, RequestID)."""
        counter = next(_counters) if counter is None else counter
        root = request(
            srv=srv, body=body, cv=cv, counter=counter, originator=self.user_id, target=target
        )
        sign(root, self.key)
        data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
        service = {1: "S", 3: "S", 5: "S", 7: "S", 2: "D", 6: "D", 8: "D", 4: "T"}[cv]
        reply = httpx.post(
            f"{self.url}/api/v1/service{service}", content=data, headers=XML, timeout=30
        )
        assert reply.status_code == 200, (srv, reply.status_code, reply.text)
        self.last_reply = reply.content
        code = response_code(reply.content)
        assert code is not None
        return code, f"{self.user_id}:{target}:{counter}"

    def non_device(self, srv: str, body: str) -> str:
        return self.send(srv, body, cv=8)[0]

    def command(self, srv: str, body: str, target: str, *, critical: bool = False) -> str:
        """A device command: its synchronous refusal, or its final response code."""
        if critical:
            code, request_id = self.send(srv, body, cv=4, target=target)
            if code != "I0":
                return code
            counter = int(request_id.rsplit(":", 1)[1])
            signed = base64.b64encode(self.signed_pre_command()).decode()
            pre = (
                f"<sr:SignedPreCommand><sr:GBCSPayload>{signed}</sr:GBCSPayload>"
                "</sr:SignedPreCommand>"
            )
            code, request_id = self.send(srv, pre, cv=5, target=target, counter=counter)
        else:
            code, request_id = self.send(srv, body, cv=1, target=target)
        if code != "I99":
            return code
        return self.response_to(request_id)

    def signed_pre_command(self) -> bytes:
        """The last reply's PreCommand, signed as gbcs-parser's signGroupingHeader does:
        40 and the P1363 signature of everything after the first octet."""
        payload = etree.fromstring(self.last_reply).findtext(
            f".//{{{SR}}}PreCommand/{{{SR}}}GBCSPayload"
        )
        assert payload is not None, self.last_reply
        pre = base64.b64decode(payload)
        key = self.gbcs_ds or PARTIES.private_key(Eui64.parse(self.user_id), KeyUsage.DS)
        assert key is not None, f"{self.user_id} has no GBCS DS key"
        return pre + b"\x40" + crypto.sign(key, pre[1:])

    def response_to(self, request_id: str, seconds: float = 15) -> str:
        originator, target, counter = request_id.split(":")
        wanted = f"<sr:ResponseID>{target}:{originator}:{counter}</sr:ResponseID>".encode()
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.receiver.lock:
                found = [b for b in self.receiver.received if wanted in b]
            if found:
                code = response_code(found[0])
                assert code is not None
                return code
            time.sleep(0.02)
        raise AssertionError(f"no response to {request_id} within {seconds}s")


def prenotification(
    device: str,
    device_type: str,
    manufacturer: str,
    model: str,
    firmware: str,
    smets: str = "SMETS2",
) -> str:
    return (
        f"<sr:DevicePrenotification><sr:DeviceID>{device}</sr:DeviceID>"
        f"<sr:DeviceManufacturer>{manufacturer}</sr:DeviceManufacturer>"
        f"<sr:DeviceModel>{model}</sr:DeviceModel><sr:DeviceType>{device_type}</sr:DeviceType>"
        f"<sr:SMETSCHTSVersion>{smets}</sr:SMETSCHTSVersion>"
        f"<sr:FirmwareVersion>{firmware}</sr:FirmwareVersion></sr:DevicePrenotification>"
    )


def ch_install(chf: str, wan: bool = True, mpxn: str = "1000999888") -> str:
    if wan:
        return (
            f"<sr:CHFInstallSuccessSMWAN><sr:DeviceID>{chf}</sr:DeviceID>"
            "<sr:CHFInstallType>New CHF Install</sr:CHFInstallType>"
            f"<sr:MPxN>{mpxn}</sr:MPxN><sr:AerialInstall>false</sr:AerialInstall>"
            "<sr:CHFLocation>Basement or Cellar</sr:CHFLocation></sr:CHFInstallSuccessSMWAN>"
        )
    return (
        f"<sr:CHFInstallSuccessNoSMWAN><sr:DeviceID>{chf}</sr:DeviceID>"
        "<sr:CHFInstallType>CHF Install - no SM WAN</sr:CHFInstallType>"
        f"<sr:MPxN>{mpxn}</sr:MPxN><sr:AerialInstall>false</sr:AerialInstall>"
        "<sr:CHFLocation>Basement or Cellar</sr:CHFLocation>"
        "<sr:PremiseType>Detached / Semi Detached</sr:PremiseType>"
        "<sr:MetalObstructionCheck>false</sr:MetalObstructionCheck>"
        "<sr:ConnectivityObstructionCheck>false</sr:ConnectivityObstructionCheck>"
        "<sr:SharedObstructionCheck>false</sr:SharedObstructionCheck>"
        "</sr:CHFInstallSuccessNoSMWAN>"
    )


def ch_return(chf: str, fault: bool) -> str:
    if fault:
        return (
            f"<sr:CHFFaultReturn><sr:DeviceID>{chf}</sr:DeviceID>"
            "<sr:CHFFaultReturnType>Fault identified prior to installation"
            "</sr:CHFFaultReturnType><sr:OtherDeviceID>00-00-00-00-00-00-00-00"
            "</sr:OtherDeviceID><sr:CHFConnectionMethod>Hot-shoe</sr:CHFConnectionMethod>"
            "<sr:CHFFaultReason>Damaged case</sr:CHFFaultReason></sr:CHFFaultReturn>"
        )
    return (
        f"<sr:CHFNoFaultReturn><sr:DeviceID>{chf}</sr:DeviceID><sr:CHFNoFaultReturnType>"
        "No Fault Return (general)</sr:CHFNoFaultReturnType></sr:CHFNoFaultReturn>"
    )


def whitelist(device: str, install_code: str, mpxn: str | None = None) -> str:
    mpxn_xml = f"<sr:ImportMPxN>{mpxn}</sr:ImportMPxN>" if mpxn else ""
    return (
        f"<sr:UpdateHANDeviceLog><sr:DeviceID>{device}</sr:DeviceID>"
        "<sr:RequestType>Add</sr:RequestType><sr:AddDeviceToCHFWhitelist>"
        f"<sr:JoinTimePeriod>90</sr:JoinTimePeriod><sr:InstallCode>{install_code}"
        f"</sr:InstallCode>{mpxn_xml}</sr:AddDeviceToCHFWhitelist></sr:UpdateHANDeviceLog>"
    )


def join(other: str, critical: bool = False) -> str:
    kind = "Critical" if critical else "NonCritical"
    return (
        f"<sr:JoinService{kind}><sr:OtherDeviceID>{other}</sr:OtherDeviceID></sr:JoinService{kind}>"
    )


COMMISSION = (
    "<sr:CommissionDeviceSynchroniseClock><sr:CurrentDateTime>2026-01-01T00:00:00Z"
    "</sr:CurrentDateTime><sr:TolerancePeriod>60</sr:TolerancePeriod>"
    "</sr:CommissionDeviceSynchroniseClock>"
)


def set_mpan(mpan: str) -> str:
    return (
        "<sr:SetDeviceConfigurationImportMPxN><sr:ImportMPANs>"
        f"<sr:ImportMPAN>{mpan}</sr:ImportMPAN></sr:ImportMPANs>"
        "</sr:SetDeviceConfigurationImportMPxN>"
    )


def inventory_status(device: str, status: str, ch: bool = False) -> str:
    choice = "UpdateDeviceStatusCH" if ch else "UpdateDeviceStatusExceptCH"
    return (
        f"<sr:UpdateInventory><sr:DeviceID>{device}</sr:DeviceID><sr:{choice}>{status}"
        f"</sr:{choice}></sr:UpdateInventory>"
    )


def inventory_mpxn(device: str, mpxn: str) -> str:
    return (
        f"<sr:UpdateInventory><sr:DeviceID>{device}</sr:DeviceID><sr:UpdateMPxN>"
        f"<sr:ImportMPxN>{mpxn}</sr:ImportMPxN></sr:UpdateMPxN></sr:UpdateInventory>"
    )


def decommission(device: str) -> str:
    return f"<sr:DecommissionDevice><sr:DeviceID>{device}</sr:DeviceID></sr:DecommissionDevice>"


def ppmid_firmware(device: str, version: str) -> str:
    return (
        "<sr:UpdatePPMIDFirmware><sr:FirmwareImage>QUJD</sr:FirmwareImage>"
        f"<sr:FirmwareVersion>{version}</sr:FirmwareVersion>"
        f"<sr:DeviceIDList>{device}</sr:DeviceIDList></sr:UpdatePPMIDFirmware>"
    )


def read_inventory(device: str) -> str:
    return f"<sr:ReadInventory><sr:DeviceID>{device}</sr:DeviceID></sr:ReadInventory>"
