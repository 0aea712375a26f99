"""DCC alerts (DUIS DCCAlertMessage) that follow a device's response, written to the outbox
in the same transaction as that response: durable, and delivered once (the outbox's unique
ResponseID per alert, docs/duis-gateway.md "Responses and delivery").

N24 follows a successful 8.11 Update HAN Device Log: the DSP tells the User the CHF's Device
Log now reflects the request (DCC Boxed sends it after its 8.11 response)."""

from __future__ import annotations

from datetime import datetime, timedelta

from gbdsp.domain.replies import Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.duis import response as duis_response
from gbdsp.duis.request import DuisRequest
from gbdsp.duis.signature import SigningKey
from gbdsp.services.duis_outbox import enqueue_signed
from gbdsp.store.gateway_repositories import AuditEntry
from gbdsp.store.store import Transaction

ALERT_DELAY = timedelta(milliseconds=100)
"""After the device's response, so the User sees them in DUIS order."""


def after_device_response(
    tx: Transaction, request: DuisRequest, reply: Reply, arrives: datetime, signing_key: SigningKey
) -> None:
    if request.srv != "8.11" or reply.code != ResponseCode.I0:
        return
    at = arrives + ALERT_DELAY
    root = duis_response.build_han_log_result_alert(request.request_id_text, at)
    rid = request.request_id
    key = f"{duis_response.HAN_LOG_RESULT_ALERT}:{request.request_id_text}"
    enqueue_signed(tx, root, signing_key, rid.originator, key, at, at)
    tx.audit.record(
        AuditEntry(
            at,
            "alert",
            duis_response.HAN_LOG_RESULT_ALERT,
            None,
            rid.originator,
            request.request_id_text,
            "8.11",
            rid.device_id,
            detail="DCC alert N24: HAN Device Log updated",
        )
    )
