"""PostgreSQL mode: each reviewer connects as their own role and the server itself enforces the rules.

Two real login roles on the machine's server (``na_pg_<hex>`` and ``zl_pg_<hex>``, made by
``Store.add_reviewer_login`` as ``screener reviewer add`` does), a review owned by the
admin role. Raw SQL as ZL's role must not read NA's work while the stage is blind, change
or delete any decision, or write as NA; the derived tables (vote, outcome) must always
equal a recount from the log by the store's own Python code (on an SQLite copy).
Roles and the database are dropped after each test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.cli import cli
from screener.core.models import BibRecord, SourceKind, Stage, Verdict
from screener.core.protocol import Protocol, parse_protocol
from screener.store import SourceInput, StoreError, open_store
from screener.store import tables as t
from screener.store.store import Store

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
RECORDS = 12


@dataclass
class Review:
    owner_url: str
    urls: dict[str, str]  # reviewer initials -> URL connecting as their role
    logins: dict[str, str]

    def store(self, who: str | None = None) -> Store:
        return open_store(self.urls[who] if who else self.owner_url)

    def engine(self, who: str) -> sa.Engine:
        return sa.create_engine(self.urls[who])


def _make_review(
    admin: sa.Engine, protocol: Protocol, records: int = RECORDS, *, citation: bool = True
) -> Iterator[Review]:
    tag = uuid.uuid4().hex[:10]
    name = f"screener_pg_{tag}"
    logins = {"NA": f"na_pg_{tag}", "ZL": f"zl_pg_{tag}"}
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    owner_url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        store = open_store(owner_url, create=True)
        store.init_review(protocol)
        store.add_source(
            SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
            [BibRecord(position=i, title=f"Record {i}") for i in range(1, records + 1)],
        )
        if citation:
            store.add_source(
                SourceInput("Citations", "c.ris", "b" * 64, "ris", kind=SourceKind.CITATION),
                [BibRecord(position=1, title="Found by citation searching")],
            )
        for initials, login in logins.items():
            assert store.add_reviewer(initials, by="NA", login=login) == (initials, login, True, False)
        store.close()
        urls = {
            i: sa.make_url(owner_url).set(username=login).render_as_string(hide_password=False)
            for i, login in logins.items()
        }
        yield Review(owner_url, urls, logins)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for (login,) in conn.execute(
                sa.text("SELECT rolname FROM pg_roles WHERE rolname LIKE :p"), dict(p=f"%\\_pg\\_{tag}")
            ):  # ours, and those a test added
                conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{login}"')


@pytest.fixture
def review(pg_admin: sa.Engine, protocol: Protocol) -> Iterator[Review]:
    yield from _make_review(pg_admin, protocol)


def _scalar(engine: sa.Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.exec_driver_sql(sql).scalar()


def _refused(engine: sa.Engine, sql: str) -> str:
    """Run ``sql`` in its own transaction; it must fail. Returns the server's message."""
    with pytest.raises(sa.exc.DBAPIError) as info, engine.begin() as conn:
        conn.exec_driver_sql(sql)
    return str(info.value.orig)


def _screen_some(review: Review) -> None:
    """NA decides records 1-8 (with notes), ZL records 5-12: each as their own role."""
    na, zl = review.store("NA"), review.store("ZL")
    for rid in range(1, 9):
        na.record_decision(
            rid,
            TA,
            "NA",
            Verdict.INCLUDE if rid % 2 else Verdict.EXCLUDE,
            () if rid % 2 else ("E1",),
            note=f"NA's note {rid}",
        )
    for rid in range(5, RECORDS + 1):
        zl.record_decision(rid, TA, "ZL", Verdict.INCLUDE)
    na.close()
    zl.close()


