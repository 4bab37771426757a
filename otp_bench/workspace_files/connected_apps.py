"""The ``connected_apps`` section of a workspace file (SPEC §3 "Connected apps").

``connected_apps: [{name, client_id, callback_urls: [URL | echo], require_pkce: false,
scopes: [api, openid, refresh_token]}]``. Validated with the domain's own rules (one message
naming file, line and field); applied by name, so loading a file twice updates rather than
duplicates. The consumer secret is never in a file: the bench makes one per app.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from otp_bench.domain.connected_app import (
    CONNECTED_APP_PREFIX,
    DEFAULT_SCOPES,
    ConnectedApp,
    connected_app_problems,
)
from otp_bench.domain.ids import new_id

if TYPE_CHECKING:
    from otp_bench.engine.engine import Engine
    from otp_bench.workspace_files.loader import FileContext

KEYS = {"name", "client_id", "callback_urls", "require_pkce", "scopes"}


def parse_connected_app(c: FileContext, raw: Any, i: int) -> dict[str, Any]:
    path: tuple[str | int, ...] = ("connected_apps", i)
    a = c.mapping(raw, path, KEYS)
    c.typed(a.get("name"), (*path, "name"), str, "the connected app's name")
    c.typed(a.get("client_id"), (*path, "client_id"), str, "the client id (consumer key)")
    if "require_pkce" in a:
        c.typed(a["require_pkce"], (*path, "require_pkce"), bool, "true or false")
    for key in ("callback_urls", "scopes"):
        for j, v in enumerate(c.seq(a.get(key), (*path, key))):
            c.typed(v, (*path, key, j), str, "text")
    app = to_app(a, "")
    for fld, message in connected_app_problems(app):
        head, _, index = fld.partition("[")
        where = (*path, head, int(index.rstrip("]"))) if index else (*path, head)
        raise c.fail(where, message)
    return a


def to_app(raw: dict[str, Any], app_id: str, base: ConnectedApp | None = None) -> ConnectedApp:
    fields: dict[str, Any] = {
        "name": raw["name"], "client_id": raw["client_id"],
        "callback_urls": tuple(raw.get("callback_urls") or ("echo",)),
        "require_pkce": bool(raw.get("require_pkce", False)),
        "scopes": tuple(raw.get("scopes") or DEFAULT_SCOPES),
    }
    if base is not None:
        return replace(base, **fields)
    return ConnectedApp(id=app_id, **fields)


def apply_connected_apps(engine: Engine, specs: tuple[dict[str, Any], ...]) -> None:
    existing = {a.name: a for a in engine.connected_apps()}
    for raw in specs:
        old = existing.get(raw["name"])
        if old is None:
            engine.save_connected_app(to_app(raw, new_id(CONNECTED_APP_PREFIX)))
        else:
            engine.save_connected_app(to_app(raw, old.id, old))


def app_dict(app: ConnectedApp) -> dict[str, Any]:
    """A connected app as a scenario file writes it (no consumer secret)."""
    return {"name": app.name, "client_id": app.client_id,
            "callback_urls": list(app.callback_urls), "require_pkce": app.require_pkce,
            "scopes": list(app.scopes)}
