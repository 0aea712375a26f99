"""`gbdsp simulate` end to end: examples at reduced size, and the same seed, the same report."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gbdsp.cli import cli
from gbdsp.sim import examples

SHIPPED = Path(__file__).parents[2] / "src" / "gbdsp" / "data" / "examples"
EXAMPLES = sorted(SHIPPED.glob("*.toml"))


def test_every_seed_question_has_an_example() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {
        "mp60-housekeeping",
        "mp121-install-codes",
        "mp169-restricted-mode",
        "mp202-ppmid",
        "mp39-ch-returns",
        "combined",
    } <= names
    assert examples.names() == sorted(names)


def test_list_examples_names_each_with_its_question() -> None:
    result = CliRunner().invoke(cli, ["simulate", "--list-examples"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for path in EXAMPLES:
        assert path.stem in lines
        about = examples.get(path.stem).scenario().scenario
        assert f"    {about.name}" in lines


@pytest.mark.parametrize("name", [p.stem for p in EXAMPLES])
def test_example_runs_by_name_at_reduced_size(name: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli, ["simulate", "--example", name, "--scale", "0.002", "-o", str(tmp_path), "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "2,000 premises" in result.output
    report = (tmp_path / "report.html").read_text()
    assert report.count("<svg") >= 4 and "Assumptions" in report
    assert "Scaled run:" in report and "The answer" in report
    for table in ("summary", "rulesets", "costs", "appraisal", "calibration", "assumptions"):
        assert (tmp_path / f"{table}.csv").read_text().count("\n") >= 3, table
    lines = (tmp_path / "daily.csv").read_text().splitlines()
    assert lines[0].startswith("ruleset,seed,date,day,removed,")
    rulesets = {line.split(",")[0] for line in lines[1:]}
    assert len(rulesets) >= 2
    assert len(lines) - 1 == len(rulesets) * 365
    assert "docs/" not in report and ".md" not in report  # stands alone: nothing to follow
    assert "How the model works" in report


def _quick(text: str) -> str:
    """An example over 3 months after 6 of history, 600 premises (quick)."""
    text = re.sub(r"(?m)^months = \d+", "months = 3", text)
    text = re.sub(r"(?m)^history_months = \d+.*$", "", text)
    text = text.replace("[scenario]\n", "[scenario]\nhistory_months = 6\n", 1)
    return text.replace("premises = 1_000_000", "premises = 600")


def test_the_default_output_directory_is_named_after_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine.toml").write_text(_quick(examples.get("mp202-ppmid").text))
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["simulate", "mine.toml", "--quiet"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sim-mine" / "report.html").is_file()


def test_an_unknown_example_lists_the_known_ones(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gbdsp", "simulate", "--example", "mp61"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert "no example called 'mp61'" in message
    assert "the examples are: " + ", ".join(examples.names()) in message
    assert "Traceback" not in done.stderr and not list(tmp_path.iterdir())


@pytest.mark.parametrize("arguments", [[], ["--example", "combined", "FILE"]])
def test_exactly_one_of_a_file_and_an_example(
    arguments: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "FILE").write_text(examples.get("combined").text)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["simulate", *arguments])
    assert result.exit_code == 2
    assert "give either SCENARIO.toml or --example NAME" in " ".join(result.output.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["FILE"]


def test_print_gives_the_example_to_copy(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["simulate", "--example", "mp60-housekeeping", "--print"])
    assert result.exit_code == 0
    assert result.output == examples.get("mp60-housekeeping").text
    copy = tmp_path / "mine.toml"
    copy.write_text(_quick(result.output))
    done = CliRunner().invoke(cli, ["simulate", str(copy), "-o", str(tmp_path / "out"), "--quiet"])
    assert done.exit_code == 0, done.output
    assert "600 premises, 3 months" in done.output


def _simulate(example: Path, out: Path, *extra: str) -> None:
    result = CliRunner().invoke(
        cli, ["simulate", str(example), "-o", str(out), "--scale", "0.001", "--quiet", *extra]
    )
    assert result.exit_code == 0, result.output


def test_the_same_seed_gives_the_same_report(tmp_path: Path) -> None:
    example = tmp_path / "quick.toml"
    example.write_text(
        _quick(examples.get("combined").text).replace("premises = 600", "premises = 1_000_000")
    )
    for name in ("one", "two"):
        _simulate(example, tmp_path / name)
    for name in ("daily.csv", "summary.csv", "appraisal.csv", "calibration.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()

    def without_timestamp(path: Path) -> list[str]:
        return [line for line in path.read_text().splitlines() if "Made " not in line]

    assert without_timestamp(tmp_path / "one" / "report.html") == without_timestamp(
        tmp_path / "two" / "report.html"
    )
    _simulate(example, tmp_path / "three", "--seed", "99")
    assert (tmp_path / "three" / "daily.csv").read_bytes() != (
        tmp_path / "one" / "daily.csv"
    ).read_bytes()


def test_a_bad_scenario_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\n[fleet]\npremises = -5\n')
    done = subprocess.run(
        [sys.executable, "-m", "gbdsp", "simulate", str(bad)],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 2
    message = " ".join(done.stderr.split())  # rich wraps long lines
    assert "fleet.premises: Input should be greater than or equal to 1" in message
    assert "ruleset: Field required" in message
    assert "Traceback" not in done.stderr
