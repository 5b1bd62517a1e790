"""The curious co-reviewer: while title/abstract is blind, no read path tells ZL anything about NA's votes.

The demo review; NA has decided 20 records and ZL 10 (8 of them also NA's). ZL reads every path of the
command line and the store's list and search, then plays the active probe (vote include on a record NA
decided, read everything, vote exclude, read everything, undo). The whole scenario is run twice, the
second time with every one of NA's votes flipped: ZL must see exactly the same bytes. After the lead
unblinds, the real numbers appear, and every view shows the same number for a box.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from screener.cli import cli
from screener.core.models import Stage, Verdict
from screener.store import open_store
from screener.store.records import ListFilter
from screener.workflows.dedup import run_dedup
from screener.workflows.demo import DEMO_PASSPHRASE, build_demo

TA = Stage.TITLE_ABSTRACT
NA_VERDICTS = [Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.EXCLUDE, Verdict.MAYBE, Verdict.INCLUDE] * 4  # 20
FLIP = {Verdict.INCLUDE: Verdict.EXCLUDE, Verdict.EXCLUDE: Verdict.INCLUDE, Verdict.MAYBE: Verdict.EXCLUDE}
BOXES = [
    "duplicates",
    "records_screened",
    "records_excluded",
    "records_excluded_automation",
    "records_undecided",
    "reports_sought",
    "reports_not_retrieved",
    "reports_assessed",
    "reports_excluded",
    "reports_excluded:E1",
    "reports_excluded:none",
    "other_reports_sought",
    "other_reports_excluded",
    "included",
    "reports_undecided",
    "identified:PubMed",
]
STAMP = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?(\+00:00)?")


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "review.db"
    store, _ = build_demo(path)
    run_dedup(store)
    store.close()
    return path


def _review(template: Path, folder: Path, *, flipped: bool) -> tuple[str, list[int]]:
    """The demo with NA's 20 decisions (flipped or not) and ZL's 10; the same file name in its own folder."""
    folder.mkdir()
    path = folder / "review.db"
    shutil.copyfile(template, path)
    store = open_store(path)
    pool = store.stage_pool(TA)
    assert len(pool) == 30
    for rid, verdict in zip(pool[:20], NA_VERDICTS, strict=True):
        store.record_decision(rid, TA, "NA", FLIP[verdict] if flipped else verdict)
    for k, rid in enumerate(pool[12:22]):
        store.record_decision(rid, TA, "ZL", Verdict.INCLUDE if k % 3 else Verdict.EXCLUDE)
    store.close()
    return str(path), pool


def _cli(db: str, *args: str) -> str:
    # ZL proves to be ZL (and NA, the lead, to be NA when unblinding): the demo gives both one passphrase
    out = CliRunner(env={"SCREENER_PASSPHRASE": DEMO_PASSPHRASE}).invoke(
        cli, ["--db", db, *args], catch_exceptions=False
    )
    text = out.output.replace(str(Path(db).parent), "<folder>")
    return f"exit {out.exit_code}\n" + STAMP.sub("<time>", text)


def _store_paths(db: str) -> dict[str, str]:
    """What the screens read for ZL: the records list (every filter) and search."""
    store = open_store(db)
    try:
        out = {}
        for f in (
            ListFilter(),
            ListFilter(verdict="undecided"),
            ListFilter(verdict="include"),
            ListFilter(verdict="exclude"),
            ListFilter(verdict="maybe"),
            ListFilter(sort="title"),
        ):
            rows, total = store.record_list(TA, "ZL", f)
            out[f"list {f.describe()} {f.sort}"] = f"{total} {[(r.id, r.verdict) for r in rows]}"
        out["search"] = str(store.search("naltrexone"))
        try:
            out["full-text list"] = str(store.record_list(Stage.FULL_TEXT, "ZL", ListFilter()))
        except Exception as exc:  # noqa: BLE001 - what ZL sees is the message
            out["full-text list"] = f"{type(exc).__name__}: {exc}"
        return out
    finally:
        store.close()


def read_everything(db: str) -> dict[str, str]:
    """Every read path a co-reviewer (ZL, or anyone who does not say who they are) can take."""
    out = {
        " ".join(args): _cli(db, *args)
        for args in [
            ("prisma",),
            ("prisma", "--format", "json"),
            ("prisma", "--format", "csv"),
            ("prisma", "--format", "markdown"),
            ("prisma", "--format", "svg"),
            ("prisma", "--format", "methods"),
            *[("prisma", "--box", box) for box in BOXES],
            *[("export", "records", "--set", box, "--format", "csv") for box in BOXES],
            ("status",),
            ("status", "--reviewer", "ZL"),
            ("agreement",),
            ("agreement", "--stage", "title-abstract"),
            ("export", "agreement"),
            ("conflicts", "--stage", "title-abstract", "--list"),
            ("conflicts", "--stage", "title-abstract", "--list", "--all"),
            ("export", "decisions"),
            ("export", "decisions", "--stage", "title-abstract"),
            ("export", "decisions", "--reviewer", "ZL"),
            ("export", "exclusions"),
            ("export", "resolutions"),
            ("source", "list"),
        ]
    }
    out.update(_store_paths(db))
    return out


def probe(db: str, target: int) -> dict[str, str]:
    """ZL's whole session: look, then vote include / look / vote exclude / look / undo / look."""
    seen = {f"before: {k}": v for k, v in read_everything(db).items()}
    store = open_store(db)
    try:
        for verdict in (Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.RETRACTED):
            store.record_decision(target, TA, "ZL", verdict)
            seen.update({f"after {verdict.value}: {k}": v for k, v in read_everything(db).items()})
    finally:
        store.close()
    return seen


