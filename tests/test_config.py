import logging
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from gbdsp import config
from gbdsp.config import ConfigError
from gbdsp.domain.devices import DeviceType
from gbdsp.domain.rules import rules_on
from gbdsp.domain.working_days import Calendar


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


def test_the_default_file_writes_every_setting_of_every_section() -> None:
    """Generated from the settings (`default_toml`): a new setting cannot be left out."""
    written = tomllib.loads(config.default_toml(7))

    def keys(model: type[BaseModel], table: dict[str, Any], where: str) -> None:
        assert set(table) == set(model.model_fields), where
        for name, info in model.model_fields.items():
            kind = info.annotation
            if isinstance(kind, type) and issubclass(kind, BaseModel):
                keys(kind, table[name], f"{where}.{name}")

    keys(config.Config, written, "gbdsp.toml")
    assert written["wan"]["seed"] == 7
    assert "# MP39: Registered Supplier Agents" in config.default_toml(7)


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
    settings = c.rule_settings()
    assert "mp60" not in rules_on(settings, date(2030, 1, 1)).in_force()
    assert "mp121" not in rules_on(settings, date(2027, 3, 31)).in_force()
    assert "mp121" in rules_on(settings, date(2027, 4, 1)).in_force()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[server\n", "not valid TOML"),
        ("[server]\nport = 'eighty'\n", "server.port: Input should be a valid integer"),
        ("[modifications.mp999]\nenabled = true\n", "modifications.mp999: Extra inputs"),
        (
            '[modifications.mp60]\nexcluded_types = ["TOASTER"]\n',
            "modifications.mp60: Value error, unknown device type 'TOASTER'",
        ),
        (
            '[install_codes]\ncalendar = "mars"\n',  # an old key is checked in its new place
            "modifications.mp121: Value error, unknown working-day calendar 'mars'",
        ),
    ],
)
def test_bad_files_are_named_with_the_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "gbdsp.toml").write_text(text)
    with pytest.raises(ConfigError, match=message):
        config.load(tmp_path, environ={})


def test_each_modifications_settings_are_in_its_own_section(tmp_path: Path) -> None:
    (tmp_path / "gbdsp.toml").write_text(
        '[modifications.mp60]\nmonths = 24\nexcluded_types = ["CHF"]\n'
        '[modifications.mp121]\nsla_working_days = 5\ncalendar = "scotland"\n'
        '[modifications.mp169]\nallowed_srvs = ["4.8.1"]\nallowed_alert_codes = ["8f01"]\n'
        "[housekeeping.without_mp60]\nmonths = 18\n"
    )
    settings = config.load(tmp_path, environ={}).rule_settings()
    assert (settings.mp60.rule.months, settings.mp60.rule.excluded_types) == (
        24,
        frozenset({DeviceType.CHF}),
    )
    assert (settings.mp60.rule.name, settings.mp60.baseline.months) == ("MP60", 18)
    assert (settings.mp121.sla_working_days, settings.mp121.calendar) == (5, Calendar.SCOTLAND)
    assert settings.mp169.allowed_srvs == {"4.8.1"} and settings.mp169.allowed_alerts == {"8F01"}


OLD_FILE = """
[housekeeping.with_mp60]
months = 24
[restricted_mode]
allowed_alert_codes = ["8F01"]
[install_codes]
sla_working_days = 5
escalation_address = "panel@example.org"
"""


def test_old_sections_of_the_file_still_work_with_a_warning_naming_the_new_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "gbdsp.toml").write_text(OLD_FILE)
    with caplog.at_level(logging.WARNING, logger="gbdsp.config"):
        c = config.load(tmp_path, environ={})
    m = c.modifications
    assert (m.mp60.months, m.mp60.excluded_types) == (24, ["CHF", "GPF"])  # the rest: defaults
    assert m.mp169.allowed_alert_codes == ["8F01"]
    assert (m.mp121.sla_working_days, m.mp121.escalation_address) == (5, "panel@example.org")
    assert caplog.messages == [
        "gbdsp.toml: housekeeping.with_mp60.months is deprecated: write it as "
        "modifications.mp60.months",
        "gbdsp.toml: install_codes.sla_working_days is deprecated: write it as "
        "modifications.mp121.sla_working_days",
        "gbdsp.toml: install_codes.escalation_address is deprecated: write it as "
        "modifications.mp121.escalation_address",
        "gbdsp.toml: restricted_mode.allowed_alert_codes is deprecated: write it as "
        "modifications.mp169.allowed_alert_codes",
    ]


def test_a_key_written_in_both_places_takes_the_new_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "gbdsp.toml").write_text(
        "[modifications.mp121]\nsla_working_days = 10\n[install_codes]\nsla_working_days = 5\n"
    )
    with caplog.at_level(logging.WARNING, logger="gbdsp.config"):
        c = config.load(tmp_path, environ={})
    assert c.modifications.mp121.sla_working_days == 10
    assert caplog.messages == [
        "gbdsp.toml: install_codes.sla_working_days is ignored: "
        "modifications.mp121.sla_working_days is set (and replaces it)"
    ]


def test_old_environment_variables_still_work_with_a_warning_naming_the_new_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config.write_default(tmp_path)  # the new sections: the old variables still override them
    with caplog.at_level(logging.WARNING, logger="gbdsp.config"):
        c = config.load(
            tmp_path,
            environ={
                "GBDSP_INSTALL_CODES__CALENDAR": "scotland",
                "GBDSP_HOUSEKEEPING__WITH_MP60__MONTHS": "48",
                "GBDSP_MODIFICATIONS__MP121__SLA_WORKING_DAYS": "7",
            },
        )
    m = c.modifications
    assert (m.mp121.calendar, m.mp121.sla_working_days, m.mp60.months) == ("scotland", 7, 48)
    assert sorted(caplog.messages) == [
        "GBDSP_HOUSEKEEPING__WITH_MP60__MONTHS is deprecated: set "
        "GBDSP_MODIFICATIONS__MP60__MONTHS",
        "GBDSP_INSTALL_CODES__CALENDAR is deprecated: set GBDSP_MODIFICATIONS__MP121__CALENDAR",
    ]


def test_a_new_variable_beats_the_old_one(tmp_path: Path) -> None:
    c = config.load(
        tmp_path,
        environ={
            "GBDSP_MODIFICATIONS__MP121__SLA_WORKING_DAYS": "7",
            "GBDSP_INSTALL_CODES__SLA_WORKING_DAYS": "5",
        },
    )
    assert c.modifications.mp121.sla_working_days == 7


def test_the_written_default_file_warns_of_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config.write_default(tmp_path)
    with caplog.at_level(logging.WARNING, logger="gbdsp.config"):
        config.load(tmp_path, environ={})
    assert caplog.messages == []


def test_old_sections_built_in_code_still_work(caplog: pytest.LogCaptureFixture) -> None:
    old = {"install_codes": {"sla_working_days": 5}, "housekeeping": {"batch_size": 10}}
    with caplog.at_level(logging.WARNING, logger="gbdsp.config"):
        c = config.Config.model_validate(old)
    assert (c.modifications.mp121.sla_working_days, c.housekeeping.batch_size) == (5, 10)
    assert old == {"install_codes": {"sla_working_days": 5}, "housekeeping": {"batch_size": 10}}
    assert caplog.messages == [
        "configuration: install_codes.sla_working_days is deprecated: write it as "
        "modifications.mp121.sla_working_days"
    ]