def test_a_reviewer_role_cannot_read_another_reviewers_work_while_blind(review: Review):
    _screen_some(review)
    zl = review.engine("ZL")
    try:
        for table in ("decision", "vote", "note"):
            assert _scalar(zl, f"SELECT count(*) FROM {table} WHERE reviewer = 'NA'") == 0, table
            assert _scalar(zl, f"SELECT count(*) FROM {table} WHERE reviewer = 'ZL'") == (
                8 if table != "note" else 0
            )
        assert _scalar(zl, "SELECT count(*) FROM outcome") == 0  # agreement is derived from both
        owner = sa.create_engine(review.owner_url)
        assert (
            _scalar(owner, "SELECT count(*) FROM decision WHERE reviewer = 'NA'") == 8
        )  # the rows are there
        # The lead unblinds (the owner's role): now ZL's own session reads them.
        store = review.store()
        store.unblind(TA, "NA")
        store.close()
        assert _scalar(zl, "SELECT count(*) FROM decision WHERE reviewer = 'NA'") == 8
        assert _scalar(zl, "SELECT count(*) FROM note WHERE reviewer = 'NA'") == 8
        assert _scalar(zl, "SELECT count(*) FROM outcome WHERE stage = 'title-abstract'") == RECORDS
        owner.dispose()
    finally:
        zl.dispose()


def test_a_stage_finished_by_everyone_is_open_without_unblinding(review: Review):
    na, zl = review.store("NA"), review.store("ZL")
    for rid in range(1, RECORDS + 1):
        na.record_decision(rid, TA, "NA", Verdict.INCLUDE)
        if rid < RECORDS:
            zl.record_decision(rid, TA, "ZL", Verdict.INCLUDE)
    assert zl.current_decisions(TA).keys() == {(rid, "ZL") for rid in range(1, RECORDS)}
    zl.record_decision(RECORDS, TA, "ZL", Verdict.EXCLUDE, ("E1",))
    assert not zl.is_blind(TA)
    assert len(zl.current_decisions(TA)) == 2 * RECORDS
    na.close()
    zl.close()


def test_no_decision_can_be_changed_or_deleted_by_anyone(review: Review):
    _screen_some(review)
    zl, owner = review.engine("ZL"), sa.create_engine(review.owner_url)
    try:
        for sql in (
            "UPDATE decision SET verdict = 'exclude' WHERE reviewer = 'ZL'",
            "DELETE FROM decision WHERE reviewer = 'ZL'",
            "UPDATE decision SET verdict = 'include' WHERE reviewer = 'NA'",
            "TRUNCATE decision CASCADE",
            "DELETE FROM note",
            "UPDATE vote SET verdict = 'exclude'",
            "DELETE FROM vote",
            "INSERT INTO vote (record_id, stage, reviewer, decision_id, verdict, reasons) "
            "SELECT record_id, stage, 'NA', id, 'include', '[]' FROM decision WHERE reviewer = 'ZL'",
            "UPDATE outcome SET verdict = 'include'",
            "DELETE FROM outcome",
            "INSERT INTO unblinding (stage, by, created_at) VALUES ('title-abstract', 'NA', now())",
        ):
            assert "permission denied" in _refused(zl, sql), sql
        # The owner (the lead's role, here the server's superuser) cannot rewrite the log either.
        for sql in (
            "UPDATE decision SET verdict = 'include' WHERE reviewer = 'NA'",
            "DELETE FROM decision WHERE reviewer = 'NA'",
            "TRUNCATE decision CASCADE",
            "DELETE FROM note",
            "UPDATE note SET text = 'rewritten'",
            "TRUNCATE resolution CASCADE",
        ):
            assert "append-only" in _refused(owner, sql), sql
        assert _scalar(owner, "SELECT count(*) FROM decision") == 16
    finally:
        zl.dispose()
        owner.dispose()


