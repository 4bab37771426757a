"""What the agents' forkserver does once, before it forks any agent (``procs._FORKS``).

Besides the imports (``tests.store.agent``: the engine, the store, SQLAlchemy), it imports the
PostgreSQL driver and runs one flow on a throwaway SQLite workspace, so every agent forked from
it starts with SQLAlchemy's mappers configured and its statements compiled: each agent paid
~0.1 CPU-s for them on its first flow, and the PostgreSQL ones ~0.1 CPU-s more for the driver's
import (SQLite workspaces don't import it), over some 60 agents a run.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _warm() -> None:
    with contextlib.suppress(ImportError):  # no driver: the PostgreSQL cases are skipped
        import psycopg  # noqa: F401
        import sqlalchemy.dialects.postgresql.psycopg  # noqa: F401

    from otp_bench.domain.model import Settings
    from otp_bench.engine.engine import Engine
    from tests.engine.helpers import DEFAULT_SITE, fresh_mobile, make_workspace
    from tests.store.agent import handle

    saved = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="otp-bench-agents-") as tmp:
        # the workspace's keys stay in the throwaway directory, not the user's key store
        os.environ.update({"OTP_BENCH_SECRETS": "file", "OTP_BENCH_KEY_STORE": "file",
                           "XDG_DATA_HOME": tmp, "OTP_BENCH_LOG_DIR": tmp})
        try:
            eng = Engine.open(f"sqlite:///{Path(tmp) / 'warm.db'}")
            try:
                eng.save_settings(Settings(custom_otp_enabled=True))
                make_workspace(eng)
                mobile = fresh_mobile()
                handle(eng, {"op": "new_user", "username": "warm@example.com", "mobile": mobile,
                             "flags": [True, True], "site": DEFAULT_SITE})
                out = handle(eng, {"op": "start", "use_case": "passwordless_login",
                                   "site": DEFAULT_SITE, "user": "warm@example.com"})
                code = handle(eng, {"op": "code", "mobile": mobile})
                if out.get("flow_id") and code:
                    handle(eng, {"op": "verify", "flow_id": out["flow_id"], "code": code})
                handle(eng, {"op": "flags", "user": "warm@example.com"})
            finally:
                eng.close()
        finally:
            os.environ.clear()
            os.environ.update(saved)


# Only an optimisation: should it fail, the agents still start (and meet the same failure in their
# own flows, where the test names it); the forkserver must not die on it.
with contextlib.suppress(Exception):
    _warm()
