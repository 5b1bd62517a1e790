"""PubMed / MEDLINE XML: articles, books, MathML and markup, gzip, chunk edges, bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from screener.core.models import Author
from screener.importers import ImportFileError, detect_format, load_text, pubmed_xml, read_file

EFETCH = """<?xml version="1.0" ?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">
<PubmedArticleSet>
<PubmedArticle>
    <MedlineCitation Status="MEDLINE" Owner="NLM">
        <PMID Version="1">23841578</PMID>
        <Article PubModel="Print-Electronic">
            <Journal>
                <ISSN IssnType="Electronic">1526-4637</ISSN>
                <JournalIssue CitedMedium="Internet">
                    <Volume>14</Volume>
                    <Issue>10</Issue>
                    <PubDate><MedlineDate>2013 Oct-Nov</MedlineDate></PubDate>
                </JournalIssue>
                <Title>Pain medicine (Malden, Mass.)</Title>
                <ISOAbbreviation>Pain Med</ISOAbbreviation>
            </Journal>
            <ArticleTitle>Low-dose <i>naltrexone</i> for CO<sub>2</sub> &amp; fibromyalgia.</ArticleTitle>
            <Pagination><MedlinePgn>1069-74</MedlinePgn></Pagination>
            <ELocationID EIdType="doi" ValidYN="Y">10.1111/pme.12172</ELocationID>
            <Abstract>
                <AbstractText Label="OBJECTIVE" NlmCategory="OBJECTIVE">To test \
<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:semantics><mml:msup><mml:mi>x</mml:mi>\
<mml:mn>2</mml:mn></mml:msup><mml:annotation encoding="application/x-tex">x^2</mml:annotation>\
</mml:semantics></mml:math> dosing.</AbstractText>
                <AbstractText Label="RESULTS" NlmCategory="RESULTS">It   worked.</AbstractText>
            </Abstract>
            <AuthorList CompleteYN="Y">
                <Author ValidYN="Y"><LastName>Younger</LastName><ForeName>Jarred W</ForeName>\
<Initials>JW</Initials></Author>
                <Author ValidYN="Y"><LastName>Kučić</LastName><Initials>N</Initials></Author>
                <Author ValidYN="Y"><CollectiveName>LDN Study Group</CollectiveName></Author>
            </AuthorList>
            <Language>eng</Language>
            <PublicationTypeList>
                <PublicationType UI="D016428">Journal Article</PublicationType>
                <PublicationType UI="D016449">Randomized Controlled Trial</PublicationType>
            </PublicationTypeList>
        </Article>
        <MedlineJournalInfo><MedlineTA>Pain Med</MedlineTA><ISSNLinking>1526-2375</ISSNLinking>\
</MedlineJournalInfo>
        <MeshHeadingList>
            <MeshHeading><DescriptorName UI="D005356" MajorTopicYN="Y">Fibromyalgia</DescriptorName>\
</MeshHeading>
        </MeshHeadingList>
        <KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">low-dose naltrexone</Keyword></KeywordList>
    </MedlineCitation>
    <PubmedData>
        <ArticleIdList>
            <ArticleId IdType="pubmed">23841578</ArticleId>
            <ArticleId IdType="pmc">PMC3818298</ArticleId>
            <ArticleId IdType="doi">10.1111/pme.12172</ArticleId>
        </ArticleIdList>
        <ReferenceList><Reference><Citation>Cited work.</Citation>
            <ArticleIdList><ArticleId IdType="doi">10.9999/not-this-one</ArticleId></ArticleIdList>
        </Reference></ReferenceList>
    </PubmedData>
</PubmedArticle>
<PubmedBookArticle>
    <BookDocument>
        <PMID Version="1">20301295</PMID>
        <ArticleIdList><ArticleId IdType="bookaccession">NBK1116</ArticleId></ArticleIdList>
        <Book>
            <Publisher><PublisherName>University of Washington, Seattle</PublisherName></Publisher>
            <BookTitle book="gene">GeneReviews</BookTitle>
            <PubDate><Year>1993</Year></PubDate>
            <AuthorList Type="editors"><Author><LastName>Adam</LastName><ForeName>Margaret P</ForeName>\
