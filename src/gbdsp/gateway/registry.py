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
- `gbcs`: the GBCS use cases of a Device Service Request: for each device type gbdsp
  encodes one for, the builder of the device's Response (wan/gbcs_ask.py `Builder`;
  docs/gbcs.md). The gateway hands it to the emulator with the request; a device type
  without one answers with the documented stand-in. `gbcs_builder` is the same lookup for
  callers below the gateway (the DCC Scheduled occurrences of services/dcc_schedules.py).
- `critical`: the critical command of a critical SRV, for each device type gbdsp encodes
  one for: the CV 4 answer's unsigned pre-command built from the request
  (gateway/critical.py `PreCommand`: commands of gbcs/commands.py, wan/esme_critical.py,
  wan/gsme_critical.py). The device's signed Response follows from the command's message
  code (wan/gbcs_payloads.py `critical_response`). A device type without one gets the
  documented stand-in PreCommand.
- `command`: the GBCS Command the DSP sends for a non-critical request (CV 1, 3), for each
  device type gbdsp encodes one for (wan/dsp_commands.py `CommandBuilder`: wan/esme_sent.py,
  wan/gsme_sent.py): the ACB's MAC over the User's command, which the emulated device
  checks before it executes the request (wan/device_auth.py); a device type without one is
  handed the request's values, unchecked.
- `sets`: what the command sets on the device, for each device type gbdsp remembers it
  for (wan/device_state.py `StateReader`): kept when the device executes it
  (gateway/device_state.py), reported by the reads' builders instead of their defaults.
A Device Service Request with no declaration is sent to the device, which answers it with
the stand-in. The lambdas are the DUIS adapters: they read the body into domain values
(domain/service_requests.py) and call the use case.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from gbdsp.domain.devices import Device, DeviceType
from gbdsp.domain.errors import InvalidValue
from gbdsp.domain.replies import Reply
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.srv import Srv
from gbdsp.duis import bodies
from gbdsp.duis.request import DuisRequest
from gbdsp.gateway import critical, handlers
from gbdsp.gateway import device_commands as device
from gbdsp.gateway.critical import PairCommand, PreCommand, UseCaseCommand
from gbdsp.gbcs.codes import MessageCode
from gbdsp.gbcs.esme import EsmeCode
from gbdsp.services import dcc_schedules, dsp_requests, lifecycle
from gbdsp.services.context import HandlerContext
from gbdsp.wan import (
    chf_payloads,
    device_state,
    esme_critical,
    esme_schedules,
    esme_tariffs,
    gbcs_payloads,
    gsme_critical,
)
from gbdsp.wan import cs_credentials as cred
from gbdsp.wan import cs_payloads as cs
from gbdsp.wan import cs_sent as cx
from gbdsp.wan import dbch_payloads as dbch
from gbdsp.wan import esme_commands as ec
from gbdsp.wan import esme_configuration as eg
from gbdsp.wan import esme_reads as er
from gbdsp.wan import esme_sent as es
from gbdsp.wan import gsme_payloads as gas
from gbdsp.wan import gsme_sent as gs
from gbdsp.wan.device_state import StateReader
from gbdsp.wan.dsp_commands import CommandBuilder
from gbdsp.wan.esme_critical import EsmeCommand
from gbdsp.wan.gbcs_ask import Builder
from gbdsp.wan.gsme_critical import GsmeCommand

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
    gbcs: Mapping[DeviceType, Builder] = field(default_factory=lambda: MappingProxyType({}))
    critical: Mapping[DeviceType, PreCommand] = field(default_factory=lambda: MappingProxyType({}))
    sets: Mapping[DeviceType, StateReader] = field(default_factory=lambda: MappingProxyType({}))
    command: Mapping[DeviceType, CommandBuilder] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "gbcs", MappingProxyType(dict(self.gbcs)))
        object.__setattr__(self, "critical", MappingProxyType(dict(self.critical)))
        object.__setattr__(self, "sets", MappingProxyType(dict(self.sets)))
        object.__setattr__(self, "command", MappingProxyType(dict(self.command)))


SENT_TO_DEVICE = Declaration()
"""A Device Service Request gbdsp declares nothing for: the device answers it."""

ESME, GSME, GPF, CHF = DeviceType.ESME, DeviceType.GSME, DeviceType.GPF, DeviceType.CHF
PPMID, HCALCS, SAPC = DeviceType.PPMID, DeviceType.HCALCS, DeviceType.SAPC


