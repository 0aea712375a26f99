"""What an emulated device checks before it executes a critical command the DSP sends it
(GBCS 4.3.4, 7.2; docs/gbcs.md "Commands the DSP sends").

The DSP sends the User's signed pre-command inside the ACB's General-Ciphering, as RTDS's
COMMAND vectors have it (gateway/critical.py `sent_command`). The device executes it only
if:
1. the MAC verifies with its own KA key and the ACB's KA certificate;
2. the signature verifies with the DS key it holds for the signer: the signer's registered
   certificate (a DCC Boxed device comes with the test Users' anchors installed);
3. where a replacement (6.15.1, 6.21, 6.23, 8.5; wan/cs_credentials.py) put a DS
   certificate in the cell of the signer's role (the Responsible Supplier's or the Network
   Operator's, as the SMI names them), that cell names the signer and holds the key that
   signed. So where a replacement put another party in the supplier cell, the Responsible
   Supplier's commands are discarded until a 6.23 puts its certificate there.

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
from gbdsp.wan.cs_credentials import anchor_key

ROLES = {"responsible_supplier": cs.Role.SUPPLIER, "network_operator": cs.Role.NETWORK_OPERATOR}
"""The SMI's party of a device (Device attribute) -> the trust anchor role it signs in."""


def refusal(world: GbcsWorld, device: Device, frame: bytes, state: Mapping[str, Any]) -> str | None:
    """Why `device` discards the command `frame` (None: it executes it). `state`: what set
    commands changed on it (wan/device_state.py), its replaced trust anchors included."""
    eui = Eui64(device.device_id.value)
    try:
        parsed = verify_general_ciphering(frame, world.shared_secret(eui, ACB))
    except InvalidValue as e:
        return f"the ACB's MAC: {e}"
    signer = Eui64(int.from_bytes(parsed.header.originator, "big"))
    certificate = world.party_certificate(signer, KeyUsage.DS)
    key = None if certificate is None else certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey) or not parsed.signature_valid(key):
        return f"the signature is not {signer}'s"
    assert certificate is not None
    return _anchor_refusal(device, signer, certificate, state)


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
