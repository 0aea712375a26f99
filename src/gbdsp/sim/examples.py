"""The scenarios shipped inside the package (`gbdsp simulate --example NAME`).

They live in `gbdsp/data/examples/` so an installed wheel has them: a user who never cloned
the repository can still run every working group's question.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable

from gbdsp.sim.scenario import Scenario, ScenarioError, parse


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    text: str

    def scenario(self) -> Scenario:
        return parse(self.text, f"example {self.name}")


def _folder() -> Traversable:
    return files("gbdsp.data").joinpath("examples")


def names() -> list[str]:
    """The shipped examples' names (file names without `.toml`), sorted."""
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in _folder().iterdir()
        if entry.name.endswith(".toml")
    )


def get(name: str) -> Example:
    """The example called `name`; an unknown name is an error listing the known ones."""
    known = names()
    if name not in known:
        raise ScenarioError(f"no example called {name!r}; the examples are: " + ", ".join(known))
    return Example(name, _folder().joinpath(f"{name}.toml").read_text("utf-8"))
