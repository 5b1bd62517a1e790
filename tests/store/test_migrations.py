"""Schema migrations: old databases upgrade keeping every row; newer ones are refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from screener.core.conflicts import RecordState
from screener.core.models import Stage, Verdict
from screener.store import StoreError, open_store
from screener.store import engine as engines
from screener.store.server_mode import SERVER_MODE_TABLES
from screener.store.tables import SQLModel

OLD = "0001"


def _build_old(url: str) -> None:
    """A database as screener wrote it at schema 0001, with rows in every table."""
    engine = engines.make_engine(engines.database_url(url))
    engines.upgrade(engine, OLD)
    now = "2022-05-16 10:00:00"
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO review (id, title, question, protocol_text, created_at) "
                "VALUES (1, 'Old review', 'Q?', :p, :now)"
            ),
            {
                "p": (Path(__file__).parents[2] / "imports/ldn-fibromyalgia/protocol.toml").read_text(),
                "now": now,
            },
        )
        for initials in ("NA", "ZL"):
            conn.execute(
                sa.text("INSERT INTO reviewer (initials, name, role) VALUES (:i, '', 'reviewer')"),
                {"i": initials},
            )
        conn.execute(
            sa.text(
                "INSERT INTO source "
                "(id, name, kind, file_name, file_sha256, format, record_count, imported_at) "
                "VALUES (1, 'PubMed', 'database', 'pubmed.nbib', 'aa', 'pubmed', 40, :now)"
            ),
            {"now": now},
        )
        for n in range(1, 41):
            conn.execute(
                sa.text(
                    "INSERT INTO record (id, source_id, position, title, authors, keywords, raw) "
                    "VALUES (:n, 1, :n, :t, '[]', '[]', '')"
                ),
                {"n": n, "t": f"Title {n} – naïve"},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO decision (record_id, stage, reviewer, verdict, reasons, created_at) "
                    "VALUES (:n, 'title-abstract', 'NA', :v, '[]', :now)"
                ),
                {"n": n, "v": "include" if n % 3 else "exclude", "now": now},
            )
    engine.dispose()


def _counts(url: str) -> dict[str, int]:
    engine = engines.make_engine(engines.database_url(url))
    with engine.connect() as conn:
        out = {
            t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("review", "reviewer", "source", "record", "decision")
        }
    engine.dispose()
    return out


def test_old_schema_upgrades_keeping_every_row(db_url: str):
    _build_old(db_url)
    before = _counts(db_url)
    assert before == {"review": 1, "reviewer": 2, "source": 1, "record": 40, "decision": 40}
    store = open_store(db_url)
    assert engines.current_revision(store.engine) == engines.head_revision()
    assert _counts(db_url) == before
    titles = [r.bib.title for r in store.records()]
    assert titles[0] == "Title 1 – naïve" and len(titles) == 40
    assert len(store.current_decisions(Stage.TITLE_ABSTRACT)) == 40
    # derived outcomes are rebuilt after the upgrade: one reviewer so far, so all await the second
    store.unblind(Stage.TITLE_ABSTRACT, "NA")  # states are outcomes: read once the stage is open
    assert store.stage_state(Stage.TITLE_ABSTRACT).count(RecordState.AWAITING) == 40
    # the upgraded database takes new kinds of rows at once
    store.record_decision(1, Stage.TITLE_ABSTRACT, "ZL", Verdict.MAYBE)
    if "://" not in db_url:  # SQLite: a backup copy was written next to the file first
        assert store.backup_path is not None and store.backup_path.exists()
        assert store.backup_path.parent == Path(db_url).parent
        old = engines.make_engine(engines.database_url(store.backup_path))
        assert engines.current_revision(old) == OLD
        old.dispose()
    store.close()


def test_newer_schema_is_refused(db_url: str, protocol):
    store = open_store(db_url, create=True)
    store.init_review(protocol)
    with store.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    store.close()
    with pytest.raises(StoreError, match=r"written by a newer screener \(schema 9999_future") as info:
        open_store(db_url)
    assert "\n" not in str(info.value)


def test_foreign_database_is_refused(tmp_path):
    path = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE stuff (x int)"))
    engine.dispose()
    with pytest.raises(StoreError, match="not a screener review"):
        open_store(path)


def test_migrations_match_the_models(db_url: str):
    """The migrated schema is exactly what the SQLModel classes describe."""
    store = open_store(db_url, create=True)
    with store.engine.connect() as conn:
        opts = {"compare_type": False, "include_name": _not_server_mode}
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), SQLModel.metadata)
    store.close()
    assert diff == []


def _not_server_mode(name: str | None, kind: str, _parents: object) -> bool:
    """PostgreSQL mode's own tables (migration 0009) have no model: only the server uses them."""
    return not (kind == "table" and name in SERVER_MODE_TABLES)
