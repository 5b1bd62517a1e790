"""Reviewer identity: every command that acts as a reviewer, or reads one reviewer's data, proves it.

Each command is run as ZL would run it to impersonate NA: without a passphrase, and with a
wrong one (both refused in one line, exit 1, nothing written), then with NA's (accepted).
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from screener.cli import cli
from screener.core.models import Author, BibRecord, Stage, Verdict
from screener.core.passphrase import hash_passphrase
from screener.core.protocol import parse_protocol
from screener.paths import example_dir
from screener.store import SourceInput, open_store
from screener.workflows.dedup import run_dedup

TA = Stage.TITLE_ABSTRACT
NA_PASS, ZL_PASS, XY_PASS = "na-passphrase", "zl-passphrase", "xy-passphrase"
PROTOCOL = (
    (example_dir() / "protocol.toml")
    .read_text()
    .replace("[screening]", '[[reviewers]]\ninitials = "XY"\nname = "Xu Yang"\n\n[screening]', 1)
)
TABLES = (
    "decision",
    "vote",
    "note",
    "dup_pair",
    "dup_cluster",
    "unblinding",
    "source",
    "source_removal",
    "reviewer",
    "reviewer_secret",
    "protocol_change",
    "review",
)


@pytest.fixture
def db(tmp_path: Path) -> str:
    """Three reviewers with passphrases; NA and ZL decided; records 5 and 6 are duplicates."""
    path = tmp_path / "review.db"
    store = open_store(path, create=True)
    store.init_review(parse_protocol(PROTOCOL))
    titles = ["Naltrexone and pain", "Sleep in fibromyalgia", "Opioid antagonists reviewed", "Glial cells"]
    records = [
        BibRecord(position=i, title=titles[i - 1], source_id=f"PM{i}", year=2000 + i, doi=f"10.1/{i}")
        for i in range(1, 5)
    ]
    trial = dict(
        title="Low dose naltrexone for fibromyalgia: a pilot trial",
        year=2013,
        doi="10.9/same",
        authors=(Author("Younger", "J"), Author("Mackey", "S")),
        journal="Pain Medicine",
        volume="10",
        start_page="663",
    )
    store.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [*records, BibRecord(position=5, source_id="PM5", **trial)],
    )
    store.add_source(
        SourceInput("Embase", "e.ris", "b" * 64, "ris"), [BibRecord(position=1, source_id="E5", **trial)]
    )
    store.add_source(
        SourceInput("CINAHL", "c.ris", "c" * 64, "ris"),
        [BibRecord(position=1, title="A record imported by mistake", source_id="C1")],
    )
    run_dedup(store)
    for rid in (1, 2, 3):
        store.record_decision(rid, TA, "NA", Verdict.INCLUDE, note="NA thinks so")
        store.record_decision(rid, TA, "ZL", Verdict.EXCLUDE if rid == 2 else Verdict.INCLUDE)
    for who, secret in (("NA", NA_PASS), ("ZL", ZL_PASS), ("XY", XY_PASS)):
        store.set_passphrase(who, hash_passphrase(secret), by="NA")
    store.close()
    return str(path)


def snapshot(db: str) -> dict[str, Any]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        out = {t: sorted(map(tuple, conn.execute(sa.text(f"SELECT * FROM {t}")))) for t in TABLES}
    engine.dispose()
    return out


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The terminal app is not run: each make_app call is recorded instead."""
    calls: list[dict[str, Any]] = []

    class Fake:
        def __init__(self, **kwargs: Any) -> None:
            self.kwargs = kwargs

        def run(self) -> None:
            calls.append(self.kwargs)

    monkeypatch.setattr("screener.tui.app.make_app", lambda store, **kw: Fake(**kw))
    return calls


def invoke(db: str, *args: str, passphrase: str | None, stdin: str | None = None):
    env = {"SCREENER_PASSPHRASE": passphrase} if passphrase is not None else {}
    if passphrase is None:
        os.environ.pop("SCREENER_PASSPHRASE", None)
    return CliRunner().invoke(cli, ["--db", db, *args], env=env, input=stdin)


