"""Screening-related commands: unblind, conflicts, agreement, decision export, status while blind."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.core.models import BibRecord, Stage, Verdict
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import SourceInput, open_store

TA = Stage.TITLE_ABSTRACT


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = tmp_path / "review.db"
    store = open_store(path, create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    store.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [BibRecord(position=i, title=f"Record {i}", source_id=f"PM{i}") for i in range(1, 5)],
    )
    for rid, (na, zl) in enumerate(
        [("include", "include"), ("include", "exclude"), ("exclude", "exclude"), ("maybe", "exclude")],
        start=1,
    ):
        store.record_decision(rid, TA, "NA", Verdict(na), note="NA note" if rid == 1 else None)
        if rid < 4:
            store.record_decision(rid, TA, "ZL", Verdict(zl), reasons=("E1",) if zl == "exclude" else ())
    store.close()
    return str(path)


def invoke(db: str, *args: str):
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def test_blind_until_unblinded(db: str):
    out = invoke(db, "status")
    assert "(blind: outcomes hidden until unblinded)" in out.output
    assert "include" not in out.output.split("Screening progress")[1]  # nobody's verdict counts
    mine = invoke(db, "export", "decisions", "--reviewer", "ZL")
    rows = list(csv.DictReader(io.StringIO(mine.output)))
    assert {r["reviewer"] for r in rows} == {"ZL"} and len(rows) == 3
    for args in (("conflicts",), ("agreement",), ("export", "decisions")):
        result = invoke(db, *args)
        assert result.exit_code == 1 and "blind" in result.output, args
    refused = invoke(db, "unblind", "--by", "ZL")
    assert refused.exit_code == 1 and "only the review's lead" in refused.output


def test_after_unblinding(db: str):
    assert invoke(db, "unblind", "--by", "NA").exit_code == 0
    out = invoke(db, "conflicts", "--list")
    assert out.exit_code == 0
    assert "1 conflict at title-abstract:" in out.output
    assert (
        "record 2: Record 2" in out.output and "ZL     exclude — Review articles with limited" in out.output
    )
    status = invoke(db, "status").output
    assert (
        "title-abstract        4        2         1         1          1         0             1          0"
        in status
    )
    data = json.loads(invoke(db, "agreement", "--json").stdout)
    assert data[0]["reviewers"] == ["NA", "ZL"] and data[0]["include_maybe_exclude"]["n"] == 3
    assert data[0]["include_maybe_exclude"]["table"] == [[1, 0, 1], [0, 0, 0], [0, 0, 1]]
    text = invoke(db, "agreement").output
    assert "NA vs ZL, 3 records decided by both" in text and "kappa" in text
    rows = list(csv.DictReader(io.StringIO(invoke(db, "export", "agreement").stdout)))
    assert [r["categories"] for r in rows] == ["include/maybe/exclude", "include/exclude"]
    log = list(csv.DictReader(io.StringIO(invoke(db, "export", "decisions").stdout)))
    assert len(log) == 7 and log[0]["note"] == "NA note" and log[0]["source_record_id"] == "PM1"
    assert log[3]["reason_labels"] == "Review articles with limited content on either LDN or FM"


def test_screen_refuses_unknown_reviewer(db: str):
    out = invoke(db, "screen", "--reviewer", "XX")
    assert out.exit_code == 1 and "unknown reviewer 'XX': the protocol names NA, ZL" in out.output


def test_initials_in_any_case(db: str):
    """`na` is NA: the CLI takes initials as the protocol spells them, whatever the case typed."""
    out = invoke(db, "export", "decisions", "--reviewer", "na")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert rows and {r["reviewer"] for r in rows} == {"NA"}
    out = invoke(db, "unblind", "--stage", "title-abstract", "--by", "na")
    assert out.exit_code == 0, out.output
    out = invoke(db, "screen", "--reviewer", "xx")
    assert out.exit_code == 1 and "unknown reviewer 'xx'" in out.output


def test_source_list_remove_refused_archive_and_restore(db: str, tmp_path):
    store = open_store(db)
    store.add_source(
        SourceInput("Scopus", "wrong.ris", "c" * 64, "ris"), [BibRecord(position=1, title="Wrong")]
    )
    store.close()
    out = invoke(db, "source", "list")
    assert out.exit_code == 0
    lines = out.output.splitlines()
    assert lines[1].split()[:4] == ["1", "PubMed", "4", "4"] and lines[2].split()[:4] == [
        "2",
        "Scopus",
        "1",
        "0",
    ]
    out = invoke(db, "source", "remove", "2", "--by", "na")
    assert out.exit_code == 0 and "removed source 2 (Scopus): 1 records" in out.output
    assert "Scopus" not in invoke(db, "status").output
    assert "removed · 'screener source restore 2' until the next dedup" in invoke(db, "source", "list").output
    out = invoke(db, "source", "restore", "2")
    assert out.exit_code == 0 and "restored source 2 (Scopus): 1 records are back" in out.output
    out = CliRunner().invoke(cli, ["--db", db, "source", "remove", "1"])
    assert out.exit_code == 1
    assert out.output.strip().splitlines() == [
        "Error: source 1 (PubMed): 4 of its 4 records carry decisions; --force archives it (records "
        "leave the review, decisions stay in the log)"
    ]
    out = invoke(db, "source", "remove", "1", "--force")
    assert out.exit_code == 0 and "archived source 1 (PubMed)" in out.output
    methods = invoke(db, "prisma", "--format", "methods").output
    assert (
        "withdrawn from the review after screening had begun: PubMed (4 records, 4 with decisions)" in methods
    )
    assert "not counted: PubMed (4 records, 4 with decisions) was withdrawn" in invoke(db, "prisma").output
    assert "archived (not in the review)" in invoke(db, "source", "list").output
    out = CliRunner().invoke(cli, ["--db", db, "source", "remove", "9"])
    assert out.exit_code == 1 and "source 9 does not exist" in out.output