def _dlms(build: esme_critical.Builder, *, sapc: bool = False) -> dict[DeviceType, PreCommand]:
    """An ESME critical command; with `sapc`, the SAPC's too (it speaks the same DLMS: the
    auxiliary controller calendar of 6.14.3, as RTDS has it)."""
    command = EsmeCommand(build)
    return {ESME: command, SAPC: command} if sapc else {ESME: command}


def _gas(build: gsme_critical.Builder) -> dict[DeviceType, PreCommand]:
    return {GSME: GsmeCommand(build)}


def _security(command: PreCommand) -> dict[DeviceType, PreCommand]:
    """A critical CS security use case (wan/cs_credentials.py), on every device with
    credentials gbdsp encodes."""
    return dict.fromkeys(cred.DEVICES, command)


def _use_case(read: Callable[[DuisRequest], critical.Found | None]) -> PreCommand:
    return UseCaseCommand(read)


def _ch_status(ctx: HandlerContext, request: DuisRequest, srv: Srv) -> Reply:
    body = request.body
    return lifecycle.update_ch_status(
        ctx, srv.variant, bodies.device_id_of(body), bodies.ch_install_mpxn(body)
    )


def _firmware(ctx: HandlerContext, request: DuisRequest, srv: Srv) -> Reply:
    return lifecycle.update_firmware(ctx, srv.variant, bodies.firmware_update(request.body))


def _check_pair(ctx: HandlerContext, request: DuisRequest, d: Device) -> Reply | None:
    try:
        other = critical.other_device(request)
    except InvalidValue as e:  # a CV 5/6/7 whose payload is no join or unjoin command
        return Reply(critical.BAD_SIGNATURE, reason=str(e))
    return device.check_pair(ctx, request.srv, d, other)


