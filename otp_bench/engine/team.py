"""The team-workspace operations the app offers: hand the workspace key over.

``export_key`` / ``import_key`` are what ``otp-bench workspace key export/import`` do, for the
app's File menu (run on a worker: they touch the keyring, the disk and the database).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from otp_bench.domain.workspace import Workspace
from otp_bench.outputs import write_output
from otp_bench.store.keystore import KeyStoreError, parse_export
from otp_bench.store.unlock import export_key_text
from otp_bench.store.unlock import import_key as _import_key

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine

__all__ = ["KeyStoreError", "export_key", "import_key", "workspace_of"]


def workspace_of(engine: Engine) -> Workspace:
    return engine.store.workspace


def export_key(engine: Engine, path: Path) -> str:
    """Write the workspace key to ``path`` (owner-only); a sentence saying what was done."""
    store = engine.store
    write_output(path, export_key_text(store.secrets, store.workspace), secret=True)
    return (f"Wrote the key of workspace {store.workspace_id} to {path}: hand it over "
            "privately, then delete it.")


def import_key(engine: Engine, path: Path) -> str:
    """File the key in ``path`` for this workspace; reopen the workspace to unlock it."""
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyStoreError(f"can't read {path}: {exc}") from None
    workspace_id, key = parse_export(text, str(path))
    where = _import_key(engine.store.engine, engine.store.workspace, workspace_id, key)
    return f"The workspace key is in {where}."

