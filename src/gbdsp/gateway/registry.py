"""Every SRV gbdsp carries out, declared once: its arrival check, what it does to the SMI and
the device, and how it answers (docs/duis-gateway.md).

Who may send an SRV, with which Command Variants, and whether it is critical, DCC Scheduled
or future-dated is the SRV catalogue's (domain/srv.py, from the DUIS matrix). What gbdsp
does with it is here, and nowhere else:
- `answer`: a Non-Device Service Request (CV 8) is answered by the DSP itself; one without
  an answer is refused as not implemented (HTTP 501, nothing changed).
- `check`: a Device Service Request's synchronous refusal, inside the request's transaction
  and before the I99.
- `effect`: what the device's carrying the command out does to the SMI (AC 4.13: "on a
  successful Response"). An effect's I0 without payload lets the device answer; anything
  else is the answer.
- `with_cin`: the device's answer travels in a CINMessage (9.1).
A Device Service Request with no declaration is sent to the device, which answers it.
The lambdas are the DUIS adapters: they read the body into domain values
(domain/service_requests.py) and call the use case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from gbdsp.domain.devices import Device
from gbdsp.domain.replies import Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.srv import Srv
from gbdsp.duis import bodies
from gbdsp.duis.request import DuisRequest
from gbdsp.gateway import device_commands as device
from gbdsp.gateway import handlers
from gbdsp.services import dcc_schedules, dsp_requests, lifecycle
from gbdsp.services.context import HandlerContext

Answer = Callable[[HandlerContext, DuisRequest, Srv], Reply]
Check = Callable[[HandlerContext, DuisRequest, Device], Reply | None]
Effect = Callable[[HandlerContext, DuisRequest, Device], Reply]


@dataclass(frozen=True, slots=True)
class Declaration:
    """What gbdsp does with one SRV (the module docstring says when each part runs)."""

    answer: Answer | None = None
    check: Check | None = None
    effect: Effect | None = None
    with_cin: bool = False


SENT_TO_DEVICE = Declaration()
"""A Device Service Request gbdsp declares nothing for: the device answers it."""


def _ch_status(ctx: HandlerContext, request: DuisRequest, srv: Srv) -> Reply:
    body = request.body
    return lifecycle.update_ch_status(
        ctx, srv.variant, bodies.device_id_of(body), bodies.ch_install_mpxn(body)
    )


def _firmware(ctx: HandlerContext, request: DuisRequest, srv: Srv) -> Reply:
    return lifecycle.update_firmware(ctx, srv.variant, bodies.firmware_update(request.body))


def _check_pair(ctx: HandlerContext, request: DuisRequest, d: Device) -> Reply | None:
    return device.check_pair(ctx, request.srv, d, bodies.other_device_id(request.body))


_JOIN = Declaration(
    check=_check_pair,
    effect=lambda ctx, r, d: device.join(ctx, d, bodies.other_device_id(r.body)),
)
_UNJOIN = Declaration(
    check=_check_pair,
    effect=lambda ctx, r, d: device.unjoin(ctx, d, bodies.other_device_id(r.body)),
)

REGISTRY: Mapping[str, Declaration] = MappingProxyType(
    {
        # -- Non-Device Service Requests: the DSP answers ---------------------------------
        "5.1": Declaration(
            answer=lambda ctx, r, srv: dcc_schedules.create(ctx, dcc_schedules.read_create(r.body))
        ),
        "5.2": Declaration(answer=lambda ctx, r, srv: dcc_schedules.read(ctx, r.body)),
        "5.3": Declaration(answer=lambda ctx, r, srv: dcc_schedules.delete(ctx, r.body)),
        "8.2": Declaration(answer=handlers.read_inventory),
        "8.3": Declaration(
            answer=lambda ctx, r, srv: lifecycle.decommission(ctx, bodies.device_id_of(r.body))
        ),
        "8.4": Declaration(
            answer=lambda ctx, r, srv: lifecycle.update_inventory(
                ctx, bodies.inventory_update(r.body)
            )
        ),
        "8.6": Declaration(
            answer=lambda ctx, r, srv: dsp_requests.service_opt_in(ctx, bodies.device_id_of(r.body))
        ),
        "8.13": Declaration(
            answer=lambda ctx, r, srv: dsp_requests.return_local_command_response(
                ctx, bodies.original_request_id(r.body)
            )
        ),
        **{f"8.14.{n}": Declaration(answer=_ch_status) for n in range(1, 5)},
        "11.1": Declaration(answer=_firmware),
        "11.4": Declaration(answer=_firmware),
        "12.1": Declaration(
            answer=lambda ctx, r, srv: dsp_requests.request_wan_matrix(
                ctx, bodies.wan_matrix_query(r.body)
            )
        ),
        "12.2": Declaration(
            answer=lambda ctx, r, srv: lifecycle.prenotify(ctx, bodies.prenotification(r.body))
        ),
        # -- Device Service Requests with a check or an effect ----------------------------
        "6.20.1": Declaration(
            effect=lambda ctx, r, meter: device.set_import_mpxn(
                ctx, meter, bodies.import_mpxn(r.body)
            )
        ),
        "8.1.1": Declaration(
            check=lambda ctx, r, meter: device.check_commission(ctx, meter),
            effect=lambda ctx, r, meter: device.commission(ctx, meter),
        ),
        "8.7.1": _JOIN,
        "8.7.2": _JOIN,
        "8.8.1": _UNJOIN,
        "8.8.2": _UNJOIN,
        "8.11": Declaration(
            check=lambda ctx, r, chf: device.check_whitelist(
                ctx, chf, bodies.han_device_log_update(r.body)
            ),
            effect=lambda ctx, r, chf: device.whitelist(
                ctx, chf, bodies.han_device_log_update(r.body)
            ),
        ),
        "9.1": Declaration(with_cin=True),
        "11.2": Declaration(
            effect=lambda ctx, r, d: Reply(
                ResponseCode.I0, reason=f"firmware={d.model.firmware_version}"
            )
        ),
    }
)


def declared(srv: str) -> Declaration:
    """What gbdsp does with `srv` (SENT_TO_DEVICE when it declares nothing)."""
    return REGISTRY.get(srv, SENT_TO_DEVICE)
