"""The SMKI repository service on its own port (DCC Boxed: 8083), as `@smartdcc/dccboxed-keystore`
0.4.2 (`certificateSearch.ts`) calls it (docs/gbcs.md):

- `POST /services/certificatesearch`, body `<CertificateSearchRequest>` with
  `CertificateSubjectAltName` (a device EUI, `a1-a2-...-a8`) or `CertificateSubjectName` (an
  organisation EUI) and optionally `CertificateRole`: 200 with `<CertificateSearchResponse>` of
  `<Result>` entries, 402 when nothing matches, 401 when the search parameters are invalid;
- `POST /services/retrievecertificate`, body `<CertificateDataRequest><CertificateSerial>` (hex):
  200 with `<CertificateDataResponse><CertificateResponse>` holding `CertificateBody` (base64
  DER), 402 when no certificate has that serial, 401 when the serial is not hex;
- `GET /assets/crypto/org-crypto.zip`: the test organisations' certificates and keys.

The `apikey` query parameter DCC Boxed clients send is accepted and ignored (test world).
"""

from __future__ import annotations

import base64
import io
import threading
import zipfile
from collections.abc import Callable
from functools import lru_cache
from importlib import resources

import uvicorn
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gbdsp.bootstrap import App
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import Eui64
from gbdsp.duis import xml
from gbdsp.services.smki import SmkiEntry, SmkiRepository
from gbdsp.web.server import NoDelayH11Protocol

MAX_REQUEST_BYTES = 8 * 1024
"""A search or retrieval request is a few hundred octets."""
XML_TYPES = ("application/xml", "text/xml")
NOT_FOUND = 402
INVALID = 401
ROLE_RANGE = range(0, 256)


def start_smki_server(app: App, host: str, port: int) -> threading.Thread:
    """Serve the SMKI service from a daemon thread of this process (its own event loop).

    `gbdsp serve` calls it in the process that owns the listening DUIS socket (with
    `--workers N`, uvicorn's supervisor), so there is one SMKI listener whatever N is; it
    only reads the SMI and the world's derived certificates, so it needs no coordination
    with the workers. The thread dies with the process."""
    repository = SmkiRepository(app.store, app.gbcs_world)
    server = uvicorn.Server(
        uvicorn.Config(
            create_smki_app(repository),
            host=host,
            port=port,
            log_level="warning",
            http=NoDelayH11Protocol,
            lifespan="off",
        )
    )
    thread = threading.Thread(target=server.run, name="gbdsp-smki", daemon=True)
    thread.start()
    return thread


def create_smki_app(repository: SmkiRepository) -> Starlette:
    async def search(request: Request) -> Response:
        return await _answer(
            request, "CertificateSearchRequest", lambda root: _search(repository, root)
        )

    async def retrieve(request: Request) -> Response:
        return await _answer(
            request, "CertificateDataRequest", lambda root: _retrieve(repository, root)
        )

    async def org_crypto(request: Request) -> Response:
        return Response(
            org_crypto_zip(),
            media_type="application/zip",
            headers={"Content-Disposition": 'attachment; filename="org-crypto.zip"'},
        )

    return Starlette(
        routes=[
            Route("/services/certificatesearch", search, methods=["POST"]),
            Route("/services/retrievecertificate", retrieve, methods=["POST"]),
            Route("/assets/crypto/org-crypto.zip", org_crypto, methods=["GET"]),
        ]
    )


async def _answer(
    request: Request, root_name: str, handle: Callable[[etree._Element], Response]
) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in XML_TYPES:
        return _text(415, f"Content-Type must be application/xml, not {media or 'absent'!r}")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_REQUEST_BYTES:
            return _text(413, f"request exceeds {MAX_REQUEST_BYTES} bytes")
    try:
        root = xml.parse(bytes(body), limit=MAX_REQUEST_BYTES)
    except xml.XmlRejected as e:
        return _text(INVALID, f"invalid request: {e}")
    if etree.QName(root).localname != root_name or etree.QName(root).namespace:
        return _text(INVALID, f"invalid request: expected <{root_name}>")
    try:
        return await run_in_threadpool(handle, root)
    except InvalidValue as e:
        return _text(INVALID, f"invalid search parameters: {e}")


