"""``screener rank simulate``: replay screening of a labelled CSV."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.cli import main as cli_main

RELEVANT = "Low-dose naltrexone for fibromyalgia pain: a randomised placebo-controlled trial"


def write_csv(path: Path, rows: list[tuple[str, str, str]], label: str = "label_included") -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["title", "abstract", label])
        w.writerows(rows)


def small_set(seed: int = 0) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    rows = [(f"{RELEVANT} {i}", "naltrexone fibromyalgia pain trial placebo", "1") for i in range(4)]
    topics = [
        "coronary stent surgery",
        "asthma inhaler children",
        "hip fracture elderly",
        "kidney dialysis cohort",
    ]
    rows += [
        (f"{rng.choice(topics)} study {i}", f"{rng.choice(topics)} outcomes in a cohort", "0")
        for i in range(36)
    ]
    rng.shuffle(rows)
    return rows


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(cli, ["rank", "simulate", *args], env=env, catch_exceptions=False)


def test_simulate_writes_every_row_once_in_screened_order(tmp_path: Path) -> None:
    rows = small_set()
    write_csv(tmp_path / "d.csv", rows)
    rel = next(i for i, r in enumerate(rows) if r[2] == "1")
    irr = next(i for i, r in enumerate(rows) if r[2] == "0")
    out = tmp_path / "order.csv"
    result = run(
        str(tmp_path / "d.csv"),
        "--label-column",
        "label_included",
        "--seed",
        "3",
        "--out",
        str(out),
        env={"RANK_EVAL_PRIOR_IDX": f"{rel},{irr}"},
    )
    assert result.exit_code == 0, result.output
    order = [int(x) for x in out.read_text().splitlines()]
    assert sorted(order) == list(range(len(rows))) and order[:2] == [rel, irr]
    # the three other relevant rows come straight after the prior
    assert {rows[i][2] for i in order[2:5]} == {"1"}
    # same seed, same order
    out2 = tmp_path / "order2.csv"
    run(
        str(tmp_path / "d.csv"),
        "--seed",
        "3",
        "--out",
        str(out2),
        env={"RANK_EVAL_PRIOR_IDX": f"{rel},{irr}"},
    )
    assert out2.read_text() == out.read_text()


def test_simulate_without_prior_and_with_a_protocol(tmp_path: Path) -> None:
    rows = small_set(1)
    write_csv(tmp_path / "d.csv", rows, label="incl")
    out = tmp_path / "o.txt"
    assert (
        run(
            str(tmp_path / "d.csv"),
            "--label-column",
            "incl",
            "--out",
            str(out),
            env={"RANK_EVAL_PRIOR_IDX": ""},
        ).exit_code
        == 0
    )
    assert sorted(int(x) for x in out.read_text().split()) == list(range(len(rows)))
    protocol = tmp_path / "p.toml"
    protocol.write_text(
        '[review]\ntitle = "T"\nquestion = "Q"\n[[reviewers]]\ninitials = "NA"\n'
        "[screening]\nreviewers_per_record = 1\n"
        '[[inclusion]]\nid = "I1"\nlabel = "LDN"\nkeywords = ["naltrexone", "fibromyalgia"]\n'
        '[[exclusion]]\nid = "E1"\nlabel = "Other"\nkeywords = ["stent"]\n'
    )
    assert (
        run(
            str(tmp_path / "d.csv"),
            "--label-column",
            "incl",
            "--out",
            str(out),
            "--protocol",
            str(protocol),
            env={"RANK_EVAL_PRIOR_IDX": ""},
        ).exit_code
        == 0
    )
    order = [int(x) for x in out.read_text().split()]
    assert {rows[i][2] for i in order[:4]} == {"1"}  # keywords put the relevant rows first


@pytest.mark.parametrize(
    "content, env, message",
    [
        ("title,abstract,label_included\nA,B,1\nC,D,maybe\n", {}, "d.csv:3: label 'maybe'"),
        ("title,abstract,other\nA,B,1\n", {}, "d.csv:1: no column 'label_included'"),
        (
            "title,abstract,label_included\nA,B,1\nC,D,0\n",
            {"RANK_EVAL_PRIOR_IDX": "0,9"},
            "row 9 is outside 0..1",
        ),
        (
            "title,abstract,label_included\nA,B,1\nC,D,0\n",
            {"RANK_EVAL_PRIOR_IDX": "x"},
            "expected two row indices",
        ),
        (
            "title,abstract,label_included\nA,B,0\nC,D,0\n",
            {},
            "at least one included (1) and one excluded (0)",
        ),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch, capsys, content: str, env: dict[str, str], message: str
) -> None:
    (tmp_path / "d.csv").write_text(content)
    out = tmp_path / "o.txt"
    monkeypatch.setenv("RANK_EVAL_PRIOR_IDX", env.get("RANK_EVAL_PRIOR_IDX", ""))
    monkeypatch.setattr(
        "sys.argv", ["screener", "rank", "simulate", str(tmp_path / "d.csv"), "--out", str(out)]
    )
    with pytest.raises(SystemExit) as exc:
        cli_main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def relevance_db(path: Path) -> str:
    from screener.core.models import BibRecord, Stage, Verdict
    from screener.core.protocol import parse_protocol
    from screener.paths import example_dir
    from screener.store import SourceInput, open_store

    text = (example_dir() / "protocol.toml").read_text().replace('order = "import"', 'order = "relevance"')
    store = open_store(path, create=True)
    store.init_review(parse_protocol(text))
    store.add_source(
        SourceInput("PubMed", "p.nbib", "c" * 64, "pubmed"),
        [BibRecord(position=i, title=f"Record {i}", source_id=f"PM{i}") for i in range(1, 31)],
    )
    ta = Stage.TITLE_ABSTRACT
    for rid, verdict in [(1, Verdict.EXCLUDE), (2, Verdict.INCLUDE), (3, Verdict.EXCLUDE)]:
        store.record_decision(rid, ta, "NA", verdict)
    store.record_decision(1, ta, "ZL", Verdict.INCLUDE)
    store.close()
    return str(path)


def test_status_shows_the_stopping_guide_and_hides_it_while_blind(tmp_path: Path) -> None:
    from screener.core.models import Stage, Verdict
    from screener.store import open_store

    db = relevance_db(tmp_path / "r.db")
    out = CliRunner().invoke(cli, ["--db", db, "status"], catch_exceptions=False).output
    assert "Stopping guide (relevance order)" in out
    assert "NA     hidden while the stage is blind" in out and "ZL     hidden while the stage is blind" in out
    out = CliRunner().invoke(cli, ["--db", db, "status", "--reviewer", "na"], catch_exceptions=False).output
    # 27 unscreened, 1 include: K_tar = 1; (27 - n) / 27 < 0.05 first at n = 26
    assert "3 of 30 screened · 1 includes found · 1 screened since the last include" in out
    assert "to claim 95% recall with 95% confidence, screen 26 more random records" in out
    assert "Callaghan & Müller-Hansen 2020" in out and "ZL     hidden while the stage is blind" in out
    # the random sample begins after NA's third decision; ten excludes later p = 17/27
    store = open_store(db)
    ta = Stage.TITLE_ABSTRACT
    last = max(d.id for d in store.decision_log(ta, "NA"))
    store.record_ranking_run(ta, "NA", "random-sample", "seeded random order", 3, 0, 27, last, 2022, 0.0)
    for rid in range(4, 14):
        store.record_decision(rid, ta, "NA", Verdict.EXCLUDE)
    store.close()
    out = CliRunner().invoke(cli, ["--db", db, "status", "--reviewer", "NA"], catch_exceptions=False).output
    assert "random sample: 10 of 27 unscreened records, 0 includes; p = 0.630" in out
    assert "screen 16 more (none of them an include)" in out


def test_after_unblinding_the_ranking_learns_from_final_outcomes(tmp_path: Path) -> None:
    from screener.core.models import Stage, Verdict
    from screener.store import open_store

    store = open_store(relevance_db(tmp_path / "r.db"))
    ta = Stage.TITLE_ABSTRACT
    assert store.ranking_labels(ta, "NA").labels == {1: False, 2: True, 3: False}
    assert store.ranking_labels(ta, "ZL").labels == {1: True}  # ZL's own only: blind
    store.record_decision(4, ta, "ZL", Verdict.INCLUDE)
    store.record_decision(4, ta, "NA", Verdict.INCLUDE)
    store.unblind(ta, by="NA")
    labels = store.ranking_labels(ta, "ZL")
    assert not labels.own_only and labels.labels == {1: True, 4: True}  # record 4 agreed; 1 is in conflict
    store.record_resolution(1, ta, Verdict.EXCLUDE, "NA", "consensus")
    assert store.ranking_labels(ta, "ZL").labels[1] is False  # the final outcome overrides ZL's own vote
    store.close()


def test_asreview_style_column_names_and_float_labels(tmp_path: Path) -> None:
    from screener.importers.labelled import read_labelled_csv

    (tmp_path / "d.csv").write_text(
        "Primary_Title,Abstract_Note,Keywords,label_included\n"
        "LDN trial,naltrexone,pain,1.0\nStent,coronary,heart,0.0\n"
    )
    data = read_labelled_csv(tmp_path / "d.csv", "label_included")
    assert data.texts == ["LDN trial naltrexone pain", "Stent coronary heart"] and data.labels == [
        True,
        False,
    ]
