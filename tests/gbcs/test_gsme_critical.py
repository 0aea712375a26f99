"""The critical GSME Commands of wan/gsme_critical.py against the RTDS 4.5.0 vectors
(docs/gbcs.md "Critical commands").

For the DCC Boxed templates (the RTDS inputs: the same counters, User, meter and values),
the pre-command is byte-identical to the RTDS one, and the signed Response identical up to
its signature. The vectors are read from ../shared at test time, never copied."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from gbdsp.domain.devices import DeviceType
from gbdsp.duis import xml
from gbdsp.duis.request import DuisRequest, read_request
from gbdsp.gateway.registry import REGISTRY
from gbdsp.gbcs import commands
from gbdsp.gbcs.gsme_commands import pre_command
from gbdsp.gbcs.parse import parse_general_signing
from gbdsp.wan import gas_meter
from gbdsp.wan.gsme_critical import GsmeCommand
from tests.gbcs.conftest import (
    critical_templates,
    rtds_vector,
)

BUILDERS = {
    srv: command.build
    for srv, declaration in REGISTRY.items()
    if isinstance(command := declaration.critical.get(DeviceType.GSME), GsmeCommand)
}
"""The GSME critical commands the registry declares (gateway/registry.py)."""
RTDS_TIME = datetime(2015, 1, 1, tzinfo=UTC)
"""The RTDS GBZ commands' Issuer Event ID, and the time of the dated RTDS Responses."""
RTDS_PAYMENT_MODE = commands.PaymentModeAnswer(1, 2, 1_000_000, 200_000)
"""What the RTDS GSME reports in its Change Payment Mode Responses."""


def _pre_command(request: DuisRequest) -> bytes:
    code, components = BUILDERS[request.srv](request, RTDS_TIME)
    rid = request.request_id
    target = bytes.fromhex(str(rid.target).replace("-", ""))
    return pre_command(
        code, rid.originator.value.to_bytes(8, "big"), target, rid.counter, components
    )


def test_pre_commands_and_responses_match_rtds() -> None:
    compared = []
    for template in critical_templates("GCS*", BUILDERS):
        request = read_request(xml.parse(template.read_bytes()))
        ours = _pre_command(request)
        assert ours.hex() == rtds_vector(template, "PRECOMMAND").hex(), template.name
        parsed = parse_general_signing(ours)
        h = parsed.header
        exchange = replace(
            commands.CommandExchange(h.originator, h.recipient, h.counter, RTDS_TIME),
            payment_mode=RTDS_PAYMENT_MODE,
        )
        key = ec.generate_private_key(ec.SECP256R1())
        response = commands.response(h.message_code, parsed.content, exchange, key)
        expected = rtds_vector(template, "RESPONSE")
        assert response[:-64].hex() == expected[:-64].hex(), template.name
        assert parse_general_signing(response).signature_valid(key.public_key())
        compared.append(template.name.split("_")[0])
    assert sorted(set(compared)) == [
        "GCS01a",
        "GCS01b",
        "GCS02",
        "GCS03",
        "GCS04",
        "GCS05",
        "GCS24",
        "GCS24a",
    ]
    assert len(compared) == 18


def test_the_emulated_payment_mode_answer_is_the_emulated_configuration() -> None:
    c = gas_meter.prepayment_configuration()
    answer = commands.EMULATED_PAYMENT_MODE
    assert (answer.emergency_credit_limit, answer.emergency_credit_threshold) == (
        c.emergency_credit_limit,
        c.emergency_credit_threshold,
    )
    assert answer.calendar_id == c.friendly_credit.calendar_id
    assert answer.friendly_credit == 0


def test_values_without_an_rtds_case_are_not_encoded() -> None:
    """6.7 with a Locked supply tamper state; 2.3 without its second time debt."""
    (template,) = [t for t in critical_templates("GCS*", BUILDERS) if t.name.startswith("GCS24_")]
    text = template.read_bytes().replace(
        b"<sr:SupplyTamperState>Unchanged<", b"<sr:SupplyTamperState>Locked<"
    )
    with pytest.raises(ValueError, match="Unchanged"):
        BUILDERS["6.7"](read_request(xml.parse(text)), RTDS_TIME)
    (template,) = [t for t in critical_templates("GCS*", BUILDERS) if t.name.startswith("GCS04")]
    text = template.read_bytes().replace(b"GasDebtRecovery2", b"GasDebtRecoveryX")
    with pytest.raises(ValueError, match="GasDebtRecovery2"):
        BUILDERS["2.3"](read_request(xml.parse(text)), RTDS_TIME)
