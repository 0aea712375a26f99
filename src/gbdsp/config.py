"""Configuration: one TOML file in the data directory, then environment overrides.

Environment variables `GBDSP_<SECTION>__<KEY>` override `[section] key` in the file
(for example `GBDSP_DATABASE__URL`, `GBDSP_SERVER__PORT`, `GBDSP_MODIFICATIONS__MP60__ENABLED`).
Keys that moved (`MOVED`) are still read from their old place, with a warning naming the new.
"""

from __future__ import annotations

import copy
import inspect
import ipaddress
import json
import logging
import os
import secrets
import textwrap
import tomllib
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from gbdsp.domain import rules
from gbdsp.domain.devices import DeviceType
from gbdsp.domain.errors import GbdspError
from gbdsp.domain.housekeeping import HousekeepingRule
from gbdsp.domain.rules import mp39, mp60, mp121, mp169, mp202
from gbdsp.domain.schedules import Schedule
from gbdsp.domain.working_days import Calendar

CONFIG_FILE = "gbdsp.toml"
DATABASE_FILE = "gbdsp.sqlite"
ENV_PREFIX = "GBDSP_"


class ConfigError(GbdspError):
    """The configuration file or an override is missing, corrupt or invalid."""


class _Section(BaseModel):
    # Attribute docstrings are the settings' descriptions: `default_toml` writes them out.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class DatabaseConfig(_Section):
    url: str = ""
    """SQLAlchemy URL. Empty: the SQLite file gbdsp.sqlite in the data directory.
    PostgreSQL: "postgresql+psycopg://postgres@127.0.0.1:5432/gbdsp"."""


class ServerConfig(_Section):
    """Where `gbdsp serve` listens (DUIS, the SSI API and the portal)."""

    host: str = "127.0.0.1"
    port: int = 8079
    workers: int = 1
    """Processes serving one database (PostgreSQL scales with them; SQLite has one writer)."""
    gateway_threads: int = 0
    """Threads per process running DUIS requests; 0 = none on SQLite (each request runs on
    the event loop), 4 on PostgreSQL (measured best on a 2-core machine, bench/wire.py)."""
    min_free_disk_mb: int = Field(default=64, ge=0)
    """With SQLite, /health says unavailable when the data directory's disk has less free."""
    trusted_proxies: list[str] = []
    """Addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For is believed;
    empty: the peer address is the client, whatever a header says (docs/security.md)."""
    metrics_token: str = ""
    """Empty: /metrics answers loopback clients only; set: a bearer token is needed."""
    access_log: bool = False
    """uvicorn's line per HTTP request on stderr. Off by default: it cost about 9% of a busy
    worker (docs/scaling.md), and every DUIS request is an audit row and every HTTP request
    counted in /metrics anyway."""

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxies(cls, value: Any) -> Any:
        """A list, or (from the environment) one comma-separated string; each entry an
        address or a CIDR network, checked here so a typo fails at start, not per request."""
        entries = (
            [v.strip() for v in value.split(",") if v.strip()] if isinstance(value, str) else value
        )
        for entry in entries if isinstance(entries, list) else []:
            try:
                ipaddress.ip_network(str(entry).strip(), strict=False)
            except ValueError as e:
                raise ValueError(f"{entry!r} is not an address or a network") from e
        return entries


class SmkiConfig(_Section):
    """The SMKI repository service (docs/gbcs.md): DCC Boxed serves it on port 8083."""

    enabled: bool = True
    host: str = ""
    """Listen address; empty: the one of [server]."""
    port: int = Field(default=8083, ge=0, le=65535)
    """0: do not serve it."""


class SigningConfig(_Section):
    """The DSP's XML-signing key and certificate; empty means the DCC Boxed test pair
    shipped in the package (90-B3-D5-1F-30-00-00-02, public test material)."""

    key_file: str = ""
    certificate_file: str = ""


