"""Connected apps in the workspace store: rows in ``connected_apps``, secrets in the secret store.

Read straight from the database on every call (the table is tiny and the headless API reads it
once per authorize/token), so another instance's edit counts at once.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from otp_bench.domain.changes import Action, Change, What
from otp_bench.domain.connected_app import ConnectedApp
from otp_bench.domain.secrets import SecretStore
from otp_bench.store.orm import ConnectedAppRow

if TYPE_CHECKING:
    from otp_bench.store.activity import Tx


def _secret_key(app_id: str) -> str:
    return f"connected_app:{app_id}:consumer_secret"


class ConnectedAppStore:
    secrets: SecretStore

    if TYPE_CHECKING:
        def session(self) -> AbstractContextManager[Session]: ...
        def transaction(self) -> AbstractContextManager[Tx]: ...
        def _tx(self, tx: Tx | None) -> AbstractContextManager[Tx]: ...

    def _app_from(self, row: ConnectedAppRow) -> ConnectedApp:
        return ConnectedApp(
            id=row.id, name=row.name, client_id=row.client_id,
            callback_urls=tuple(row.callback_urls.get("urls", [])),
            require_pkce=row.require_pkce, scopes=tuple(row.scopes.get("scopes", [])),
            consumer_secret=self.secrets.get(_secret_key(row.id)) or "",
        )

    def connected_apps(self) -> list[ConnectedApp]:
        with self.session() as s:
            rows = list(s.scalars(select(ConnectedAppRow).order_by(ConnectedAppRow.name)))
        return [self._app_from(r) for r in rows]

    def connected_app_by_client_id(self, client_id: str) -> ConnectedApp | None:
        with self.session() as s:
            row = s.scalars(
                select(ConnectedAppRow).where(ConnectedAppRow.client_id == client_id)
            ).first()
        return self._app_from(row) if row is not None else None

    def save_connected_app(self, app: ConnectedApp, tx: Tx | None = None) -> ConnectedApp:
        fields: dict[str, Any] = {
            "name": app.name, "client_id": app.client_id,
            "callback_urls": {"urls": list(app.callback_urls)},
            "require_pkce": app.require_pkce, "scopes": {"scopes": list(app.scopes)},
        }
        if app.consumer_secret:  # first: a locked workspace refuses before any row is written
            self.secrets.set(_secret_key(app.id), app.consumer_secret)
        try:
            with self._tx(tx) as t:
                row = t.session.get(ConnectedAppRow, app.id)
                if row is None:
                    t.session.add(ConnectedAppRow(id=app.id, **fields))
                else:
                    for k, v in fields.items():
                        setattr(row, k, v)
                t.session.flush()  # a clash fails here, inside the try
                t.changed(Change(What.CONNECTED_APP, Action.SAVED, app.id, app.name))
        except IntegrityError:
            from otp_bench.store.store import ConflictError

            raise ConflictError(
                f"a connected app named {app.name!r} or with client id {app.client_id!r} "
                "already exists"
            ) from None
        return app

    def delete_connected_app(self, app_id: str, tx: Tx | None = None) -> None:
        with self._tx(tx) as t:
            t.session.execute(delete(ConnectedAppRow).where(ConnectedAppRow.id == app_id))
            t.changed(Change(What.CONNECTED_APP, Action.DELETED, app_id, app_id))
        self.secrets.delete(_secret_key(app_id))
