"""A file from a multi-database search, end to end: `screener import`, then `screener prisma`.

Each database becomes a source of its own (in the one all-or-nothing transaction of the
import), so PRISMA's "records identified from each database" counts each, and the
methods paragraph names each database once.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_cli import run  # tests/cli is on the path (pytest rootdir-less import)

from screener.store import open_store


def ovid_entry(k: int, code: str, db_line: str | None = None) -> str:
    lines = [
        f"{k}.",
        "TY  - JOUR",
        f"ID  - {1000 + k}",
        f"T1  - Trial number {k} of something",
        "A1  - Smith, J",
        "Y1  - 2020//",
        "JF  - Pain",
        f"SP  - {k}",
    ]
    if db_line:
        lines.append(f"DB  - {db_line}")
    lines += [
        f"L2  - http://ovidsp.ovid.com/ovidweb.cgi?T=JS&PAGE=reference&D={code}&NEWS=N&AN={1000 + k}",
        "ER  -",
        "",
        f"Link to the Ovid Full Text or citation: http://ovidsp.ovid.com?D={code}",
        "",
    ]
    return "\n".join(lines)


@pytest.fixture
def review(tmp_path: Path) -> Path:
    assert run("init", "--example", "ldn-fibromyalgia", cwd=tmp_path).returncode == 0
    return tmp_path / "review.db"


def sources(review: Path) -> list[tuple[str, int, str | None]]:
    store = open_store(review)
    try:
        return [(s.name, s.record_count, s.platform) for s in store.sources()]
    finally:
        store.close()


def test_multi_database_file_counts_each_database_in_prisma(review: Path):
    codes = ["med1"] * 4 + ["emed18"] * 3 + ["cctr"] * 2 + ["prem"]  # prem: a MEDLINE segment
    one = review.parent / "ovid_search.ris"
    one.write_text("\n".join(ovid_entry(k, c) for k, c in enumerate(codes, 1)), encoding="utf-8")
    out = run("import", "--searched", "2023-03-10", "--source", "Ovid", str(one), cwd=review.parent)
    assert out.returncode == 0, out.stderr
    assert "10 records from 3 databases" in out.stdout
    assert "--source Ovid not used: every record names its database" in out.stdout
    assert sources(review) == [("MEDLINE", 5, "Ovid"), ("Embase", 3, "Ovid"), ("CENTRAL", 2, "Ovid")]
    # A second export of the same MEDLINE search (records 1001-...): still one database in the paragraph.
    two = review.parent / "ovid_medline_part2.ris"
    two.write_text(
        "\n".join(
            ovid_entry(k, "med1", "Ovid MEDLINE(R) ALL <1946 to March 10, 2023>") for k in range(20, 23)
        ),
        encoding="utf-8",
    )
    assert run("import", "--searched", "2023-03-10", str(two), cwd=review.parent).returncode == 0

    text = run(
        "prisma", cwd=review.parent
    ).stdout  # title/abstract is blind: the numbers that depend on no vote
    assert "Records identified from databases and registers: 13 (MEDLINE 8, Embase 3, CENTRAL 2)" in text
    methods = run("prisma", "--format", "methods", cwd=review.parent).stdout
    assert "We searched MEDLINE (Ovid), Embase (Ovid) and CENTRAL (Ovid) on 10 March 2023." in methods
    assert methods.count("MEDLINE") == 1


def test_source_names_a_one_database_file_and_only_the_unnamed_records_of_a_mixed_one(review: Path):
    single = review.parent / "embase.ris"
    single.write_text("\n".join(ovid_entry(k, "emez") for k in range(1, 4)), encoding="utf-8")
    assert run("import", "--source", "Embase Classic", str(single), cwd=review.parent).returncode == 0
    mixed = review.parent / "mixed.ris"
    body = [ovid_entry(k, c) for k, c in enumerate(["med1", "psyh"], 1)]
    body.append("TY  - JOUR\nT1  - A record naming no database\nER  - \n")
    mixed.write_text("\n".join(body), encoding="utf-8")
    out = run("import", str(mixed), cwd=review.parent)
    assert out.returncode == 1 and "1 naming no database: pass --source NAME" in out.stderr, out.stderr
    assert [s[0] for s in sources(review)] == ["Embase Classic"]  # nothing of the refused file was stored
    assert run("import", "--source", "Hand search", str(mixed), cwd=review.parent).returncode == 0
    assert [s[:2] for s in sources(review)] == [
        ("Embase Classic", 3),
        ("MEDLINE", 1),
        ("PsycINFO", 1),
        ("Hand search", 1),
    ]


def test_a_bad_entry_at_the_end_of_a_multi_database_file_stores_no_source(review: Path):
    path = review.parent / "ovid.ris"
    good = "\n".join(ovid_entry(k, c) for k, c in enumerate(["med1", "emed18", "cctr"] * 1000, 1))
    path.write_text(good + "\nTY  - JOUR\nT1  - cut off\n", encoding="utf-8")
    out = run("import", str(path), cwd=review.parent)
    assert out.returncode == 1 and "no 'ER  -' line" in out.stderr
    assert sources(review) == []


def test_import_help_and_readme_list_every_format_with_its_export_steps():
    from click.testing import CliRunner

    from screener.cli import cli
    from screener.importers import FORMATS

    text = CliRunner().invoke(cli, ["import", "--help"], terminal_width=200).output
    assert f"[{'|'.join(FORMATS)}]" in text.replace(" ", "").replace("\n", "")  # --format offers each reader
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for steps in (
        "Ovid: Export > Format RIS",
        "Format EndNote, Citavi or Reference",
        "style Refer Export",
        "RefWorks Tagged Format",
    ):
        assert steps in " ".join(text.split())
    for steps in (
        "Ovid: *Export* → Format *RIS*",
        "Format *EndNote*, *Citavi* or *Reference Manager*",
        "Output style *Refer Export*",
        "*RefWorks Tagged Format*",
        "one source per database",
    ):
        assert steps in readme
