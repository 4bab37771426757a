"""Importing a workspace file: validate everything first, rehearse it, then apply it whole.

Three gates, so nothing is half-imported: the workspace file loader checks the file (errors
name file, line and field); the import is then rehearsed on a throwaway workspace, where an engine
validation error is traced back to the entry and line that caused it; only then is the real
workspace written. Credentials still holding the export placeholder are left unset (or filled
from ``credentials`` when the operator re-entered them) and reported. A scenario file's steps
are counted, not checked or run (``otp-bench run`` does that).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from otp_bench.domain.errors import NotFound
from otp_bench.engine.bus import EventBatch
from otp_bench.engine.engine import Engine
from otp_bench.engine.workspace import NeedsConfirmation, ValidationError
from otp_bench.store.store import Store
from otp_bench.workspace_files.apply import apply_workspace
from otp_bench.workspace_files.errors import ScenarioError
from otp_bench.workspace_files.loader import load_workspace_file
from otp_bench.workspace_files.model import WorkspaceFile
from otp_bench.workspace_files.providers import ScenarioProviders
from otp_bench.workspace_files.writer import PLACEHOLDER

# apply_workspace saves in this order; a rehearsal failure is blamed on the first entry not saved
_ORDER = (("providers", "provider", "name"), ("sites", "site", "name"),
          ("users", "user", "username"))


@dataclass(frozen=True)
class ImportReport:
    providers: int
    sites: int
    users: int
    missing_credentials: dict[str, tuple[str, ...]] = field(default_factory=dict)
    ignored_steps: int = 0


def placeholders(scenario: WorkspaceFile) -> dict[str, tuple[str, ...]]:
    """Provider name → credential keys that still hold the export placeholder."""
    out: dict[str, tuple[str, ...]] = {}
    for spec in scenario.providers:
        creds = spec.get("credentials")
        keys: tuple[str, ...] = ()
        if isinstance(creds, Mapping):
            keys = tuple(sorted(k for k, v in creds.items() if v == PLACEHOLDER))
        ncs = spec.get("named_credentials")  # an Apex provider's Named Credential secrets
        if isinstance(ncs, Mapping):
            keys += tuple(sorted(f"{n}.{k}" for n, nc in ncs.items() if isinstance(nc, Mapping)
                                 for k in ("username", "password") if nc.get(k) == PLACEHOLDER))
        if keys:
            out[str(spec["name"])] = keys
    return out


def with_credentials(
    scenario: WorkspaceFile, entered: Mapping[str, Mapping[str, str]] | None = None
) -> WorkspaceFile:
    """The scenario with placeholders replaced by re-entered values, or dropped."""
    entered = entered or {}
    specs = []
    for spec in scenario.providers:
        creds = spec.get("credentials")
        given = entered.get(str(spec["name"]), {})
        if isinstance(creds, Mapping):
            kept = {k: (given.get(k) if v == PLACEHOLDER else v) for k, v in creds.items()}
            spec = {**spec, "credentials": {k: v for k, v in kept.items() if v}}
        ncs = spec.get("named_credentials")
        if isinstance(ncs, Mapping):
            spec = {**spec, "named_credentials": {
                n: (_entered(nc, given, n) if isinstance(nc, Mapping) else nc)
                for n, nc in ncs.items()}}
        specs.append(spec)
    return replace(scenario, providers=tuple(specs))


def _entered(nc: Mapping[str, Any], given: Mapping[str, str], name: str) -> dict[str, Any]:
    """A named credential with its placeholders replaced by re-entered values, or dropped."""
    out = {}
    for k, v in nc.items():
        if v == PLACEHOLDER:
            v = given.get(f"{name}.{k}")
            if not v:
                continue
        out[k] = v
    return out


def import_workspace(
    engine: Engine, source: str | Path | WorkspaceFile,
    credentials: Mapping[str, Mapping[str, str]] | None = None,
) -> ImportReport:
    """Apply the workspace file at ``source`` (``-``: standard input) or one already loaded;
    ``ScenarioError`` (nothing written) if it is wrong."""
    scenario = source if isinstance(source, WorkspaceFile) else load_workspace_file(source)
    missing = {
        name: tuple(k for k in keys if not (credentials or {}).get(name, {}).get(k))
        for name, keys in placeholders(scenario).items()
    }
    missing = {k: v for k, v in missing.items() if v}
    ready = with_credentials(scenario, credentials)
    _rehearse(ready)
    _apply(engine, ready)
    steps = scenario.step_count  # a scenario file's steps: only `otp-bench run` runs them
    return ImportReport(len(ready.providers), len(ready.sites), len(ready.users), missing, steps)


def _rehearse(scenario: WorkspaceFile) -> None:
    with tempfile.TemporaryDirectory(prefix="otp-bench-import-") as tmp:
        engine = Engine(Store(f"sqlite:///{Path(tmp) / 'rehearsal.db'}", throwaway=True))
        saved: dict[str, int] = {}

        def count(batch: EventBatch) -> None:
            for rec in batch.records:
                if rec.kind == "workspace":
                    what = str(rec.data.get("what", ""))
                    saved[what] = saved.get(what, 0) + 1

        unsubscribe = engine.events.subscribe(count)
        try:
            _apply(engine, scenario)
        except ScenarioError:
            raise
        except (ValidationError, NotFound, NeedsConfirmation, ValueError, KeyError) as exc:
            raise _blame(scenario, saved, exc) from None
        finally:
            unsubscribe()
            engine.close()


def _apply(engine: Engine, scenario: WorkspaceFile) -> None:
    with ScenarioProviders(engine) as providers:
        apply_workspace(engine, scenario, providers)


def _blame(scenario: WorkspaceFile, saved: dict[str, int], exc: Exception) -> ScenarioError:
    fld = getattr(exc, "field", "")
    message = getattr(exc, "message", None) or str(exc)
    if not saved.get("settings"):
        where = "settings" + (f".{fld}" if fld else "")
        return ScenarioError(str(scenario.file), scenario.line("settings"), where, message)
    for section, what, key in _ORDER:
        items: tuple[dict[str, Any], ...] = getattr(scenario, section)
        done = saved.get(what, 0)
        if done < len(items):
            item = items[done]
            path: tuple[str | int, ...] = (section, done, fld) if fld in item else (section, done)
            where = f"{section}[{done}]" + (f".{fld}" if fld else "")
            return ScenarioError(str(scenario.file), scenario.line(*path), where,
                                 f"{what} {item.get(key)!r}: {message}")
    return ScenarioError(str(scenario.file), scenario.line("settings"), "settings", message)
