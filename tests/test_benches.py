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
    spec.loader.exec_module(importlib.util.module_from_spec(spec))


@pytest.mark.slow
def test_small_bulk_import_bench_runs() -> None:
    result = subprocess.run([sys.executable, str(BENCH / "bulk_import.py"), "--devices", "600",
                             "--backends", "sqlite"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "devices/s" in result.stdout