_JOIN = Declaration(
    check=_check_pair,
    effect=lambda ctx, r, d: device.join(ctx, d, critical.other_device(r)),
)
_UNJOIN = Declaration(
    check=_check_pair,
    effect=lambda ctx, r, d: device.unjoin(ctx, d, critical.other_device(r)),
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
            ),
            gbcs={ESME: ec.fixed(EsmeCode.ECS39A), GSME: gas.gcs41},
            command={ESME: es.ecs39a, GSME: gs.gcs41},
        ),
        # 8.1.1 commissions with the clock set of 6.11 (ECS70, GCS28; RTDS ECS70Commission).
        "8.1.1": Declaration(
            check=lambda ctx, r, meter: device.check_commission(ctx, meter),
            effect=lambda ctx, r, meter: device.commission(ctx, meter),
            critical={**_dlms(esme_critical.clock), GSME: _use_case(critical.gas_clock)},
        ),
        "8.7.1": replace(
            _JOIN,
            critical={t: PairCommand(cs.join_pre_command) for t in (ESME, GSME, PPMID, HCALCS)},
        ),
        "8.7.2": replace(
            _JOIN, gbcs={ESME: cs.join, GSME: cs.join, PPMID: cs.join, HCALCS: cs.join}
        ),
        "8.8.1": replace(
            _UNJOIN,
            critical={t: PairCommand(cs.unjoin_pre_command) for t in (ESME, GSME, PPMID, HCALCS)},
        ),
        "8.8.2": replace(
            _UNJOIN,
            gbcs={ESME: cs.unjoin, GSME: cs.unjoin, PPMID: cs.unjoin, HCALCS: cs.unjoin},
            command={t: cx.unjoin for t in (ESME, GSME, PPMID, HCALCS)},
        ),
        "8.11": Declaration(
            check=lambda ctx, r, chf: device.check_whitelist(
                ctx, chf, bodies.han_device_log_update(r.body)
            ),
            effect=lambda ctx, r, chf: device.whitelist(
                ctx, chf, bodies.han_device_log_update(r.body)
            ),
            gbcs={CHF: chf_payloads.ccs01_ccs02},
            command={CHF: cx.han_device_log},
        ),
        "8.12.1": Declaration(gbcs={CHF: chf_payloads.ccs03}),
        "8.9": Declaration(
            gbcs={CHF: chf_payloads.read_device_log, ESME: cs.join_details, GSME: cs.join_details},
            command={ESME: cx.cs07, GSME: cx.cs07, CHF: cx.read_device_log},
        ),
        "8.12.2": Declaration(gbcs={GPF: cs.gpf_log_restored}, command={GPF: cx.gcs59}),
        "9.1": Declaration(
            with_cin=True,
            gbcs={ESME: ec.fixed(EsmeCode.ECS50), GSME: gas.gcs36},
            command={ESME: es.ecs50, GSME: gs.gcs36},
        ),
        "11.2": Declaration(
            effect=lambda ctx, r, d: Reply(
                ResponseCode.I0,
                reason=f"firmware={d.model.firmware_version}",
            ),
            command={ESME: es.ecs52, GSME: gs.gcs38, PPMID: cx.cs08, HCALCS: cx.cs08},
            gbcs={
                ESME: gbcs_payloads.ecs52,
                CHF: gbcs_payloads.ecs52,
                GSME: gbcs_payloads.gcs38,
                PPMID: gbcs_payloads.cs08,
                HCALCS: gbcs_payloads.cs08,
            },
        ),
        # -- Device Service Requests the device answers in GBCS (docs/gbcs.md) -------------
        "2.2": Declaration(
            gbcs={ESME: cs.top_up, GSME: cs.top_up}, command={ESME: cx.top_up, GSME: cx.top_up}
        ),
        "3.1": Declaration(
            gbcs={ESME: ec.fixed(EsmeCode.ECS10), GSME: gas.gcs07},
            command={ESME: es.ecs10, GSME: gs.gcs07},
        ),
        "3.2": Declaration(
            gbcs={ESME: ec.fixed(EsmeCode.ECS12), GPF: gas.gcs09},
            command={ESME: es.ecs12, GPF: gs.gcs09},
        ),
        "3.3": Declaration(
            gbcs={ESME: ec.ecs15, GSME: cs.cs11}, command={ESME: es.ecs15, GSME: cx.cs11}
        ),
        "3.4": Declaration(
            gbcs={ESME: ec.ecs16, GSME: gas.gcs44}, command={ESME: es.ecs16, GSME: gs.gcs44}
        ),
        "3.5": Declaration(
            gbcs={ESME: ec.fixed(EsmeCode.ECS14), GSME: gas.gcs11},
            command={ESME: es.ecs14, GSME: gs.gcs11},
        ),
        "4.1.1": Declaration(
            gbcs={
                ESME: gbcs_payloads.ecs17b,
                GSME: gbcs_payloads.gcs13a,
                GPF: gbcs_payloads.gcs13a,
            },
            command={ESME: es.ecs17b, GSME: gs.gcs13a, GPF: gs.gcs13a},
        ),
        "4.1.2": Declaration(
            gbcs={ESME: er.ecs17d, GSME: gas.gcs13c, GPF: gas.gcs13c},
            command={ESME: es.ecs17d, GSME: gs.gcs13c, GPF: gs.gcs13c},
        ),
        "4.1.3": Declaration(gbcs={ESME: er.ecs17e}, command={ESME: es.ecs17e}),
        "4.1.4": Declaration(
            gbcs={GSME: gas.gcs13b, GPF: gas.gcs13b}, command={GSME: gs.gcs13b, GPF: gs.gcs13b}
        ),
        "4.2": Declaration(gbcs={ESME: er.ecs17a}, command={ESME: es.ecs17a}),
        "4.3": Declaration(
            gbcs={ESME: er.ecs19, GSME: gas.gcs14, GPF: gas.gcs14},
            command={ESME: es.ecs19, GSME: gs.gcs14, GPF: gs.gcs14},
        ),
        "4.4.2": Declaration(
            gbcs={ESME: er.ecs20b, GSME: gas.gcs15b}, command={ESME: es.ecs20b, GSME: gs.gcs15b}
        ),
        "4.4.3": Declaration(
            gbcs={ESME: er.ecs20c, GSME: gas.gcs15c}, command={ESME: es.ecs20c, GSME: gs.gcs15c}
        ),
        "4.4.4": Declaration(
            gbcs={ESME: er.ecs20a, GSME: gas.gcs15d}, command={ESME: es.ecs20a, GSME: gs.gcs15d}
        ),
        "4.4.5": Declaration(
            gbcs={ESME: er.ecs20d, GSME: gas.gcs15e}, command={ESME: es.ecs20d, GSME: gs.gcs15e}
        ),
        "4.6.1": Declaration(
            gbcs={ESME: er.ecs21a, GSME: gas.gcs16a}, command={ESME: es.ecs21a, GSME: gs.gcs16a}
        ),
        "4.6.2": Declaration(gbcs={ESME: er.ecs21c}, command={ESME: es.ecs21c}),
        "4.8.1": Declaration(
            gbcs={ESME: er.ecs22b, GSME: gas.gcs17}, command={ESME: es.ecs22b, GSME: gs.gcs17}
        ),
        "4.8.2": Declaration(gbcs={ESME: er.ecs22c}, command={ESME: es.ecs22c}),
        "4.8.3": Declaration(gbcs={ESME: er.ecs22a}, command={ESME: es.ecs22a}),
        "4.10": Declaration(gbcs={ESME: er.ecs23, GSME: gas.gcs18}, command={ESME: es.ecs23}),
        "4.11.1": Declaration(
            gbcs={ESME: eg.ecs24, GSME: gas.gcs21f}, command={ESME: es.ecs24, GSME: gs.gcs21f}
        ),
        "4.11.2": Declaration(gbcs={ESME: eg.ecs24b}, command={ESME: es.ecs24b}),
        "4.12.1": Declaration(gbcs={ESME: er.ecs18b}, command={ESME: es.ecs18b}),
        "4.12.2": Declaration(gbcs={ESME: er.ecs18a}, command={ESME: es.ecs18a}),
        "4.13": Declaration(
            gbcs={ESME: eg.ecs26a, GSME: gas.gcs21b}, command={ESME: es.ecs26a, GSME: gs.gcs21b}
        ),
        "4.14": Declaration(
            gbcs={ESME: er.ecs21b, GSME: gas.gcs16b, GPF: gas.gcs16b},
            command={ESME: es.ecs21b, GSME: gs.gcs16b, GPF: gs.gcs16b},
        ),
        "4.15": Declaration(gbcs={ESME: eg.ecs27}, command={ESME: es.ecs27}),
        "4.16": Declaration(gbcs={ESME: er.ecs17c}, command={ESME: es.ecs17c}),
        "4.17": Declaration(
            gbcs={ESME: er.ecs66, GSME: gas.gcs61, GPF: gas.gcs61},
            command={ESME: es.ecs66, GSME: gs.gcs61, GPF: gs.gcs61},
        ),
        "4.18": Declaration(
            gbcs={ESME: er.ecs82, GSME: gas.gcs60a, GPF: gas.gcs60a},
            command={ESME: es.ecs82, GSME: gs.gcs60a, GPF: gs.gcs60a},
        ),
        "6.2.1": Declaration(gbcs={ESME: eg.ecs26b}, command={ESME: es.ecs26b}),
        "6.2.2": Declaration(gbcs={ESME: eg.ecs26c}, command={ESME: es.ecs26c}),
        "6.2.3": Declaration(
            gbcs={ESME: eg.ecs26d, GSME: gas.gcs21k}, command={ESME: es.ecs26d, GSME: gs.gcs21k}
        ),
        "6.2.4": Declaration(
            gbcs={ESME: eg.ecs26e, CHF: eg.ecs26i, GSME: gas.gcs21m},
            command={ESME: es.ecs26e, CHF: es.ecs26i, GSME: gs.gcs21m},
        ),
        "6.2.5": Declaration(gbcs={ESME: eg.ecs26f}, command={ESME: es.ecs26f}),
        "6.2.7": Declaration(
            gbcs={ESME: eg.ecs40, GSME: gas.gcs46}, command={ESME: es.ecs40, GSME: gs.gcs46}
        ),
        "6.2.8": Declaration(gbcs={GSME: gas.gcs21a}, command={GSME: gs.gcs21a}),
        "6.2.9": Declaration(
            gbcs={ESME: eg.ecs26j, GSME: gas.gcs21j}, command={ESME: es.ecs26j, GSME: gs.gcs21j}
        ),
        "6.2.10": Declaration(
            gbcs={ESME: eg.ecs25r, GSME: gas.gcs20r}, command={ESME: es.ecs25r, GSME: gs.gcs20r}
        ),
        "6.4.2": Declaration(gbcs={ESME: ec.fixed(EsmeCode.ECS28B)}, command={ESME: es.ecs28b}),
        "6.5": Declaration(
            gbcs={ESME: ec.ecs29}, sets={ESME: device_state.voltage}, command={ESME: es.ecs29}
        ),
        "6.12": Declaration(gbcs={ESME: ec.fixed(EsmeCode.ECS34)}, command={ESME: es.ecs34}),
        "6.13": Declaration(
            gbcs={ESME: eg.ecs35, CHF: eg.ecs35, GSME: cs.cs10},
            command={ESME: es.ecs35, CHF: es.ecs35, GSME: cx.cs10},
        ),
        "6.18.1": Declaration(gbcs={ESME: ec.fixed(EsmeCode.ECS37)}, command={ESME: es.ecs37}),
        "6.18.2": Declaration(gbcs={ESME: ec.ecs57}, command={ESME: es.ecs57}),
        "6.20.2": Declaration(gbcs={ESME: ec.fixed(EsmeCode.ECS39B)}, command={ESME: es.ecs39b}),
        "6.22": Declaration(gbcs={ESME: ec.ecs25, GSME: gas.gcs20}),
        "6.24.1": Declaration(
            gbcs={ESME: cs.security_credentials, GSME: cs.security_credentials},
            command={ESME: cx.security_credentials, GSME: cx.security_credentials},
        ),
        # The DCC's own trust anchor replacements (CV 1; wan/cs_credentials.py).
        **{
            srv: Declaration(
                gbcs=dict.fromkeys(cred.HANDED_OVER, cred.dcc_replacement),
                sets=dict.fromkeys(cred.DEVICES, cred.trust_anchors),
                command=dict.fromkeys(cred.HANDED_OVER, cx.dcc_replacement),
            )
            for srv in ("6.21", "6.23", "8.5")
        },
        "6.27": Declaration(gbcs={ESME: ec.fixed(EsmeCode.ECS29E)}, command={ESME: es.ecs29e}),
        "6.28": Declaration(gbcs={CHF: dbch.dbch04}, command={CHF: cx.dbch04}),
        "6.29": Declaration(gbcs={CHF: dbch.dbch05}, command={CHF: cx.dbch05}),
        "6.30": Declaration(gbcs={CHF: dbch.dbch03}, command={CHF: cx.dbch03}),
        "6.31": Declaration(gbcs={CHF: dbch.dbch01}, command={CHF: cx.dbch01}),
        "6.32": Declaration(gbcs={CHF: dbch.dbch02}, command={CHF: cx.dbch02}),
        "7.4": Declaration(
            gbcs={ESME: eg.ecs45, GSME: gas.gcs33}, command={ESME: es.ecs45, GSME: gs.gcs33}
        ),
        "7.7": Declaration(gbcs={ESME: eg.ecs61a}, command={ESME: es.ecs61a}),
        "7.9": Declaration(gbcs={ESME: ec.ecs62}, command={ESME: es.ecs62}),
        "7.10": Declaration(gbcs={ESME: ec.ecs62}, command={ESME: es.ecs62}),
        "7.11": Declaration(gbcs={ESME: eg.ecs61c}, command={ESME: es.ecs61c}),
        "7.14": Declaration(gbcs={ESME: eg.ecs61d}, command={ESME: es.ecs61d}),
        "7.15": Declaration(gbcs={ESME: eg.ecs61e}, command={ESME: es.ecs61e}),
        "14.1": Declaration(gbcs={GSME: gas.gcs31}, command={GSME: gs.gcs31}),
        # -- Critical Service Requests: the CV 4 pre-command (docs/gbcs.md) ---------------
        "1.1.1": Declaration(
            critical={**_dlms(esme_tariffs.import_tariff), **_gas(gsme_critical.tariff)},
            sets={ESME: esme_tariffs.import_tariff_state, GSME: gsme_critical.tariff_state},
        ),
        "1.1.2": Declaration(critical=_dlms(esme_tariffs.secondary_tariff)),
        "1.2.1": Declaration(
            critical={**_dlms(esme_tariffs.price), **_gas(gsme_critical.price)},
            sets={ESME: esme_tariffs.price_state, GSME: gsme_critical.price_state},
        ),
        "1.2.2": Declaration(critical=_dlms(esme_tariffs.secondary_price)),
        "1.5": Declaration(critical={ESME: critical.balance(ESME), GSME: critical.balance(GSME)}),
        "1.6": Declaration(
            critical={**_dlms(esme_critical.payment_mode), **_gas(gsme_critical.payment_mode)},
            sets=dict.fromkeys((ESME, GSME), device_state.payment_mode),
        ),
        "1.7": Declaration(critical={ESME: critical.fixed(MessageCode.ECS05)}),
        "2.1": Declaration(
            critical={
                **_dlms(esme_schedules.prepay_configuration),
                **_gas(gsme_critical.prepayment),
            }
        ),
        "2.3": Declaration(critical={**_dlms(esme_critical.debt), **_gas(gsme_critical.debt)}),
        "2.5": Declaration(
            critical={
                ESME: critical.fixed(MessageCode.ECS09),
                GSME: critical.fixed(MessageCode.GCS06),
            }
        ),
        "6.4.1": Declaration(
            critical=_dlms(esme_critical.load_limit), sets={ESME: device_state.load_limit}
        ),
        "6.6": Declaration(critical={GSME: _use_case(critical.conversion)}),
        "6.7": Declaration(critical=_gas(gsme_critical.gas_flow)),
        "6.8": Declaration(
            critical={
                ESME: _use_case(critical.billing_calendar),
                GSME: _use_case(critical.gas_billing),
            },
            sets={ESME: critical.billing_state, GSME: critical.gas_billing_state},
        ),
        "6.11": Declaration(
            critical={**_dlms(esme_critical.clock), GSME: _use_case(critical.gas_clock)}
        ),
        "6.14.1": Declaration(critical={ESME: _use_case(critical.descriptions)}),
        "6.14.2": Declaration(critical=_dlms(esme_schedules.alcs_scheduler)),
        "6.14.3": Declaration(critical=_dlms(esme_schedules.controller_scheduler, sapc=True)),
        "6.15.1": Declaration(
            critical=_security(cred.update_pre_command),
            sets=dict.fromkeys(cred.DEVICES, cred.trust_anchors),
        ),
        "6.15.2": Declaration(critical=_security(cred.certificate_pre_command)),
        "6.17": Declaration(critical=_security(cred.issue_pre_command)),
        "6.24.2": Declaration(critical=_security(cred.provide_pre_command)),
        "11.3": Declaration(critical=_security(cred.firmware_pre_command)),
        "6.25": Declaration(
            critical={ESME: critical.fixed(MessageCode.ECS81, critical.tamper_locked)}
        ),
        "6.26": Declaration(
            critical={ESME: critical.fixed(MessageCode.ECS48, critical.daily_block_reset)}
        ),
        "7.1": Declaration(
            critical={ESME: critical.fixed(MessageCode.ECS42)},
            sets={ESME: device_state.supply(device_state.ENABLED)},
        ),
        "7.2": Declaration(
            critical={
                ESME: critical.fixed(MessageCode.ECS43),
                GSME: critical.fixed(MessageCode.GCS32),
            },
            sets=dict.fromkeys((ESME, GSME), device_state.supply(device_state.DISABLED)),
        ),
        "7.3": Declaration(
            critical={
                ESME: critical.fixed(MessageCode.ECS44),
                GSME: critical.fixed(MessageCode.GCS39),
            },
            sets=dict.fromkeys((ESME, GSME), device_state.supply(device_state.ARMED)),
        ),
        "7.5": Declaration(
            critical=_dlms(esme_critical.auxiliary_load(0x11, "ActivateALCSHCALCS"))
        ),
        "7.6": Declaration(
            critical=_dlms(esme_critical.auxiliary_load(0x12, "DeactivateALCSHCALCS"))
        ),
        "7.8": Declaration(critical=_dlms(esme_critical.auxiliary_load(0x20, "ResetALCSHCALCS"))),
        "7.12": Declaration(
            critical={ESME: critical.fixed(MessageCode.ECS38, critical.randomised_offset)},
            sets={
                ESME: device_state.integer(
                    "RandomisedOffsetLimit", device_state.RANDOMISED_OFFSET_LIMIT
                )
            },
        ),
        "7.13": Declaration(critical=_dlms(esme_critical.controller_state(limit=False))),
        "7.16": Declaration(critical=_dlms(esme_critical.controller_state(limit=True))),
    }
)


def declared(srv: str) -> Declaration:
    """What gbdsp does with `srv` (SENT_TO_DEVICE when it declares nothing)."""
    return REGISTRY.get(srv, SENT_TO_DEVICE)


def gbcs_builder(srv: str, device_type: DeviceType) -> Builder | None:
    """The builder of the GBCS Response `srv` declares for `device_type` (a
    wan/gbcs_ask.py `BuilderLookup`), or None: the device answers with the stand-in."""
    return declared(srv).gbcs.get(device_type)


def command_builder(srv: str, device_type: DeviceType) -> CommandBuilder | None:
    """The builder of the GBCS Command the DSP sends for a non-critical `srv` to
    `device_type`, or None: the device is handed the request's values."""
    return declared(srv).command.get(device_type)


def critical_command(srv: str, device_type: DeviceType) -> PreCommand | None:
    """The critical command `srv` declares for `device_type`, or None: the stand-in."""
    return declared(srv).critical.get(device_type)