def test_the_curious_co_reviewer_learns_nothing_about_na_s_votes(demo_template: Path, tmp_path: Path):
    db, pool = _review(demo_template, tmp_path / "a", flipped=False)
    db_flipped, _ = _review(demo_template, tmp_path / "b", flipped=True)
    target = pool[0]  # NA decided it, ZL had not
    seen, seen_flipped = probe(db, target), probe(db_flipped, target)
    differ = [k for k in seen if seen[k] != seen_flipped[k]]
    assert not differ, (
        f"{len(differ)} reads depend on NA's votes, e.g. {differ[0]}:\n{seen[differ[0]]}\n---\n"
        f"{seen_flipped[differ[0]]}"
    )
    # and ZL was told why, not shown made-up numbers
    reason = "title/abstract is blind: 2 reviewers"
    assert reason in seen["before: prisma"] and "Records screened: 30" in seen["before: prisma"]
    assert "Records excluded: blind" in seen["before: prisma"]
    for box in ("records_excluded", "reports_sought", "records_undecided", "included"):
        assert (
            seen[f"before: prisma --box {box}"].startswith("exit 1\n")
            and reason in seen[f"before: prisma --box {box}"]
        )
    assert "10 of 30 screened by ZL" in seen["before: status --reviewer ZL"]
    assert seen["before: prisma --box records_screened"].startswith("exit 0\nrecords_screened: 30 records")
    assert "exit 0" in seen["before: export decisions --reviewer ZL"]  # ZL's own log
    assert seen["before: export decisions"].startswith("exit 1\n")


def _count_box(db: str, box: str) -> tuple[int, int]:
    listed = _cli(db, "prisma", "--box", box).splitlines()
    rows = list(
        csv.DictReader(
            io.StringIO(_cli(db, "export", "records", "--set", box, "--format", "csv").split("\n", 1)[1])
        )
    )
    assert listed[0] == "exit 0", listed
    assert listed[1].startswith(f"{box}: ")
    return len(listed) - 2, len(rows)


def test_after_unblinding_the_real_numbers_appear_and_agree_everywhere(demo_template: Path, tmp_path: Path):
    results = {}
    for flipped in (False, True):
        db, pool = _review(demo_template, tmp_path / f"r{flipped}", flipped=flipped)
        assert _cli(db, "unblind", "--stage", "title-abstract", "--by", "NA").startswith("exit 0")
        text = _cli(db, "prisma")
        store = open_store(db)
        both = {
            rid: {d.reviewer: d.verdict for (r, _), d in store.current_decisions(TA).items() if r == rid}
            for rid in pool
        }
        store.close()
        excluded = sum(1 for v in both.values() if set(v.values()) == {Verdict.EXCLUDE} and len(v) == 2)
        sought = sum(1 for v in both.values() if set(v.values()) == {Verdict.INCLUDE} and len(v) == 2)
        assert excluded + sought > 0
        # full text is still blind (nobody screened it): its boxes stay blind, title/abstract's are real
        assert (
            f"Records excluded: {excluded}\n" in text and f"Reports sought for retrieval: {sought}\n" in text
        )
        assert "Reports excluded: blind" in text and "full text is blind" in text
        assert _count_box(db, "records_excluded") == (excluded, excluded)
        assert _count_box(db, "reports_sought") == (sought, sought)
        status = _cli(db, "status")
        row = next(
            line for line in status.splitlines() if line.strip().startswith("title-abstract") and "30" in line
        )
        assert row.split()[1:5] == ["30", str(excluded + sought), str(sought), str(excluded)], row
        # the lead unblinds full text too: the whole diagram, and JSON that agrees with the boxes
        assert _cli(db, "unblind", "--stage", "full-text", "--by", "NA").startswith("exit 0")
        out = _cli(db, "prisma", "--format", "json")  # notices (stderr) first: the stages are unfinished
        counts = json.loads(out[out.index("{") :])
        assert counts["records_excluded_human"] == excluded and counts["reports_sought"] == sought
        for box, key in (
            ("records_screened", "records_screened"),
            ("records_excluded", "records_excluded_human"),
            ("reports_sought", "reports_sought"),
            ("included", "new_reports"),
        ):
            assert _count_box(db, box) == (counts[key], counts[key]), box
        results[flipped] = (excluded, sought)
    assert results[False] != results[True]  # the real numbers follow the real votes