</Author></AuthorList>
        </Book>
        <ArticleTitle book="gene" part="fmf">Familial Mediterranean Fever</ArticleTitle>
        <Language>eng</Language>
        <AuthorList Type="authors"><Author><LastName>Shohat</LastName><ForeName>Mordechai</ForeName>\
</Author></AuthorList>
        <Abstract><AbstractText Label="CLINICAL CHARACTERISTICS">Recurrent fever.</AbstractText></Abstract>
    </BookDocument>
    <PubmedBookData><ArticleIdList><ArticleId IdType="pubmed">20301295</ArticleId></ArticleIdList>\
</PubmedBookData>
</PubmedBookArticle>
<PubmedArticle>
    <MedlineCitation Status="PubMed-not-MEDLINE" Owner="NLM">
        <PMID Version="1">30000001</PMID>
        <Article PubModel="Electronic">
            <Journal>
                <JournalIssue CitedMedium="Internet"><Volume>8</Volume><PubDate><Year>2019</Year>\
<Month>Feb</Month></PubDate></JournalIssue>
                <Title>eLife</Title>
            </Journal>
            <ArticleTitle>[Ein Titel].</ArticleTitle>
            <ELocationID EIdType="doi" ValidYN="Y">10.7554/eLife.42692</ELocationID>
            <ELocationID EIdType="pii" ValidYN="Y">e42692</ELocationID>
            <AuthorList><Author><LastName>Venkatasubramanian</LastName><ForeName>Lalanti</ForeName></Author></AuthorList>
        </Article>
    </MedlineCitation>
</PubmedArticle>
</PubmedArticleSet>
"""

MEDLINE_SET = """<?xml version="1.0" encoding="UTF-8"?>
<MedlineCitationSet>
<MedlineCitation Owner="NLM" Status="MEDLINE">
<PMID>10540283</PMID>
<Article>
<Journal><JournalIssue><Volume>33</Volume><PubDate><Year>1999</Year></PubDate></JournalIssue>\
<Title>Some journal</Title></Journal>
<ArticleTitle>An old citation.</ArticleTitle>
<Pagination><MedlinePgn>12-9</MedlinePgn></Pagination>
<AuthorList><Author><LastName>Smith</LastName><Initials>AB</Initials></Author></AuthorList>
</Article>
</MedlineCitation>
<DeleteCitation><PMID>1</PMID></DeleteCitation>
<MedlineCitation Owner="NLM" Status="MEDLINE">
<PMID>10540284</PMID>
<Article><ArticleTitle>Another.</ArticleTitle></Article>
</MedlineCitation>
</MedlineCitationSet>
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


def test_articles_and_books(tmp_path):
    pf = read_file(write(tmp_path, "pubmed.xml", EFETCH))
    assert (pf.format, pf.database, pf.encoding, pf.count, pf.unusable) == (
        "pubmed-xml",
        "PubMed",
        "utf-8",
        3,
        [],
    )
    a, book, e = pf.records
    assert a.title == "Low-dose naltrexone for CO2 & fibromyalgia."
    assert a.authors == (Author("Younger", "Jarred W"), Author("Kučić", "N"), Author("LDN Study Group"))
    assert (a.year, a.volume, a.issue, a.start_page, a.end_page) == (2013, "14", "10", "1069", "1074")
    assert (a.doi, a.pmid, a.pmcid, a.issn) == ("10.1111/pme.12172", "23841578", "PMC3818298", "1526-2375")
    assert (a.journal, a.journal_abbrev, a.language) == (
        "Pain medicine (Malden, Mass.)",
        "Pain Med",
        "English",
    )
    # Structured abstract with its labels; MathML reduced to its text, its TeX annotation left out.
    assert a.abstract == "OBJECTIVE: To test x2 dosing. RESULTS: It worked."
    assert a.publication_type == "Journal Article"
    assert a.keywords == ("Fibromyalgia", "low-dose naltrexone")
    assert (a.source_id, a.url) == ("23841578", "https://pubmed.ncbi.nlm.nih.gov/23841578/")
    assert a.line == 4 and a.raw.startswith("<PubmedArticle>") and a.raw.endswith("</PubmedArticle>")

    assert (book.title, book.journal, book.year, book.publication_type) == (
        "Familial Mediterranean Fever",
        "GeneReviews",
        1993,
        "Book Chapter",
    )
    assert book.authors == (Author("Shohat", "Mordechai"),)  # the chapter's authors, not the book's editors
    assert (book.pmid, book.abstract) == ("20301295", "CLINICAL CHARACTERISTICS: Recurrent fever.")
    assert book.line == EFETCH.split("\n").index("<PubmedBookArticle>") + 1

    assert (e.start_page, e.doi, e.year, e.volume) == ("e42692", "10.7554/elife.42692", 2019, "8")
    assert e.raw.count("<PubmedArticle>") == 1