class WanConfig(_Section):
    """The SM WAN and device emulator (stands in for the CSPs and the devices)."""

    seed: int = 1
    """Decides each device's own install code and every latency and failure draw. 1 only
    for a configuration built in code (tests); `gbdsp init` writes a random one per world
    (docs/security.md)."""
    latency_ms_min: int = 50
    latency_ms_max: int = 400
    failure_rate: float = 0.0
    """Share of commands that fail on the WAN (E20 no communication, E21 no response)."""


class WorldConfig(_Section):
    """How the DCC Boxed test Users are read (docs/test-worlds.md): `boxed` gives them the
    roles a DCC Boxed gives them, so every template's originator is eligible; `sec` keeps
    the SEC's one role per User ID."""

    profile: Literal["boxed", "sec"] = "boxed"


class RuleConfig(_Section):
    """A housekeeping rule (domain/housekeeping.py): Pending longer than `months` goes."""

    months: int
    excluded_types: list[str] = []
    only_after_left_pending: bool = False

    @model_validator(mode="after")
    def _types_parse(self) -> RuleConfig:
        """An unknown device type stops start-up, not the night's run."""
        for name in self.excluded_types:
            DeviceType.parse(name)
        return self

    def rule(self, name: str) -> HousekeepingRule:
        return HousekeepingRule(
            self.months,
            frozenset(DeviceType.parse(t) for t in self.excluded_types),
            self.only_after_left_pending,
            name,
        )


class HousekeepingConfig(_Section):
    """Housekeeping of Pending devices: the rule without MP60 (AC 7.2 as it stands; MP60's
    own rule is in `[modifications.mp60]`), and how the sweep runs."""

    without_mp60: RuleConfig = RuleConfig(months=12)
    """AC 7.2's rule as it stands, in force while MP60 is not."""
    batch_size: int = 1000
    """Devices per transaction: the gateway may wait for one batch (bench/housekeeping.py)."""


class RestrictedModeConfig(_Section):
    """MP169: what still reaches a restricted device, and which of its alerts reach Users.
    Empty `allowed_srvs` means the default list (docs/restricted-mode.md)."""

    allowed_srvs: list[str] = []
    allowed_alert_codes: list[str] = ["8F01", "8F0A", "8F0C", "8F1C", "8F2A", "8F33", "8F72"]
    """Alert codes still delivered from a Restricted device. 8F1C and 8F72 (Firmware
    Verification Failed / Successful) are the receipts of a firmware update, which MP169
    keeps sending (seed 001: "Critical, Security and Safety Alerts and Firmware updates")."""


class MailConfig(_Section):
    """The SMTP server notifications go through (MP121)."""

    host: str = "127.0.0.1"
    port: int = 25
    sender: str = "gbdsp@localhost"


class InstallCodesConfig(_Section):
    """MP121: the answer is due within this many Working Days (10 in the legal text; 5 was
    the first proposal) of this calendar (docs/install-codes.md)."""

    sla_working_days: int = 10
    calendar: str = "england-and-wales"
    remind_working_days: int = Field(default=2, ge=0)
    """The reminder job mails the installer when an open request is due within this many
    Working Days (once per request)."""
    escalation_address: str = ""
    """Also told of every newly overdue request (for example the Panel's mailbox); empty:
    only the two suppliers are."""

    @model_validator(mode="after")
    def _calendar_parses(self) -> InstallCodesConfig:
        """An unknown calendar stops start-up, not the first request."""
        Calendar.parse(self.calendar)
        return self


class JobConfig(_Section):
    """One periodic job of `gbdsp serve` (docs/jobs.md): a cron expression (minute hour day
    month weekday; six fields put seconds first) in `[jobs] timezone`."""

    schedule: str
    enabled: bool = True


class HousekeepingJob(JobConfig):
    schedule: str = "0 2 * * *"
    """Nightly: the sweep's batches make the gateway wait at most one batch."""


class RegistrationJob(JobConfig):
    schedule: str = "*/5 * * * *"


class RetentionJob(JobConfig):
    schedule: str = "17 * * * *"
    """Hourly: audit rows and delivered outbox messages past [retention] (issue 18)."""