# (command, passphrase it needs, a check that the accepted run did its job)
COMMANDS: list[tuple[tuple[str, ...], str]] = [
    (("screen", "--reviewer", "NA"), NA_PASS),
    (("screen", "--reviewer", "na", "--stage", "full-text"), NA_PASS),
    (("export", "decisions", "--reviewer", "NA"), NA_PASS),
    (("status", "--reviewer", "NA"), NA_PASS),
    (("unblind", "--by", "NA"), NA_PASS),
    (("dedup", "--same", "1", "4", "--by", "NA"), NA_PASS),
    (("dedup", "--different", "1", "4", "--by", "ZL"), ZL_PASS),
    (("dedup", "--undo", "1", "--by", "NA", "--yes"), NA_PASS),
    (("source", "remove", "3", "--by", "ZL"), ZL_PASS),
    (("reviewer", "lead", "XY", "--by", "NA"), NA_PASS),
    (("reviewer", "rename", "XY", "XW"), NA_PASS),
    (("reviewer", "remove", "XY", "--by", "NA"), NA_PASS),
]


@pytest.mark.parametrize(
    ("args", "right"), COMMANDS, ids=lambda a: " ".join(a) if isinstance(a, tuple) else ""
)
def test_wrong_or_missing_passphrase_is_refused_and_writes_nothing(db: str, opened: list, args, right):
    before = snapshot(db)
    for given, message in (
        (None, "no passphrase given for"),
        ("", "no passphrase given for"),
        (ZL_PASS if right == NA_PASS else NA_PASS, "wrong passphrase for"),
        (right + "x", "wrong passphrase for"),
    ):
        result = invoke(db, *args, passphrase=given, stdin="")
        assert result.exit_code == 1, (given, result.output)
        assert message in result.output and "nothing was done" in result.output, result.output
        assert snapshot(db) == before
        assert not opened
    accepted = invoke(db, *args, passphrase=right)
    assert accepted.exit_code == 0, accepted.output
    assert "passphrase" not in accepted.output
    if args[0] == "screen":
        assert opened == [{"reviewer": "NA", "stage": Stage(args[-1]) if "--stage" in args else TA}]
    elif args[0] == "export":
        rows = list(csv.DictReader(io.StringIO(accepted.output)))
        assert {r["reviewer"] for r in rows} == {"NA"} and len(rows) == 3
    elif args[0] != "status":
        assert snapshot(db) != before  # the accepted run wrote what it was asked to


def test_conflicts_by_is_proven(db: str, opened: list):
    assert invoke(db, "unblind", "--by", "NA", passphrase=NA_PASS).exit_code == 0
    for given in (None, ZL_PASS):
        result = invoke(db, "conflicts", "--by", "NA", passphrase=given, stdin="")
        assert result.exit_code == 1 and "passphrase for NA" in result.output
    assert not opened
    assert invoke(db, "conflicts", "--by", "NA", passphrase=NA_PASS).exit_code == 0
    assert opened == [{"resolver": "NA", "stage": TA, "all_conflicts": False}]


def test_typed_passphrase_at_the_prompt(db: str):
    wrong = invoke(db, "export", "decisions", "--reviewer", "NA", passphrase=None, stdin="guess\n")
    assert wrong.exit_code == 1 and "wrong passphrase for NA" in wrong.output
    right = invoke(db, "export", "decisions", "--reviewer", "NA", passphrase=None, stdin=NA_PASS + "\n")
    assert right.exit_code == 0 and "NA thinks so" in right.output
    assert NA_PASS not in right.output  # hidden input is not echoed


