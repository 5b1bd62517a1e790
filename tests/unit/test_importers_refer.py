"""EndNote/Refer tagged (.enw, %0/%T/%A) and RefWorks tagged (RT/A1/T1) readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.importers import ImportFileError, read_file


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", newline).encode(encoding))
    return path


ENW = """%0 Journal Article
%A Younger, Jarred
%A Mackey, Sean
%T Low-dose naltrexone for the treatment of fibromyalgia:
findings of a small, randomized trial
%J Pain Medicine
%D 2013
%V 14
%N 7
%P 1069-74
%R 10.1111/pme.12148
%M 23841578
%~ PubMed
%W NLM
%K fibromyalgia
%K naltrexone
%X An abstract in two paragraphs.

The second paragraph, after a blank line.

%0 Book
%A Ødegård, Åse
%T A book
%I Universitetsforlaget
%D 2001
%P 212 s.
%~ Embase <1974 to 2023 March 10>
%0 Book Section
%A Smith, J.
%T A chapter
%B The book it is in
%D 2005
%P 33-41
"""


@pytest.mark.parametrize(("encoding", "newline"), [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("cp1252", "\r")])
def test_refer_enw(tmp_path, encoding, newline):
    pf = read_file(write(tmp_path, "export.enw.txt", ENW, encoding, newline))
    assert (pf.format, pf.count) == ("refer", 3)
    article, book, chapter = pf.records
    assert (
        article.title,
        article.first_author,
        article.year,
        article.journal,
        article.volume,
        article.issue,
        article.start_page,
        article.end_page,
        article.doi,
        article.pmid,
        article.database,
        article.line,
    ) == (
        "Low-dose naltrexone for the treatment of fibromyalgia: findings of a small, randomized trial",
        "Younger",
        2013,
        "Pain Medicine",
        "14",
        "7",
        "1069",
        "1074",
        "10.1111/pme.12148",
        "23841578",
        "PubMed",
        1,
    )
    assert article.keywords == ("fibromyalgia", "naltrexone")
    assert article.abstract == "An abstract in two paragraphs. The second paragraph, after a blank line."
    assert (book.first_author, book.start_page, book.database, book.line) == ("Ødegård", None, "Embase", 21)
    assert (chapter.start_page, chapter.end_page, chapter.journal, chapter.line) == ("33", "41", None, 28)
    assert pf.databases == {"PubMed": 1, "Embase": 1}


def test_refer_bad_input(tmp_path):
    with pytest.raises(
        ImportFileError,
        match=(
            r"x\.enw:1: expected a EndNote/Refer tagged field line such as '%T \.\.\.', found 'no tags "
            r"here'"
        ),
    ):
        read_file(write(tmp_path, "x.enw", "no tags here\n\nanother line\n"), format="refer")
    with pytest.raises(
        ImportFileError, match=r"y\.ris:1: expected a EndNote/Refer tagged field line.*TY  - JOUR"
    ):
        read_file(write(tmp_path, "y.ris", "TY  - JOUR\nTI  - A title\nER  - \n"), format="refer")


REFWORKS = """RT Journal Article
SR Electronic(1)
ID 17
A1 Younger,Jarred
A1 Mackey,Sean
T1 Low-dose naltrexone for fibromyalgia
JF Pain Medicine
YR 2013
VO 14
IS 7
SP 1069
OP 1074
DO 10.1111/pme.12148
AN 2013-12345-001
DB PsycINFO
K1 fibromyalgia

RT Dissertation/Thesis
A1 Catrambone,C.D.
T1 Effect of a case management intervention
YR 2000
SP 141
"""


@pytest.mark.parametrize(("encoding", "newline"), [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("cp1252", "\r")])
def test_refworks_tagged(tmp_path, encoding, newline):
    pf = read_file(write(tmp_path, "refworks.txt", REFWORKS, encoding, newline))
    assert (pf.format, pf.count) == ("refworks", 2)
    article, thesis = pf.records
    assert (
        article.title,
        article.first_author,
        article.authors[0].given,
        article.year,
        article.journal,
        article.volume,
        article.issue,
        article.start_page,
        article.end_page,
        article.doi,
        article.source_id,
        article.database,
    ) == (
        "Low-dose naltrexone for fibromyalgia",
        "Younger",
        "Jarred",
        2013,
        "Pain Medicine",
        "14",
        "7",
        "1069",
        "1074",
        "10.1111/pme.12148",
        "2013-12345-001",
        "PsycINFO",
    )
    assert (thesis.first_author, thesis.start_page, thesis.line) == ("Catrambone", None, 18)  # 141 pages long


def test_refworks_bad_input(tmp_path):
    with pytest.raises(ImportFileError, match=r"r\.txt:1: a RefWorks record must start with 'RT'"):
        read_file(write(tmp_path, "r.txt", "A1 Younger,Jarred\nT1 Title\n"), format="refworks")
    with pytest.raises(ImportFileError, match=r"r\.enw:1: expected a RefWorks tagged field line.*%0 Journal"):
        read_file(write(tmp_path, "r.enw", ENW), format="refworks")
    cut = write(tmp_path, "cut.txt", "RT Journal Article\nA1 Younger,Jarred\n")  # cut off before any title
    with pytest.raises(ImportFileError, match=r"1 unusable entries"):
        from screener.workflows.importing import ImportOptions, _check_unusable

        _check_unusable(cut, read_file(cut), ImportOptions())