def test_a_reviewer_role_cannot_write_as_another_reviewer(review: Review):
    _screen_some(review)
    zl = review.engine("ZL")
    try:
        for sql in (
            "INSERT INTO decision (record_id, stage, reviewer, verdict, reasons, created_at) "
            "VALUES (1, 'title-abstract', 'NA', 'include', '[]', now())",
            "INSERT INTO note (record_id, stage, reviewer, text, created_at) "
            "VALUES (1, 'title-abstract', 'NA', 'x', now())",
            "INSERT INTO record_label (record_id, reviewer, label, created_at) VALUES (1, 'NA', 'x', now())",
            "INSERT INTO retrieval (record_id, status, by, created_at) VALUES (13, 'retrieved', 'NA', now())",
            # a resolution while blind, even in ZL's own name
            "INSERT INTO resolution (record_id, stage, verdict, reasons, resolved_by, method, created_at) "
            "VALUES (5, 'title-abstract', 'include', '[]', 'ZL', 'discussion', now())",
        ):
            assert "row-level security" in _refused(zl, sql), sql
        # ZL's own decision by raw SQL is accepted, and the server keeps the vote table right.
        with zl.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO decision (record_id, stage, reviewer, verdict, reasons, created_at) "
                "VALUES (1, 'title-abstract', 'ZL', 'exclude', '[\"E2\"]', now())"
            )
        assert _scalar(zl, "SELECT verdict FROM vote WHERE record_id = 1 AND reviewer = 'ZL'") == "exclude"
    finally:
        zl.dispose()
    # Through screener: one clear line, from the store's check and from the server.
    store = review.store("ZL")
    with pytest.raises(
        StoreError,
        match=r"^connected to PostgreSQL as role zl_pg_\w+, which is reviewer ZL: "
        r"it cannot act as NA$",
    ):
        store.record_decision(1, TA, "NA", Verdict.INCLUDE)
    with pytest.raises(
        StoreError,
        match=r"^the PostgreSQL server refused it to role zl_pg_\w+ \(reviewer ZL\): "
        r"permission denied for table unblinding: only the lead's role",
    ) as info:
        store.unblind(TA, "NA")  # NA is the protocol's lead, but this is ZL's session
    assert "\n" not in str(info.value)
    store.close()


