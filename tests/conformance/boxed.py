"""Drive the DCC Boxed signing tool (``tool.jar``) from Python, fast, for conformance tests.

The reference for "is this DUIS message signed the way the DCC expects" is the Java tool that
ships as ``dist/tool.jar`` in the npm package ``@smartdcc/duis-sign-wrap``; the reference
request corpus is the 297 DUIS 5.4 templates of ``@smartdcc/duis-templates``. Neither is
vendored: :func:`fetch_boxed` downloads both with ``npm pack`` (``npm install`` cannot be used:
duis-templates depends on a duis-parser version missing from the registry) into a cache.

Running the tool's CLI costs ~1 s of JVM start-up per message, so :class:`BoxedTool` starts ONE
JVM running ``BoxedHarness.java`` (compiled on demand against the jar) and streams requests to
it over a line protocol; see that file for the protocol and for how it reuses the jar's own
parser, schema and certificate library without hitting its ``System.exit`` calls.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

REPO_ROOT = Path(__file__).resolve().parents[2]
HARNESS_SOURCE = Path(__file__).with_name("BoxedHarness.java")
HARNESS_CLASS = "BoxedHarness"


@dataclass(frozen=True)
class NpmPin:
    """An exact npm package version plus the registry's integrity hash for its tarball."""

    name: str
    version: str
    integrity: str

    @property
    def spec(self) -> str:
        return f"{self.name}@{self.version}"

    @property
    def dirname(self) -> str:
        return f"{self.name.lstrip('@').replace('/', '-')}-{self.version}"


# Pinned by version AND tarball hash (npm's dist.integrity), so a re-published or tampered
# tarball fails loudly instead of silently changing the reference we test against.
TEMPLATES_PIN = NpmPin(
    "@smartdcc/duis-templates",
    "0.7.0",
    "sha512-ASkoKAuIW/Io0jTFmsRVnaPzm6Z5IIefipJq3aD6fknxqSdSxTrWQ6BxktvuVDPYO2SWbJATzg6oDEKxwNWb2Q==",
)
SIGN_WRAP_PIN = NpmPin(
    "@smartdcc/duis-sign-wrap",
    "0.1.2",
    "sha512-75KX971ymBkNyL2e761c4HYQ4OinTCFfqW+SoCRtFC9cWm4CirKQ5CfSUp0zCFH8LcSyHhDwRL0cVtOj5NeIHg==",
)
PINS = (TEMPLATES_PIN, SIGN_WRAP_PIN)

# CLI exit codes of the tool (uk.co.smartdcc.boxed.xmldsig.ResultCode, plus the 2 that
# Util.load_duis_file_checked exits with on a parse error, and 1 for an uncaught exception).
SUCCESS = 0
UNCAUGHT_EXCEPTION = 1
GENERIC_ERROR = 2
MISSING_KEY = 3
VALIDATION_FAIL = 10


class BoxedUnavailable(RuntimeError):
    """npm, java/javac or the registry is not available: the kit cannot be set up here."""


class BoxedIntegrityError(RuntimeError):
    """A downloaded tarball does not match its pinned hash: never skip, always fail."""


class BoxedHarnessError(RuntimeError):
    """The harness JVM died or answered outside the protocol."""


