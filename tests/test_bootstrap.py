"""bootstrap.App builds each collaborator once and hands the same one to every edge: the
gateway, the jobs and the CLI answer from one GBCS world and sign with one key."""

from __future__ import annotations

from pathlib import Path

from gbdsp.bootstrap import initialise, open_app
from gbdsp.domain.ids import Eui64
from gbdsp.gateway.registry import gbcs_builder
from gbdsp.gbcs.keys import KeyUsage


def test_every_edge_gets_the_same_emulator_world_and_keys(tmp_path: Path) -> None:
    app = initialise(tmp_path / "data")
    try:
        assert app.emulator.gbcs is app.gbcs_world  # real GBCS, not stand-ins
        assert app.gateway().emulator is app.emulator
        assert app.gateway().gbcs is app.gbcs_world
        assert app.job_context().emulator is app.emulator
        assert app.job_context().builders is gbcs_builder  # scheduled runs answer in GBCS
        assert app.sealer() is app.sealer() and app.signing_key() is app.signing_key()
        device = Eui64(0x00DB123456789001)
        certificate = app.gbcs_world.device_certificate(device, KeyUsage.KA)
    finally:
        app.close()
    again = open_app(tmp_path / "data")
    try:  # the world is the data directory's: the same device keys after a restart
        assert again.gbcs_world.device_certificate(device, KeyUsage.KA) == certificate
    finally:
        again.close()
