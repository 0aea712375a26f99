from datetime import date
from pathlib import Path

import pytest

from gbdsp import config
from gbdsp.config import ConfigError


def test_defaults_work_without_a_file(tmp_path: Path) -> None:
    c = config.load(tmp_path, environ={})
    assert (c.server.host, c.server.port) == ("127.0.0.1", 8079)
    assert config.database_url(c, tmp_path) == f"sqlite:///{tmp_path / 'gbdsp.sqlite'}"


def test_the_written_default_file_is_the_defaults(tmp_path: Path) -> None:
    """All but the emulator seed, which each written file draws at random (issue 18)."""
    config.write_default(tmp_path)
    written = config.load(tmp_path, environ={})
    assert written.wan.seed != 1
    same_seed = written.wan.model_copy(update={"seed": 1})
    assert written.model_copy(update={"wan": same_seed}) == config.Config()


def test_environment_overrides_the_file(tmp_path: Path) -> None:
    config.write_default(tmp_path)
    c = config.load(
        tmp_path,
        environ={
            "GBDSP_SERVER__PORT": "9000",
            "GBDSP_MODIFICATIONS__MP60__ENABLED": "false",
            "GBDSP_MODIFICATIONS__MP121__EFFECTIVE_FROM": "2027-04-01",
            "GBDSP_DATA": "/ignored",
        },
    )
    assert c.server.port == 9000
    assert not c.modifications.mp60.in_force(date(2030, 1, 1))
    assert not c.modifications.mp121.in_force(date(2027, 3, 31))
    assert c.modifications.mp121.in_force(date(2027, 4, 1))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server\n", "not valid TOML"),
        ("[server]\nport = 'eighty'\n", "server.port: Input should be a valid integer"),
        ("[modifications.mp999]\nenabled = true\n", "modifications.mp999: Extra inputs"),
    ],
)
def test_bad_files_are_named_with_the_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "gbdsp.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        config.load(tmp_path, environ={})
