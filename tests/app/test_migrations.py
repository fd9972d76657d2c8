"""The migrations build exactly the schema the models describe, and can be undone."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from plc.extensions import db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def migrations_url(tmp_path):
    url = os.environ.get("TEST_MIGRATIONS_DATABASE_URL")
    if url is None and os.environ.get("DATABASE_URL", "").startswith("postgresql"):
        pytest.fail("TEST_MIGRATIONS_DATABASE_URL must name an empty PostgreSQL database in the PostgreSQL lane")
    if url is None:
        return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    engine = create_engine(url)
    with engine.begin() as connection:  # start from an empty database
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def flask_db(url: str, tmp_path: Path, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "PLC_INSTANCE_PATH": str(tmp_path), "FLASK_APP": "wsgi:app",
           "PLC_PROFILE": "embedded"}
    result = subprocess.run([sys.executable, "-m", "flask", "db", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]


def tables(url: str) -> set[str]:
    from plc.database import HAND_MADE

    engine = create_engine(url)
    try:
        return {t for t in inspect(engine).get_table_names() if not t.startswith(HAND_MADE)} - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade_on_an_empty_database(migrations_url, tmp_path):
    flask_db(migrations_url, tmp_path, "upgrade", "head")
    assert tables(migrations_url) == set(db.metadata.tables)
    flask_db(migrations_url, tmp_path, "downgrade", "base")
    assert tables(migrations_url) == set()
    engine = create_engine(migrations_url)
    try:
        leftovers = set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    assert leftovers == set(), "hand-made search tables must go too"
    flask_db(migrations_url, tmp_path, "upgrade", "head")
    assert tables(migrations_url) == set(db.metadata.tables)


def test_models_and_migrations_do_not_drift(migrations_url, tmp_path):
    import plc.models  # noqa: F401

    flask_db(migrations_url, tmp_path, "upgrade", "head")
    engine = create_engine(migrations_url)
    try:
        with engine.connect() as connection:
            from plc.database import include_in_migrations

            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "include_object": include_in_migrations})
            diff = compare_metadata(context, db.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models differ from migrations; run `flask db migrate`: {diff}"


def test_revisions_are_date_prefixed():
    for revision in (ROOT / "migrations" / "versions").glob("*.py"):
        assert revision.name[:8].isdigit() and revision.name[8] == "_", revision.name
