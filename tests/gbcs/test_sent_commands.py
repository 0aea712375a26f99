"""The GBCS Command the DSP sends for every non-critical (CV 1, 3) device template of
@smartdcc/duis-templates whose use case gbdsp encodes one for, decoded by the DCC Boxed
client stack (gbcs-parser, `gbcs-decode.js`) with gbdsp's exported device certificates and
the ZAZ1 keys: it decodes, its ACB MAC is valid (and the DCC's signature, where it signs
one), and it is the template's use case (issue 17, "Commands the DSP sends";
docs/gbcs.md).

Where RTDS 4.5.0 has the COMMAND vector of the same template (the same use case, device,
User, counter and values), the General-Signing APDU is compared byte for byte (read from
../shared at run time; the MAC differs, RTDS's device keys being other than the test
world's). The counts are printed; the MIN_ constants hold the measured ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gbdsp.clock import ManualClock
from gbdsp.domain.ids import DeviceId
from gbdsp.domain.requests import CommandVariant
from gbdsp.domain.srv import catalogue
from gbdsp.duis import xml
from gbdsp.duis.request import read_request
from gbdsp.gateway.registry import command_builder
from gbdsp.gbcs.chf import ChfCode
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.dbch import DbchCode
from gbdsp.gbcs.esme import EsmeCode
from gbdsp.gbcs.frames import unwrap_general_ciphering
from gbdsp.gbcs.parse import parse_general_signing
from gbdsp.store.store import Store
from gbdsp.wan.gbcs_ask import Ask
from tests.gbcs.conftest import RTDS, Decoder, boxed_templates
from tests.gbcs.template_run import TemplateWorld

NON_CRITICAL_TEMPLATES = 170
"""The CV 1 and 3 templates of non-critical Device Service Requests."""
MIN_ENCODED = 155
MIN_VERIFIED = 155
MIN_IDENTICAL = 108
"""Measured (docs/gbcs.md, "Commands the DSP sends")."""
SENT_AT = datetime(2015, 1, 1, tzinfo=UTC)
"""When the commands are sent: RTDS's "now" (the Issuer Event ID of its GBZ commands)."""
SENT = {CommandVariant.COMMAND, CommandVariant.COMMAND_AND_LOCAL}
SAME_USE_CASE = {
    "ECS62Add": "ECS62",
    "ECS62Remove": "ECS62",
    # The emulated ESME is single phase, its CH a single band: the DSP sends the single
    # phase (single element) use case of the same SRV, as the Response answers it.
    "ECS23b": "ECS23",
    "ECS26k": "ECS26b",
    "ECS29f": "ECS29e",
    "ECS35g": "ECS35f",
    "ECS26l": "ECS26d",
    "ECS26m": "ECS26e",
    "ECS26n": "ECS26i",
    # The GSME's Responses answer one use case of these SRVs, and its command is the same.
    "GCS21e": "GCS21m",
    "GCS21d": "GCS21k",
    "GCS60": "GCS60a",
    # RTDS names the non-critical 8.8.2 unjoin of a PPMID / HCALCS by its variant.
    "CS04ACNonCritical": "CS04AC",
    # RTDS names the variants of 6.24.1 by their protection; the use case is CS02a / CS02f.
    "CS02aMAC": "CS02a",
    "CS02fMAC": "CS02f",
    # RTDS's CCS05CCS04 sends the request of CCS06; gbdsp answers it with CCS06.
    "CCS05CCS04": "CCS06",
}
"""A template's use case -> the one gbdsp sends for it."""


CS02B = {
    "CS02bACBByACB": MessageCode.CS02B_ACB,
    "CS02bNOByNOHandover": MessageCode.CS02B_NETWORK_OPERATOR,
    "CS02bSupplierBySupplierHandover": MessageCode.CS02B_SUPPLIER,
    "CS02bSupplierByTransCoS": MessageCode.CS02B_TRANSCOS,
}
"""The CS02b templates: gbcs-parser names them all CS02b; the message code is the mode's."""
SAME_USE_CASE.update(dict.fromkeys(CS02B, "CS02b"))
CODES = {c.name.lower(): int(c) for c in (*MessageCode, *EsmeCode, *ChfCode, *DbchCode)}
CODES = {n[:3].upper() + n[3:]: c for n, c in CODES.items()}
"""A use case's name (as the templates spell it: ECS61d) -> its message code, for the use
cases gbcs-parser does not name (it reports the code)."""


@dataclass(frozen=True)
class Sent:
    template: str
    use_case: str
    frame: bytes | None


