"""The wheel is the product: build it, install it with no extras into a fresh venv, and use it
in an empty directory the way the README says a new user does.

GBDSP_WHEEL=auto (default: run, but skip if the package index cannot be reached), required
(CI: any failure fails) or off. One module-scoped venv serves every test here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.test_restart import free_port

pytestmark = pytest.mark.slow
MODE = os.environ.get("GBDSP_WHEEL", "auto")
ROOT = Path(__file__).resolve().parents[2]

# Runs inside the fresh venv: import every module of the installed package, then `--help` of
# every command and group (in-process with click's runner: one interpreter, not sixty).
_EVERY_MODULE_AND_COMMAND = """
import importlib, pkgutil, sys
import click
from click.testing import CliRunner
import gbdsp
from gbdsp.cli import cli

assert "site-packages" in gbdsp.__file__, gbdsp.__file__
names = [m.name for m in pkgutil.walk_packages(gbdsp.__path__, "gbdsp.")
         if ".migrations.versions." not in m.name and m.name != "gbdsp.__main__"]
for name in names:
    importlib.import_module(name)

def walk(command, path):
    yield path
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from walk(sub, [*path, name])

runner = CliRunner()
paths = list(walk(cli, []))
for path in paths:
    result = runner.invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, (path, result.output, result.exception)
print(len(names), "modules", len(paths), "commands")
"""


@dataclass
class Installed:
    bin: Path
    wheel: Path
    sdist: Path

    def run(
        self, *args: str, cwd: Path, timeout: float = 300, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {
            k: v for k, v in os.environ.items() if not k.startswith("GBDSP_") and k != "VIRTUAL_ENV"
        }
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["GBDSP_SMKI__PORT"] = "0"  # 8083 is shared by concurrent test runs
        return subprocess.run(
            list(args),
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            input=stdin,
        )


def _unavailable(reason: str) -> None:
    if MODE == "required":
        pytest.fail(f"GBDSP_WHEEL=required but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    if MODE == "off":
        pytest.skip("GBDSP_WHEEL=off")
    work = tmp_path_factory.mktemp("wheel")
    dist = work / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if built.returncode != 0:
        _unavailable(f"python -m build failed: {built.stderr[-2000:]}")
    wheel = next(dist.glob("gbdsp-*.whl"))
    sdist = next(dist.glob("gbdsp-*.tar.gz"))
    venv.create(work / "venv", with_pip=True)
    bin_dir = work / "venv" / "bin"
    pip = subprocess.run(
        [str(bin_dir / "pip"), "install", "--quiet", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if pip.returncode != 0:
        _unavailable(f"pip install of the wheel failed: {pip.stderr[-2000:]}")
    return Installed(bin_dir, wheel, sdist)


def test_runtime_dependencies_import_every_module_and_every_help(
    installed: Installed, tmp_path: Path
) -> None:
    result = installed.run(
        str(installed.bin / "python"), "-c", _EVERY_MODULE_AND_COMMAND, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-3000:]
    modules, _, commands, _ = result.stdout.split()
    assert int(modules) > 80 and int(commands) > 40


def test_license_ships_in_the_wheel_and_the_sdist_carries_the_tests(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        licences = [n for n in wheel.namelist() if n.endswith("licenses/LICENSE")]
        assert licences, "no LICENSE in the wheel"
        assert b"Apache License" in wheel.read(licences[0])
        assert not [n for n in wheel.namelist() if n.startswith("tests/")]
    with tarfile.open(installed.sdist) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {
        "LICENSE",
        "Makefile",
        "tests/conftest.py",
        "tests/test_cli.py",
        "tests/duis_support.py",
        "docs/packaging.md",
    } <= names


def test_a_new_user_in_an_empty_directory(installed: Installed, tmp_path: Path) -> None:
    """init, demo, serve on a free port: /health, /ssi/ and a signed DUIS answer."""
    gbdsp = str(installed.bin / "gbdsp")
    init = installed.run(gbdsp, "init", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "gbdsp-data" / "gbdsp.sqlite").exists()
    demo = installed.run(gbdsp, "demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    with _serving(installed, tmp_path) as url:
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200
        portal = httpx.get(f"{url}/ssi/", timeout=5, follow_redirects=True)
        assert portal.status_code == 200 and "<form" in portal.text
        built = installed.run(gbdsp, "request", "build", "8.2", cwd=tmp_path)
        assert built.returncode == 0, built.stderr
        sent = installed.run(gbdsp, "send", "--url", url, "-", cwd=tmp_path, stdin=built.stdout)
        assert sent.returncode == 0, sent.stderr
        assert "ResponseCode I0" in sent.stderr
        assert "<ds:SignatureValue>" in sent.stdout and "00-DB-12-34-56-78-90-A2" in sent.stdout


def test_a_shipped_simulation_example_runs(installed: Installed, tmp_path: Path) -> None:
    listed = installed.run(
        str(installed.bin / "gbdsp"), "simulate", "--list-examples", cwd=tmp_path
    )
    assert listed.returncode == 0 and "mp60-housekeeping" in listed.stdout, listed.stderr
    ran = installed.run(
        str(installed.bin / "gbdsp"),
        "simulate",
        "--example",
        "mp60-housekeeping",
        "--scale",
        "0.002",
        "--quiet",
        cwd=tmp_path,
    )
    assert ran.returncode == 0, ran.stderr
    report = tmp_path / "sim-mp60-housekeeping" / "report.html"
    assert report.is_file() and "How the model works" in report.read_text()
    assert "docs/simulation.md" not in report.read_text()  # nothing the user does not have


class _serving:
    """`gbdsp serve` of the installed package on a free loopback port."""

    def __init__(self, installed: Installed, cwd: Path) -> None:
        self.installed, self.cwd, self.port = installed, cwd, free_port()
        self.process: subprocess.Popen[str] | None = None

    def __enter__(self) -> str:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GBDSP_")}
        env["PATH"] = f"{self.installed.bin}{os.pathsep}{env.get('PATH', '')}"
        self.process = subprocess.Popen(
            [str(self.installed.bin / "gbdsp"), "serve", "--port", str(self.port)],
            cwd=self.cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    return url
            except httpx.HTTPError:
                time.sleep(0.2)
        self.process.kill()
        output = self.process.communicate(timeout=10)[0]
        raise AssertionError(f"gbdsp serve did not come up:\n{output[-3000:]}")

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        try:
            self.process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