def test_screener_works_as_a_reviewer_role(review: Review):
    _screen_some(review)
    zl = review.store("ZL")
    assert zl.login() == (review.logins["ZL"], "ZL")
    assert zl.is_blind(TA)
    zl.record_decision(1, TA, "ZL", Verdict.MAYBE)
    zl.record_decision(1, TA, "ZL", Verdict.RETRACTED)  # undo
    zl.record_note(2, TA, "ZL", "ask NA about the dose")
    zl.add_label(2, "ZL", "dose")
    assert zl.notes(TA, "ZL") == {(2, "ZL"): "ask NA about the dose"}
    assert zl.labels_of("ZL") == ["dose"]
    assert set(zl.current_decisions(TA, reviewer="ZL")) == {(rid, "ZL") for rid in range(5, RECORDS + 1)}
    counts = zl.decision_counts()
    assert counts == {("title-abstract", "ZL"): {"include": 8}}  # NA's progress is NA's
    assert len(zl.stage_pool(TA)) == RECORDS
    zl.close()
    result = CliRunner().invoke(
        cli, ["--db", review.urls["ZL"], "status", "--reviewer", "ZL"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    # The lead's own reviewer role sees the same rule from the other side.
    na = review.store("NA")
    assert set(na.decided_ids(TA, "ZL")) == set()
    na.close()


def test_reviewer_logins_only_in_postgresql_mode(tmp_path: Path, protocol: Protocol):
    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(protocol)
    with pytest.raises(StoreError, match="only in PostgreSQL mode"):
        store.add_reviewer("ZL", by="NA")
    store.close()


def test_login_names_are_checked(review: Review):
    store = review.store()
    for bad in ("pg_zl", "ZL", "zl; DROP TABLE decision", "9zl"):
        with pytest.raises(StoreError, match="login role name"):
            store.add_reviewer("ZL", by="NA", login=bad)
    with pytest.raises(StoreError, match="login role name"):  # refused before the protocol changes
        store.add_reviewer("XX", by="NA", login="pg_xx")
    assert "XX" not in store.protocol().reviewer_initials
    assert store.reviewer_logins() == {v: k for k, v in review.logins.items()}
    store.close()


# -- derived tables equal a recount from the log ---------------------------------------------


def recount_differences(owner_url: str, tmp_path: Path) -> dict[str, tuple[set, set]]:
    """Copy the log into an SQLite review, recount votes and outcomes there with the store's Python code,
    and return the tables whose rows differ: name -> (server's rows only, recount's rows only)."""
    src = open_store(owner_url)
    copy_path = tmp_path / f"recount-{uuid.uuid4().hex[:6]}.db"
    copy = open_store(copy_path, create=True)
    with src.engine.connect() as read, copy.engine.begin() as write:
        for table in t.SQLModel.metadata.sorted_tables:
            if table.name in ("vote", "outcome", "alembic_version"):
                continue
            rows = [dict(r._mapping) for r in read.execute(sa.select(table))]
            if rows:
                write.execute(sa.insert(table), rows)
    protocol = copy.protocol()
    copy._write(lambda conn: [copy._rebuild_votes(conn, stage) for stage in (TA, FT)])

    def outcomes(conn: sa.Connection) -> None:
        for stage in Stage:
            copy._refresh_outcomes(conn, protocol, stage, None)

    copy._write(outcomes)
    out = {}
    for table in (t.Vote.__table__, t.Outcome.__table__):
        with src.engine.connect() as a, copy.engine.connect() as b:
            server = {tuple(r) for r in a.execute(sa.select(table))}
            recount = {tuple(r) for r in b.execute(sa.select(table))}
        if server != recount:
            out[table.name] = (server - recount, recount - server)
    src.close()
    copy.close()
    return out


def _protocol_with(protocol: Protocol, old: str, new: str) -> Protocol:
    assert old in protocol.text
    return parse_protocol(protocol.text.replace(old, new), "test protocol")


OPS = st.lists(
    st.tuples(
        st.sampled_from(["NA", "ZL", "ZL-raw", "lead"]),
        st.integers(1, 6),  # record (6 is the citation-searching one, straight to full text)
        st.sampled_from([TA, FT]),
        st.sampled_from(
            ["include", "exclude", "maybe", "retracted", "resolve", "not-retrieved", "retrieved"]
        ),
        st.lists(st.sampled_from(["E1", "E2", "E3", "E9"]), max_size=2),
    ),
    min_size=1,
    max_size=12,
)


@pytest.mark.parametrize("rules", ["example", "maybe-include-one-reviewer"])
def test_derived_tables_equal_a_recount_from_the_log(
    pg_admin: sa.Engine, protocol: Protocol, tmp_path: Path, rules: str
):
    """Any sequence of decisions, undos, raw-SQL inserts, resolutions and retrievals.

    As two roles and the lead.
    """
    if rules != "example":
        protocol = _protocol_with(
            _protocol_with(protocol, 'maybe = "conflict"', 'maybe = "include"'),
            "reviewers_per_record = 2",
            "reviewers_per_record = 1",
        )
    gen = _make_review(pg_admin, protocol, records=5)
    review = next(gen)
    stores = {"NA": review.store("NA"), "ZL": review.store("ZL"), "lead": review.store()}
    zl_raw = review.engine("ZL")
    record_ids = {r.bib.title: r.id for r in stores["lead"].records()}
    assert len(record_ids) == 6
    try:

        @settings(
            max_examples=int(os.environ.get("SCREENER_RECOUNT_EXAMPLES", "25")),
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(OPS)
        def run(ops):
            _empty_log(review.owner_url)  # each example starts from no decisions
            for who, rid, stage, what, reasons in ops:
                _apply(stores, zl_raw, who, rid, stage, what, reasons)
            assert recount_differences(review.owner_url, tmp_path) == {}

        run()
        # and after the lead unblinds and changes the rules
        stores["lead"].unblind(TA, "NA")
        changed = _protocol_with(
            stores["lead"].protocol(),
            'reasons_must_match = ["full-text"]',
            'reasons_must_match = ["title-abstract", "full-text"]',
        )
        e1 = changed.text.index('[[exclusion]]\nid = "E1"')
        changed = parse_protocol(
            changed.text[:e1] + changed.text[changed.text.index("[[exclusion]]", e1 + 1) :], "t"
        )
        stores["lead"].change_protocol(
            changed, "NA", {"E1": "E3"}, "protocol.toml"
        )  # E1 retired, counts as E3
        assert recount_differences(review.owner_url, tmp_path) == {}
        _apply(stores, zl_raw, "ZL-raw", 1, TA, "exclude", ["E1"])  # a raw insert still naming E1
        assert recount_differences(review.owner_url, tmp_path) == {}
    finally:
        for s in stores.values():
            s.close()
        zl_raw.dispose()
        gen.close()


def _empty_log(owner_url: str) -> None:
    """Test only: empty the log and its derived tables, as the superuser with triggers off (replica mode)."""
    engine = sa.create_engine(owner_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
        conn.exec_driver_sql(
            "TRUNCATE decision, vote, outcome, note, resolution, reopening, unblinding, retrieval"
        )
    engine.dispose()


def _apply(
    stores: dict[str, Store],
    zl_raw: sa.Engine,
    who: str,
    rid: int,
    stage: Stage,
    what: str,
    reasons: list[str],
) -> None:
    try:
        if what in ("retrieved", "not-retrieved"):
            stores["lead"].set_retrieval(rid, what, reason="no copy" if what == "not-retrieved" else None)
        elif what == "resolve":
            stores["lead"].unblind(stage, "NA")
            stores["lead"].record_resolution(
                rid, stage, Verdict.EXCLUDE if reasons else Verdict.INCLUDE, "NA", "discussion", reasons
            )
        elif who == "ZL-raw":
            with zl_raw.begin() as conn:
                conn.execute(
                    sa.text(
                        "INSERT INTO decision (record_id, stage, reviewer, verdict, reasons, created_at) "
                        "VALUES (:r, :s, 'ZL', :v, :reasons, now())"
                    ),
                    dict(r=rid, s=stage.value, v=what, reasons=str(reasons).replace("'", '"')),
                )
        else:
            reviewer = "NA" if who in ("NA", "lead") else "ZL"
            stores[who].record_decision(
                rid, stage, reviewer, Verdict(what), reasons if what == "exclude" else (), reopen=True
            )
    except (
        StoreError
    ) as exc:  # refused by the store's own rules (e.g. not retrieved): no row, nothing to check
        assert "not retrieved" in str(exc) or "include or exclude" in str(exc), exc


def test_two_reviewer_roles_write_at_once(pg_admin: sa.Engine, protocol: Protocol, tmp_path: Path):
    """The concurrency test of test_concurrency.py, each process connected as its reviewer's own role.

    ``SCREENER_ROLE_DECISIONS`` decisions each (500 by default; the report gives a 5,000 run).
    """
    from test_concurrency import _result, _start  # the same worker processes

    per = int(os.environ.get("SCREENER_ROLE_DECISIONS", "500"))
    gen = _make_review(pg_admin, protocol, records=per, citation=False)
    review = next(gen)
    if os.environ.get("SCREENER_ROLE_AS_OWNER"):  # baseline for the report: the same run, one owner login
        review.urls = {who: review.owner_url for who in review.urls}
    try:
        go = tmp_path / "go"
        workers = {
            who: _start(review.urls[who], who, go, order, tmp_path)
            for who, order in (("NA", "asc"), ("ZL", "desc"))
        }
        for who, proc in workers.items():
            assert proc.stdout is not None
            line = proc.stdout.readline().strip()
            if line != "ready":
                for other in workers.values():
                    other.kill()
                pytest.fail(f"worker {who} did not get ready (said {line!r}); stderr:\n{proc.stderr.read()}")
        go.touch()
        results = {who: _result(proc, who) for who, proc in workers.items()}
        assert {who: r["errors"] for who, r in results.items() if r["errors"]} == {}
        owner = sa.create_engine(review.owner_url)
        with owner.connect() as conn:
            rows = dict(conn.exec_driver_sql("SELECT id, reviewer FROM decision").all())
        owner.dispose()
        lost = {who: [i for i in r["ids"] if rows.get(i) != who] for who, r in results.items()}
        print(
            f"\n[postgresql, two roles] {2 * per} decisions; lost: {sum(map(len, lost.values()))}; "
            + "; ".join(
                f"{who}: {r['elapsed']:.1f} s ({per / r['elapsed']:.0f}/s)" for who, r in results.items()
            )
        )
        assert lost == {"NA": [], "ZL": []}
        assert len(rows) == 2 * per and all(len(r["ids"]) == per for r in results.values())
        assert recount_differences(review.owner_url, tmp_path) == {}
    finally:
        gen.close()


def test_renaming_and_removing_a_reviewer_keep_the_log_and_follow_the_login(review: Review, tmp_path: Path):
    _screen_some(review)
    owner = sa.create_engine(review.owner_url)
    # Without a rename's transaction the owner cannot rewrite initials either.
    assert "append-only" in _refused(owner, "UPDATE decision SET reviewer = 'NA' WHERE reviewer = 'ZL'")
    lead = review.store()
    assert lead.rename_reviewer("ZL", "ZM", by="NA") == 8
    zm = review.store("ZL")  # the same role, now reviewer ZM
    assert zm.login() == (review.logins["ZL"], "ZM")
    assert set(zm.current_decisions(TA, reviewer="ZM")) == {(rid, "ZM") for rid in range(5, RECORDS + 1)}
    zm.record_decision(1, TA, "ZM", Verdict.INCLUDE)
    zm.close()
    assert recount_differences(review.owner_url, tmp_path) == {}
    # A removed reviewer keeps their decisions; their role can no longer act or read their blind work.
    assert lead.add_reviewer("KT", by="NA", login=review.logins["ZL"].replace("zl_", "kt_"))[2:] == (
        True,
        True,
    )
    assert "KT" in lead.protocol().reviewer_initials
    lead.remove_reviewer("ZM", by="NA")
    lead.close()
    zm_raw = review.engine("ZL")
    assert "row-level security" in _refused(
        zm_raw,
        "INSERT INTO decision (record_id, stage, reviewer, verdict, "
        "reasons, created_at) VALUES (2, 'title-abstract', 'ZM', "
        "'include', '[]', now())",
    )
    assert _scalar(owner, "SELECT count(*) FROM decision WHERE reviewer = 'ZM'") == 9
    zm_raw.dispose()
    owner.dispose()


def test_a_reviewer_role_reads_only_its_own_passphrase_hash(review: Review):
    from screener.core.passphrase import hash_passphrase

    lead = review.store()
    lead.set_passphrase("NA", hash_passphrase("correct horse battery NA"), by="NA")
    lead.close()
    zl = review.store("ZL")
    assert zl.passphrase_hash("NA") is None  # the row exists, ZL's role cannot see it
    zl.set_passphrase("ZL", hash_passphrase("correct horse battery ZL"), by="ZL")  # first use: ZL's own
    assert zl.passphrase_hash("ZL") is not None
    with pytest.raises(StoreError, match="row-level security"):
        zl.set_passphrase("NA", hash_passphrase("stolen by ZL 1234"), by="ZL")
    zl.close()


def test_reviewer_add_on_the_command_line(review: Review, monkeypatch: pytest.MonkeyPatch):
    """The lead runs 'screener reviewer add KT': KT joins the protocol, gets a role, and screens as it."""
    monkeypatch.setenv("SCREENER_PASSPHRASE", "the lead's own passphrase")  # NA's first one, chosen now
    monkeypatch.setenv("SCREENER_ROLE_PASSWORD", "")  # trust auth on the test server: no password
    kt = review.logins["ZL"].replace("zl_", "kt_")
    result = CliRunner().invoke(
        cli,
        ["--db", review.owner_url, "reviewer", "add", "KT", "--name", "Kim Tan", "--login", kt],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "added KT to the protocol" in result.output
    assert f"created login role {kt} for KT without a password" in result.output
    url = sa.make_url(review.owner_url).set(username=kt).render_as_string(hide_password=False)
    assert f"KT connects as: screener --db {url} screen --reviewer KT" in result.output
    store = open_store(url)
    store.record_decision(3, TA, "KT", Verdict.INCLUDE)
    with pytest.raises(StoreError, match="cannot act as ZL"):
        store.record_decision(3, TA, "ZL", Verdict.INCLUDE)
    store.close()
    monkeypatch.setenv("SCREENER_PASSPHRASE", "not the lead's passphrase")
    wrong = CliRunner().invoke(
        cli, ["--db", review.owner_url, "reviewer", "add", "XY", "--login", kt + "_xy"]
    )
    assert wrong.exit_code == 1 and "wrong passphrase for NA" in wrong.output
    monkeypatch.setenv("SCREENER_PASSPHRASE", "the lead's own passphrase")
    again = CliRunner().invoke(cli, ["--db", review.owner_url, "reviewer", "add", "KT", "--login", kt])
    assert again.exit_code == 0 and "existed already" in again.output and "added" not in again.output
    # Not the lead: refused by screener; and a reviewer's own session cannot change the protocol or
    # make roles even past screener's checks: the server refuses, in one line.
    monkeypatch.setenv("SCREENER_PASSPHRASE", "zl's first passphrase")
    refused = CliRunner().invoke(cli, ["--db", review.urls["ZL"], "reviewer", "add", "XY", "--by", "ZL"])
    assert refused.exit_code == 1 and "only the review's lead" in refused.output
    zl = review.store("ZL")
    for initials in ("XY", "ZL"):  # a protocol change, then a role for a reviewer already there
        with pytest.raises(
            StoreError,
            match=r"^the PostgreSQL server refused it to role zl_pg_\w+ \(reviewer ZL\): "
            r"permission denied",
        ) as info:
            zl.add_reviewer(initials, by="NA", login=f"{initials.lower()}_{review.logins['ZL']}")
        assert "\n" not in str(info.value)
    assert "XY" not in zl.protocol().reviewer_initials
    zl.close()


def test_reviewer_add_refused_on_sqlite(tmp_path: Path, protocol: Protocol):
    path = tmp_path / "review.db"
    open_store(path, create=True).init_review(protocol)
    result = CliRunner().invoke(cli, ["--db", str(path), "reviewer", "add", "ZL"])
    assert result.exit_code == 1 and "only in PostgreSQL mode" in result.output


def test_a_stage_after_a_blind_one_stays_blind(review: Review):
    """The store's rule: full text is made of title/abstract outcomes.

    So it is blind while title/abstract is.
    """
    na = review.store("NA")
    citation = max(r.id for r in na.records())  # found by citation searching: straight to full text
    na.record_decision(citation, FT, "NA", Verdict.INCLUDE)
    na.close()
    lead = review.store()
    lead.unblind(FT, "NA")
    zl = review.engine("ZL")
    try:
        assert _scalar(zl, "SELECT count(*) FROM decision WHERE stage = 'full-text'") == 0
        lead.unblind(TA, "NA")
        assert _scalar(zl, "SELECT count(*) FROM decision WHERE stage = 'full-text'") == 1
    finally:
        zl.dispose()
        lead.close()
