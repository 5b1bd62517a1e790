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
    topics = ["coronary stent surgery", "asthma inhaler children", "hip fracture elderly", "kidney dialysis cohort"]
    rows += [(f"{rng.choice(topics)} study {i}", f"{rng.choice(topics)} outcomes in a cohort", "0") for i in range(36)]
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
    result = run(str(tmp_path / "d.csv"), "--label-column", "label_included", "--seed", "3", "--out", str(out),
                 env={"RANK_EVAL_PRIOR_IDX": f"{rel},{irr}"})
    assert result.exit_code == 0, result.output
    order = [int(x) for x in out.read_text().splitlines()]
    assert sorted(order) == list(range(len(rows))) and order[:2] == [rel, irr]
    # the three other relevant rows come straight after the prior
    assert {rows[i][2] for i in order[2:5]} == {"1"}
    # same seed, same order
    out2 = tmp_path / "order2.csv"
    run(str(tmp_path / "d.csv"), "--seed", "3", "--out", str(out2), env={"RANK_EVAL_PRIOR_IDX": f"{rel},{irr}"})
    assert out2.read_text() == out.read_text()


def test_simulate_without_prior_and_with_a_protocol(tmp_path: Path) -> None:
    rows = small_set(1)
    write_csv(tmp_path / "d.csv", rows, label="incl")
    out = tmp_path / "o.txt"
    assert run(str(tmp_path / "d.csv"), "--label-column", "incl", "--out", str(out),
               env={"RANK_EVAL_PRIOR_IDX": ""}).exit_code == 0
    assert sorted(int(x) for x in out.read_text().split()) == list(range(len(rows)))
    protocol = tmp_path / "p.toml"
    protocol.write_text('[review]\ntitle = "T"\nquestion = "Q"\n[[reviewers]]\ninitials = "NA"\n'
                        '[screening]\nreviewers_per_record = 1\n'
                        '[[inclusion]]\nid = "I1"\nlabel = "LDN"\nkeywords = ["naltrexone", "fibromyalgia"]\n'
                        '[[exclusion]]\nid = "E1"\nlabel = "Other"\nkeywords = ["stent"]\n')
    assert run(str(tmp_path / "d.csv"), "--label-column", "incl", "--out", str(out), "--protocol", str(protocol),
               env={"RANK_EVAL_PRIOR_IDX": ""}).exit_code == 0
    order = [int(x) for x in out.read_text().split()]
    assert {rows[i][2] for i in order[:4]} == {"1"}  # keywords put the relevant rows first


@pytest.mark.parametrize("content, env, message", [
    ("title,abstract,label_included\nA,B,1\nC,D,maybe\n", {}, "d.csv:3: label 'maybe'"),
    ("title,abstract,other\nA,B,1\n", {}, "d.csv:1: no column 'label_included'"),
    ("title,abstract,label_included\nA,B,1\nC,D,0\n", {"RANK_EVAL_PRIOR_IDX": "0,9"}, "row 9 is outside 0..1"),
    ("title,abstract,label_included\nA,B,1\nC,D,0\n", {"RANK_EVAL_PRIOR_IDX": "x"}, "expected two row indices"),
    ("title,abstract,label_included\nA,B,0\nC,D,0\n", {}, "at least one included (1) and one excluded (0)"),
])
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, monkeypatch, capsys, content: str,
                                                   env: dict[str, str], message: str) -> None:
    (tmp_path / "d.csv").write_text(content)
    out = tmp_path / "o.txt"
    monkeypatch.setenv("RANK_EVAL_PRIOR_IDX", env.get("RANK_EVAL_PRIOR_IDX", ""))
    monkeypatch.setattr("sys.argv", ["screener", "rank", "simulate", str(tmp_path / "d.csv"), "--out", str(out)])
    with pytest.raises(SystemExit) as exc:
        cli_main()
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
