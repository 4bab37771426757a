"""Editing connected apps through the engine: validation, a consumer secret, events."""

from __future__ import annotations

import secrets
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from otp_bench.domain.connected_app import (
    CONNECTED_APP_PREFIX,
    ConnectedApp,
    connected_app_problems,
)
from otp_bench.domain.ids import new_id
from otp_bench.engine.workspace import ValidationError

if TYPE_CHECKING:
    from otp_bench.store.activity import Tx
    from otp_bench.store.store import Store


class ConnectedAppOps:
    store: Store

    if TYPE_CHECKING:
        def _event(self, tx: Tx, what: str, name: str, action: str = "saved") -> None: ...

    def connected_apps(self) -> list[ConnectedApp]:
        return self.store.connected_apps()

    def new_connected_app(self, name: str, client_id: str, **fields: Any) -> ConnectedApp:
        app = ConnectedApp(id=new_id(CONNECTED_APP_PREFIX), name=name, client_id=client_id,
                           **fields)
        return self.save_connected_app(app)

    def save_connected_app(self, app: ConnectedApp) -> ConnectedApp:
        """Validates and saves ``app``; a new app without a consumer secret gets one."""
        for fld, message in connected_app_problems(app):
            raise ValidationError(fld, message)
        if not app.consumer_secret:
            old = next((a for a in self.store.connected_apps() if a.id == app.id), None)
            secret = old.consumer_secret if old and old.consumer_secret else None
            app = replace(app, consumer_secret=secret or secrets.token_hex(32))
        with self.store.transaction() as tx:
            self.store.save_connected_app(app, tx)
            self._event(tx, "connected app", app.name)
        return app

    def delete_connected_app(self, app_id: str) -> None:
        app = next((a for a in self.store.connected_apps() if a.id == app_id), None)
        if app is None:
            return
        with self.store.transaction() as tx:
            self.store.delete_connected_app(app_id, tx)
            self._event(tx, "connected app", app.name, "deleted")