def _sent(world: TemplateWorld, store: Store, template: Path, clock: ManualClock) -> Sent | None:
    """The command the DSP sends for a CV 1/3 non-critical template (frame None: its use
    case has no command encoder), or None for any other template."""
    request = read_request(xml.parse(template.read_bytes()))
    srv = catalogue().get(str(request.srv))
    if request.cv not in SENT or srv is None or srv.critical or srv.non_device:
        return None
    use_case = template.name.split("_")[0]
    with store.read() as tx:
        device = tx.devices.get(DeviceId(request.request_id.target.value), with_history=False)
    assert device is not None, template.name
    build = command_builder(str(request.srv), device.device_type)
    if build is None:
        return Sent(template.name, use_case, None)
    ask = Ask(world.world, 1, request.request_id, device, SENT_AT, device.device_id)
    try:
        return Sent(template.name, use_case, build(_with_body(ask, request.body)))
    except ValueError:
        return Sent(template.name, use_case, None)


def _with_body(ask: Ask, body: object) -> Ask:
    from dataclasses import replace

    return replace(ask, body=body)  # type: ignore[arg-type]


def _reported(verdict: dict[str, object]) -> str:
    """The use case name gbcs-parser reports (its message code note's first word), or the
    message code in hex where it names none."""
    code = verdict["parsed"]["Grouping Header"]["Other Information Length"]  # type: ignore[index]
    found = code["children"]["Message Code"]
    note = found.get("notes")
    return note.split()[0] if note else f"0x{found['hex'].replace(' ', '')}"


def _rtds_apdu(template: str) -> bytes | None:
    """The General-Signing APDU of RTDS's COMMAND vector of the same template, if any."""
    use_case, srv, rest = template.split("_", 2)
    path = RTDS / f"{srv}_{use_case}" / f"{use_case}_{srv}_{rest}"
    path = path.with_name(path.name.replace("REQUEST_DUIS.XML", "COMMAND_GBCS.HEX"))
    if not path.is_file():
        return None
    frame = bytes.fromhex("".join(path.read_text().split()))
    return unwrap_general_ciphering(frame)[0]


def test_every_encoded_command_decodes_mac_valid_as_its_use_case(
    decoder: Decoder,
    user_keys: Path,
    tmp_path: Path,
    _sqlite_template: Path,
    clock: ManualClock,
) -> None:
    world = TemplateWorld(tmp_path, _sqlite_template, clock)
    store = Store.open(f"sqlite:///{world.pristine}")
    try:
        runs = [_sent(world, store, t, clock) for t in sorted(boxed_templates().iterdir())]
    finally:
        store.close()
    found = [s for s in runs if s is not None]
    encoded = [s for s in found if s.frame is not None]
    verdicts = decoder.decode([s.frame for s in encoded if s.frame], [world.certs, user_keys])
    failed: dict[str, str] = {}
    identical, compared, different = 0, 0, []
    for sent, verdict in zip(encoded, verdicts, strict=True):
        assert sent.frame is not None
        expected = SAME_USE_CASE.get(sent.use_case, sent.use_case)
        if not verdict.ok or verdict.mac != "valid" or verdict.signature == "invalid":
            failed[sent.template] = (
                f"ok {verdict.ok}, mac {verdict.mac}, signature {verdict.signature}: {verdict.raw}"[
                    :300
                ]
            )
            continue
        reported = _reported(verdict.raw)
        code = parse_general_signing(unwrap_general_ciphering(sent.frame)[0]).header.message_code
        wrong_mode = sent.use_case in CS02B and CS02B[sent.use_case] != code
        if wrong_mode or (
            reported != expected and (reported[:2] != "0x" or CODES.get(expected) != code)
        ):
            failed[sent.template] = f"sent {reported}, the template is {sent.use_case}"
        rtds = _rtds_apdu(sent.template)
        if rtds is not None:
            compared += 1
            same = rtds == unwrap_general_ciphering(sent.frame)[0]
            identical += same
            different += [] if same else [sent.template.split("_REQUEST")[0]]
    verified = len(encoded) - len(failed)
    print(
        f"\n{len(found)} CV 1/3 non-critical device templates: a GBCS command for "
        f"{len(encoded)}, decoded and MAC-valid as their use case {verified}; "
        f"{identical} of {compared} byte-identical to RTDS's command (APDU)"
    )
    print("  not identical to RTDS: " + ", ".join(different))
    for name, why in sorted(failed.items()):
        print(f"  {name}: {why}")
    print(
        "  no command encoded: " + ", ".join(s.template.split("_")[0] for s in found if not s.frame)
    )
    assert len(found) == NON_CRITICAL_TEMPLATES
    assert len(encoded) >= MIN_ENCODED and verified >= MIN_VERIFIED
    assert identical >= MIN_IDENTICAL