class InstallCodeRemindersJob(JobConfig):
    schedule: str = "0 9-17 * * 1-5"
    """Hourly in working hours; each request is reminded and escalated once."""


class DccSchedulesJob(JobConfig):
    schedule: str = "* * * * *"
    """Every minute: DCC-scheduled SRVs (DUIS 5.1) run within a minute of their time."""


class JobsConfig(_Section):
    """The periodic jobs `gbdsp serve` runs, each once per due time across every worker and
    server on the database (a lease row per job, docs/jobs.md)."""

    timezone: str = "Europe/London"
    poll_seconds: float = Field(default=30.0, gt=0)
    """How often each worker looks for a due job (it also wakes at the next due time)."""
    lease_seconds: float = Field(default=300.0, gt=0)
    """A running job renews its lease every third of this; a runner killed mid-run leaves
    the job to be taken over this long after its last renewal."""
    housekeeping: HousekeepingJob = HousekeepingJob()
    """The AC 7.2 / MP60 sweep of devices Pending too long."""
    registration: RegistrationJob = RegistrationJob()
    """Change of supplier: take over the registration data now in effect."""
    install_code_reminders: InstallCodeRemindersJob = InstallCodeRemindersJob()
    """MP121: reminders before the due date, escalation after."""
    retention: RetentionJob = RetentionJob()
    """Purge the audit log and delivered messages past [retention]."""
    dcc_schedules: DccSchedulesJob = DccSchedulesJob()
    """DUIS 5.1 DCC-scheduled SRVs: run each due occurrence."""

    @model_validator(mode="after")
    def _schedules_parse(self) -> JobsConfig:
        """A bad expression or zone stops start-up, not the night's run."""
        for name in type(self).model_fields:
            job = getattr(self, name)
            if isinstance(job, JobConfig):
                Schedule.parse(job.schedule, self.timezone)
        return self

    def schedule(self, job: JobConfig) -> Schedule:
        return Schedule.parse(job.schedule, self.timezone)


class RetentionConfig(_Section):
    """How long the audit log and delivered outbox messages are kept (issue 18: junk from
    unauthenticated senders must not grow the database without end). 0 = keep for ever."""

    audit_days: int = Field(default=400, ge=0)
    """Audit rows older than this are deleted (400 days: a year of disputes, plus margin)."""
    outbox_days: int = Field(default=30, ge=0)
    """Delivered outbox messages older than this are deleted; undelivered ones never."""
    batch_size: int = Field(default=5000, ge=1)
    """Rows per transaction, so the gateway never waits long behind a purge."""


class SsiConfig(_Section):
    """The SSI API's limits (docs/security.md, "SSI API" and "Limits")."""

    token_days: int = 90
    """A new API token expires this many days after it is made."""
    max_body_bytes: int = 1_048_576
    """Larger request bodies are refused with 413 as soon as they pass this size."""


class Modification(_Section):
    """A SEC modification's switch (domain/rules/): on or off, in force from a date."""

    enabled: bool = True
    effective_from: date = date(2020, 1, 1)

    def switch(self) -> rules.Switch:
        return rules.Switch(self.enabled, self.effective_from)


class Mp60Config(Modification, RuleConfig):
    """MP60's switch and its housekeeping rule (AC 7.2's stays in [housekeeping])."""

    months: int = 36
    excluded_types: list[str] = ["CHF", "GPF"]
    only_after_left_pending: bool = False
    """true: Bryt Energy's reading (docs/housekeeping.md)."""


class Mp121Config(Modification, InstallCodesConfig):
    """MP121's switch, its SLA and how gbdsp chases it."""


class Mp169Config(Modification, RestrictedModeConfig):
    """MP169's switch and its allow-lists."""


