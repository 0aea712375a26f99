"""The database schema (SQLAlchemy Core). Migrations in `migrations/` create it."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

from gbdsp.store.types import DeviceIdType, UserIdType, UtcDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

AutoId = BigInteger().with_variant(Integer(), "sqlite")
"""SQLite only auto-increments an INTEGER PRIMARY KEY."""

parties = Table(
    "parties",
    metadata,
    Column("party_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("user_id", UserIdType(), primary_key=True, autoincrement=False),
    Column("party_id", String(64), ForeignKey("parties.party_id"), nullable=False),
    Column("name", String(200), nullable=False),
    Column("status", String(16), nullable=False),
    Column("response_url", String(500)),
    Column("email", String(200)),
)

user_roles = Table(
    "user_roles",
    metadata,
    Column(
        "user_id",
        UserIdType(),
        ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column("role", String(4), primary_key=True),
)

user_certificates = Table(
    "user_certificates",
    metadata,
    Column("issuer", String(200), primary_key=True),
    Column(
        "serial",
        String(49),
        primary_key=True,
        comment="decimal; RFC 5280 allows up to 20 octets (SMKI uses 16)",
    ),
    Column(
        "user_id",
        UserIdType(),
        ForeignKey("users.user_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    ),
    Column("public_key_der", LargeBinary, nullable=False),
    Column("not_before", UtcDateTime(), nullable=False),
    Column("not_after", UtcDateTime(), nullable=False),
)

agent_relationships = Table(
    "agent_relationships",
    metadata,
    Column(
        "agent_id",
        UserIdType(),
        ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
    Column(
        "supplier_id",
        UserIdType(),
        ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
    ),
)

cpl_entries = Table(
    "cpl_entries",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("manufacturer", String(30), nullable=False),
    Column("model", String(30), nullable=False),
    Column("hardware_version", String(30), nullable=False),
    Column("firmware_version", String(30), nullable=False),
    Column("device_type", String(8), nullable=False),
    Column("smets_variant", String(8), nullable=False),
    Column("status", String(12), nullable=False),
    UniqueConstraint(
        "manufacturer",
        "model",
        "hardware_version",
        "firmware_version",
        "device_type",
        "smets_variant",
        name="uq_cpl_entries_key",
    ),
)

devices = Table(
    "devices",
    metadata,
    Column("device_id", DeviceIdType(), primary_key=True, autoincrement=False),
    Column("device_type", String(8), nullable=False),
    Column("manufacturer", String(30), nullable=False),
    Column("model", String(30), nullable=False),
    Column("hardware_version", String(30), nullable=False),
    Column("firmware_version", String(30), nullable=False),
    Column("smets_chts_version", String(20), nullable=False),
    Column("status", String(24)),
    Column("status_date", UtcDateTime()),
    Column("import_mpxn", String(13), index=True),
    Column("uprn", String(12), index=True),
    Column("postcode", String(8), index=True),
    Column("chf_id", DeviceIdType(), index=True),
    Column("responsible_supplier", UserIdType(), index=True),
    Column("installing_supplier", UserIdType()),
    Column("network_operator", UserIdType()),
    Column("restricted", Boolean, nullable=False, server_default=false()),
    Column("csp_region", String(12)),
    Column(
        "left_pending",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="has had a status other than Pending (MP60 'left Pending once' reading)",
    ),
    # Pending-age queries and the housekeeping sweep walk this index in order (keyset).
    Index("ix_devices_status_status_date_device_id", "status", "status_date", "device_id"),
)

device_status_history = Table(
    "device_status_history",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("device_id", DeviceIdType(), nullable=False, index=True),
    Column("status", String(24), nullable=False),
    Column("effective_at", UtcDateTime(), nullable=False),
    Column("reason", String(120), nullable=False),
    Column("by_user", UserIdType()),
)

originator_counters = Table(
    "originator_counters",
    metadata,
    Column("user_id", UserIdType(), primary_key=True, autoincrement=False),
    Column(
        "last_counter",
        BigInteger,
        nullable=False,
        comment="counter - 2^63: DUIS counters are unsigned 64-bit, order is kept",
    ),
)

issued_transforms = Table(
    "issued_transforms",
    metadata,
    Column("request_id", String(80), primary_key=True),
    Column("user_id", UserIdType(), nullable=False),
    Column("srv", String(10), nullable=False),
    Column("issued_at", UtcDateTime(), nullable=False),
    Column("used_at", UtcDateTime()),
    Column("device_id", DeviceIdType()),
    Column("pre_command", LargeBinary, comment="the unsigned General-Signing APDU of CV 4"),
    Column(
        "device_state",
        JSON,
        comment="what the command sets on the device, applied when the CV 5/6/7 executes it",
    ),
)

gbcs_certificates = Table(
    "gbcs_certificates",
    metadata,
    Column("party", UserIdType(), primary_key=True, comment="EUI-64 of the User or the ACB"),
    Column("kind", String(8), primary_key=True, comment="ds, ka or pp-ka"),
    Column("serial", String(49), nullable=False, index=True, comment="decimal"),
    Column("certificate_der", LargeBinary, nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column(
        "channel",
        String(8),
        nullable=False,
        server_default="duis",
        comment="duis (to a User), csp or mail: how it leaves (domain/outbox.py)",
    ),
    Column(
        "response_id",
        String(80),
        unique=True,
        comment="duis: one message per ResponseID, never enqueued twice (NULL otherwise)",
    ),
    Column(
        "user_id",
        UserIdType(),
        comment="duis: pushed to this User's receive-response URL as it is at delivery time",
    ),
    Column(
        "body",
        LargeBinary,
        nullable=False,
        comment="duis: the signed DUIS message; csp, mail: the message's fields as JSON",
    ),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime()),
    Column("last_error", String(300)),
    # What the relay leases, in its order; the retention purge (migration 0019).
    Index(
        "ix_outbox_due",
        "channel",
        "next_attempt_at",
        "id",
        postgresql_where=text("delivered_at IS NULL"),
        sqlite_where=text("delivered_at IS NULL"),
    ),
    Index(
        "ix_outbox_delivered",
        "delivered_at",
        postgresql_where=text("delivered_at IS NOT NULL"),
        sqlite_where=text("delivered_at IS NOT NULL"),
    ),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("direction", String(8), nullable=False, comment="request or response"),
    Column("web_service", String(20)),
    Column("user_id", UserIdType()),
    Column("request_id", String(80), index=True),
    Column("srv", String(10)),
    Column("device_id", DeviceIdType()),
    Column("outcome", String(12), nullable=False, comment="DUIS code or HTTP status"),
    Column("detail", String(300)),
)

reference_version = Table(
    "reference_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False, comment="always 1"),
    Column("version", BigInteger, nullable=False),
    comment="bumped by triggers (migration 0017) in the same transaction as any change to "
    "Users, roles, agent relationships, certificates, revocations, Other User authorisations, "
    "the CPL or registration data: what the gateway's caches check on every request",
)

registrations = Table(
    "registrations",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("mpxn", String(13), nullable=False, index=True),
    Column("supplier_id", UserIdType(), nullable=False),
    Column("effective_from", UtcDateTime(), nullable=False),
    Column("applied_at", UtcDateTime(), comment="when the SMI took it over (None: not yet due)"),
    Column("received_at", UtcDateTime(), nullable=False),
    Index("ix_registrations_due", "applied_at", "effective_from"),
)

wan_hubs = Table(
    "wan_hubs",
    metadata,
    Column("chf_id", DeviceIdType(), primary_key=True, autoincrement=False),
    Column("coverage", Boolean, nullable=False, comment="SM WAN reaches this premises"),
)

wan_han_log = Table(
    "wan_han_log",
    metadata,
    Column("device_id", DeviceIdType(), primary_key=True, autoincrement=False),
    Column("chf_id", DeviceIdType(), nullable=False, index=True),
    Column(
        "install_code_ok",
        Boolean,
        nullable=False,
        comment="whether the install code given matched the device's own; the code "
        "itself is never stored",
    ),
)

wan_joins = Table(
    "wan_joins",
    metadata,
    Column("device_id", DeviceIdType(), primary_key=True, autoincrement=False),
    Column("other_id", DeviceIdType(), primary_key=True, autoincrement=False),
)

device_states = Table(
    "device_states",
    metadata,
    Column("device_id", DeviceIdType(), primary_key=True, autoincrement=False),
    Column(
        "state",
        JSON,
        nullable=False,
        comment="what set commands changed on the emulated device (wan/device_state.py): "
        "the values in force and those a future-dated command sets at its time",
    ),
    Column("updated_at", UtcDateTime(), nullable=False),
)

housekeeping_runs = Table(
    "housekeeping_runs",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("rule", String(200), nullable=False),
    Column("removed", Integer, nullable=False, server_default="0"),
)

housekeeping_archive = Table(
    "housekeeping_archive",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("device_id", DeviceIdType(), nullable=False, index=True),
    Column("device_type", String(8), nullable=False),
    Column("responsible_supplier", UserIdType()),
    Column("pending_since", UtcDateTime()),
    Column("removed_at", UtcDateTime(), nullable=False, index=True),
    Column("run_id", BigInteger, nullable=False),
    Column("rule", String(200), nullable=False),
    Column(
        "record",
        Text,
        nullable=False,
        comment="JSON: the device extract row and its whole status history",
    ),
)

ssi_tokens = Table(
    "ssi_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True, comment="SHA-256 hex; never the token"),
    Column("user_id", UserIdType(), comment="None: a DCC operator token"),
    Column("label", String(100), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), comment="refused from then on"),
    Column("revoked_at", UtcDateTime(), comment="`gbdsp ssi revoke`: refused from then on"),
)

restricted_mode_log = Table(
    "restricted_mode_log",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("device_id", DeviceIdType(), nullable=False, index=True),
    Column("restricted", Boolean, nullable=False),
    Column("by_user", UserIdType(), nullable=False),
    Column("at", UtcDateTime(), nullable=False),
    Column(
        "consumer_preference",
        String(300),
        comment="legacy plaintext; NULL once sealed (gbdsp init seals old rows)",
    ),
    Column(
        "preference_sealed",
        LargeBinary,
        comment="the consumer's words, encrypted (Fernet): personal data",
    ),
    Column("reasonable_steps", Boolean, nullable=False),
)

wan_restricted = Table(
    "wan_restricted",
    metadata,
    Column("device_id", DeviceIdType(), primary_key=True, autoincrement=False),
    Column("restricted", Boolean, nullable=False),
    Column("since", UtcDateTime(), nullable=False),
    comment="the emulated CSP's own record of Restricted mode (its service desk view)",
)

alert_log = Table(
    "alert_log",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("at", UtcDateTime(), nullable=False, index=True),
    Column("device_id", DeviceIdType(), nullable=False, index=True),
    Column("alert_code", String(4), nullable=False),
    Column("delivered_to", UserIdType()),
    Column(
        "diagnostics_only",
        Boolean,
        nullable=False,
        comment="true: held back by Restricted mode (MP169), kept for triage only",
    ),
)

install_code_requests = Table(
    "install_code_requests",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("device_id", DeviceIdType(), nullable=False, index=True),
    Column("requester", UserIdType(), nullable=False, index=True),
    Column("assignee", UserIdType(), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("raised_at", UtcDateTime(), nullable=False),
    Column("due", String(10), nullable=False, comment="ISO date: the last Working Day"),
    Column("answered_at", UtcDateTime()),
    Column("closed_at", UtcDateTime()),
    Column(
        "backlog",
        Boolean,
        nullable=False,
        server_default=false(),
        comment="raised before the obligation applied: tracked, never an SLA breach",
    ),
    Column("code_sealed", LargeBinary, comment="the install code, encrypted (Fernet)"),
    Column("note", String(300)),
    Column("reminded_at", UtcDateTime(), comment="the reminder job mailed the assignee"),
    Column("escalated_at", UtcDateTime(), comment="the reminder job reported it overdue"),
)

portal_accounts = Table(
    "portal_accounts",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True, comment="what the person signs in as"),
    Column(
        "user_id",
        UserIdType(),
        ForeignKey("users.user_id", ondelete="CASCADE"),
        nullable=False,
        index=True,
        comment="the DUIS User whose view the person gets",
    ),
    Column("password_hash", String(200), nullable=False, comment="argon2id; never the password"),
    Column("created_at", UtcDateTime(), nullable=False),
)

portal_sessions = Table(
    "portal_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True, comment="SHA-256 hex; never the token"),
    Column("account_id", BigInteger, nullable=False, index=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

portal_login_attempts = Table(
    "portal_login_attempts",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("client", String(64), nullable=False, comment="remote address"),
    Column("at", UtcDateTime(), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index("ix_portal_login_attempts_name_at", "name", "at"),
    Index("ix_portal_login_attempts_client_at", "client", "at"),
)

job_leases = Table(
    "job_leases",
    metadata,
    Column(
        "name", String(64), primary_key=True, comment="the job, as declared in services/jobs.py"
    ),
    Column(
        "schedule",
        String(200),
        nullable=False,
        comment="the schedule next_run was computed from (a new one resets next_run)",
    ),
    Column("next_run", UtcDateTime(), nullable=False),
    Column(
        "generation",
        Integer,
        nullable=False,
        server_default="0",
        comment="bumped by each take: the compare-and-set token",
    ),
    Column("leased_by", String(200), comment="the runner (host, pid) while a run holds it"),
    Column("lease_until", UtcDateTime(), comment="renewed while running; expired = lost"),
    Column("last_started", UtcDateTime()),
    Column("last_finished", UtcDateTime()),
    Column("last_outcome", String(16), comment="ok, failed, stopped"),
    Column("last_detail", String(300), comment="the run's summary, or its error"),
    Column("last_success", UtcDateTime()),
    Column("last_duration_seconds", Float),
    Column("runs_ok", Integer, nullable=False, server_default="0"),
    Column("runs_failed", Integer, nullable=False, server_default="0"),
    Column("runs_stopped", Integer, nullable=False, server_default="0"),
    Column(
        "runs_lost",
        Integer,
        nullable=False,
        server_default="0",
        comment="runs whose runner died: their lease expired and was taken over",
    ),
)

revoked_certificates = Table(
    "revoked_certificates",
    metadata,
    Column("issuer", String(200), primary_key=True),
    Column("serial", String(49), primary_key=True, comment="decimal, as user_certificates"),
    Column("revoked_at", UtcDateTime(), nullable=False),
    comment="XML-signing certificates refused at once on every worker (docs/security.md); "
    "kept apart from user_certificates so re-adding a certificate does not unrevoke it",
)

ou_authorisations = Table(
    "ou_authorisations",
    metadata,
    Column(
        "user_id",
        UserIdType(),
        ForeignKey("users.user_id", ondelete="CASCADE"),
        primary_key=True,
        autoincrement=False,
        comment="the Other User",
    ),
    Column(
        "chf_id",
        DeviceIdType(),
        primary_key=True,
        autoincrement=False,
        comment="the premises, by the CHF of its Smart Metering System",
    ),
    Column("granted_at", UtcDateTime(), nullable=False),
    comment="premises whose Energy Consumer authorised this Other User (SEC I1; docs/security.md)",
)

portal_sign_in_counters = Table(
    "portal_sign_in_counters",
    metadata,
    Column(
        "name",
        String(100),
        primary_key=True,
        comment="account name; '' for the address-wide counter",
    ),
    Column("client", String(64), primary_key=True, comment="remote address"),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("last_failure_at", UtcDateTime()),
    Column("locked_until", UtcDateTime()),
    comment="the sign-in limit, one row per (account, address): locked while it is checked",
)

dcc_schedules = Table(
    "dcc_schedules",
    metadata,
    Column(
        "schedule_id", AutoId, primary_key=True, autoincrement=True, comment="DUIS DSPScheduleID"
    ),
    Column(
        "user_id",
        UserIdType(),
        ForeignKey("users.user_id"),
        nullable=False,
        comment="the User that created it; responses go to it",
    ),
    Column("device_id", DeviceIdType(), nullable=False, index=True),
    Column("srv", String(16), nullable=False, comment="the DCC Scheduled SRV variant"),
    Column(
        "details",
        LargeBinary,
        nullable=False,
        comment="the sr:DSPSchedule element as received (5.2 returns it)",
    ),
    Column("frequency", String(16), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("at_time", String(16), nullable=False, comment="HH:MM:SS UTC of each occurrence"),
    Column("next_run_at", UtcDateTime(), nullable=False, index=True),
    Column("runs", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime(), nullable=False),
)
