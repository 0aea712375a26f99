"""`gbdsp simulate` end to end: examples at reduced size, and the same seed, the same report."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gbdsp.cli import cli

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.toml"))


def test_every_seed_question_has_an_example() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"mp60-housekeeping", "mp121-install-codes", "mp169-restricted-mode",
            "mp202-ppmid", "combined"} <= names


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_runs_at_reduced_size(example: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["simulate", str(example), "--scale", "0.002",
                                      "-o", str(tmp_path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "2,000 premises" in result.output
    report = (tmp_path / "report.html").read_text()
    assert report.count("<svg") >= 4 and "Assumptions" in report
    lines = (tmp_path / "daily.csv").read_text().splitlines()
    assert lines[0].startswith("ruleset,date,day,removed,")
    rulesets = {line.split(",")[0] for line in lines[1:]}
    assert len(rulesets) >= 2
    assert len(lines) - 1 == len(rulesets) * 365


def _simulate(example: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gbdsp", "simulate", str(example), "-o",
                           str(out), "--scale", "0.002", *extra],
                          capture_output=True, text=True, check=False)


@pytest.mark.slow
def test_the_same_seed_gives_the_same_report(tmp_path: Path) -> None:
    example = next(p for p in EXAMPLES if p.stem == "mp202-ppmid")
    for name in ("one", "two"):
        done = _simulate(example, tmp_path / name)
        assert done.returncode == 0, done.stderr
    for name in ("daily.csv", "summary.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()

    def without_timestamp(path: Path) -> list[str]:
        return [line for line in path.read_text().splitlines() if "Made " not in line]

    assert without_timestamp(tmp_path / "one" / "report.html") == \
        without_timestamp(tmp_path / "two" / "report.html")
    other = _simulate(example, tmp_path / "three", "--seed", "99")
    assert other.returncode == 0
    assert (tmp_path / "three" / "daily.csv").read_bytes() != \
        (tmp_path / "one" / "daily.csv").read_bytes()


def test_a_bad_scenario_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\n[fleet]\npremises = -5\n')
    done = subprocess.run([sys.executable, "-m", "gbdsp", "simulate", str(bad)],
                          capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 2
    message = " ".join(done.stderr.split())  # rich wraps long lines
    assert "fleet.premises: Input should be greater than or equal to 1" in message
    assert "ruleset: Field required" in message
    assert "Traceback" not in done.stderr