def test_whole_book_takes_its_book_title_and_editors(tmp_path):
    text = EFETCH.replace(
        '<ArticleTitle book="gene" part="fmf">Familial Mediterranean Fever</ArticleTitle>', ""
    )
    text = text.replace(
        '<AuthorList Type="authors"><Author><LastName>Shohat</LastName><ForeName>Mordechai</ForeName>'
        "</Author></AuthorList>",
        "",
    )
    book = read_file(write(tmp_path, "b.xml", text)).records[1]
    assert (book.title, book.journal, book.publication_type) == ("GeneReviews", None, "Book")
    assert book.authors == (Author("Adam", "Margaret P"),)


def test_medline_citation_set(tmp_path):
    pf = read_file(write(tmp_path, "medline.xml", MEDLINE_SET))
    assert [(r.pmid, r.title, r.line) for r in pf.records] == [
        ("10540283", "An old citation.", 3),
        ("10540284", "Another.", 13),
    ]  # the DeleteCitation is not a record
    assert (pf.records[0].start_page, pf.records[0].end_page, pf.records[0].first_author) == (
        "12",
        "19",
        "Smith",
    )


def test_gzipped_file_is_detected_by_content(tmp_path):
    plain = read_file(write(tmp_path, "p.xml", EFETCH))
    path = write(tmp_path, "download.bin", gzip.compress(EFETCH.encode()))
    pf = read_file(path)
    assert pf.format == "pubmed-xml"
    assert [(r.title, r.line, r.raw) for r in pf.records] == [(r.title, r.line, r.raw) for r in plain.records]
    assert pf.sha256 != plain.sha256  # the file's own bytes, as they were imported


def test_records_across_chunk_edges(tmp_path, monkeypatch):
    """Lines and raw text stay right when records and tags are cut between reads."""
    expected = [(r.line, r.raw, r.title) for r in read_file(write(tmp_path, "a.xml", EFETCH)).records]
    for size in (7, 64, 333):
        monkeypatch.setattr(pubmed_xml, "_CHUNK", size)
        got = [(r.line, r.raw, r.title) for r in read_file(write(tmp_path, f"c{size}.xml", EFETCH)).records]
        assert got == expected


def test_blank_lines_before_the_declaration_and_detection(tmp_path):
    pf = read_file(write(tmp_path, "x.txt", "\n\n" + EFETCH))
    assert pf.count == 3 and pf.records[0].line == 6
    assert detect_format(EFETCH, Path("x.xml")) == "pubmed-xml"
    assert detect_format(MEDLINE_SET, Path("x.xml")) == "pubmed-xml"
    assert load_text(write(tmp_path, "m.xml", MEDLINE_SET)).text == ""  # read from disk while parsing


def test_truncated_file(tmp_path):
    cut = EFETCH[: EFETCH.index("<PubmedBookArticle>") + 200]
    with pytest.raises(ImportFileError) as err:
        read_file(write(tmp_path, "cut.xml", cut))
    assert "ends in the middle of a record (truncated?)" in str(err.value)
    assert str(err.value).startswith(f"{tmp_path / 'cut.xml'}:{cut.count(chr(10)) + 1}:")


