"""The OpenAPI 3.1 description of the SSI REST API, served at /ssi/api/v1/openapi.json.

Hand-written next to the routes (web/ssi_api.py) and checked against them by a test
(tests/security/test_web_openapi.py: every route described, nothing described that is not
a route); schemathesis runs against it.
"""

from __future__ import annotations

from typing import Any

from gbdsp import __version__

PREFIX = "/ssi/api/v1"

_ERROR = {"$ref": "#/components/schemas/Error"}
_ANY_JSON: dict[str, Any] = {}
_EUI64 = {"type": "string", "description": "EUI-64, e.g. 00-DB-12-34-56-78-90-A0"}


def _body(schema: dict[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": schema}}}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


_DEVICE_ID = {"name": "device_id", "in": "path", "required": True, "schema": _EUI64}
_REQUEST_ID = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 1},
}

OPERATIONS: dict[tuple[str, str], dict[str, Any]] = {
    ("get", "/me"): {"summary": "The caller"},
    ("get", "/devices/{device_id}"): {
        "summary": "A device: extract row, status history, Device Log; the Restricted-mode "
        "history as domain/visibility.py allows",
        "parameters": [_DEVICE_ID],
    },
    ("put", "/devices/{device_id}/restricted"): {
        "summary": "Set or clear Restricted mode (MP169; the Responsible Supplier)",
        "parameters": [_DEVICE_ID],
        "requestBody": _body(
            _object(
                {
                    "restricted": {"type": "boolean"},
                    "consumer_preference": {"type": "string", "maxLength": 300},
                    "reasonable_steps": {"type": "boolean"},
                },
                ["restricted"],
            )
        ),
    },
    ("post", "/registration-data"): {
        "summary": "Registration data: change of supplier (operators)",
        "requestBody": _body(
            {
                "type": "array",
                "items": _object(
                    {
                        "mpxn": {"type": "string"},
                        "supplier": _EUI64,
                        "effective_from": {"type": "string", "format": "date-time"},
                    },
                    ["mpxn", "supplier", "effective_from"],
                ),
            }
        ),
    },
    ("get", "/housekeeping/forecast"): {
        "summary": "What housekeeping rules would remove today and in 30/60/90 days",
        "parameters": [
            {
                "name": "rule",
                "in": "query",
                "required": False,
                "schema": {"type": "array", "items": {"type": "string"}},
                "style": "form",
                "explode": True,
            }
        ],
    },
    ("get", "/housekeeping/pending-age"): {"summary": "Pending devices by age band"},
    ("get", "/housekeeping/ch-stock"): {"summary": "Communications Hubs in stock"},
    ("get", "/housekeeping/archive"): {
        "summary": "Devices removed by housekeeping",
        "parameters": [{"name": "device", "in": "query", "required": False, "schema": _EUI64}],
    },
    ("get", "/housekeeping/stock-rotation"): {"summary": "CH installs while older stock waited"},
    ("get", "/install-code-requests"): {"summary": "Your install-code requests (MP121)"},
    ("post", "/install-code-requests"): {
        "summary": "Raise an install-code request",
        "requestBody": _body(
            _object({"device_id": _EUI64, "backlog": {"type": "boolean"}}, ["device_id"])
        ),
    },
    ("post", "/install-code-requests/bulk"): {
        "summary": "Raise one request per row of a CSV with a device_id column",
        "parameters": [
            {
                "name": "backlog",
                "in": "query",
                "required": False,
                "schema": {"type": "string", "enum": ["true", "false"]},
            }
        ],
        "requestBody": _body({"type": "string"}, "text/csv"),
    },
    ("get", "/install-code-requests/sla"): {"summary": "SLA figures per installing supplier"},
    ("post", "/install-code-requests/{id}/answer"): {
        "summary": "Answer with the install code, or say you are not the installer",
        "parameters": [_REQUEST_ID],
        "requestBody": _body(
            _object(
                {
                    "install_code": {"type": "string", "pattern": "^[0-9A-Fa-f]{12,32}$"},
                    "not_installer": {"type": "boolean"},
                }
            )
        ),
    },
    ("post", "/install-code-requests/{id}/redirect"): {
        "summary": "Point a 'not the installer' request at an earlier supplier",
        "parameters": [_REQUEST_ID],
        "requestBody": _body(_object({"to": _EUI64}, ["to"])),
    },
    ("get", "/install-code-requests/{id}/code"): {
        "summary": "The install code, once answered (the requester)",
        "parameters": [_REQUEST_ID],
    },
    ("post", "/install-code-requests/{id}/close"): {
        "summary": "Close a request (the requester)",
        "parameters": [_REQUEST_ID],
    },
}
"""(method, path under PREFIX) -> operation, for every guarded route of web/ssi_api.py."""

_ERRORS = {
    "400": "Bad input",
    "401": "No, unknown, expired or revoked token",
    "403": "Not for this caller, or its User is not Active",
    "404": "Not found (or not yours)",
    "409": "Conflict with the current state",
    "413": "Body larger than [ssi] max_body_bytes",
}


def _operation_id(method: str, path: str) -> str:
    words = path.strip("/").replace("{", "").replace("}", "").replace("-", "_")
    return f"{method}_{words.replace('/', '_')}"


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), operation in OPERATIONS.items():
        responses: dict[str, Any] = {
            "200": {"description": "OK", "content": {"application/json": {"schema": _ANY_JSON}}}
        }
        responses |= {
            code: {"description": text, "content": {"application/json": {"schema": _ERROR}}}
            for code, text in _ERRORS.items()
        }
        paths.setdefault(PREFIX + path, {})[method] = {
            "operationId": _operation_id(method, path),
            "security": [{"bearer": []}],
            "responses": responses,
            **operation,
        }
    paths[PREFIX + "/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This description",
            "security": [],
            "responses": {
                "200": {"description": "OK", "content": {"application/json": {"schema": _ANY_JSON}}}
            },
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "gbdsp SSI API",
            "version": __version__,
            "description": "The Self-Service Interface for programs (docs/ssi-api.md).",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": _object({"error": {"type": "string"}}, ["error"])},
        },
    }
