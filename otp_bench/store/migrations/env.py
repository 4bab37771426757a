"""Alembic environment: migrates the workspace database the store hands it."""

from __future__ import annotations

import warnings

from alembic import context
from sqlalchemy import engine_from_config, pool

from otp_bench.store.orm import Base

config = context.config
# SQLite can't reflect the expression index on lower(username); the migration creates it
warnings.filterwarnings("ignore", message=".*expression-based index.*")
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=True
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
