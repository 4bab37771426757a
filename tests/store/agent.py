"""A second otp-bench process for the cross-process tests: ``python -m tests.store.agent URL``.

It opens the workspace like any instance would (its own engine and caches), prints ``ready``, then
answers one JSON command per stdin line with one JSON line, until stdin closes. ``serve`` is the
same over a pipe, for agents forked from a forkserver that imported all this once (``procs.Agent``).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from typing import Any

from otp_bench.domain.flags import Flags
from otp_bench.engine.engine import Engine


def _start(eng: Engine, a: dict[str, Any]) -> dict[str, Any]:
    try:
        out = eng.start(a["use_case"], a["site"], a["user"])
    except LookupError as exc:  # NotFound: the answer a caller gets
        return {"error": f"{type(exc).__name__}: {exc}", "reason": "error"}
    return {"flow_id": out.flow_id, "reason": out.reason.value if out.reason else None,
            "delivery": out.delivery.value if out.delivery else None}


def handle(eng: Engine, cmd: dict[str, Any]) -> Any:
    op = cmd["op"]
    if op == "start":
        return _start(eng, cmd)
    if op == "starts":  # a burst of inits, as fast as this process goes
        return [_start(eng, cmd)["reason"] for _ in range(cmd["n"])]
    if op == "verify":
        v = eng.verify(cmd["flow_id"], cmd["code"])
        return {"success": v.success, "reason": v.reason.value if v.reason else None}
    if op == "code":
        found = [m.otp for m in eng.store.inbox(cmd["mobile"]) if m.otp]
        return found[-1] if found else None
    if op == "new_user":
        sites = frozenset(eng.find_site(s).id for s in cmd.get("sites") or [cmd["site"]])
        try:
            u = eng.new_user(cmd["username"], mobile=cmd["mobile"], flags=Flags(*cmd["flags"]),
                             sites=sites)
        except Exception as exc:  # the refusal is the answer
            return {"error": f"{type(exc).__name__}: {exc}"}
        return {"id": u.id}
    if op == "delete_user":
        eng.delete_user(eng.find_user(cmd["user"]).id)
        return True
    if op == "flags":
        u = eng.find_user(cmd["user"])
        return [u.flags.user_verified, u.flags.admin_verified]
    raise ValueError(f"unknown op {op}")


def serve(url: str, conn: Any, env: dict[str, str]) -> None:
    """The same agent over a ``multiprocessing`` pipe, in a process forked by ``procs.Agent``."""
    os.environ.clear()
    os.environ.update(env)  # as if started with this environment, like ``main``
    try:
        eng = Engine.open(url)
    except Exception as exc:
        conn.send(json.dumps({"raised": f"{type(exc).__name__}: {exc}",
                              "trace": traceback.format_exc()}))
        return
    conn.send("ready")
    while True:
        try:
            got = conn.recv()
        except EOFError:
            break
        if got is None:
            break
        try:
            answer = {"ok": handle(eng, json.loads(got)), "at": time.time()}
        except Exception as exc:
            answer = {"raised": f"{type(exc).__name__}: {exc}",
                      "trace": traceback.format_exc()}
        conn.send(json.dumps(answer))
    eng.close()


def main() -> int:
    eng = Engine.open(sys.argv[1])
    print("ready", flush=True)
    for line in sys.stdin:
        try:
            answer = {"ok": handle(eng, json.loads(line)), "at": time.time()}
        except Exception as exc:
            answer = {"raised": f"{type(exc).__name__}: {exc}",
                      "trace": traceback.format_exc()}
        print(json.dumps(answer), flush=True)
    eng.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
