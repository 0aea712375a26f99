"""The audit rows of the DUIS pipeline, built in one place (DUIS 3.4: every request and
every response is logged, refused ones included).

Three shapes: a message refused before it was trusted (no User, no RequestID believed), a
trusted request with the answer it got, and a response to a request (sent later through
the outbox, or a future-dated cancellation's)."""

from __future__ import annotations

from datetime import datetime

from gbdsp.domain.requests import WebService
from gbdsp.duis.request import DuisRequest
from gbdsp.store.gateway_repositories import AuditEntry


def untrusted(at: datetime, web_service: WebService, status: int, reason: str) -> AuditEntry:
    """An HTTP-level refusal or fault: nothing of the message is recorded as fact."""
    return AuditEntry(at, "request", str(status), web_service=web_service.name, detail=reason)


def request(
    at: datetime, web_service: WebService, duis: DuisRequest, outcome: str, detail: str | None
) -> AuditEntry:
    """A trusted request and its outcome (a response code, or an HTTP status such as 501)."""
    rid = duis.request_id
    return AuditEntry(
        at,
        "request",
        outcome,
        web_service.name,
        rid.originator,
        duis.request_id_text,
        duis.srv,
        rid.device_id,
        detail=detail,
    )


def response(at: datetime, duis: DuisRequest, code: str, detail: str | None) -> AuditEntry:
    """A response to `duis` from the device or the DSP, sent to its originator."""
    rid = duis.request_id
    return AuditEntry(
        at,
        "response",
        code,
        None,
        rid.originator,
        duis.request_id_text,
        duis.srv,
        rid.device_id,
        detail=detail,
    )
