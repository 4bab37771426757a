"""The scenarios and the scenario JSON Schema that ship inside the package.

``shipped:NAME`` on the command line (``otp-bench run shipped:otp_expiry``) names a scenario of
``resources/scenarios/`` so an installed otp-bench can run its own scenarios without knowing where
pip put them; ``otp-bench run --list-shipped`` lists them, ``--schema`` prints the schema.
"""

from __future__ import annotations

from pathlib import Path

from otp_bench import assets
from otp_bench.scenario.model import ScenarioError

PREFIX = "shipped:"
SCHEMA_FILE = ("schema", "scenario.schema.json")


def names() -> list[str]:
    """The shipped scenarios' names (file names without ``.yaml``)."""
    return [n.removesuffix(".yaml") for n in assets.listing("scenarios", suffix=".yaml")]


def resolve(arg: str) -> str:
    """``shipped:NAME`` → the shipped file's path; anything else is returned as given."""
    if not arg.startswith(PREFIX):
        return arg
    name = arg.removeprefix(PREFIX).removesuffix(".yaml")
    if name not in names():
        raise ScenarioError(arg, 0, "", "no shipped scenario of that name; "
                            "`otp-bench run --list-shipped` lists them")
    return str(path(name))


def path(name: str) -> Path:
    return assets.path("scenarios", f"{name}.yaml")


def schema_text() -> str:
    return assets.read_text(*SCHEMA_FILE)