def _search(repository: SmkiRepository, root: etree._Element) -> Response:
    device = _field(root, "CertificateSubjectAltName")
    organisation = _field(root, "CertificateSubjectName")
    role_text = _field(root, "CertificateRole")
    if (device is None) == (organisation is None):
        raise InvalidValue("give one of CertificateSubjectAltName and CertificateSubjectName")
    if device is not None:
        if role_text is not None:
            raise InvalidValue("CertificateRole applies to CertificateSubjectName only")
        entries = repository.device(Eui64.parse(device))
    else:
        assert organisation is not None
        entries = repository.organisation(Eui64.parse(organisation), _role(role_text))
    if not entries:
        return _text(NOT_FOUND, "no certificate matches")
    out = etree.Element("CertificateSearchResponse")
    for entry in entries:
        result = etree.SubElement(out, "Result")
        _subject(result, entry)
        _sub(result, "CertificateUsage", entry.usage.name)
        _sub(result, "CertificateSerial", entry.serial)
        _sub(result, "CertificateStatus", entry.status)
        if entry.role is not None:
            _sub(result, "CertificateRole", str(entry.role))
    return _xml(out)


def _retrieve(repository: SmkiRepository, root: etree._Element) -> Response:
    text = _field(root, "CertificateSerial")
    if text is None:
        raise InvalidValue("CertificateSerial is missing")
    try:
        serial = int(text, 16)
    except ValueError as e:
        raise InvalidValue(f"CertificateSerial {text[:40]!r} is not hexadecimal") from e
    if not 0 < serial < 1 << 160:
        raise InvalidValue("CertificateSerial is out of range")
    entry = repository.retrieve(serial)
    if entry is None:
        return _text(NOT_FOUND, "no certificate has that serial")
    out = etree.Element("CertificateDataResponse")
    response = etree.SubElement(out, "CertificateResponse")
    _subject(response, entry)
    _sub(response, "CertificateUsage", entry.usage.name)
    _sub(response, "CertificateSerial", entry.serial)
    _sub(response, "CertificateStatus", entry.status)
    if entry.role is not None:
        _sub(response, "CertificateRole", str(entry.role))
    _sub(
        response,
        "CertificateBody",
        base64.b64encode(entry.certificate.public_bytes(Encoding.DER)).decode(),
    )
    return _xml(out)


def _role(text: str | None) -> int | None:
    if text is None:
        return None
    if not text.isdigit() or int(text) not in ROLE_RANGE:
        raise InvalidValue(f"CertificateRole {text[:20]!r} is not a role number")
    return int(text)


def _subject(parent: etree._Element, entry: SmkiEntry) -> None:
    if entry.device is not None:
        _sub(parent, "CertificateSubjectAltName", _dashed(entry.device))
    else:
        assert entry.organisation is not None
        _sub(parent, "CertificateSubjectName", _dashed(entry.organisation))


def _dashed(eui: Eui64) -> str:
    raw = eui.hex.lower()
    return "-".join(raw[i : i + 2] for i in range(0, 16, 2))


def _field(root: etree._Element, name: str) -> str | None:
    found = [e for e in root if isinstance(e.tag, str) and etree.QName(e).localname == name]
    if len(found) > 1:
        raise InvalidValue(f"{name} is repeated")
    if not found:
        return None
    text = (found[0].text or "").strip()
    if not text:
        raise InvalidValue(f"{name} is empty")
    return text


def _sub(parent: etree._Element, name: str, text: str) -> None:
    etree.SubElement(parent, name).text = text


def _xml(root: etree._Element) -> Response:
    return Response(
        etree.tostring(root, xml_declaration=True, encoding="UTF-8"), media_type="application/xml"
    )


def _text(status: int, message: str) -> Response:
    return PlainTextResponse(message + "\n", status_code=status)


@lru_cache(maxsize=1)
def org_crypto_zip() -> bytes:
    """The shipped test organisations' certificates and keys (public DCC Boxed test material,
    docs/test-pki.md): XML-signing ones at the top, GBCS ones under gbcs/."""
    base = resources.files("gbdsp.data").joinpath("smki-test")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for folder, prefix in ((base, ""), (base.joinpath("gbcs"), "gbcs/")):
            for entry in sorted(folder.iterdir(), key=lambda e: e.name):
                if entry.is_file() and entry.name.endswith((".pem", ".key")):
                    info = zipfile.ZipInfo(prefix + entry.name, date_time=(2024, 1, 1, 0, 0, 0))
                    archive.writestr(info, entry.read_bytes())
    return buffer.getvalue()
