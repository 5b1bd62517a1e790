"""PubMed / MEDLINE XML reader (``PubmedArticleSet``, ``MedlineCitationSet``, books; plain or gzipped).

What PubMed's "Send to: File, XML", E-utilities ``efetch.fcgi?db=pubmed&retmode=xml`` and
the MEDLINE/PubMed baseline files write: ``<PubmedArticleSet>`` of ``<PubmedArticle>``
(``MedlineCitation`` + ``PubmedData``) and ``<PubmedBookArticle>`` (``BookDocument`` +
``PubmedBookData``), or the older ``<MedlineCitationSet>`` of ``<MedlineCitation>``.

Own reader on the standard library's incremental XML parser (the same one the EndNote
XML reader uses): the file is read in chunks from disk (through :mod:`gzip` when it
starts with gzip's magic bytes) and each record is dropped once read, so a 100,000-record
file never sits in memory whole. Entity declarations are refused (PubMed never writes
them; they are how "billion laughs" files work) and external entities and DTDs are never
fetched. Markup inside titles and abstracts (``<i>``, ``<sup>``, MathML) is reduced to
its text; MathML annotations (TeX source) are left out. A record's line and raw text
come from a scan of the same chunks for its start tag.
"""

from __future__ import annotations

import codecs
import gzip
import io
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, cast

from screener.core.models import Author, BibRecord
from screener.core.normalise import (
    clean_text,
    expand_pages,
    extract_year,
    normalise_doi,
    normalise_issn,
    normalise_language,
    normalise_pmcid,
    normalise_pmid,
)
from screener.importers._common import (
    Collected,
    ImportFileError,
    Sink,
    XmlEvents,
    author,
    journal_pair,
    open_binary,
)

__all__ = ["DATABASE", "declared_encoding", "parse_file", "parse_stream", "root_tag"]

#: The database every record of a PubMed XML file comes from (as the .nbib reader names it).
DATABASE = "PubMed"

_CHUNK = 1 << 20
_HEAD = 1 << 16  # the root element is looked for in this much of the file
_RECORDS = {
    "PubmedArticleSet": ("PubmedArticle", "PubmedBookArticle"),
    "PubmedBookArticleSet": ("PubmedBookArticle",),
    "MedlineCitationSet": ("MedlineCitation",),
}
ROOTS = tuple(_RECORDS) + ("PubmedArticle", "PubmedBookArticle", "MedlineCitation")
_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>|\s+)*", re.DOTALL)
_FIRST_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)")
_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ENTITY = re.compile(rb"<!ENTITY")
# Where a document starts: its XML declaration or its root (a file may hold several documents).
_DOCUMENT = re.compile(rb"<\?xml[\s?]|<(?:PubmedArticleSet|MedlineCitationSet|PubmedBookArticleSet)[\s>]")
_KEEP = 32  # bytes held back from each chunk for the next
_NOT_TYPES = ("English Abstract", "Research Support")


def root_tag(head: bytes) -> str | None:
    """The name of the first element in ``head`` (the start of a file), or None."""
    m = _PROLOG.match(head.lstrip(b"\xef\xbb\xbf"))
    m = _FIRST_TAG.match(head.lstrip(b"\xef\xbb\xbf"), m.end() if m else 0)
    return m.group(1).decode("ascii", "replace") if m else None


def declared_encoding(head: bytes) -> str:
    """The encoding the XML declaration names (UTF-8 when none does)."""
    m = _ENCODING.match(head.lstrip(b"\xef\xbb\xbf"))
    return m.group(1).decode("ascii").lower() if m else "utf-8"


