"""Build and sign real DUIS requests for tests, with the public DCC Boxed test keys."""

from __future__ import annotations

from lxml import etree

from gbdsp.duis import xml
from gbdsp.duis.signature import SigningKey, sign
from gbdsp.duis.smki import (
    DSP_CERTIFICATE,
    DSP_KEY,
    TEST_USERS,
    load_certificate,
    load_private_key,
    pki_file,
)

SUPPLIER = "90-B3-D5-1F-30-01-00-00"
NETWORK_OPERATOR = "90-B3-D5-1F-30-02-00-00"
AGENT = "00-DB-12-34-56-78-00-04"
DCC = "90-B3-D5-1F-30-00-00-02"
ESME = "00-DB-12-34-56-78-90-A0"
CHF = "00-DB-12-34-56-78-90-A2"


def signing_key_of(user: str) -> SigningKey:
    spec = next(u for u in TEST_USERS if u.user_id == user)
    cert = load_certificate(pki_file(spec.certificate_file))
    return SigningKey(load_private_key(pki_file(spec.key_file)), cert.issuer, cert.serial)


def dsp_signing_key() -> SigningKey:
    cert = load_certificate(pki_file(DSP_CERTIFICATE))
    return SigningKey(load_private_key(pki_file(DSP_KEY)), cert.issuer, cert.serial)


def request(
    *,
    srv: str,
    body: str,
    cv: int,
    counter: int,
    originator: str = SUPPLIER,
    target: str = DCC,
    service_reference: str | None = None,
) -> etree._Element:
    sr = service_reference or ".".join(srv.split(".")[:2])
    text = (
        '<sr:Request xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway" '
        'schemaVersion="5.4"><sr:Header>'
        f"<sr:RequestID>{originator}:{target}:{counter}</sr:RequestID>"
        f"<sr:CommandVariant>{cv}</sr:CommandVariant>"
        f"<sr:ServiceReference>{sr}</sr:ServiceReference>"
        f"<sr:ServiceReferenceVariant>{srv}</sr:ServiceReferenceVariant>"
        f"</sr:Header><sr:Body>{body}</sr:Body></sr:Request>"
    )
    return xml.parse(text.encode())


def signed(root: etree._Element, signer: str | None = None) -> bytes:
    """Sign as `signer` (default: the originator in the RequestID, as tool.jar does)."""
    if signer is None:
        rid = root.findtext(
            "{http://www.dccinterface.co.uk/ServiceUserGateway}Header/"
            "{http://www.dccinterface.co.uk/ServiceUserGateway}RequestID"
        )
        assert rid is not None
        signer = rid.split(":")[0]
    sign(root, signing_key_of(signer))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def read_inventory(counter: int, device: str = CHF, **kwargs: str) -> bytes:
    body = f"<sr:ReadInventory><sr:DeviceID>{device}</sr:DeviceID></sr:ReadInventory>"
    return signed(request(srv="8.2", body=body, cv=8, counter=counter, **kwargs))


def read_firmware(counter: int, device: str = ESME, cv: int = 1, **kwargs: str) -> bytes:
    return signed(
        request(
            srv="11.2",
            body="<sr:ReadFirmwareVersion/>",
            cv=cv,
            counter=counter,
            target=device,
            **kwargs,
        )
    )