def test_a_reviewer_changes_their_own_passphrase_proving_the_old_one(db: str):
    env = {"SCREENER_NEW_PASSPHRASE": "zl-new-passphrase"}
    refused = CliRunner().invoke(
        cli, ["--db", db, "reviewer", "passphrase", "ZL"], env={**env, "SCREENER_PASSPHRASE": NA_PASS}
    )
    assert refused.exit_code == 1 and "wrong passphrase for ZL" in refused.output  # the lead cannot change it
    by_lead = CliRunner().invoke(
        cli,
        ["--db", db, "reviewer", "passphrase", "ZL", "--by", "NA"],
        env={**env, "SCREENER_PASSPHRASE": NA_PASS},
    )
    assert by_lead.exit_code == 1 and "only ZL can change it" in by_lead.output
    ok = CliRunner().invoke(
        cli, ["--db", db, "reviewer", "passphrase", "ZL"], env={**env, "SCREENER_PASSPHRASE": ZL_PASS}
    )
    assert ok.exit_code == 0 and "passphrase changed for ZL" in ok.output
    assert invoke(db, "status", "--reviewer", "ZL", passphrase=ZL_PASS).exit_code == 1
    assert invoke(db, "status", "--reviewer", "ZL", passphrase="zl-new-passphrase").exit_code == 0
    weak = CliRunner().invoke(
        cli,
        ["--db", db, "reviewer", "passphrase", "ZL"],
        env={"SCREENER_NEW_PASSPHRASE": "short", "SCREENER_PASSPHRASE": "zl-new-passphrase"},
    )
    assert weak.exit_code == 1 and "at least 8 characters" in weak.output


def test_the_lead_sets_first_passphrases(tmp_path: Path):
    db = str(tmp_path / "new.db")
    runner = CliRunner()
    assert runner.invoke(cli, ["--db", db, "init", "--example", "ldn-fibromyalgia"]).exit_code == 0
    lead = runner.invoke(
        cli,
        ["--db", db, "reviewer", "passphrase", "NA"],
        env={"SCREENER_NEW_PASSPHRASE": NA_PASS, "SCREENER_PASSPHRASE": None},
    )
    assert lead.exit_code == 0, lead.output
    zl = runner.invoke(
        cli,
        ["--db", db, "reviewer", "passphrase", "ZL"],
        input=f"{NA_PASS}\n{ZL_PASS}\n{ZL_PASS}\n",
        env={"SCREENER_PASSPHRASE": None},
    )
    assert zl.exit_code == 0 and "passphrase set for ZL by NA" in zl.output
    listing = runner.invoke(cli, ["--db", db, "reviewer", "list"]).output
    assert "NA        lead      set" in listing and "ZL        reviewer  set" in listing
    assert invoke(db, "status", "--reviewer", "ZL", passphrase=ZL_PASS).exit_code == 0
    assert invoke(db, "status", "--reviewer", "ZL", passphrase=NA_PASS).exit_code == 1


def test_a_review_without_passphrases_asks_each_reviewer_on_first_use(tmp_path: Path):
    db = str(tmp_path / "old.db")
    assert CliRunner().invoke(cli, ["--db", db, "init", "--example", "ldn-fibromyalgia"]).exit_code == 0
    first = invoke(db, "status", "--reviewer", "ZL", passphrase=None, stdin=f"{ZL_PASS}\n{ZL_PASS}\n")
    assert first.exit_code == 0 and "ZL has no passphrase yet" in first.output
    assert "passphrase set for ZL" in first.output
    assert invoke(db, "status", "--reviewer", "ZL", passphrase="someone-else").exit_code == 1
    assert invoke(db, "status", "--reviewer", "ZL", passphrase=ZL_PASS).exit_code == 0
    mismatch = invoke(db, "status", "--reviewer", "NA", passphrase=None, stdin=f"{NA_PASS}\nother-words\n")
    assert mismatch.exit_code == 1
    assert "passphrase set for NA" not in mismatch.output  # typed twice differently: nothing stored
    store = open_store(db)
    assert [r.initials for r in store.reviewer_list() if r.has_passphrase] == ["ZL"]
    store.close()


