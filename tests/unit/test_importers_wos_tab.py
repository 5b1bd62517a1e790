"""Web of Science tab-delimited exports: Win/Mac, UTF-8/UTF-16, CR line ends, collections, bad input."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from screener.core.models import Author
from screener.importers import ImportFileError, detect_format, read_file

HEADER = "PT\tAU\tAF\tTI\tSO\tLA\tDT\tDE\tAB\tSN\tJ9\tJI\tPY\tVL\tIS\tBP\tEP\tAR\tDI\tPM\tUT"
ROW1 = (
    "J\tYounger, JW; Mackey, S\tYounger, Jarred W.; Mackey, Sean\t"
    'Low-dose "naltrexone for the treatment of fibromyalgia\tPAIN MEDICINE\tEnglish\tArticle; Early Access\t'
    'fibromyalgia; naltrexone\tAn abstract with a " stray quote.\t1526-2375\tPAIN MED\tPain '
    "Med.\t2013\t14\t10\t"
    "1069\t1074\t\t10.1111/pme.12172\t23841578\tWOS:000325423800016"
)
ROW2 = (
    "J\tSmith, A\t\tSecond record\tJOURNAL\tEnglish\tArticle\t\t\t\t\t\t2020\t1\t\t\t\te0123\t\t\tWOS:000"
    "000000000002"
)
MAC = HEADER + "\r" + ROW1 + "\t\r" + ROW2 + "\t\r"


def write(tmp_path: Path, name: str, data: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def test_mac_utf8_with_cr_line_ends_and_stray_quotes(tmp_path):
    pf = read_file(write(tmp_path, "savedrecs.txt", "\ufeff" + MAC))
    assert (pf.format, pf.database, pf.encoding, pf.count) == ("wos-tab", "Web of Science", "utf-8-sig", 2)
    a, b = pf.records
    assert a.title == 'Low-dose "naltrexone for the treatment of fibromyalgia'
    assert a.abstract == 'An abstract with a " stray quote.'
    assert a.authors == (Author("Younger", "Jarred W."), Author("Mackey", "Sean"))
    assert (a.year, a.volume, a.issue, a.start_page, a.end_page) == (2013, "14", "10", "1069", "1074")
    assert (a.doi, a.pmid, a.source_id, a.issn) == (
        "10.1111/pme.12172",
        "23841578",
        "WOS:000325423800016",
        "1526-2375",
    )
    assert (a.journal, a.journal_abbrev, a.publication_type) == ("PAIN MEDICINE", "Pain Med.", "Article")
    assert a.keywords == ("fibromyalgia", "naltrexone")
    assert (a.line, b.line) == (2, 3)
    assert a.raw == ROW1 + "\t"
    assert (b.first_author, b.start_page, b.year) == (
        "Smith",
        "e0123",
        2020,
    )  # AU when AF is empty; AR as page


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_windows_utf16_with_bom_and_crlf(tmp_path, encoding):
    bom = codecs.BOM_UTF16_LE if encoding == "utf-16-le" else codecs.BOM_UTF16_BE
    data = bom + MAC.replace("\r", "\r\n").encode(encoding)
    pf = read_file(write(tmp_path, "savedrecs.txt", data))
    assert (pf.format, pf.encoding, pf.count) == ("wos-tab", encoding, 2)
    assert [r.line for r in pf.records] == [2, 3]
    assert pf.records[0].title == 'Low-dose "naltrexone for the treatment of fibromyalgia'


@pytest.mark.parametrize(
    ("ut", "database"),
    [
        ("BCI:BCI201900123456", "BIOSIS Citation Index"),
        ("ZOOREC:ZOOR15500012345", "Zoological Record"),
        ("CCC:000325423800016", "Current Contents Connect"),
        ("MEDLINE:23841578", "MEDLINE"),
        ("WOS:000325423800016", "Web of Science"),
    ],
)
def test_the_collection_is_read_from_ut(tmp_path, ut, database):
    row = ROW1.replace("WOS:000325423800016", ut).replace("\t23841578\t", "\t\t")
    pf = read_file(write(tmp_path, "c.txt", HEADER + "\n" + row + "\n"))
    assert pf.database == database
    assert pf.records[0].pmid == ("23841578" if database == "MEDLINE" else None)


def test_detection_does_not_need_the_extension():
    assert detect_format(MAC.replace("\r", "\n"), Path("export.csv")) == "wos-tab"
    assert detect_format("PT\tAU\tTI\tSO\tUT\nJ\ta\tb\tc\td\n", Path("x")) == "wos-tab"
    assert detect_format("title\tauthors\tyear\nA\tB\t2020\n", Path("x.txt")) == "csv"


def test_truncated_file(tmp_path):
    cut = HEADER + "\n" + ROW1 + "\n" + ROW2[:40]
    with pytest.raises(ImportFileError) as err:
        read_file(write(tmp_path, "cut.txt", cut))
    assert str(err.value).startswith(f"{tmp_path / 'cut.txt'}:3: this row has ")
    assert str(err.value).endswith("(the file may be truncated)")


def test_a_tab_inside_a_field(tmp_path):
    with pytest.raises(ImportFileError, match=r"x.txt:2: this row has 23 fields but the header has 21"):
        read_file(
            write(tmp_path, "x.txt", HEADER + "\n" + ROW1.replace("An abstract", "An\tab\tstract") + "\n")
        )


def test_a_utf16_export_appended_to_a_utf8_one(tmp_path):
    """`cat` of a UTF-8 and a UTF-16 export: the UTF-16 rows are named, not read as garbage."""
    data = ("\ufeff" + HEADER + "\n" + ROW1 + "\n").encode("utf-8") + (ROW2 + "\n").encode("utf-16-le")
    with pytest.raises(ImportFileError, match=r"x.txt:3: NUL characters in this row: the file's encoding"):
        read_file(write(tmp_path, "x.txt", data))


def test_not_this_format(tmp_path):
    with pytest.raises(ImportFileError, match=r"x.txt:1: not a Web of Science tab-delimited file"):
        read_file(write(tmp_path, "x.txt", "title,authors\nA,B\n"), format="wos-tab")
    with pytest.raises(ImportFileError, match=r"y.txt:1: no records below the header row"):
        read_file(write(tmp_path, "y.txt", HEADER + "\n"))


def test_an_all_databases_search_names_each_record_s_collection(tmp_path):
    rows = [ROW1, ROW1.replace("WOS:000325423800016", "MEDLINE:23841578"), ROW2.replace("WOS:", "BCI:BCI")]
    pf = read_file(write(tmp_path, "all.txt", HEADER + "\n" + "\n".join(rows) + "\n"))
    assert [r.database for r in pf.records] == ["Web of Science", "MEDLINE", "BIOSIS Citation Index"]
    assert dict(pf.databases) == {"Web of Science": 1, "MEDLINE": 1, "BIOSIS Citation Index": 1}
    assert pf.platform == "Web of Science"
    core = read_file(write(tmp_path, "core.txt", HEADER + "\n" + ROW1 + "\n"))
    assert (core.database, core.platform) == ("Web of Science", None)


def test_an_all_databases_search_is_stored_as_one_source_per_database(tmp_path):
    from screener.core.protocol import load_protocol
    from screener.paths import example_dir
    from screener.store import open_store
    from screener.workflows.importing import ImportOptions, import_file

    rows = [ROW1, ROW1.replace("WOS:000325423800016", "MEDLINE:23841578"), ROW2]
    path = write(tmp_path, "all.txt", HEADER + "\n" + "\n".join(rows) + "\n")
    store = open_store(tmp_path / "r.db", create=True)
    try:
        store.init_review(load_protocol(example_dir() / "protocol.toml"))
        import_file(store, path, ImportOptions())
        assert sorted((s.name, s.record_count, s.platform) for s in store.sources()) == [
            ("MEDLINE", 1, "Web of Science"),
            ("Web of Science", 2, "Web of Science"),
        ]
    finally:
        store.close()