def test_truncated_gzip(tmp_path):
    data = gzip.compress(EFETCH.encode())
    with pytest.raises(
        ImportFileError, match=r"cut.xml.gz: the compressed \(gzip\) file is damaged or cut off"
    ):
        read_file(write(tmp_path, "cut.xml.gz", data[: len(data) // 2]))


def test_wrong_encoding(tmp_path):
    data = EFETCH.replace("Kučić", "Müller").encode("latin-1")
    with pytest.raises(ImportFileError) as err:
        read_file(write(tmp_path, "latin.xml", data))
    line = EFETCH.split("\n").index(next(ln for ln in EFETCH.split("\n") if "Kučić" in ln)) + 1
    assert (
        str(err.value)
        == f"{tmp_path / 'latin.xml'}:{line}: bytes that are not UTF-8 (the encoding this XML declares)"
    )


def test_not_pubmed_xml(tmp_path):
    with pytest.raises(ImportFileError, match=r"not PubMed XML: it starts with 'TY  - JOUR"):
        read_file(write(tmp_path, "a.ris", "TY  - JOUR\nTI  - x\nER  - \n"), format="pubmed-xml")
    with pytest.raises(ImportFileError, match=r"XML whose root is <records>, not PubMed XML"):
        read_file(write(tmp_path, "b.xml", "<records><record/></records>"), format="pubmed-xml")
    with pytest.raises(ImportFileError, match="no PubMed records in this <PubmedArticleSet> file"):
        read_file(write(tmp_path, "c.xml", "<PubmedArticleSet>\n</PubmedArticleSet>\n"))


def test_entity_declarations_are_refused(tmp_path):
    bomb = (
        '<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;">]>\n'
        "<PubmedArticleSet><PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>&b;</ArticleTitle>"
        "</Article></MedlineCitation></PubmedArticle></PubmedArticleSet>\n"
    )
    with pytest.raises(ImportFileError, match="XML that declares entities is not read"):
        read_file(write(tmp_path, "bomb.xml", bomb))


def test_broken_xml_names_line_and_column(tmp_path):
    broken = EFETCH.replace("<Volume>8</Volume>", "<Volume>8</Volumes>")
    line = broken.split("\n").index(next(ln for ln in broken.split("\n") if "</Volumes>" in ln)) + 1
    with pytest.raises(
        ImportFileError, match=rf"broken.xml:{line}: broken XML at column \d+: mismatched tag"
    ):
        read_file(write(tmp_path, "broken.xml", broken))


def test_efetch_batches_appended_to_one_file(tmp_path, monkeypatch):
    """Scripts that fetch in batches often append each batch's whole document to one file."""
    one = read_file(write(tmp_path, "one.xml", EFETCH)).records
    both = EFETCH + MEDLINE_SET.replace('<?xml version="1.0" encoding="UTF-8"?>\n', "") + EFETCH
    lines = both.split("\n")
    for size in (1 << 20, 50):
        monkeypatch.setattr(pubmed_xml, "_CHUNK", size)
        pf = read_file(write(tmp_path, f"both{size}.xml", both))
        assert [r.pmid for r in pf.records] == [r.pmid for r in one] + ["10540283", "10540284"] + [
            r.pmid for r in one
        ]
        assert [lines[r.line - 1].strip()[:16] for r in pf.records] == [
            "<PubmedArticle>",
            "<PubmedBookArtic",
            "<PubmedArticle>",
            "<MedlineCitation",
            "<MedlineCitation",
            "<PubmedArticle>",
            "<PubmedBookArtic",
            "<PubmedArticle>",
        ]
    broken = both.replace("<PMID>10540284</PMID>", "<PMID>10540284</PMD>")
    bad_line = broken.split("\n").index("<PMID>10540284</PMD>") + 1
    with pytest.raises(
        ImportFileError, match=rf"broken.xml:{bad_line}: broken XML at column \d+: mismatched tag"
    ):
        read_file(write(tmp_path, "broken.xml", broken))


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_saved_again_as_utf16(tmp_path, encoding):
    bom = "\ufeff".encode(encoding)
    text = EFETCH.replace('<?xml version="1.0" ?>', '<?xml version="1.0" encoding="UTF-16"?>')
    pf = read_file(write(tmp_path, "u16.xml", bom + text.encode(encoding)))
    assert (pf.format, pf.encoding, pf.count) == ("pubmed-xml", encoding, 3)
    plain = read_file(write(tmp_path, "u8.xml", EFETCH)).records
    assert [(r.title, r.line, r.authors) for r in pf.records] == [(r.title, r.line, r.authors) for r in plain]
