"""Store fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL is the server of this machine kind (127.0.0.1:5432, user postgres, trust
auth). Each test gets a fresh database, dropped afterwards. Where no server answers the
PostgreSQL cases skip with the reason, except under CI=true, where that is a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from screener.core.protocol import Protocol, load_protocol
from screener.paths import example_dir

PG_ADMIN_URL = os.environ.get("SCREENER_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_admin() -> sa.Engine | None:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.OperationalError as exc:
        engine.dispose()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL at {PG_ADMIN_URL} is unreachable under CI=true: {exc.orig}")
        pytest.skip(f"no PostgreSQL server answers at {PG_ADMIN_URL}: PostgreSQL store tests skipped")
    return engine


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL of a fresh, empty PostgreSQL database, dropped after the test."""
    admin = _pg_admin()
    assert admin is not None
    name = f"screener_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh database on each backend: an SQLite file path, or a PostgreSQL URL."""
    if request.param == "sqlite":
        return str(tmp_path / "review.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def protocol() -> Protocol:
    return load_protocol(example_dir() / "protocol.toml")


@pytest.fixture
def pg_admin() -> Iterator[sa.Engine]:
    """An AUTOCOMMIT engine on the server as its superuser (skips, or fails under CI=true, as above)."""
    engine = _pg_admin()
    assert engine is not None
    yield engine
    engine.dispose()
