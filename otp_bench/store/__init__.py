"""Store: the workspace in a real database (SQLAlchemy 2, Alembic), handing out domain objects."""
