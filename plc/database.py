"""Database connection settings that the ORM does not set by itself."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.engine import Engine

from plc.extensions import db


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _sqlite_pragmas):
        event.listen(engine, "connect", _sqlite_pragmas)


def execute_core(statement, params: dict | None = None):
    """Runs a Core statement in the ORM session's transaction and on its connection, without the
    ORM session's per-statement work (about 50 µs a statement: the chat's busiest path runs four
    per message). Pending ORM changes are always flushed first, so the statement sees them (the
    session itself flushes only before statements on ORM entities, not on tables)."""
    db.session.flush()
    return db.session.connection().execute(statement, params)


def register(app) -> None:
    with app.app_context():
        configure_engine(db.engine)


# Search indexes made by hand in the migration (an FTS5 virtual table and its shadow tables on
# SQLite, trigram GIN indexes on PostgreSQL); Alembic's autogenerate must not try to drop them.
HAND_MADE = ("search_fts", "ix_search_document_title_trgm", "ix_search_document_body_trgm")


def include_in_migrations(obj, name, type_, reflected, compare_to) -> bool:
    return not (reflected and compare_to is None and name and name.startswith(HAND_MADE))