class Modifications(_Section):
    """The SEC modifications (domain/rules/), each with its switch and its own settings."""

    mp39: Modification = Modification()
    """MP39: Registered Supplier Agents may send CH returns (8.14.3, 8.14.4)."""
    mp60: Mp60Config = Mp60Config()
    """MP60: housekeeping removes devices Pending longer than `months` (AC 7.2's rule before)."""
    mp121: Mp121Config = Mp121Config()
    """MP121: install codes are due within `sla_working_days` Working Days of `calendar`:
    england-and-wales, scotland, northern-ireland or any-part-of-uk."""
    mp169: Mp169Config = Mp169Config()
    """MP169 Restricted mode: the SRVs still sent to a restricted device (empty: the default
    list of docs/restricted-mode.md) and the alert codes still delivered from one."""
    mp202: Modification = Modification()
    """MP202: one PPMID model in SMETS1 and SMETS2+ systems."""


assert tuple(Modifications.model_fields) == rules.NAMES, "one section per modification"


class Config(_Section):
    database: DatabaseConfig = DatabaseConfig()
    server: ServerConfig = ServerConfig()
    smki: SmkiConfig = SmkiConfig()
    signing: SigningConfig = SigningConfig()
    wan: WanConfig = WanConfig()
    housekeeping: HousekeepingConfig = HousekeepingConfig()
    mail: MailConfig = MailConfig()
    jobs: JobsConfig = JobsConfig()
    retention: RetentionConfig = RetentionConfig()
    ssi: SsiConfig = SsiConfig()
    modifications: Modifications = Modifications()
    world: WorldConfig = WorldConfig()

    @model_validator(mode="before")
    @classmethod
    def _old_sections(cls, data: Any) -> Any:
        """Settings of the old shape built in code, not read from a file, still work too."""
        if isinstance(data, dict) and any(_old_section(data, old) for old, _ in MOVED):
            data = copy.deepcopy(data)
            _move_old_sections(data, "configuration")
        return data

    def rule_settings(self) -> rules.Settings:
        """What `rules.rules_on` needs: each modification's settings as domain values.
        Built on each call (a few microseconds): long-lived callers keep the result."""
        m = self.modifications
        return rules.Settings(
            mp39=mp39.Settings(m.mp39.switch()),
            mp60=mp60.Settings(
                m.mp60.switch(),
                rule=m.mp60.rule("MP60"),
                baseline=self.housekeeping.without_mp60.rule("AC 7.2"),
            ),
            mp121=mp121.Settings(
                m.mp121.switch(),
                m.mp121.sla_working_days,
                Calendar.parse(m.mp121.calendar),
                m.mp121.remind_working_days,
                m.mp121.escalation_address,
            ),
            mp169=mp169.Settings(
                m.mp169.switch(),
                frozenset(m.mp169.allowed_srvs) or mp169.default_allowed_srvs(),
                frozenset(c.upper() for c in m.mp169.allowed_alert_codes),
            ),
            mp202=mp202.Settings(m.mp202.switch()),
        )


FILE_HEADER = (
    "# gbdsp configuration (docs/configuration.md): every setting at its default. Every key\n"
    "# may be overridden by GBDSP_<SECTION>__<KEY>, for example GBDSP_SERVER__PORT."
)


def default_toml(seed: int) -> str:
    """The gbdsp.toml `gbdsp init` writes: every setting of `Config` at its default, each
    section and key commented with its docstring here, so the file cannot drift from the code.
    `seed`: the world's [wan] seed (docs/security.md: a public seed reveals install codes)."""
    lines = [FILE_HEADER]
    _write_section(lines, Config(wan=WanConfig(seed=seed)), (), None)
    return "\n".join(lines) + "\n"


def _write_section(
    lines: list[str], section: BaseModel, path: tuple[str, ...], doc: str | None
) -> None:
    fields = type(section).model_fields
    nested = [n for n in fields if isinstance(getattr(section, n), BaseModel)]
    # A modification's switch first, then its settings (pydantic lists base fields first).
    scalars = sorted((n for n in fields if n not in nested), key=lambda n: n not in SWITCH_KEYS)
    if path:
        lines.append("")
        lines.extend(_comment(doc or type(section).__doc__))
        if scalars:  # a section of sections only ([modifications]) needs no table of its own
            lines.append(f"[{'.'.join(path)}]")
    for name in scalars:
        lines.extend(_comment(fields[name].description))
        lines.append(f"{name} = {_toml_value(getattr(section, name))}")
    for name in nested:
        _write_section(lines, getattr(section, name), (*path, name), fields[name].description)


