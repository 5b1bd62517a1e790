"""screener protocol show / update / history: changing criteria and reasons without losing decisions."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.core.models import BibRecord, Stage, Verdict
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import SourceInput, open_store

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


@pytest.fixture
def db(tmp_path: Path) -> str:
    """Five reports at full text: 1 and 3 excluded for E4, 2 for E2, 4 for E1 and E4, 5 undecided."""
    path = tmp_path / "review.db"
    store = open_store(path, create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    store.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [BibRecord(position=i, title=f"Record {i}", source_id=f"PM{i}") for i in range(1, 6)],
    )
    for rid in range(1, 6):
        for who in ("NA", "ZL"):
            store.record_decision(rid, TA, who, Verdict.INCLUDE)
    for rid, reasons in [(1, ("E4",)), (2, ("E2",)), (3, ("E4",)), (4, ("E1", "E4"))]:
        for who in ("NA", "ZL"):
            store.record_decision(rid, FT, who, Verdict.EXCLUDE, reasons=reasons)
    store.unblind(FT, "NA")  # record 5 is undecided: the PRISMA reasons are read while full text is open
    store.close()
    return str(path)


def invoke(db: str, *args: str):
    return CliRunner().invoke(cli, ["--db", db, *args], catch_exceptions=False)


def shown(db: str, tmp_path: Path) -> str:
    out = invoke(db, "protocol", "show")
    assert out.exit_code == 0, out.output
    return out.stdout


def write(tmp_path: Path, text: str, name: str = "p.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def exclusion_blocks(text: str) -> tuple[str, list[str]]:
    head, *blocks = text.split("[[exclusion]]")
    return head, ["[[exclusion]]" + b for b in blocks]


def reasons_counted(db: str) -> dict[str, int]:
    out = invoke(db, "prisma", "--format", "json")
    return {r["label"]: r["n"] for r in json.loads(out.stdout)["reports_excluded_reasons"]}


def test_show_is_the_init_format_and_an_unchanged_file_changes_nothing(db: str, tmp_path: Path):
    text = shown(db, tmp_path)
    assert text == (example_dir() / "protocol.toml").read_text(encoding="utf-8")
    assert load_protocol(Path(write(tmp_path, text))).exclusion[3].id == "E4"
    same = invoke(db, "protocol", "update", write(tmp_path, text), "--by", "NA")
    assert same.exit_code == 1 and "nothing to change" in same.output
    assert "has not changed" in invoke(db, "protocol", "history").output


def test_add_criterion_relabel_reason_keywords_options_summarised_and_logged(db: str, tmp_path: Path):
    text = shown(db, tmp_path)
    text = text.replace('label = "Conference papers or abstracts"', 'label = "Conference abstract only"')
    text = text.replace('keywords = ["review"]', 'keywords = ["review", "meta-analysis"]')
    text = text.replace('maybe = "conflict"', 'maybe = "include"')
    text = text.replace("[[exclusion]]", '[[inclusion]]\nid = "I4"\nlabel = "Adults"\n\n[[exclusion]]', 1)
    text += '\n[[exclusion]]\nid = "E8"\nlabel = "Animal study"\nkeywords = ["mice"]\n'
    out = invoke(db, "protocol", "update", write(tmp_path, text), "--by", "na")
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0] == "updated the protocol (change 1, by NA):"
    assert "  [screening] maybe: conflict -> include" in lines
    assert '  added inclusion I4 "Adults"' in lines
    assert '  added exclusion E8 "Animal study" (key 8)' in lines
    assert '  relabelled E2: "Conference papers or abstracts" -> "Conference abstract only"' in lines
    assert '  E1 keywords: added "meta-analysis"' in lines
    assert not any("renumbered" in line for line in lines)
    history = invoke(db, "protocol", "history").output.splitlines()
    assert re.fullmatch(r"1  \d{4}-\d\d-\d\d \d\d:\d\d UTC  by NA", history[0])
    assert '    added inclusion I4 "Adults"' in history
    assert shown(db, tmp_path) == text
    assert reasons_counted(db)["Conference abstract only"] == 1  # PRISMA reads the new label at once


def test_renumbered_and_relabelled_reason_keeps_its_decisions(db: str, tmp_path: Path):
    before = reasons_counted(db)
    assert before == {
        "Review articles with limited content on either LDN or FM": 1,
        "Conference papers or abstracts": 1,
        "Chronic fatigue syndrome": 2,
    }
    head, blocks = exclusion_blocks(shown(db, tmp_path))
    e4 = next(b for b in blocks if 'id = "E4"' in b).replace('"Chronic fatigue syndrome"', '"ME/CFS"')
    text = head + "".join([e4, *(b for b in blocks if 'id = "E4"' not in b)])
    out = invoke(db, "protocol", "update", write(tmp_path, text), "--by", "NA")
    assert out.exit_code == 0, out.output
    assert "  renumbered (keys): E4 4 -> 1, E1 1 -> 2, E2 2 -> 3, E3 3 -> 4" in out.output.splitlines()
    # E4 is reason 1 now: record 4 (E1 and E4) counts under the first reason in protocol order
    assert reasons_counted(db) == {"ME/CFS": 3, "Conference papers or abstracts": 1}
    store = open_store(db)
    assert [c.id for _, c in store.protocol().exclusion_reasons(FT)][:2] == ["E4", "E1"]
    store.close()
    assert invoke(db, "unblind", "--stage", "full-text", "--by", "NA").exit_code == 0
    rows = list(csv.DictReader(io.StringIO(invoke(db, "export", "exclusions").stdout)))
    assert [r["reason"] for r in rows] == ["ME/CFS", "Conference papers or abstracts", "ME/CFS", "ME/CFS"]


def test_removing_a_used_reason_is_refused_unless_mapped(db: str, tmp_path: Path):
    original = shown(db, tmp_path)
    head, blocks = exclusion_blocks(original)
    path = write(tmp_path, head + "".join(b for b in blocks if 'id = "E4"' not in b))
    refused = invoke(db, "protocol", "update", path, "--by", "NA")
    assert refused.exit_code == 1
    assert len(refused.output.strip().splitlines()) == 1
    assert f'{path}: reason E4 "Chronic fatigue syndrome" is used by 6 decision(s)' in refused.output
    assert "--map E4=ID" in refused.output
    assert shown(db, tmp_path) == original and "has not changed" in invoke(db, "protocol", "history").output
    for bad, why in (
        ("E4=E9", "E9 is not an exclusion reason in this file"),
        ("E1=E2", "E1 is still in this file"),
        ("E4", "--map wants OLD=NEW"),
    ):
        out = invoke(db, "protocol", "update", path, "--by", "NA", "--map", bad)
        assert out.exit_code == 1 and why in out.output, (bad, out.output)

    out = invoke(db, "protocol", "update", path, "--by", "NA", "--map", "E4=E2")
    assert out.exit_code == 0, out.output
    assert (
        'removed exclusion E4 "Chronic fatigue syndrome"; its decisions count as E2 '
        '"Conference papers or abstracts"'
    ) in out.output
    assert reasons_counted(db) == {
        "Review articles with limited content on either LDN or FM": 1,
        "Conference papers or abstracts": 3,
    }
    assert invoke(db, "unblind", "--stage", "full-text", "--by", "NA").exit_code == 0
    log = list(csv.DictReader(io.StringIO(invoke(db, "export", "decisions", "--stage", "full-text").stdout)))
    assert [r["reasons"] for r in log if r["record_id"] == "1"] == ["E2", "E2"]
    assert {r["reason_labels"] for r in log if r["record_id"] == "4"} == {
        "Review articles with limited content on either LDN or FM; Conference papers or abstracts"
    }
    store = open_store(db)
    assert [d.reasons for d in store.decision_log(FT) if d.record_id == 1] == [
        ("E4",),
        ("E4",),
    ]  # log untouched
    store.close()
    methods = invoke(db, "prisma", "--format", "methods").stdout
    assert (
        "were amended once during the review (on " in methods
        and "(\u2018Chronic fatigue syndrome\u2019 into \u2018Conference papers or abstracts\u2019)"
        in methods
    )
    again = invoke(db, "protocol", "update", write(tmp_path, original, "again.toml"), "--by", "NA")
    assert again.exit_code == 1
    assert re.search(r"again\.toml:\d+: 'E4' is a retired reason \(its decisions count as E2\)", again.output)


def test_bad_file_is_one_line_naming_file_and_line(db: str, tmp_path: Path):
    text = shown(db, tmp_path).replace('id = "E3"', 'id = "E2"')
    path = write(tmp_path, text)
    out = invoke(db, "protocol", "update", path, "--by", "NA")
    line = next(n for n, s in enumerate(text.splitlines(), start=1) if s == 'id = "E2"' and n > 60)
    assert out.exit_code == 1 and len(out.output.strip().splitlines()) == 1
    assert f"{path}:{line}: duplicate criterion id 'E2'" in out.output
    broken = invoke(db, "protocol", "update", write(tmp_path, "[review\n", "b.toml"), "--by", "NA")
    assert broken.exit_code == 1 and "b.toml:1: not valid TOML" in broken.output
    missing = invoke(db, "protocol", "update", str(tmp_path / "none.toml"), "--by", "NA")
    assert missing.exit_code == 1 and "none.toml: cannot read protocol" in missing.output


def test_only_the_lead_and_never_the_reviewers(db: str, tmp_path: Path):
    text = shown(db, tmp_path).replace('label = "Chronic fatigue syndrome"', 'label = "CFS"')
    out = invoke(db, "protocol", "update", write(tmp_path, text), "--by", "ZL")
    assert out.exit_code == 1 and "only the review's lead" in out.output
    more = text.replace("[screening]", '[[reviewers]]\ninitials = "XY"\n\n[screening]')
    path = write(tmp_path, more, "r.toml")
    out = invoke(db, "protocol", "update", path, "--by", "NA")
    first = next(n for n, s in enumerate(more.splitlines(), start=1) if s == "[[reviewers]]")
    assert (
        out.exit_code == 1 and f"{path}:{first}: reviewers differ from the review's (added XY)" in out.output
    )
    assert "screener reviewer" in out.output


def test_the_lead_proves_who_they_are(db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    text = shown(db, tmp_path).replace('label = "Chronic fatigue syndrome"', 'label = "CFS"')
    path = write(tmp_path, text)
    assert invoke(db, "protocol", "update", path).exit_code == 0  # NA, the only lead, sets a passphrase
    monkeypatch.setenv("SCREENER_PASSPHRASE", "not the passphrase")
    out = invoke(db, "protocol", "update", write(tmp_path, text.replace('"CFS"', '"ME/CFS"'), "q.toml"))
    assert out.exit_code == 1 and "wrong passphrase for NA" in out.output
    assert [
        line[:1] for line in invoke(db, "protocol", "history").output.splitlines() if line[:1].isdigit()
    ] == ["1"]


def test_a_stage_with_decisions_cannot_be_dropped(db: str, tmp_path: Path):
    text = shown(db, tmp_path).replace(
        'stages = ["title-abstract", "full-text"]', 'stages = ["title-abstract"]'
    )
    text = text.replace('reasons_must_match = ["full-text"]', "reasons_must_match = []")
    out = invoke(db, "protocol", "update", write(tmp_path, text), "--by", "NA")
    assert out.exit_code == 1 and "stage 'full-text' has 8 decision(s)" in out.output


def test_the_methods_paragraph_counts_amendments_not_reviewer_changes(db: str, tmp_path: Path):
    assert invoke(db, "unblind", "--stage", "full-text", "--by", "NA").exit_code == 0
    assert invoke(db, "reviewer", "rename", "ZL", "ZX", "--by", "NA").exit_code == 0
    assert "amended" not in invoke(db, "prisma", "--format", "methods").stdout
    text = shown(db, tmp_path).replace('maybe = "conflict"', 'maybe = "include"')
    assert invoke(db, "protocol", "update", write(tmp_path, text), "--by", "NA").exit_code == 0
    history = invoke(db, "protocol", "history").output
    assert "reviewer ZL renamed ZX" in history and "[screening] maybe: conflict -> include" in history
    methods = invoke(db, "prisma", "--format", "methods").stdout
    assert "were amended once during the review (on " in methods and "withdrawn" not in methods
