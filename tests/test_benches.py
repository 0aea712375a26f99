"""The benchmarks stay runnable: each imports, and the smallest runs finish."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"


@pytest.mark.parametrize("script", sorted(p.name for p in BENCH.glob("*.py")))
def test_bench_script_imports(script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location(script[:-3], BENCH / script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # dataclasses look themselves up
    spec.loader.exec_module(module)


@pytest.mark.slow
def test_small_bulk_import_bench_runs() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / "bulk_import.py"), "--devices", "600", "--backends", "sqlite"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "devices/s" in result.stdout


def test_load_generator_refuses_a_target_off_loopback(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "load.py"),
            "run",
            "--data",
            str(tmp_path),
            "--premises",
            "10",
            "--target",
            "http://192.0.2.10:8080",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "only targets loopback" in result.stderr


@pytest.mark.slow
def test_small_load_run_answers_the_mix(tmp_path: Path) -> None:
    data = tmp_path / "data"
    load = [sys.executable, str(BENCH / "load.py")]
    subprocess.run(
        [*load, "prepare", "--data", str(data), "--devices", "300"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    result = subprocess.run(
        [
            *load,
            "run",
            "--data",
            str(data),
            "--premises",
            "60",
            "--workers",
            "1",
            "--rate",
            "20",
            "--duration",
            "3",
            "--receiver",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "achieved" in result.stdout
    assert "8.2 by device          I0 " in result.stdout
    assert "4.1.1 other's ESME     E4 " in result.stdout
    assert "outbox:" in result.stdout


@pytest.mark.slow
def test_a_short_wire_run_prints_the_figures_against_the_echo_floor() -> None:
    import shutil

    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (bench/wire.py installs it with apt-get)")
    result = subprocess.run(
        [
            sys.executable,
            str(BENCH / "wire.py"),
            *("--backends", "sqlite", "--workers", "1", "--users", "2"),
            *("--seconds", "1", "--warmup", "1", "--max-rate", "2000", "--pipeline", "1"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    duis = next(line for line in lines if line.strip().startswith("8.2") and "x echo" in line)
    assert "not I0" not in duis and "ran out" not in duis, result.stdout
    assert "SQL/req" in duis and any(line.strip().startswith("echo") for line in lines)
