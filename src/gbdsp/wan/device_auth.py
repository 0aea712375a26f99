"""What an emulated device checks before it executes a command the DSP sends it (GBCS
4.3.4, 7.2; docs/gbcs.md "Commands the DSP sends").

The DSP sends every command inside the ACB's General-Ciphering, as RTDS's COMMAND vectors
have it: a critical one is the User's signed pre-command (gateway/critical.py
`sent_command`), a non-critical one the User's command (wan/dsp_commands.py). The device
executes it only if:
1. the MAC verifies with its own KA key and the ACB's KA certificate as its ACB KA cell
   holds it: where an 8.5 Service Opt Out (CS02b, ACB by ACB) put another certificate
   there, the device derives another key and no command of the DSP's verifies;
2. for a critical command, the signature verifies with the DS key it holds for the
   signer: the signer's registered certificate (a DCC Boxed device comes with the test
   Users' anchors installed);
3. for a critical command, where a replacement (6.15.1, 6.21, 6.23, 8.5;
   wan/cs_credentials.py) put a DS certificate in the cell of the signer's role (the
   Responsible Supplier's or the Network Operator's, as the SMI names them), that cell
   names the signer and holds the key that signed. So where a replacement put another
   party in the supplier cell, the Responsible Supplier's commands are discarded until a
   6.23 puts its certificate there.

A refused command is discarded, as a real device does: it is not executed, changes nothing
and gets no Response (the DSP answers E21).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.devices import Device
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.ids import Eui64
from gbdsp.gbcs import cs
from gbdsp.gbcs.certificates import key_identifier
from gbdsp.gbcs.keys import KeyUsage
from gbdsp.gbcs.parse import verify_general_ciphering
from gbdsp.gbcs_world import ACB, GbcsWorld
from gbdsp.wan.cs_credentials import anchor_key, held_anchor

ROLES = {"responsible_supplier": cs.Role.SUPPLIER, "network_operator": cs.Role.NETWORK_OPERATOR}
"""The SMI's party of a device (Device attribute) -> the trust anchor role it signs in."""


def refusal(
    world: GbcsWorld,
    device: Device,
    frame: bytes,
    state: Mapping[str, Any],
    *,
    critical: bool = True,
) -> str | None:
    """Why `device` discards the command `frame` (None: it executes it). `state`: what set
    commands changed on it (wan/device_state.py), its replaced trust anchors included.
    `critical`: the command carries the User's signature, checked too."""
    eui = Eui64(device.device_id.value)
    held = _acb_cell_refusal(world, device, state)
    if held is not None:
        return f"the ACB's MAC: {held}"
    try:
        parsed = verify_general_ciphering(frame, world.shared_secret(eui, ACB))
    except InvalidValue as e:
        return f"the ACB's MAC: {e}"
    if not critical:
        return None
    signer = Eui64(int.from_bytes(parsed.header.originator, "big"))
    certificate = world.party_certificate(signer, KeyUsage.DS)
    key = None if certificate is None else certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not parsed.signature_valid(key):
        return f"the signature is not {signer}'s"
    assert certificate is not None
    return _anchor_refusal(device, signer, certificate, state)


ACB_KA_CELL = cs.Cell(cs.Role.ACB, key_agreement=True)


def _acb_cell_refusal(world: GbcsWorld, device: Device, state: Mapping[str, Any]) -> str | None:
    """Where a replacement put a certificate other than the ACB's own KA certificate in the
    device's ACB KA cell, the device derives Z with that other key: the DSP's MAC, made
    with the ACB's key, cannot verify there."""
    if state.get(anchor_key(ACB_KA_CELL)) is None:
        return None  # the cell holds the ACB's certificate it was installed with
    own = world.party_certificate(ACB, KeyUsage.KA)
    held = held_anchor(world, device, state, ACB_KA_CELL)
    if own is None or held is None:
        return None
    if held.party == ACB.value.to_bytes(8, "big") and held.key_identifier == (
        subject_key_identifier(own)
    ):
        return None
    return f"its ACB KA cell holds key {held.key_identifier.hex()}, not the ACB's"


def _anchor_refusal(
    device: Device, signer: Eui64, certificate: x509.Certificate, state: Mapping[str, Any]
) -> str | None:
    for attribute, role in ROLES.items():
        party = getattr(device, attribute)
        if party is None or party.value != signer.value:
            continue
        held = state.get(anchor_key(cs.Cell(role, key_agreement=False)))
        if held is None:
            continue  # the cell holds the party's registered certificate
        if bytes.fromhex(held[0]) != signer.value.to_bytes(8, "big"):
            return f"its {attribute} DS cell holds {held[0]}, not {signer}"
        if bytes.fromhex(held[1]) != subject_key_identifier(certificate):
            return f"its {attribute} DS cell holds another key of {signer}"
    return None


def subject_key_identifier(certificate: x509.Certificate) -> bytes:
    """The certificate's subjectKeyIdentifier, or the key's RFC 5280 identifier."""
    try:
        return certificate.extensions.get_extension_for_class(
            x509.SubjectKeyIdentifier
        ).value.digest
    except x509.ExtensionNotFound:
        public = certificate.public_key()
        assert isinstance(public, ec.EllipticCurvePublicKey)
        return key_identifier(public)
