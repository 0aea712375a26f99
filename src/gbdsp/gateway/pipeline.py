"""The DUIS gateway: one signed request in, one signed response out.

Stages, in order (docs/duis-gateway.md): size and hardened parse, XSD, signature (the
certificate by issuer and serial, its User ID the originator), then - the RequestID now
trusted - anti-replay, access control, and the handler, all in one transaction with the
audit log and any outbox message, so nothing acknowledged is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import InitVar, dataclass, field

from gbdsp.clock import Clock
from gbdsp.config import Config
from gbdsp.domain.access import AccessRequest, Refused, authorise
from gbdsp.domain.devices import Device
from gbdsp.domain.errors import NOT_ENCODED, NotEncoded
from gbdsp.domain.parties import Certificate, UserRole
from gbdsp.domain.replies import LocalCommandReply, PreCommandReply, Reply
from gbdsp.domain.requests import CommandVariant, WebService
from gbdsp.domain.response_codes import ResponseCode
from gbdsp.domain.rules import rules_on
from gbdsp.domain.srv import Srv, catalogue
from gbdsp.domain.world import Profile, access_checks, signing_dates_checked
from gbdsp.duis import response as duis_response
from gbdsp.duis import schema, signature, xml
from gbdsp.duis.request import DuisRequest, NotARequest, read_request
from gbdsp.duis.signature import SignatureRejected, SigningKey
from gbdsp.duis.smki import public_test_certificates
from gbdsp.gateway import (
    audit,
    critical,
    dcc_alerts,
    device_state,
    execution,
    future_dated,
    handlers,
)
from gbdsp.gateway.caches import ReferenceCache, ReferenceView
from gbdsp.gateway.outcomes import Outcome, Stage
from gbdsp.gateway.registry import critical_command
from gbdsp.gbcs_world import GbcsWorld
from gbdsp.services import registration
from gbdsp.services.context import HandlerContext
from gbdsp.services.duis_outbox import enqueue_signed
from gbdsp.services.gbcs_parties import PartyDirectory
from gbdsp.store.errors import DatabaseError, DatabaseUnavailable
from gbdsp.store.gateway_repositories import IssuedTransform
from gbdsp.store.store import Store, Transaction
from gbdsp.wan.emulator import GBCS_VERSION, DeviceEmulator

XML = "application/xml"
log = logging.getLogger("gbdsp.gateway")


class _Revoked(Exception):
    """Raised inside the request's transaction to roll it back: the certificate that
    signed the request was revoked (gbdsp users revoke-certificate)."""


@dataclass(frozen=True, slots=True)
class HttpReply:
    status: int
    body: bytes
    content_type: str = XML


@dataclass
class Gateway:
    store: Store
    clock: Clock
    signing_key: SigningKey
    config: Config = field(default_factory=Config)
    emulator: DeviceEmulator = field(init=False)
    on_outcome: Callable[[Outcome], None] = lambda outcome: None
    """Told of every outcome (metrics); must not raise."""
    on_enqueued: Callable[[], None] = lambda: None
    """Told when a message was put in the outbox (wakes the delivery relay)."""
    gbcs: GbcsWorld | None = None
    """The GBCS test world: with it, encoded use cases answer in real GBCS (docs/gbcs.md)."""

    wan: InitVar[DeviceEmulator | None] = None
    """The SM WAN and its devices, as bootstrap's `App.emulator` built them; without it the
    gateway builds its own over `gbcs`."""

    def __post_init__(self, wan: DeviceEmulator | None) -> None:
        if wan is not None:
            self.emulator, self.gbcs = wan, wan.gbcs
        else:
            if self.gbcs is not None:  # Users' GBCS certificates as registered in the database
                self.gbcs = self.gbcs.with_parties(PartyDirectory(self.store))
            self.emulator = DeviceEmulator(self.config.wan, self.gbcs)
        self.rule_settings = self.config.rule_settings()
        self._reference = ReferenceCache(self.store)
        self.profile = Profile.parse(self.config.world.profile)
        self._access_checks = access_checks(self.profile)

    def handle(self, web_service: WebService, data: bytes) -> HttpReply:
        """Run one message through the pipeline; never raises. A fault of ours is rolled
        back, logged, audited when the database answers and counted: 503 when the database
        is unavailable, else 500 (issue 18: every refusal is audited and counted)."""
        try:
            return self._pipeline(web_service, data)
        except Exception as e:  # the last line of defence, see the docstring
            status = 503 if isinstance(e, DatabaseUnavailable) else 500
            log.exception("DUIS request failed with HTTP %s", status)
            reason = (
                "the database is unavailable; the request was not processed"
                if status == 503
                else "internal error (logged): no answer; send the request again with a new counter"
            )
            return self._fault(web_service, status, reason)

    def refuse(self, web_service: WebService, stage: Stage, reason: str) -> HttpReply:
        """A refusal at the HTTP edge (415, 413), audited and counted like the others."""
        return self._untrusted(web_service, stage, reason)

    def _fault(self, web_service: WebService, status: int, reason: str) -> HttpReply:
        outcome = Outcome.internal(status, reason)
        try:
            with self.store.transaction() as tx:
                tx.audit.record(audit.untrusted(self.clock.now(), web_service, status, reason))
        except DatabaseError:
            log.warning("could not audit an HTTP %s (database unavailable)", status)
        self.on_outcome(outcome)
        return HttpReply(status, (reason + "\n").encode(), "text/plain")

    def _pipeline(self, web_service: WebService, data: bytes) -> HttpReply:
        try:
            root = xml.parse(data)
        except xml.XmlRejected as e:
            stage = Stage.SIZE if e.too_large else Stage.PARSE
            return self._untrusted(web_service, stage, str(e))
        problem = schema.schema_error(root)
        if problem is not None:
            return self._untrusted(web_service, Stage.SCHEMA, f"not valid DUIS 5.4: {problem}")
        try:
            request = read_request(root)
            certificate = signature.verify(root, self._reference.certificate)
        except NotARequest as e:
            return self._untrusted(web_service, Stage.SCHEMA, str(e))
        except SignatureRejected as e:
            return self._untrusted(web_service, Stage.SIGNATURE, str(e))
        if certificate.user_id != request.request_id.originator:
            return self._untrusted(
                web_service,
                Stage.SIGNATURE,
                f"certificate of {certificate.user_id} signs a request from "
                f"{request.request_id.originator}",
            )
        problem = certificate.validity_problem(self.clock.now())
        public = (certificate.issuer, certificate.serial) in public_test_certificates()
        if problem is not None and signing_dates_checked(public):
            return self._untrusted(web_service, Stage.SIGNATURE, problem)
        try:
            return self._trusted(web_service, request, certificate)
        except _Revoked as e:
            return self._untrusted(web_service, Stage.SIGNATURE, str(e))

    # -- before trust: plain-text HTTP errors, audited and counted, never processed --------

    def _untrusted(self, web_service: WebService, stage: Stage, reason: str) -> HttpReply:
        outcome = Outcome.refused_before_trust(stage, reason)
        with self.store.transaction() as tx:
            tx.audit.record(
                audit.untrusted(self.clock.now(), web_service, outcome.http_status, reason)
            )
        self.on_outcome(outcome)
        return HttpReply(outcome.http_status, (reason + "\n").encode(), "text/plain")

    # -- after trust: signed DUIS responses --------------------------------------------------

    def _trusted(
        self, web_service: WebService, request: DuisRequest, certificate: Certificate
    ) -> HttpReply:
        srv = catalogue().get(request.srv)
        assert srv is not None  # the XSD enumerates SRVs; the catalogue has all 129
        now = self.clock.now()
        enqueued = False
        try:
            with self.store.transaction() as tx:
                # The common case advances the counter and reads the reference version in
                # one statement; it is undone with the rest if anything below refuses or
                # raises (a revoked certificate rolls back), so the outcomes are those of
                # reading the version first. Otherwise `_decide` advances as before.
                read = None
                if self._advances_counter(request, srv):
                    rid = request.request_id
                    read = tx.counters.advance_reading_version(rid.originator, rid.counter)
                # Revocation is checked here, per request, at this transaction's reference
                # version (gateway/caches.py): effective at once on every worker.
                view = self._reference.view(tx, read)
                problem = self._reference.check(tx, view, certificate)
                if problem is not None:
                    raise _Revoked(problem)
                reply, stage, async_reply = self._decide(
                    tx, web_service, request, srv, view, advanced=read is not None
                )
                if async_reply is not None:
                    self._enqueue_device_response(tx, request, srv, async_reply)
                    enqueued = True
                self._audit(tx, web_service, request, reply, f"{stage.value}: {reply.reason}")
        except handlers.NotImplementedSrv as e:
            outcome = Outcome.not_implemented(str(e))
            with self.store.transaction() as tx:
                tx.audit.record(audit.request(now, web_service, request, "501", str(e)))
            self.on_outcome(outcome)
            return HttpReply(501, (str(e) + "\n").encode(), "text/plain")
        except NotEncoded as e:
            reply, stage = self._not_encoded(web_service, request, e), Stage.HANDLER
        if enqueued:
            self.on_enqueued()
        self.on_outcome(Outcome.answered(stage, reply.code))
        body = self._signed(reply, request, srv)
        return HttpReply(200, body)

    def _not_encoded(
        self, web_service: WebService, request: DuisRequest, error: NotEncoded
    ) -> Reply:
        """E11 for a use case the test world does not encode (docs/gbcs.md, "Not encoded").
        The request's transaction was rolled back, so its counter is not consumed and
        nothing was sent; the refusal is audited in a transaction of its own."""
        reply = Reply(NOT_ENCODED, reason=str(error))
        with self.store.transaction() as tx:
            self._audit(tx, web_service, request, reply, f"{Stage.HANDLER.value}: {reply.reason}")
        return reply

    @staticmethod
    def _advances_counter(request: DuisRequest, srv: Srv) -> bool:
        """Whether `_decide` will advance the originator's counter before anything else
        (not for an SRV mismatch, refused first, nor a signed pre-command's reuse)."""
        return request.service_reference == srv.service_reference and not (
            request.cv.is_signed_pre_command
        )

    def _decide(
        self,
        tx: Transaction,
        web_service: WebService,
        request: DuisRequest,
        srv: Srv,
        view: ReferenceView,
        *,
        advanced: bool = False,
    ) -> tuple[Reply, Stage, Reply | None]:
        """The synchronous reply, the stage that gave it, and the device's later response
        (None unless a command went out over the SM WAN). `advanced`: the counter was
        advanced already, in this transaction."""
        rid = request.request_id
        now = self.clock.now()
        if request.service_reference != srv.service_reference:
            return (
                Reply(
                    ResponseCode.E12,
                    reason=f"ServiceReference {request.service_reference} does "
                    f"not match SRV {srv.variant}",
                ),
                Stage.ACCESS,
                None,
            )
        issued = None
        if request.cv.is_signed_pre_command:  # the one legitimate reuse of a RequestID
            issued, refusal = critical.admit(tx, request)
            if refusal is not None:
                return refusal, Stage.REPLAY, None
        elif not advanced and not tx.counters.advance(rid.originator, rid.counter):
            return (
                Reply(
                    handlers.REPLAY_CODE,
                    reason=f"counter {rid.counter} is not greater than the last accepted",
                ),
                Stage.REPLAY,
                None,
            )
        if view.registrations_due(tx, now):  # the Responsible Supplier as it is right now
            registration.apply_due(tx, now)
        rules = rules_on(self.rule_settings, now.date())
        user = view.user(tx, rid.originator)
        device = tx.devices.get(rid.device_id, with_history=False) if rid.device_id else None
        # Only an Other User needs its consumers' authorisations (one primary-key scan).
        ou_premises = (
            view.ou_premises(tx, rid.originator)
            if user is not None and UserRole.OU in user.roles
            else frozenset()
        )
        decision = authorise(
            AccessRequest(
                rid,
                user,
                srv,
                request.cv,
                web_service,
                device,
                mp39=rules.mp39,
                mp169=rules.mp169,
                ou_premises=ou_premises,
            ),
            self._access_checks,
        )
        if isinstance(decision, Refused):
            return Reply(decision.code, reason=decision.reason), Stage.ACCESS, None
        assert user is not None
        ctx = HandlerContext(
            tx,
            view.cpl(tx),
            now,
            user,
            rules,
            self.emulator,
            ou_premises=ou_premises,
            profile=self.profile,
            signing_key=self.signing_key,
        )
        if srv.non_device:
            return execution.non_device(ctx, request, srv), Stage.HANDLER, None
        assert device is not None
        return self._device_command(ctx, request, srv, device, issued)

    def _device_command(
        self,
        ctx: HandlerContext,
        request: DuisRequest,
        srv: Srv,
        device: Device,
        issued: IssuedTransform | None,
    ) -> tuple[Reply, Stage, Reply | None]:
        """Anti-replay has passed (a fresh counter, or `issued`: the unused CV 4 transform a
        CV 5/6/7 answers); the command is checked, then sent or transformed."""
        refusal = execution.check(ctx, request, srv, device)
        if refusal is not None:
            return refusal, Stage.HANDLER, None
        cv = request.cv
        rid = request.request_id
        if cv is CommandVariant.TRANSFORM:
            build = critical_command(srv.variant, device.device_type)
            pre = critical.pre_command(self.gbcs, request, build, device, ctx.now, ctx.tx)
            change = None if pre is None else device_state.read(request, srv, device, ctx.now)
            ctx.tx.transforms.issue(
                request.request_id_text,
                rid.originator,
                srv.variant,
                ctx.now,
                device_id=device.device_id,
                pre_command=pre,
                device_state=change,
            )
            if pre is None:  # a use case gbdsp does not encode yet (docs/gbcs.md)
                if self.gbcs is not None:
                    kind = device.device_type.name
                    raise NotEncoded(
                        f"the PreCommand of {srv.variant} to a {kind} is not encoded by gbdsp"
                    )
                return (
                    self.emulator.pre_command(srv.variant, request.request_id_text),
                    Stage.HANDLER,
                    None,
                )
            return Reply(ResponseCode.I0, PreCommandReply(GBCS_VERSION, pre)), Stage.HANDLER, None
        command = None
        if issued is not None:
            refusal = critical.check_signed(self.gbcs, request, issued)
            if refusal is not None:
                return refusal, Stage.HANDLER, None  # nothing sent; the transform stays
            if ctx.tx.transforms.consume(request.request_id_text, rid.originator, ctx.now) is None:
                return (
                    Reply(critical.REPLAY, reason="transform used concurrently"),
                    Stage.REPLAY,
                    None,
                )
            command = critical.issued_command(issued)
        if cv is CommandVariant.SIGNED_PRE_COMMAND_LOCAL and command is not None:
            # CV 6: the User delivers its own signed command (General-Signing) locally.
            signed = LocalCommandReply(critical.signed_pre_command(request))
            return Reply(ResponseCode.I0, signed), Stage.HANDLER, None
        if cv in (CommandVariant.LOCAL_COMMAND, CommandVariant.SIGNED_PRE_COMMAND_LOCAL):
            return (
                self.emulator.local_command(srv.variant, request.request_id_text, rid, device),
                Stage.HANDLER,
                None,
            )
        later = execution.execute(ctx, request, srv, device, command=command, issued=issued)
        return Reply(ResponseCode.I99, reason=f"sent to {device.device_id}"), Stage.HANDLER, later

    def _enqueue_device_response(
        self, tx: Transaction, request: DuisRequest, srv: Srv, reply: Reply
    ) -> None:
        """The device's answer, signed, into the outbox in the request's own transaction,
        held back by the SM WAN's latency."""
        rid = request.request_id
        now = self.clock.now()
        arrives = future_dated.delivery_time(
            request, srv, now, now + self.emulator.latency(request.request_id_text)
        )
        response_id = f"{rid.target}:{rid.originator}:{rid.counter}"
        root = duis_response.build_response(
            reply=reply,
            at=arrives,
            request_id=request.request_id_text,
            response_id=response_id,
            service_reference=srv.service_reference,
            srv=srv.variant,
        )
        key = future_dated.outbox_key(request, srv, now, response_id)
        enqueue_signed(tx, root, self.signing_key, rid.originator, key, now, arrives)
        dcc_alerts.after_device_response(tx, request, reply, arrives, self.signing_key)
        future_dated.after_device_response(
            tx, request, srv, reply, now, self.signing_key, self.gbcs
        )
        tx.audit.record(audit.response(now, request, reply.code, reply.reason or None))

    def _audit(
        self,
        tx: Transaction,
        web_service: WebService,
        request: DuisRequest,
        reply: Reply,
        detail: str,
    ) -> None:
        tx.audit.record(audit.request(self.clock.now(), web_service, request, reply.code, detail))

    def _signed(self, reply: Reply, request: DuisRequest, srv: Srv) -> bytes:
        return duis_response.signed_response(
            reply=reply,
            at=self.clock.now(),
            request_id=request.request_id_text,
            service_reference=srv.service_reference,
            srv=srv.variant,
            signing_key=self.signing_key,
        )