class BoxedSignError(RuntimeError):
    """The tool refused to sign; ``code`` is the CLI exit code it would have used."""

    def __init__(self, code: int | str, message: str) -> None:
        super().__init__(f"sign failed with code {code}: {message.strip()}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class BoxedKit:
    """Where the unpacked npm packages live."""

    cache_dir: Path
    templates_dir: Path
    tool_jar: Path


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of the tool's Validate, with the CLI exit code it would have returned.

    ``message`` is the tool's log (what the CLI prints on stderr); ``output`` is what it prints
    on stdout (for a valid signature: the signed content, i.e. the message without signature).
    """

    ok: bool
    code: int | str
    message: str
    output: bytes = b""


@dataclass(frozen=True)
class BenchStats:
    """Microseconds per operation measured inside the JVM, after warm-up."""

    mean_us: float
    median_us: float
    min_us: float


@dataclass(frozen=True)
class CertInfo:
    """A certificate that the jar's CertificateLibrary loads (and so can sign/validate with)."""

    resource: str
    business_id: str
    serial: int
    has_key: bool
    subject: str
    issuer: str
    not_after: str

    @property
    def eui(self) -> str:
        """The business id in DUIS form, e.g. ``90-B3-D5-1F-30-01-00-00``."""
        raw = self.business_id.upper()
        return "-".join(raw[i : i + 2] for i in range(0, len(raw), 2))


@dataclass(frozen=True)
class RequestId:
    """The three parts of sr:Header/sr:RequestID."""

    originator: str
    target: str
    counter: str


def default_cache_dir() -> Path:
    """``$GBDSP_CONFORMANCE_CACHE`` or ``<repo>/.cache/conformance``."""
    env = os.environ.get("GBDSP_CONFORMANCE_CACHE")
    return Path(env) if env else REPO_ROOT / ".cache" / "conformance"


def _prepare_cache(cache_dir: Path) -> None:
    """Create the cache dir, self-ignored by git (like .pytest_cache) so it never gets added."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    ignore = cache_dir / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# created by tests/conformance/boxed.py\n*\n")


def _publish(tmp: Path, final: Path) -> None:
    """Atomically move a fully built directory into place; losing a race to another process
    that published the same content first is fine."""
    try:
        os.replace(tmp, final)
    except OSError:
        if not final.is_dir():
            raise
        shutil.rmtree(tmp, ignore_errors=True)


def _integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def _extract(tarball: Path, dest: Path) -> None:
    """Unpack an npm tarball (members under ``package/``) safely into ``dest``."""
    with tarfile.open(tarball, "r:gz") as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(dest, filter="data")
        else:  # pragma: no cover - Python < 3.11.4
            for member in tar.getmembers():
                target = (dest / member.name).resolve()
                if not target.is_relative_to(dest.resolve()) or not (
                    member.isfile() or member.isdir()
                ):
                    raise BoxedIntegrityError(f"unsafe member {member.name!r} in {tarball}")
            tar.extractall(dest)


def _npm_pack(pins: list[NpmPin], workdir: Path) -> dict[str, Path]:
    npm = shutil.which("npm")
    if npm is None:
        raise BoxedUnavailable("npm is not on PATH (needed to download the DCC Boxed kit)")
    cmd = [npm, "pack", "--json", "--ignore-scripts", *(pin.spec for pin in pins)]
    try:
        proc = subprocess.run(
            cmd, cwd=workdir, capture_output=True, text=True, timeout=300, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise BoxedUnavailable(f"`{' '.join(cmd)}` timed out") from exc
    if proc.returncode != 0:
        tail = proc.stderr.strip()[-800:]
        raise BoxedUnavailable(f"`{' '.join(cmd)}` failed ({proc.returncode}): {tail}")
    try:
        packed = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise BoxedUnavailable(f"`{' '.join(cmd)}` printed no JSON: {proc.stdout[:200]!r}") from exc
    by_id = {entry["id"]: workdir / entry["filename"] for entry in packed}
    missing = [pin.spec for pin in pins if pin.spec not in by_id]
    if missing:
        raise BoxedUnavailable(f"npm pack did not produce {missing}")
    return {pin.spec: by_id[pin.spec] for pin in pins}


def fetch_boxed(cache_dir: Path | None = None) -> BoxedKit:
    """Return the unpacked templates and tool.jar, downloading them on first use.

    Idempotent and safe with concurrent callers: everything is built in a private temporary
    directory inside the cache and renamed into place.
    """
    cache_dir = (cache_dir or default_cache_dir()).resolve()
    _prepare_cache(cache_dir)
    npm_dir = cache_dir / "npm"
    npm_dir.mkdir(exist_ok=True)
    missing = [pin for pin in PINS if not (npm_dir / pin.dirname / "package.json").is_file()]
    if missing:
        work = Path(tempfile.mkdtemp(prefix=".fetch-", dir=npm_dir))
        try:
            tarballs = _npm_pack(missing, work)
            for pin in missing:
                tarball = tarballs[pin.spec]
                actual = _integrity(tarball)
                if actual != pin.integrity:
                    raise BoxedIntegrityError(
                        f"{pin.spec}: tarball hash {actual} != pinned {pin.integrity}"
                    )
                unpack = work / f"unpack-{pin.dirname}"
                _extract(tarball, unpack)
                _publish(unpack / "package", npm_dir / pin.dirname)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    kit = BoxedKit(
        cache_dir=cache_dir,
        templates_dir=npm_dir / TEMPLATES_PIN.dirname / "templates",
        tool_jar=npm_dir / SIGN_WRAP_PIN.dirname / "dist" / "tool.jar",
    )
    if not kit.templates_dir.is_dir() or not kit.tool_jar.is_file():
        raise BoxedIntegrityError(f"unexpected package layout under {npm_dir}")
    return kit


def template_paths(kit: BoxedKit) -> list[Path]:
    """The DUIS request templates, sorted by file name."""
    return sorted(p for p in kit.templates_dir.iterdir() if p.suffix.lower() == ".xml")


def compile_harness(kit: BoxedKit, javac: str | None = None) -> Path:
    """Compile BoxedHarness.java against tool.jar into the cache; return the classes dir.

    Keyed by the sha256 of the source and of the jar, so editing the harness recompiles it and
    an unchanged harness is never rebuilt.
    """
    digest = hashlib.sha256(HARNESS_SOURCE.read_bytes() + kit.tool_jar.read_bytes()).hexdigest()
    classes = kit.cache_dir / "harness" / digest[:16]
    if (classes / f"{HARNESS_CLASS}.class").is_file():
        return classes
    javac = javac or shutil.which("javac")
    if javac is None:
        raise BoxedUnavailable("javac is not on PATH (needed to build the DCC Boxed harness)")
    classes.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=classes.parent))
    try:
        proc = subprocess.run(
            [
                javac,
                "-nowarn",
                "-encoding",
                "UTF-8",
                "-cp",
                str(kit.tool_jar),
                "-d",
                str(tmp),
                str(HARNESS_SOURCE),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if proc.returncode != 0:
            raise BoxedHarnessError(f"javac failed:\n{proc.stdout}{proc.stderr}")
        tmp.chmod(0o755)  # mkdtemp makes it private; the cache may be shared
        _publish(tmp, classes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return classes


_REQUEST_ID = re.compile(
    rb"(?P<open><(?P<prefix>(?:[A-Za-z_][\w.-]*:)?)RequestID>)"
    rb"(?P<originator>[^<:]*):(?P<target>[^<:]*):(?P<counter>[^<]*)"
    rb"(?P<close></(?P=prefix)RequestID>)"
)


def _one_request_id(xml: bytes) -> re.Match[bytes]:
    matches = list(_REQUEST_ID.finditer(xml))
    if len(matches) != 1:
        raise ValueError(f"expected exactly one RequestID element, found {len(matches)}")
    return matches[0]


def request_id(xml: bytes) -> RequestId:
    """The originator, target and counter of the message's RequestID."""
    match = _one_request_id(xml)
    return RequestId(*(match[g].decode() for g in ("originator", "target", "counter")))


def with_counter(xml: bytes, counter: int) -> bytes:
    """Rewrite the counter of sr:RequestID (``originator:target:counter``), byte-for-byte
    elsewhere, so callers can hand out strictly increasing counters and then sign with
    ``preserve_counter=True`` (the tool otherwise uses currentTimeMillis)."""
    if counter < 0:
        raise ValueError("counter must be non-negative")
    match = _one_request_id(xml)
    start, end = match.span("counter")
    return xml[:start] + str(counter).encode() + xml[end:]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(field: str) -> bytes:
    return base64.b64decode(field.encode("ascii"), validate=True)


class BoxedTool:
    """One long-lived JVM running the harness; thread-safe, one request at a time.

    Use as a context manager (or call :meth:`close`) so the JVM is shut down.
    """

    def __init__(
        self, kit: BoxedKit, java: str | None = None, jvm_options: tuple[str, ...] = ()
    ) -> None:
        java = java or shutil.which("java")
        if java is None:
            raise BoxedUnavailable("java is not on PATH (needed to run the DCC Boxed tool)")
        classes = compile_harness(kit)
        self.kit = kit
        self._lock = threading.Lock()
        # Lives as long as the JVM (closed in close()); a file, not a pipe, so a chatty JVM
        # can never block on a full stderr pipe nobody reads.
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        started = time.perf_counter()
        self._proc = subprocess.Popen(
            [
                java,
                *jvm_options,
                "-cp",
                os.pathsep.join([str(kit.tool_jar), str(classes)]),
                HARNESS_CLASS,
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        ready = self._readline()
        if not ready.startswith("READY "):
            self.close()
            raise BoxedHarnessError(f"harness did not start: {ready!r}")
        self.java_version = ready.split(" ", 1)[1]
        self.startup_seconds = time.perf_counter() - started
        self._certs: list[CertInfo] | None = None

    def __enter__(self) -> BoxedTool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Ask the JVM to quit; kill it if it does not within a few seconds."""
        proc = self._proc
        if proc.poll() is None:
            try:
                assert proc.stdin is not None
                proc.stdin.write(b"QUIT\n")
                proc.stdin.close()
                proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                proc.kill()
                proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()
        self._stderr.close()

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0)
            return self._stderr.read().decode(errors="replace")[-2000:]
        except (OSError, ValueError):
            return ""

    def _readline(self) -> str:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line.endswith(b"\n"):
            code = self._proc.poll()
            raise BoxedHarnessError(
                f"harness JVM ended (exit {code}); stderr:\n{self._stderr_tail()}"
            )
        return line.decode("ascii").rstrip("\n")

    def _request(self, *fields: str) -> tuple[bool, str, bytes]:
        """Send one command; return (ok, output-or-code field, log)."""
        with self._lock:
            assert self._proc.stdin is not None
            try:
                self._proc.stdin.write(" ".join(fields).encode("ascii") + b"\n")
                self._proc.stdin.flush()
            except OSError as exc:
                raise BoxedHarnessError(
                    f"harness JVM is gone; stderr:\n{self._stderr_tail()}"
                ) from exc
            reply = self._readline()
        parts = reply.split(" ")
        if len(parts) != 3 or parts[0] not in ("OK", "ERR"):
            raise BoxedHarnessError(f"unexpected harness reply: {reply[:200]!r}")
        return parts[0] == "OK", parts[1], _unb64(parts[2])

    @staticmethod
    def _code(field: str) -> int | str:
        return int(field) if field.lstrip("-").isdigit() else field

    def sign(
        self, xml: bytes, preserve_counter: bool = True, signer_serial: int | None = None
    ) -> bytes:
        """Sign like ``Sign FILE [--preserveCounter]``: any existing ds:Signature is dropped,
        the key and certificate are the jar's test ones for the RequestID originator.

        ``signer_serial`` picks the jar's certificate and key by serial instead (what the CLI's
        explicit cert/key file arguments allow), e.g. to sign an sr:Response as the DSP, whose
        EUI is the RequestID target, not its originator; see :meth:`certificates`.
        Raises :class:`BoxedSignError` (with the CLI exit code) when the tool refuses.
        """
        fields = ["SIGN", _b64(xml), "1" if preserve_counter else "0"]
        if signer_serial is not None:
            fields.append(f"{signer_serial:X}")
        ok, field, log = self._request(*fields)
        if not ok:
            raise BoxedSignError(self._code(field), log.decode(errors="replace"))
        return _unb64(field)

    def validate(self, xml: bytes) -> ValidationResult:
        """Validate like ``Validate FILE``: XSD (DUIS 5.1 schema bundled in the jar), then the
        signature against the bundled certificate whose serial is in ds:X509SerialNumber."""
        ok, field, log = self._request("VALIDATE", _b64(xml))
        message = log.decode(errors="replace")
        if ok:
            return ValidationResult(True, SUCCESS, message, _unb64(field))
        return ValidationResult(False, self._code(field), message)

    def bench_stats(
        self, kind: Literal["sign", "validate"], xml: bytes, n: int, warmup: int = 100
    ) -> BenchStats:
        """Time ``n`` sign (counter preserved) or validate operations of ``xml`` in the JVM,
        after ``warmup`` untimed ones, excluding JVM start-up and the pipe round trip."""
        ok, field, log = self._request("BENCH", kind, str(n), str(warmup), _b64(xml))
        if not ok:
            raise BoxedHarnessError(
                f"bench {kind} failed with code {field}: {log.decode(errors='replace')}"
            )
        mean, median, minimum = (float(v) for v in _unb64(field).decode().split())
        return BenchStats(mean, median, minimum)

    def bench(
        self, kind: Literal["sign", "validate"], xml: bytes, n: int, warmup: int = 100
    ) -> float:
        """Mean microseconds per operation; see :meth:`bench_stats`."""
        return self.bench_stats(kind, xml, n, warmup).mean_us

    def certificates(self) -> list[CertInfo]:
        """The certificates the jar's CertificateLibrary really loads (not every .pem in the
        jar is loaded), with serials: Validate can only check signatures by these serials."""
        if self._certs is None:
            ok, field, log = self._request("CERTS")
            if not ok:
                raise BoxedHarnessError(f"CERTS failed: {log.decode(errors='replace')}")
            certs = []
            for row in _unb64(field).decode().splitlines():
                resource, business_id, serial, has_key, subject, issuer, not_after = row.split("\t")
                certs.append(
                    CertInfo(
                        resource,
                        business_id,
                        int(serial, 16),
                        has_key == "1",
                        subject,
                        issuer,
                        not_after,
                    )
                )
            self._certs = certs
        return list(self._certs)

    def signing_euis(self) -> set[str]:
        """Originator EUIs the tool can sign for (it looks the key up by RequestID)."""
        return {cert.eui for cert in self.certificates() if cert.has_key}


# Elements DUIS 5.4 has and the DUIS 5.1 schema tool.jar bundles has not: 8.2's Device
# Connectivity and 12.1's per-region DSPWANMatrixResponse. The real DCC Boxed 8.2 answer
# carries Connectivity (dccboxed-signing-tool src/test/resources/read-inventory-response-5.4.xml).
SCHEMA_5_4_ONLY = ("Connectivity", "DSPWANMatrixResponse")


def validate_54(tool: BoxedTool, body: bytes) -> None:
    """tool.jar's Validate; where its 5.1 schema refuses one of the DUIS 5.4 elements above
    (and only then), the signature is checked with gbdsp's verifier against the DSP
    certificate the tool bundles instead (callers check the 5.4 XSD themselves)."""
    verdict = tool.validate(body)
    if verdict.ok:
        return
    named = [e for e in SCHEMA_5_4_ONLY if f'":{e}}}' in verdict.message]
    assert verdict.code == VALIDATION_FAIL and "cvc-" in verdict.message and named, verdict.message
    from gbdsp.duis import signature, xml
    from gbdsp.duis.smki import DSP_CERTIFICATE, load_certificate, pki_file

    dsp = load_certificate(pki_file(DSP_CERTIFICATE))
    signature.verify(xml.parse(body), lambda issuer, serial: dsp)