def test_real_process_refuses_a_wrong_passphrase(db: str):
    def run(passphrase: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "SCREENER_PASSPHRASE": passphrase}
        return subprocess.run(
            [sys.executable, "-m", "screener", "--db", db, "export", "decisions", "--reviewer", "NA"],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    wrong = run(ZL_PASS)
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert wrong.stderr == "screener: error: wrong passphrase for NA: nothing was done\n"
    right = run(NA_PASS)
    assert right.returncode == 0 and right.stdout.count("NA thinks so") == 3


def test_rename_remove_and_lead_handoff_from_the_command_line(db: str, opened: list):
    renamed = invoke(db, "reviewer", "rename", "ZL", "ZK", passphrase=NA_PASS)
    assert renamed.exit_code == 0 and "their 3 decisions" in renamed.output
    mine = invoke(db, "export", "decisions", "--reviewer", "ZK", passphrase=ZL_PASS)  # the passphrase follows
    assert mine.exit_code == 0 and {r["reviewer"] for r in csv.DictReader(io.StringIO(mine.output))} == {"ZK"}
    assert len(list(csv.DictReader(io.StringIO(mine.output)))) == 3
    not_lead = invoke(db, "reviewer", "lead", "ZK", "--by", "ZK", passphrase=ZL_PASS)
    assert not_lead.exit_code == 1 and "only the review's lead" in not_lead.output
    handed = invoke(db, "reviewer", "lead", "XY", passphrase=NA_PASS)
    assert handed.exit_code == 0 and "XY is now the review's lead" in handed.output
    old_lead = invoke(db, "unblind", "--by", "NA", passphrase=NA_PASS)
    assert old_lead.exit_code == 1 and "only the review's lead" in old_lead.output
    removed = invoke(db, "reviewer", "remove", "NA", passphrase=XY_PASS)
    assert removed.exit_code == 0 and "their 3 decisions stay in the log" in removed.output
    for args in (
        ("screen", "--reviewer", "NA"),
        ("status", "--reviewer", "NA"),
        ("dedup", "--same", "1", "2", "--by", "NA"),
    ):
        gone = invoke(db, *args, passphrase=NA_PASS)
        assert gone.exit_code == 1 and "removed from this review" in gone.output, args
    assert not opened
    listing = invoke(db, "reviewer", "list", passphrase=None).output.splitlines()
    assert [line.split()[:2] for line in listing[1:]] == [
        ["ZK", "reviewer"],
        ["XY", "lead"],
        ["NA", "removed"],
    ]
    history = invoke(db, "protocol", "history", passphrase=None).output
    assert [line.strip() for line in history.splitlines()[1::2]] == [
        "reviewer ZL renamed ZK by NA",
        "lead role handed from NA to XY",
        "reviewer NA removed by XY",
    ]
    assert invoke(db, "unblind", "--by", "XY", passphrase=XY_PASS).exit_code == 0
    log = list(csv.DictReader(io.StringIO(invoke(db, "export", "decisions", passphrase=None).output)))
    assert sorted({r["reviewer"] for r in log}) == ["NA", "ZK"] and len(log) == 6  # nothing lost


def _commands_with(group: click.Group, names: set[str], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
    found = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= _commands_with(command, names, (*prefix, name))
        elif any(p.name in names for p in command.params):
            found.add((*prefix, name))
    return found


def test_every_command_naming_a_reviewer_is_in_these_tests():
    """A new command with --by or --reviewer must be added to COMMANDS (and prove who runs it)."""
    tested = {args[:2] if args[0] in ("export", "source", "reviewer") else args[:1] for args, _ in COMMANDS}
    tested |= {
        ("conflicts",),
        ("reviewer", "passphrase"),
        ("protocol", "update"),
    }  # tested above / in test_protocol_cli
    tested |= {("reviewer", "add")}  # PostgreSQL only: tests/store/test_server_mode.py
    assert _commands_with(cli, {"by", "reviewer"}) == tested
