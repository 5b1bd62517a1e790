"""The demo review from the command line: demo, dedup (explain, undo), exports, PRISMA."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from screener.core.models import Stage, Verdict
from screener.importers import read_file
from screener.store import open_store
from screener.workflows.demo import DEMO_PASSPHRASE


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SCREENER_DB"}
    env["SCREENER_PASSPHRASE"] = DEMO_PASSPHRASE  # what 'screener demo' prints
    return subprocess.run(
        [sys.executable, "-m", "screener", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    out = run("demo", "--db", str(folder / "review.db"), "--no-tui", cwd=folder)
    assert out.returncode == 0, out.stderr
    assert (
        "pubmed.nbib: 22 records from PubMed" in out.stdout
        and "Sources: 3 searches, 62 records" in out.stdout
    )
    assert "dedup (full): compared 62 records (62 new)" in out.stdout
    assert "21 clusters in all remove 32 records" in out.stdout and "records to screen: 30" in out.stdout
    assert f"every demo reviewer's passphrase is '{DEMO_PASSPHRASE}'" in out.stdout
    return folder


def test_dedup_explain_undo_and_export(demo: Path):
    out = run("dedup", cwd=demo)  # the demo ran a full dedup; this one is incremental: nothing new
    assert "(0 new)" in out.stdout and "21 clusters in all remove 32 records" in out.stdout
    rows = list(csv.DictReader(io.StringIO(run("export", "duplicates", cwd=demo).stdout)))
    assert len(rows) == 62 and sum(r["is_primary"] == "no" for r in rows) == 32
    assert {r["decided"] for r in rows} == {"automatic", "unique"}
    clustered = next(r for r in rows if r["is_primary"] == "no")
    explain = run("dedup", "--explain", clustered["record_id"], cwd=demo).stdout
    assert f"cluster {clustered['cluster_id']}" in explain and "duplicate (automatic)" in explain
    assert "evidence:" in explain  # the evidence lines that added up to the decision
    undo = run("dedup", "--undo", clustered["cluster_id"], "--by", "NA", cwd=demo)
    assert undo.returncode == 0 and "screened separately again" in undo.stdout
    status = run("status", cwd=demo).stdout
    # Records with the same DOI or PMID stay together after an undo ("kept together ...: 3+17").
    kept = (
        undo.stdout.split("kept together (same DOI or PMID): ")[1].split("\n")[0].split(", ")
        if "kept together" in undo.stdout
        else []
    )
    removed = (
        32
        - (len([r for r in rows if r["cluster_id"] == clustered["cluster_id"]]) - 1)
        + sum(len(k.split("+")) - 1 for k in kept)
    )
    assert f"Duplicates removed: {removed}" in status
    again = run("dedup", "--full", cwd=demo).stdout  # the undo holds when dedup runs again
    assert f"remove {removed} records" in again
    assert run("dedup", "--undo", "999", cwd=demo).returncode == 1


def test_screen_through_to_prisma_and_exports(demo: Path, tmp_path: Path):
    store = open_store(demo / "review.db")
    pool = store.stage_pool(Stage.TITLE_ABSTRACT)
    for rid in pool:
        for reviewer in ("NA", "ZL"):
            store.record_decision(
                rid,
                Stage.TITLE_ABSTRACT,
                reviewer,
                Verdict.INCLUDE if rid % 2 else Verdict.EXCLUDE,
                () if rid % 2 else ("E1",),
            )
    for n, rid in enumerate(store.stage_pool(Stage.FULL_TEXT)):
        for reviewer in ("NA", "ZL"):
            store.record_decision(
                rid,
                Stage.FULL_TEXT,
                reviewer,
                Verdict.EXCLUDE if n % 3 == 0 else Verdict.INCLUDE,
                ("E2",) if n % 3 == 0 else (),
            )
    included = store.box_ids("included") or []
    store.close()
    text = run("prisma", cwd=demo)
    assert text.returncode == 0, text.stderr
    assert "Records screened (n = " in text.stdout
    ris = tmp_path / "included.ris"
    assert run("export", "records", "-o", str(ris), cwd=demo).returncode == 0
    back = read_file(ris)
    assert len(back.records) == len(included) > 0
    bib = run("export", "records", "--format", "bibtex", "--set", "reports_excluded", cwd=demo).stdout
    assert bib.count("@") == len(
        list(csv.DictReader(io.StringIO(run("export", "exclusions", cwd=demo).stdout)))
    )
    exclusions = list(csv.DictReader(io.StringIO(run("export", "exclusions", cwd=demo).stdout)))
    assert exclusions and {r["reason"] for r in exclusions} == {"Conference papers or abstracts"}
    template = list(csv.DictReader(io.StringIO(run("prisma", "--format", "csv", cwd=demo).stdout)))
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "prisma" / "PRISMA.csv"
    if shared.exists():
        expected = list(csv.DictReader(shared.open(encoding="utf-8")))
        assert [r["data"] for r in template] == [r["data"] for r in expected]
    by_key = {r["data"]: r["n"] for r in template}
    assert by_key["new_reports"] == str(len(included))
    svg = run("prisma", "--format", "svg", cwd=demo).stdout
    assert svg.startswith("<?xml") or svg.startswith("<svg")
    methods = run("prisma", "--format", "methods", cwd=demo).stdout
    assert "PubMed" in methods and "independently" in methods
    box = run("prisma", "--box", "included", cwd=demo).stdout
    assert box.startswith(f"included: {len(included)} records")
    png = tmp_path / "prisma.png"
    drawn = run("prisma", "--format", "png", "-o", str(png), cwd=demo)
    if "needs the Cairo library" in drawn.stderr:
        pytest.skip("no Cairo C library on this machine: PNG export not tested")
    assert drawn.returncode == 0 and png.read_bytes()[:4] == b"\x89PNG"
