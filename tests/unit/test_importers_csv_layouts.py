"""CSV layouts of Scopus (extra funding-text fields), IEEE Xplore (undoubled quotes) and SpringerLink."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.core.models import Author
from screener.core.normalise import split_glued_names
from screener.importers import ImportFileError, detect_format, read_file
from screener.importers.delimited import lenient_split

SCOPUS_HEADER = (
    "Authors,Author(s) ID,Title,Year,Source title,Volume,Issue,Art. No.,Page start,Page end,DOI,Link,"
    "Funding Details,Funding Text 1,References,PubMed ID,Language of Original Document,Document "
    "Type,Source,EID"
)
SCOPUS_ROW_1 = (
    '"Phillips J.C., Braun R.","1;2;","Scalable molecular dynamics",2005,"J Comput '
    'Chem","26","16",,"1781","1802",'
    '"10.1002/jcc.20289","https://www.scopus.com/x","NCRR","One funder.","Kalé, '
    'L.",,"English","Review","Scopus",'
    '"2-s2.0-27344436659"'
)
# Two funding texts where the header names one: one field more, in the middle of the row.
SCOPUS_ROW_2 = (
    '"Gutowska K.","3;","Petri nets and ODEs",2022,"Sci Rep","12","1","1135",,,"10.1038/s41598-022-04849-0",'
    '"https://www.scopus.com/y","NCN","First funder.","Second '
    'funder.","Refs",35064163,"English","Article","Scopus",'
    '"2-s2.0-85123480963"'
)
SCOPUS_ROW_3 = '"[No author name available]","","Proceedings of a meeting",1999,"Proc",,,,,,,,,,,,"English","Conference Review","Scopus","2-s2.0-1",'  # noqa: E501


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_scopus_rows_with_more_funding_texts_than_the_header(tmp_path):
    text = "\ufeff" + "\n".join([SCOPUS_HEADER, SCOPUS_ROW_1, SCOPUS_ROW_2, SCOPUS_ROW_3]) + "\n"
    pf = read_file(write(tmp_path, "scopus_export", text))  # no extension: detected by content
    assert (pf.format, pf.database, pf.count) == ("csv", "Scopus", 3)
    a, b, c = pf.records
    assert (a.doi, a.source_id, a.start_page, a.end_page, a.publication_type) == (
        "10.1002/jcc.20289",
        "2-s2.0-27344436659",
        "1781",
        "1802",
        "Review",
    )
    # Read from the right after the funding texts: the PMID, language, type and EID are in place.
    assert (b.pmid, b.language, b.publication_type, b.source_id) == (
        "35064163",
        "English",
        "Article",
        "2-s2.0-85123480963",
    )
    assert (b.start_page, b.doi, b.line) == ("1135", "10.1038/s41598-022-04849-0", 3)
    assert (c.authors, c.source_id) == ((), "2-s2.0-1")  # Scopus' "[No author name available]" is no author


def test_a_surplus_field_that_is_not_explained_is_still_an_error(tmp_path):
    header = "Title,Year,DOI"
    with pytest.raises(ImportFileError, match=r"x.csv:3: this row has 4 fields but the header has 3"):
        read_file(write(tmp_path, "x.csv", f"{header}\nA,2020,10.1/a\nB,2021,10.1/b,extra\n"))
    pf = read_file(write(tmp_path, "y.csv", f"{header}\nA,2020,10.1/a,\nB,2021,10.1/b,\n"))  # trailing commas
    assert [r.doi for r in pf.records] == ["10.1/a", "10.1/b"]


IEEE = (
    '"Document Title","Authors","Author Affiliations","Publication Title","Publication '
    'Year","Volume","Issue",'
    '"Start Page","End Page","Abstract","ISSN","DOI","PDF Link","Author Keywords","IEEE Terms"\n'
    '"A "quoted" word in a title","A. Smith; B. Jones","Uni","IEEE Access","2020","8","","1","10",'
    '"The "best" approach, he said.","2169-3536","10.1109/ACCESS.2020.1","https://ieeexplore.ieee.org/x","a;b","c"\n'
    '"Plain ""doubled"" quotes","C. Lee","Uni","IEEE Trans","2019","1","2","5","9","Abstract.","","10.110'
    '9/T.2",'
    '"https://ieeexplore.ieee.org/y","",""\n'
)


def test_ieee_xplore_quotes_inside_fields(tmp_path):
    pf = read_file(write(tmp_path, "export2024.csv", IEEE))
    assert (pf.database, pf.count) == ("IEEE Xplore", 2)
    a, b = pf.records
    assert a.title == 'A "quoted" word in a title'
    assert a.abstract == 'The "best" approach, he said.'
    assert (a.authors, a.doi, a.start_page, a.line) == (
        (Author("Smith", "A."), Author("Jones", "B.")),
        "10.1109/access.2020.1",
        "1",
        2,
    )
    assert (b.title, b.line) == ('Plain "doubled" quotes', 3)


def test_lenient_split():
    assert lenient_split('"a "b" c","d",,"e"', ",") == ['a "b" c', "d", "", "e"]
    assert lenient_split('x,"y ""z""",', ",") == ["x", 'y "z"', ""]
    assert lenient_split('"unclosed', ",") == ["unclosed"]


SPRINGER = (
    "Item Title,Publication Title,Book Series Title,Journal Volume,Journal Issue,Item "
    "DOI,Authors,Publication Year,"
    "URL,Content Type\n"
    '"A comparative study","The Journal of Supercomputing","","61","3","10.1007/s11227-011-0631-3",'
    '"Vivek K. PallipuramMohammad BhuiyanMelissa C. Smith","2012","http://link.springer.com/article/1","Article"\n'
    '"A chapter","Handbook","Lecture Notes","","","10.1007/978-3-1","John McDonaldAnna DeVito","2015",'
    '"http://link.springer.com/chapter/2","Chapter"\n'
)


def test_springerlink(tmp_path):
    pf = read_file(write(tmp_path, "SearchResults.csv", SPRINGER))
    assert (pf.database, pf.count) == ("SpringerLink", 2)
    a, b = pf.records
    assert (a.title, a.journal, a.volume, a.issue, a.doi, a.year, a.publication_type) == (
        "A comparative study",
        "The Journal of Supercomputing",
        "61",
        "3",
        "10.1007/s11227-011-0631-3",
        2012,
        "Article",
    )
    assert a.authors == (
        Author("Pallipuram", "Vivek K."),
        Author("Bhuiyan", "Mohammad"),
        Author("Smith", "Melissa C."),
    )
    assert b.authors == (Author("McDonald", "John"), Author("DeVito", "Anna"))
    assert detect_format(SPRINGER, Path("x")) == "csv"


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "V. A. BakhtinV. A. KryukovE. V. Shil’nikov",
            ["V. A. Bakhtin", "V. A. Kryukov", "E. V. Shil’nikov"],
        ),
        ("Jianbin FangChun Huang", ["Jianbin Fang", "Chun Huang"]),
        ("Jean-Pierre MacArthurMaria LeBlanc", ["Jean-Pierre MacArthur", "Maria LeBlanc"]),
        ("One Author", ["One Author"]),
        ("", []),
    ],
)
def test_split_glued_names(text, names):
    assert split_glued_names(text) == names
