"""How each pipeline stage answers a failure: one table, easy to change (docs/duis-gateway.md).

Before the signature is verified nothing in a message is trusted, so such failures get a
plain HTTP error and no DUIS response: we will not sign an answer addressed to a RequestID
that anyone could have forged. After it, every answer is a signed DUIS Response.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Stage(Enum):
    MEDIA_TYPE = "media-type"
    SIZE = "size"
    PARSE = "parse"
    SCHEMA = "schema"
    SIGNATURE = "signature"
    REPLAY = "replay"
    ACCESS = "access"
    HANDLER = "handler"
    INTERNAL = "internal"
    """A fault of ours (a bug, the database down): rolled back, audited if the database
    answers, counted; never a DUIS response."""


# Stage -> HTTP status for refusals before trust.
UNTRUSTED_HTTP_STATUS = {
    Stage.MEDIA_TYPE: 415,  # not application/xml
    Stage.SIZE: 413,  # Payload Too Large
    Stage.PARSE: 400,  # not XML, or a DTD / entity declaration (XXE)
    Stage.SCHEMA: 400,  # not valid DUIS 5.4
    Stage.SIGNATURE: 403,  # unsigned, tampered, unknown certificate, originator mismatch
}


@dataclass(frozen=True, slots=True)
class Outcome:
    stage: Stage
    code: str
    """DUIS response code, or the HTTP status for answers before trust."""
    http_status: int
    reason: str = ""

    @classmethod
    def refused_before_trust(cls, stage: Stage, reason: str) -> Outcome:
        status = UNTRUSTED_HTTP_STATUS[stage]
        return cls(stage, str(status), status, reason)

    @classmethod
    def answered(cls, stage: Stage, code: str) -> Outcome:
        return cls(stage, code, 200)

    @classmethod
    def not_implemented(cls, reason: str) -> Outcome:
        return cls(Stage.HANDLER, "501", 501, reason)

    @classmethod
    def internal(cls, status: int, reason: str) -> Outcome:
        return cls(Stage.INTERNAL, str(status), status, reason)
