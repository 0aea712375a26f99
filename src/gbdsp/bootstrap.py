"""The one place that wires real adapters: data directory, configuration, store, clock,
and the collaborators built on them.

The CLI, the web app, the tests and the simulator all get their `App` from here, and ask it
for the DSP's signing key, the sealer, the GBCS test world, the device emulator and the
gateway: each is built once per `App`, the same way for every edge (docs/architecture.md).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from gbdsp import config as config_module
from gbdsp.clock import Clock, SystemClock
from gbdsp.config import Config, ConfigError
from gbdsp.domain.errors import GbdspError
from gbdsp.duis.signature import SigningKey
from gbdsp.duis.smki import DSP_CERTIFICATE, DSP_KEY, make_signing_key, pki_file, read_file
from gbdsp.sealing import Sealer
from gbdsp.store import migrate

# Re-exported: the edges catch the database's errors without importing store/.
from gbdsp.store.errors import DatabaseError as DatabaseError
from gbdsp.store.store import Store

if TYPE_CHECKING:
    from gbdsp.gateway.outcomes import Outcome
    from gbdsp.gateway.pipeline import Gateway
    from gbdsp.gbcs_world import GbcsWorld
    from gbdsp.services.jobs import JobContext
    from gbdsp.wan.emulator import DeviceEmulator

DATA_ENV = "GBDSP_DATA"
DEFAULT_DATA_DIR = "gbdsp-data"


class NotInitialised(GbdspError):
    """The data directory or database has not been set up by `gbdsp init`."""


@dataclass
class App:
    """An opened data directory and what is built on it, each part once.

    Why one object: the gateway, the jobs, the portal and the CLI must sign with the same
    key, seal with the same master key and answer from the same GBCS world and emulator;
    building them here, lazily, keeps that true and keeps commands that need none of them
    (`gbdsp users list`) from paying for them."""

    data_dir: Path
    config: Config
    store: Store
    clock: Clock = field(default_factory=SystemClock)

    def close(self) -> None:
        self.store.close()

    def sealer(self) -> Sealer:
        """Seals secrets and personal data at rest with the data directory's master key."""
        return self._sealer

    def signing_key(self) -> SigningKey:
        """The DSP's XML-signing key: configured files, else the shipped DCC Boxed test pair."""
        return self._signing_key

    @cached_property
    def _sealer(self) -> Sealer:
        from gbdsp.keystore import KeyStore

        return Sealer(KeyStore(self.data_dir).master_secret())

    @cached_property
    def _signing_key(self) -> SigningKey:
        signing = self.config.signing
        if bool(signing.key_file) != bool(signing.certificate_file):
            raise ConfigError("[signing] needs both key_file and certificate_file, or neither")
        if signing.key_file:
            base = self.data_dir
            return make_signing_key(
                read_file(base / signing.key_file), read_file(base / signing.certificate_file)
            )
        return make_signing_key(pki_file(DSP_KEY), pki_file(DSP_CERTIFICATE))

    @cached_property
    def gbcs_world(self) -> GbcsWorld:
        """The GBCS test world of this data directory (its sealed secret), with the Users'
        GBCS certificates as registered in the database."""
        from gbdsp.gbcs_world import open_world
        from gbdsp.services.gbcs_parties import PartyDirectory

        return open_world(self.data_dir).with_parties(PartyDirectory(self.store))

    @cached_property
    def emulator(self) -> DeviceEmulator:
        """The SM WAN and its devices, answering in this world's GBCS."""
        from gbdsp.wan.emulator import DeviceEmulator

        return DeviceEmulator(self.config.wan, self.gbcs_world)

    def gateway(
        self,
        *,
        on_outcome: Callable[[Outcome], None] = lambda outcome: None,
        on_enqueued: Callable[[], None] = lambda: None,
    ) -> Gateway:
        """A DUIS gateway over this App's store, clock, key and emulator (the hooks are the
        Gateway's: metrics, and waking the relay)."""
        from gbdsp.gateway.pipeline import Gateway

        return Gateway(
            self.store,
            self.clock,
            self.signing_key(),
            self.config,
            wan=self.emulator,
            on_outcome=on_outcome,
            on_enqueued=on_enqueued,
        )

    def job_context(self) -> JobContext:
        """What the periodic jobs run with (services/jobs.py): DCC-scheduled occurrences
        answer in the GBCS the gateway's registry declares."""
        from gbdsp.gateway.registry import gbcs_builder
        from gbdsp.services.jobs import JobContext

        return JobContext(
            self.store, self.clock, self.config, self.signing_key, self.emulator, gbcs_builder
        )


def resolve_data_dir(given: str | Path | None) -> Path:
    """`--data`, else $GBDSP_DATA, else ./gbdsp-data: never a shared global location."""
    return Path(given or os.environ.get(DATA_ENV) or DEFAULT_DATA_DIR).absolute()


PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def secure_data_dir(data_dir: Path) -> None:
    """The data directory is its owner's alone: the directory 0700, every file in it (the
    SQLite database and its -wal and -shm, gbdsp.toml, keys) 0600. SQLite gives a new -wal
    and -shm the mode of the database file, so they stay private too."""
    data_dir.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    for path in [data_dir, *data_dir.rglob("*")]:
        if path.is_symlink():
            continue
        with contextlib.suppress(OSError):  # not ours to change: leave it as it is
            path.chmod(PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)


def _create_private(path: Path) -> None:
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))


def initialise(data_dir: Path, clock: Clock | None = None) -> App:
    """Create the data directory and configuration if absent, migrate the database, seal
    what older versions kept in clear, and make the directory private."""
    secure_data_dir(data_dir)
    config_module.write_default(data_dir)
    config = config_module.load(data_dir)
    url = config_module.database_url(config, data_dir)
    if not config.database.url:
        _create_private(data_dir / config_module.DATABASE_FILE)  # before SQLite makes it
    store = Store.open(url, migrate_schema=True)
    app = App(data_dir, config, store, clock or SystemClock())
    from gbdsp.services.restricted import seal_plaintext_preferences

    seal_plaintext_preferences(store, app.sealer())
    secure_data_dir(data_dir)
    return app


def open_app(data_dir: Path, clock: Clock | None = None) -> App:
    """Open an initialised data directory; refuse clearly if `gbdsp init` has not run."""
    if not (data_dir / config_module.CONFIG_FILE).is_file():
        hint = "run `gbdsp init` to create it" if data_dir.exists() else "run `gbdsp init` first"
        raise ConfigError(f"no {config_module.CONFIG_FILE} in {data_dir}: {hint} (or pass --data)")
    config = config_module.load(data_dir)
    url = config_module.database_url(config, data_dir)
    if (
        url.startswith("sqlite")
        and not (data_dir / config_module.DATABASE_FILE).exists()
        and not config.database.url
    ):
        raise NotInitialised(f"no database in {data_dir}: run `gbdsp init`")
    secure_data_dir(data_dir)
    store = Store.open(url)
    if not migrate.is_current(store.engine):
        store.close()
        raise NotInitialised("the database schema is missing or outdated: run `gbdsp init`")
    return App(data_dir, config, store, clock or SystemClock())
