"""The Postman collection, run by Postman's own runner (newman) against the bench.

``tests/headless/postman/headless_identity_demo.postman_collection.json`` is Salesforce's
"Headless Identity API Demo" rebuilt from the docs (no PKCE; user info by POST). Runs when
newman is installed (``npm i newman``; found on PATH or via ``$NEWMAN``), else skips — the
Python reproduction in test_standard_clients.py always runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from otp_bench.headless.server import HeadlessServer
from tests.headless.conftest import Bench

COLLECTION = Path(__file__).parent / "postman" / "headless_identity_demo.postman_collection.json"
NEWMAN = os.environ.get("NEWMAN") or shutil.which("newman")


@pytest.mark.skipif(not NEWMAN, reason="newman isn't installed (npm i newman)")
def test_newman_runs_the_collection_without_a_failure(bench: Bench, tmp_path: Path) -> None:
    assert NEWMAN is not None
    report = tmp_path / "newman.json"
    with HeadlessServer(bench.engine, expose_inbox=True) as server:
        run = subprocess.run(
            [NEWMAN, "run", str(COLLECTION), "--env-var", f"site={server.base_url}/customers",
             "--env-var", f"bench={server.base_url}", "--reporters", "cli,json",
             "--reporter-json-export", str(report), "--timeout-request", "30000"],
            capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    stats = json.loads(report.read_text())["run"]["stats"]
    assert stats["assertions"] == {"total": 9, "pending": 0, "failed": 0}
    assert stats["requests"]["failed"] == 0
    assert bench.engine.find_user("bo@example.com") is not None