def parse_file(path: Path, *, sink: Sink | None = None) -> Collected:
    """Read a PubMed XML file (gzipped or not) from disk, chunk by chunk; see :func:`parse_stream`."""
    sink = sink or Sink()
    try:
        with open_binary(path) as stream:
            if stream.peek(2)[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # type: ignore[attr-defined]
                return parse_stream(_as_utf8(stream), path, sink=sink)
            if not isinstance(stream, gzip.GzipFile):  # count records ahead, for progress (cheap on bytes)
                sink.expect(_count_records(stream))
                stream.seek(0)
            return parse_stream(stream, path, sink=sink)
    except OSError as exc:
        raise ImportFileError(path, f"cannot read the file: {exc.strerror or exc}") from exc


def _as_utf8(stream: BinaryIO) -> BinaryIO:
    """A UTF-16 file (PubMed writes UTF-8; an editor may have saved it again) as UTF-8 bytes,
    its XML declaration's encoding dropped (held whole in memory: such files are small)."""
    text = stream.read().decode("utf-16")
    text = re.sub(r"""^(\s*<\?xml[^>]*?)\s+encoding\s*=\s*["'][^"']*["']""", r"\1", text)
    return io.BytesIO(text.encode("utf-8"))


def _count_records(stream: BinaryIO) -> int:
    n = 0
    while chunk := stream.read(_CHUNK * 8):
        n += chunk.count(b"<PubmedArticle>") + chunk.count(b"<PubmedBookArticle>")
    return n


def parse_stream(stream: BinaryIO, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every record of a PubMed XML file from a binary stream.

    Args:
        stream: the file's bytes (already through gzip when it was compressed).
        path: for error messages.
        sink: receives the records (and reports progress); a new one when None.

    Returns:
        The records and unusable entries; the database is PubMed.

    Raises:
        ImportFileError: broken or truncated XML, bytes that are not in the declared
            encoding, an entity declaration, a root that is not PubMed's, or no records
            (each naming the line where it can).
    """
    sink = sink or Sink()
    reader = _Reader(stream, path, sink)
    reader.run()
    if reader.position == 0:
        raise ImportFileError(path, f"no PubMed records in this <{reader.root}> file")
    return sink.finish(DATABASE, None)


def _record_tags(root: str) -> tuple[tuple[str, ...], re.Pattern[bytes]]:
    """The elements that are records under ``root``, and a pattern for their start tags."""
    tags = _RECORDS.get(root, (root,))
    return tags, re.compile(rb"<(?:" + b"|".join(t.encode() for t in tags) + rb")[\s>]")


class _Reader:
    """One pass over the file: feeds the parser and pairs each record with its line and text."""

    def __init__(self, stream: BinaryIO, path: Path, sink: Sink):
        self.stream = stream
        self.path = path
        self.sink = sink
        self.position = 0
        self.root = ""
        self.encoding = "utf-8"
        self.window = b""  # the bytes fed since the end of the last record read
        self.pos = 0  # where the next record is looked for in window
        self.line = 1  # the file's line at window[pos]
        self.skipped_lines = 0  # blank lines before the XML (the parser's line numbers start after them)
        self.doc_line = 0  # lines before the document being parsed
        self.head = b""  # the file's first bytes

    def _read(self, size: int) -> bytes:
        try:
            return self.stream.read(size)
        except (OSError, EOFError) as exc:  # gzip: damaged or cut-off compressed data
            raise ImportFileError(
                self.path, f"the compressed (gzip) file is damaged or cut off: {exc}"
            ) from exc

    def _chunks(self) -> Iterator[bytes]:
        """The file in chunks, none ending inside a tag near its end, so that no declaration,
        root tag or entity declaration is cut in two between chunks."""
        head = self.head
        carry = b""
        pieces = (head[i : i + _CHUNK] for i in range(0, len(head), _CHUNK))
        for piece in itertools.chain(pieces, iter(lambda: self._read(_CHUNK), b"")):
            data = carry + piece
            cut = data.rfind(b"<", max(0, len(data) - _KEEP))  # a tag near the end waits for the next chunk
            cut = len(data) if cut <= 0 else cut
            carry = data[cut:]
            if cut:
                yield data[:cut]
        if carry:
            yield carry

    def _check_head(self, head: bytes) -> None:
        self.root = root_tag(head) or ""
        self.encoding = declared_encoding(head)
        if not head.lstrip(b"\xef\xbb\xbf").startswith(b"<"):
            preview = head[:40].decode("utf-8", "replace")
            raise ImportFileError(self.path, f"not PubMed XML: it starts with {preview!r}", line=1)
        if self.root not in ROOTS:
            raise ImportFileError(
                self.path,
                f"XML whose root is <{self.root}>, not PubMed XML "
                "(<PubmedArticleSet> or <MedlineCitationSet>)",
            )

    def run(self) -> None:
        """Feed the file to the parser; a new parser for each document of a file that holds
        several one after the other (E-utilities batches appended to one file)."""
        head = self._read(max(_CHUNK, _HEAD))
        self.head = head.lstrip(b" \t\r\n")  # blank lines before <?xml are not well-formed XML
        self.skipped_lines = head.count(b"\n", 0, len(head) - len(self.head))
        self.line += self.skipped_lines
        self._check_head(self.head)
        tags, start_tag = _record_tags(self.root)
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
        root_seen = False  # the current document's root has been fed
        started = False  # anything but blanks has been fed to the current parser
        self.doc_line = (
            self.skipped_lines
        )  # lines before the current document (for the parser's line numbers)
        chunk = b""

        def feed(data: bytes) -> None:
            nonlocal started
            started = started or bool(data.strip())
            self.window = self.window[self.pos :] + data
            self.pos = 0
            if data:
                parser.feed(data)
            for _event, elem in cast(XmlEvents, parser.read_events()):
                if elem.tag in tags:
                    self._record(elem, start_tag)
                    elem.clear()

        try:
            for chunk in self._chunks():
                if _ENTITY.search(chunk):
                    raise ImportFileError(
                        self.path, "XML that declares entities is not read (PubMed never writes them)"
                    )
                done = 0
                for m in _DOCUMENT.finditer(chunk):
                    if m.group(0).startswith(b"<?xml") and not (
                        root_seen or started or chunk[done : m.start()].strip()
                    ):
                        continue  # this document's own declaration
                    is_root = not m.group(0).startswith(b"<?xml")
                    if is_root and not root_seen:
                        root_seen = True  # this document's root
                        tags, start_tag = _record_tags(m.group(0)[1:-1].decode())
                        continue
                    feed(chunk[done : m.start()])
                    parser.close()
                    feed(b"")
                    self.doc_line = self.line - 1 + self.window.count(b"\n", self.pos)
                    parser = ET.XMLPullParser(events=("end",))
                    root_seen, started = is_root, False
                    if is_root:
                        tags, start_tag = _record_tags(m.group(0)[1:-1].decode())
                    done = m.start()
                feed(chunk[done:])
            parser.close()
            feed(b"")
        except ET.ParseError as exc:
            raise self._error(exc, chunk) from exc

    def _error(self, exc: ET.ParseError, chunk: bytes) -> ImportFileError:
        line, column = getattr(exc, "position", (None, None))
        if line is not None:
            line += self.doc_line
        message = re.sub(r":\s*line \d+, column \d+$", "", str(exc))
        if message.startswith("no element found") or message.startswith("unclosed token"):
            return ImportFileError(
                self.path, "the file ends in the middle of a record (truncated?)", line=line
            )
        if message.startswith("not well-formed (invalid token)") and chunk:
            try:
                chunk.decode(self.encoding)
            except UnicodeDecodeError as bad:
                if bad.reason == "unexpected end of data":  # a character cut by the chunk's end
                    return ImportFileError(self.path, f"broken XML at column {column}: {message}", line=line)
                return ImportFileError(
                    self.path,
                    f"bytes that are not {self.encoding.upper()} (the encoding this XML declares)",
                    line=line,
                )
            except LookupError:
                pass
        if message.startswith("undefined entity"):
            return ImportFileError(
                self.path, f"an entity this program does not expand at column {column}", line=line
            )
        return ImportFileError(self.path, f"broken XML at column {column}: {message}", line=line)

    def _record(self, elem: ET.Element, start_tag: re.Pattern[bytes]) -> None:
        self.position += 1
        window = self.window
        m = start_tag.search(window, self.pos)
        line: int | None = None
        raw = ""
        if m is not None:
            start = m.start()
            line = self.line + window.count(b"\n", self.pos, start)
            close = re.compile(rb"</" + re.escape(elem.tag.encode()) + rb"\s*>").search(window, start)
            if close is not None:
                end = close.end()
                raw = window[start:end].decode(self.encoding, "replace")
                self.line += window.count(b"\n", self.pos, end)
                self.pos = end
        self.sink.add(_build(elem, self.position, line, raw))


# --- fields -----------------------------------------------------------------------------

_SKIP = frozenset({"annotation", "annotation-xml"})  # MathML's TeX/alternative encodings of a formula


def _walk(elem: ET.Element, parts: list[str]) -> None:
    if elem.text:
        parts.append(elem.text)
    for child in elem:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag.rsplit("}", 1)[-1].rsplit(":", 1)[-1] not in _SKIP:
            _walk(child, parts)
        if child.tail:
            parts.append(child.tail)


def _text(elem: ET.Element | None) -> str | None:
    """The element's text with markup (``<i>``, ``<sup>``, MathML) reduced to its words."""
    if elem is None:
        return None
    if len(elem) == 0:
        value = elem.text
    else:
        parts: list[str] = []
        _walk(elem, parts)
        value = "".join(parts)
    return clean_text(value) if value and not value.isspace() else None


def _find_text(elem: ET.Element | None, path: str) -> str | None:
    return _text(elem.find(path)) if elem is not None else None


def _abstract(abstract: ET.Element | None) -> str | None:
    if abstract is None:
        return None
    parts = []
    for section in abstract.iterfind("AbstractText"):
        text = _text(section)
        if not text:
            continue
        label = section.get("Label")
        parts.append(f"{label.strip()}: {text}" if label and label.strip() else text)
    return " ".join(parts) or None


def _authors(author_list: ET.Element | None) -> tuple[Author, ...]:
    if author_list is None:
        return ()
    out: list[Author] = []
    for a in author_list.iterfind("Author"):
        if a.get("ValidYN") == "N":
            continue
        last = _find_text(a, "LastName")
        if last:
            given = _find_text(a, "ForeName") or _find_text(a, "Initials")
            person = author(f"{last}, {given}" if given else f"{last},")
            if person is not None:
                out.append(person)
            continue
        group = _find_text(a, "CollectiveName")
        if group:
            out.append(Author(group))
    return tuple(out)


def _ids(*lists: ET.Element | None) -> dict[str, str]:
    """IdType -> value from ``ArticleIdList`` elements (the first value of each type wins)."""
    out: dict[str, str] = {}
    for id_list in lists:
        if id_list is None:
            continue
        for article_id in id_list.iterfind("ArticleId"):
            kind = (article_id.get("IdType") or "").lower()
            value = (article_id.text or "").strip()
            if kind and value:
                out.setdefault(kind, value)
    return out


def _year(*dates: ET.Element | None) -> int | None:
    for date in dates:
        if date is None:
            continue
        year = extract_year(_find_text(date, "Year") or _find_text(date, "MedlineDate"))
        if year:
            return year
    return None


def _pages(article: ET.Element | None) -> tuple[str | None, str | None]:
    if article is None:
        return None, None
    pagination = article.find("Pagination")
    if pagination is not None:
        first, last = _find_text(pagination, "StartPage"), _find_text(pagination, "EndPage")
        start, end = expand_pages(f"{first}-{last}" if first and last else first)
        if start is None:
            start, end = expand_pages(_find_text(pagination, "MedlinePgn"))
        if start is not None:
            return start, end
    for loc in article.iterfind("ELocationID"):  # an e-locator ("e42692") stands in for pages
        value = (loc.text or "").strip()
        if loc.get("EIdType") == "pii" and value and " " not in value:
            return expand_pages(value)
    return None, None


def _build(elem: ET.Element, position: int, line: int | None, raw: str) -> BibRecord:
    if elem.tag == "PubmedBookArticle":
        return _book(elem, position, line, raw)
    citation = elem if elem.tag == "MedlineCitation" else elem.find("MedlineCitation")
    if citation is None:
        citation = ET.Element("MedlineCitation")
    article = citation.find("Article")
    journal_elem = _find(article, "Journal")
    issue = _find(journal_elem, "JournalIssue")
    info = citation.find("MedlineJournalInfo")
    ids = _ids(elem.find("PubmedData/ArticleIdList"))
    pmid = normalise_pmid(_find_text(citation, "PMID") or ids.get("pubmed"))
    journal, abbrev = journal_pair(
        _find_text(journal_elem, "Title"),
        _find_text(journal_elem, "ISOAbbreviation") or _find_text(info, "MedlineTA"),
    )
    start, end = _pages(article)
    return BibRecord(
        position=position,
        title=_find_text(article, "ArticleTitle") or _find_text(article, "VernacularTitle"),
        authors=_authors(_find(article, "AuthorList")),
        year=_year(_find(issue, "PubDate"), _find(article, "ArticleDate")),
        journal=journal,
        journal_abbrev=abbrev,
        volume=_find_text(issue, "Volume"),
        issue=_find_text(issue, "Issue"),
        start_page=start,
        end_page=end,
        doi=_doi(ids, article),
        pmid=pmid,
        pmcid=normalise_pmcid(ids.get("pmc")),
        issn=_issn(journal_elem, info),
        abstract=_abstract(_find(article, "Abstract")),
        keywords=_keywords(citation),
        language=normalise_language(_find_text(article, "Language")),
        publication_type=_publication_type(citation),
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
        source_id=pmid,
        line=line,
        raw=raw,
    )


def _find(elem: ET.Element | None, path: str) -> ET.Element | None:
    return elem.find(path) if elem is not None else None


def _doi(ids: dict[str, str], article: ET.Element | None) -> str | None:
    """The DOI among the article ids, else the article's DOI e-locator."""
    doi = normalise_doi(ids.get("doi"))
    if doi is None and article is not None:
        for loc in article.iterfind("ELocationID"):
            if loc.get("EIdType") == "doi":
                doi = normalise_doi(loc.text)
                if doi:
                    break
    return doi


def _issn(journal: ET.Element | None, info: ET.Element | None) -> str | None:
    """The print ISSN, as the .nbib reader prefers; then the linking one, then any."""
    issns: dict[str, str | None] = {}
    if journal is not None:
        for node in journal.iterfind("ISSN"):
            issns.setdefault(node.get("IssnType") or "", node.text)
    issn = normalise_issn(issns.get("Print")) or normalise_issn(_find_text(info, "ISSNLinking"))
    if issn is None:
        issn = next((v for v in map(normalise_issn, issns.values()) if v), None)
    return issn


def _publication_type(citation: ET.Element) -> str | None:
    """The first publication type that is not "English Abstract" or a funding note."""
    types = [
        t for t in (_text(p) for p in citation.iterfind("Article/PublicationTypeList/PublicationType")) if t
    ]
    return next((t for t in types if not t.startswith(_NOT_TYPES)), types[0] if types else None)


def _keywords(citation: ET.Element) -> tuple[str, ...]:
    """MeSH headings, then keywords, each once."""
    keywords: dict[str, None] = {}
    for path in ("MeshHeadingList/MeshHeading/DescriptorName", "KeywordList/Keyword"):
        for k in citation.iterfind(path):
            word = _text(k)
            if word:
                keywords.setdefault(word)
    return tuple(keywords)


def _book(elem: ET.Element, position: int, line: int | None, raw: str) -> BibRecord:
    doc = elem.find("BookDocument")
    if doc is None:
        doc = ET.Element("BookDocument")
    book = doc.find("Book")
    ids = _ids(doc.find("ArticleIdList"), elem.find("PubmedBookData/ArticleIdList"))
    pmid = normalise_pmid(_find_text(doc, "PMID") or ids.get("pubmed"))
    chapter = _find_text(doc, "ArticleTitle")
    book_title = _find_text(book, "BookTitle")
    people = _authors(doc.find("AuthorList")) or _authors(_find(book, "AuthorList"))
    start, end = _pages(doc)
    keywords = tuple(dict.fromkeys(k for k in (_text(k) for k in doc.iterfind("KeywordList/Keyword")) if k))
    return BibRecord(
        position=position,
        title=chapter or book_title,
        authors=people,
        year=_year(_find(book, "PubDate"), doc.find("ContributionDate")),
        journal=book_title if chapter else None,
        volume=_find_text(book, "Volume"),
        start_page=start,
        end_page=end,
        doi=normalise_doi(ids.get("doi")),
        pmid=pmid,
        pmcid=normalise_pmcid(ids.get("pmc")),
        abstract=_abstract(doc.find("Abstract")),
        keywords=keywords,
        language=normalise_language(_find_text(doc, "Language")),
        publication_type="Book Chapter" if chapter else "Book",
        url=f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None,
        source_id=pmid or ids.get("bookaccession"),
        line=line,
        raw=raw,
    )