SWITCH_KEYS = frozenset(Modification.model_fields)


def _comment(doc: str | None) -> list[str]:
    if not doc:
        return []
    text = " ".join(inspect.cleandoc(doc).split())
    return textwrap.wrap(text, 92, initial_indent="# ", subsequent_indent="# ")


def _toml_value(value: object) -> str:
    """TOML for the kinds of values settings have (JSON's string escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML form for a setting of type {type(value).__name__}")


MOVED: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("housekeeping", "with_mp60"), ("modifications", "mp60")),
    (("install_codes",), ("modifications", "mp121")),
    (("restricted_mode",), ("modifications", "mp169")),
)
"""Sections whose keys moved into their modification's section: still read (with a
deprecation warning naming the new key), so existing gbdsp.toml files and GBDSP_*
variables keep working (docs/configuration.md)."""

log = logging.getLogger("gbdsp.config")


def load(data_dir: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Read `gbdsp.toml` from `data_dir` (defaults if absent) and apply overrides."""
    environ = os.environ if environ is None else environ
    path = data_dir / CONFIG_FILE
    raw: dict[str, Any] = {}
    if path.exists():
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"{path}: not valid TOML: {e}") from e
        _move_old_sections(raw, path.name)
    _apply_env(raw, environ)
    try:
        return Config.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {where}: {first['msg']}") from e


def write_default(data_dir: Path) -> Path:
    path = data_dir / CONFIG_FILE
    if not path.exists():  # 0600 from the start: the seed decides every install code, and
        # the file may hold a database password
        text = default_toml(secrets.randbits(63))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
    return path


def database_url(config: Config, data_dir: Path) -> str:
    return config.database.url or f"sqlite:///{(data_dir / DATABASE_FILE).resolve()}"


def _apply_env(raw: dict[str, Any], environ: Mapping[str, str]) -> None:
    overrides = []
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        *path, key = name[len(ENV_PREFIX) :].lower().split("__")
        moved = _moved_env(name, path, key)
        overrides.append((moved is None, name, moved or path, key, value))
    for _, name, path, key, value in sorted(overrides):  # a new name beats an old one
        node = raw
        for part in path:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{name}: {part} is not a section")
        node[key] = value


def _move_old_sections(raw: dict[str, Any], source: str) -> None:
    """Move each key of a `MOVED` section of the file to its new section; a key also
    written in the new place keeps the new value."""
    for old, new in MOVED:
        table = _old_section(raw, old)
        if table is None:
            continue
        parent = _section(raw, list(old[:-1]))
        assert parent is not None
        del parent[old[-1]]
        target = raw
        for part in new:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ConfigError(f"{source}: {part} is not a section")
        for key, value in table.items():
            was, now = ".".join((*old, key)), ".".join((*new, key))
            if key in target:
                log.warning("%s: %s is ignored: %s is set (and replaces it)", source, was, now)
            else:
                log.warning("%s: %s is deprecated: write it as %s", source, was, now)
                target[key] = value


def _moved_env(name: str, path: list[str], key: str) -> list[str] | None:
    """The section a GBDSP_ variable of a `MOVED` section now sets, or None."""
    for old, new in MOVED:
        if tuple(path) == old:
            log.warning(
                "%s is deprecated: set %s", name, ENV_PREFIX + "__".join((*new, key)).upper()
            )
            return list(new)
    return None


def _old_section(raw: dict[str, Any], old: tuple[str, ...]) -> dict[str, Any] | None:
    parent = _section(raw, list(old[:-1]))
    table = parent.get(old[-1]) if parent is not None else None
    return table if isinstance(table, dict) else None


def _section(raw: dict[str, Any], path: list[str]) -> dict[str, Any] | None:
    node: Any = raw
    for part in path:
        node = node.get(part) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None
