"""Fixtures for conformance tests against the DCC Boxed signing tool and DUIS templates.

GBDSP_CONFORMANCE=required (CI): a missing npm/java/javac or a failed download FAILS the tests
that need the kit. Otherwise (default) those tests are skipped with the reason; =off skips them
without trying. A tarball that does not match its pinned hash always fails.
Cache: GBDSP_CONFORMANCE_CACHE or <repo>/.cache/conformance (see boxed.default_cache_dir).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from tests.conformance.boxed import (
    BoxedKit,
    BoxedTool,
    BoxedUnavailable,
    fetch_boxed,
    template_paths,
)

MODE = os.environ.get("GBDSP_CONFORMANCE", "auto")

# Timings collected by tests, printed at the end of the run (useful when comparing with ours).
_TIMINGS: dict[str, str] = {}


def _unavailable(reason: str) -> NoReturn:
    if MODE == "required":
        pytest.fail(f"GBDSP_CONFORMANCE=required but {reason}", pytrace=False)
    pytest.skip(f"DCC Boxed conformance kit unavailable: {reason}")


@pytest.fixture(scope="session")
def boxed_kit() -> BoxedKit:
    """The unpacked @smartdcc npm packages (downloaded once into the cache)."""
    if MODE == "off":
        pytest.skip("GBDSP_CONFORMANCE=off")
    try:
        return fetch_boxed()
    except BoxedUnavailable as exc:
        _unavailable(str(exc))


@pytest.fixture(scope="session")
def boxed_tool(boxed_kit: BoxedKit, conformance_timings: dict[str, str]) -> Iterator[BoxedTool]:
    """One harness JVM shared by the whole session.

    Only a missing java/javac counts as "unavailable": a harness that does not compile or start
    is a bug here and must error, not skip.
    """
    try:
        tool = BoxedTool(boxed_kit)
    except BoxedUnavailable as exc:
        _unavailable(str(exc))
    conformance_timings["JVM start-up (to READY)"] = f"{tool.startup_seconds:.2f} s"
    with tool:
        yield tool


@pytest.fixture(scope="session")
def templates(boxed_kit: BoxedKit) -> list[Path]:
    """The DUIS request templates, sorted by file name."""
    paths = template_paths(boxed_kit)
    assert paths, f"no templates under {boxed_kit.templates_dir}"
    return paths


@pytest.fixture(scope="session")
def conformance_timings() -> dict[str, str]:
    """Label -> human-readable duration, shown in the terminal summary."""
    return _TIMINGS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _TIMINGS:
        terminalreporter.section("DCC Boxed harness timings")
        for label, value in _TIMINGS.items():
            terminalreporter.write_line(f"{label}: {value}")
