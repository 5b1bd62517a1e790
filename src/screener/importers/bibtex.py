"""BibTeX reader built on bibtexparser 2.x.

bibtexparser splits the file and removes the outer braces or quotes of each value; the
LaTeX inside values is decoded by :func:`screener.core.normalise.clean_text` (which only
works on values holding a backslash or brace). Author lists are split on ``and`` at
brace depth 0 and names read with BibTeX's "Last, First" / "Last, Jr, First" rules;
a name in braces (``{World Health Organization}``) is kept whole.

Keys written by :mod:`screener.exporters.bibtex` for records without an id start with
``screener:`` and are not taken as the record's id on the way back in.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import bibtexparser
from bibtexparser.model import Block, Entry, Field, ParsingFailedBlock, String

from screener.core.models import Author, BibRecord
from screener.core.normalise import (
    all_clean,
    clean_text,
    decode_latex,
    expand_pages,
    extract_year,
    normalise_doi,
    normalise_issn,
    normalise_language,
    normalise_pmcid,
    normalise_pmid,
    normalise_url,
)
from screener.core.reference_types import ENTRY_TYPES, GENERATED_KEY_PREFIX
from screener.importers._common import (
    Collected,
    ImportFileError,
    Sink,
    authors,
    clean_fields,
    journal_pair,
    most_common,
)
from screener.importers._common import author as heuristic_author

__all__ = ["ENTRY_TYPES", "GENERATED_KEY_PREFIX", "parse"]

# bibtexparser logs each entry it cannot read; the same problem reaches the user as an
# ImportFileError, so its messages are not printed a second time through logging's
# last-resort handler (an application that configures logging still receives them).
logging.getLogger("bibtexparser").addHandler(logging.NullHandler())
log = logging.getLogger("screener.importers")


# "~" is a non-breaking space in BibTeX, except after a backslash where it is an accent.
_TILDE = re.compile(r"(?<!\\)~")
_AND = re.compile(r"\s+and\s+", re.IGNORECASE)


def parse(text: str, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every entry of a BibTeX file.

    Args:
        text: the decoded file, LF line ends.
        path: for error messages.
        sink: receives the records (and reports progress); a new one when None.

    Returns:
        The records, unusable entries and the database guess.

    Raises:
        ImportFileError: an entry bibtexparser cannot read (unbalanced braces, ...), or no entries.
    """
    sink = (sink or Sink()).expect(len(_ENTRY_START.findall(text)) + text.startswith("@"))
    dbs: list[str | None] = []
    position = 0
    for library, line_offset in _libraries(text):
        strings = dict(MONTHS)
        for block in library.blocks:
            entry: Block | None = block
            if isinstance(block, String):
                # Definitions in file order, so that one may use those before it (b = a # " x").
                strings[block.key.lower()] = evaluate(str(block.value), strings)
                continue
            if isinstance(block, ParsingFailedBlock) and isinstance(block.ignore_error_block, Entry):
                # A repeated key (a matter for dedup) or a repeated field (Scopus writes
                # funding_details twice): the entry itself was read, so keep it.
                entry = block.ignore_error_block
            elif isinstance(block, ParsingFailedBlock):
                line = block.start_line + 1 + line_offset if block.start_line is not None else None
                entry = _one_field_per_line(block.raw or "", block.start_line)
                if entry is None:
                    raise ImportFileError(
                        path, f"cannot read this BibTeX entry: {_what_is_wrong(block)}", line=line
                    )
                log.warning(
                    "%s:%s: the braces in this entry do not balance; read it one field per line", path, line
                )
            if not isinstance(entry, Entry):
                continue
            position += 1
            rec, db = _record(entry, position, strings, line_offset)
            sink.add(rec)
            dbs.append(db)
    if not position:
        raise ImportFileError(path, "no BibTeX entries found (no '@type{key, ...}' blocks)")
    return sink.finish(most_common(dbs), None)


# An entry (or @string, @comment, ...) starting at the beginning of a line.
_ENTRY_START = re.compile(r"\n(?=@[ \t]*[A-Za-z]+[ \t]*[{(])")
#: Entries handed to bibtexparser at a time: a large file is never one huge library.
CHUNK_ENTRIES = 2000


def _libraries(text: str) -> Iterator[tuple[bibtexparser.Library, int]]:
    """bibtexparser libraries of consecutive pieces of ``text``, each with the number to
    add to its blocks' ``start_line`` to get the (0-based) line in the file.

    Parsing a 100,000-entry file as one library holds every entry's blocks, fields and
    raw text at once (1.6 GB for 200 MB); pieces of :data:`CHUNK_ENTRIES` entries keep
    memory flat. ``@string`` definitions of earlier pieces are put before each later
    piece, so that abbreviations defined once at the top still resolve everywhere.
    """
    starts = [0] + [m.start() + 1 for m in _ENTRY_START.finditer(text)]
    cuts = starts[CHUNK_ENTRIES::CHUNK_ENTRIES] + [len(text)]
    defined: dict[str, str] = {}
    begin, line = 0, 0
    for end in cuts:
        piece = text[begin:end]
        prefix = "\n".join(defined.values())
        prefix_lines = prefix.count("\n") + 1 if prefix else 0
        # No parse stack: values keep their braces and quotes, and :func:`evaluate` reads
        # them with their @string macros and "#" concatenations.
        library = bibtexparser.parse_string(prefix + "\n" + piece if prefix else piece, parse_stack=[])
        yield library, line - prefix_lines  # block lines + this = lines in the file
        for string in library.strings:
            if string.raw is not None:  # always set by the parser; None only for a String built by hand
                defined.setdefault(string.key.lower(), string.raw)
        line += piece.count("\n")
        begin = end


def _text(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if "~" in value:
        value = _TILDE.sub(" ", value)
    return clean_text(value)


def _plain(value: str | None) -> str | None:
    """Identifier-like values: LaTeX escapes (``\\_``) and braces removed, nothing else."""
    if not value:
        return None
    return decode_latex(value).strip() or None


def split_depth0(text: str, sep: re.Pattern[str] | str) -> list[str]:
    """Split ``text`` on ``sep`` where it is not inside braces."""
    if "{" not in text:
        return sep.split(text) if isinstance(sep, re.Pattern) else text.split(sep)
    parts: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(0, depth - 1)
        elif depth == 0:
            if isinstance(sep, re.Pattern):
                m = sep.match(text, i)
                if m and m.end() > i:
                    parts.append(text[start:i])
                    start = i = m.end()
                    continue
            elif text.startswith(sep, i):
                parts.append(text[start:i])
                start = i = i + len(sep)
                continue
        i += 1
    parts.append(text[start:])
    return parts


def _braced(text: str) -> bool:
    """True when the whole of ``text`` is one brace group."""
    if not (text.startswith("{") and text.endswith("}")):
        return False
    depth = 0
    for i, ch in enumerate(text):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and i != len(text) - 1:
                return False
    return True


@lru_cache(maxsize=1 << 16)
def _name(raw: str) -> Author | None:
    raw = raw.strip()
    if not raw:
        return None
    parts = split_depth0(raw, ",") if "," in raw else [raw]
    if len(parts) == 1:
        if _braced(raw):
            family = _text(raw[1:-1])
            return Author(family) if family else None
        return heuristic_author(_TILDE.sub(" ", raw))
    family = _text(parts[0])
    given = _text(parts[2] if len(parts) >= 3 else parts[1]) or ""
    if not family:
        return heuristic_author(given) if given else None
    return Author(family, given)


def _authors(value: str | None) -> tuple[Author, ...]:
    if not value:
        return ()
    names = split_depth0(value, _AND)
    if len(names) == 1 and _braced(value):
        inner = split_depth0(value[1:-1], _AND)
        # WoS double braces: {{Roach, M. and Thompson, F.}}; a braced name holding "and"
        # ({National Institute for Health and Care Excellence}) stays one author.
        if len(inner) > 1 and all("," in name for name in inner):
            names = inner
    return authors(names, _name)


def _keywords(*values: str | None) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for value in values:
        if not value:
            continue
        if _braced(value):  # WoS double braces
            value = value[1:-1]
        parts = split_depth0(value, ";")
        if len(parts) == 1:
            parts = split_depth0(value, ",")
        parts = [p.strip() for p in parts]
        if "~" not in value and all_clean(parts):
            seen.update(dict.fromkeys(parts))
            continue
        for p in parts:
            k = _text(p)
            if k:
                seen.setdefault(k)
    return tuple(seen)


MONTHS = {
    m[:3].lower(): m for m in ("January", "February", "March", "April", "May", "June", "July", "August",
                               "September", "October", "November", "December")
}  # fmt: skip


def _parts(value: str) -> list[str] | None:
    """The pieces of ``a # "text" # {text}``, each still enclosed; None when malformed."""
    parts = []
    i, n = 0, len(value)
    while True:
        while i < n and value[i].isspace():
            i += 1
        if i >= n:
            return None
        start = i
        if value[i] == "{":
            depth = 0
            while i < n:
                if value[i] == "{":
                    depth += 1
                elif value[i] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                i += 1
            i += 1
        elif value[i] == '"':
            depth = 0
            i += 1
            while i < n and (value[i] != '"' or depth > 0):
                depth += (value[i] == "{") - (value[i] == "}")
                i += 1
            i += 1
        else:
            while i < n and value[i] != "#":
                i += 1
        if i > n:
            return None
        parts.append(value[start:i].strip())
        while i < n and value[i].isspace():
            i += 1
        if i >= n:
            return parts
        if value[i] != "#":
            return None
        i += 1


def evaluate(value: str, strings: dict[str, str]) -> str:
    """A field's value as BibTeX reads it: outer braces or quotes off, @string macros
    (lower-case keys in ``strings``) replaced, pieces joined by ``#`` concatenated.

    A value that is not a well-formed expression is returned as it stands.
    """
    value = value.strip()
    if not value:
        return value
    first = value[0]
    if "#" not in value:  # the common case: one braced, quoted, numeric or macro value
        if (first == "{" and value[-1] == "}") or (first == '"' and value[-1] == '"' and len(value) > 1):
            return value[1:-1]
        return strings.get(value.lower(), value)
    parts = _parts(value)
    if parts is None:
        return value
    out = []
    for part in parts:
        if part[:1] in ('"', "{"):
            out.append(part[1:-1])
        else:
            out.append(strings.get(part.lower(), part))
    return "".join(out)


_FIELD_LINE = re.compile(r"^\s*([\w:.+-]+)\s*=\s*\{(.*)\}\s*,?\s*$")
_NEXT_FIELD = re.compile(r"\}\s*,\s*[\w:.+-]+\s*=\s*[{\"\d]")
_ENTRY_LINE = re.compile(r"^\s*@\s*(\w+)\s*\{\s*([^,\s]*)\s*,\s*$")


def _one_field_per_line(raw: str, start_line: int | None) -> Entry | None:
    """Read an entry whose braces do not balance, when it is written one ``name={value},``
    per line (as Scopus and Web of Science write): each line is then one whole field,
    whatever stray brace its value holds. None for any other layout."""
    lines = [ln for ln in raw.strip().split("\n") if ln.strip()]
    if len(lines) < 3 or lines[-1].strip() not in ("}", "},"):
        return None
    head = _ENTRY_LINE.match(lines[0])
    if head is None:
        return None
    fields = []
    for offset, ln in enumerate(lines[1:-1], 1):
        m = _FIELD_LINE.match(ln)
        if m is None or _NEXT_FIELD.search(m.group(2)):  # two fields on a line: not this layout
            return None
        line = start_line + offset if start_line is not None else None
        fields.append(Field(m.group(1), "{" + m.group(2) + "}", line))
    return Entry(head.group(1).lower(), head.group(2), fields, start_line, raw)


def _what_is_wrong(block: ParsingFailedBlock) -> str:
    """bibtexparser's reason for refusing a block, in words (its exceptions often have no message)."""
    raw = block.raw or ""
    depth = 0
    for ch in raw:
        depth += (ch == "{") - (ch == "}")
    if depth > 0:
        return f"{depth} more '{{' than '}}': a brace in a value is never closed, so the entry does not end"
    if depth < 0:
        return f"{-depth} more '}}' than '{{': a brace closes a value too early"
    if raw.count('"') % 2:
        return "an odd number of '\"': a quoted value is never closed"
    reason = str(block.error).split("\n")[-1].strip()
    return reason or "it is not '@type{key, name = {value}, ...}'"


# The fields that may hold a value, best first (BibTeX, biblatex, Scopus, Web of Science, Zotero).
_JOURNAL = ("journal", "journaltitle", "booktitle")
_ABBREV = (
    "journal-iso",
    "abbrev_source_title",
    "shortjournal",
    "journal_abbrev",
    "journalabbrev",
    "iso-source-abbreviation",
)
_TYPE = ("document_type", "type")
_ISSUE = ("number", "issue")
_ARTICLE_NUMBER = ("art_number", "article-number", "eid")
_YEAR = ("year", "date")
_PMID = ("pmid", "pubmed-id", "pubmed")
_ISSN = ("issn", "eissn")
_LANGUAGE = ("language", "langid")


def _record(
    entry: Entry, position: int, strings: dict[str, str], line_offset: int = 0
) -> tuple[BibRecord, str | None]:
    f: dict[str, str] = {}
    for fld in entry.fields:
        f.setdefault(fld.key.lower(), evaluate(str(fld.value), strings))
    g = f.get

    source_id = _source_id(entry, g("unique-id"))
    url = normalise_url(_plain(g("url")))
    doi = normalise_doi(_plain(g("doi")))
    if doi is None and url and "doi.org/" in url:
        doi = normalise_doi(url)
    title, abstract, journal, abbrev, ptype, pages, volume, issue = clean_fields(
        [
            g("title"),
            g("abstract"),
            _first(f, _JOURNAL),
            _first(f, _ABBREV),
            _first(f, _TYPE),
            g("pages"),
            g("volume"),
            _first(f, _ISSUE),
        ],
        _text,
        _all_clean,
    )
    start, end = expand_pages(pages)
    if start is None:  # an article number stands in for pages
        start, end = expand_pages(_text(_first(f, _ARTICLE_NUMBER)))
    if not ptype:
        ptype = ENTRY_TYPES.get(entry.entry_type.lower())
    journal, abbrev = journal_pair(journal or None, abbrev or None)
    rec = BibRecord(
        position=position,
        title=title or None,
        authors=_authors(g("author")),
        year=extract_year(_plain(_first(f, _YEAR))),
        journal=journal,
        journal_abbrev=abbrev,
        volume=volume or None,
        issue=issue or None,
        start_page=start,
        end_page=end,
        doi=doi,
        pmid=normalise_pmid(_plain(_first(f, _PMID))),
        pmcid=normalise_pmcid(_plain(g("pmcid"))),
        issn=normalise_issn(_plain(_first(f, _ISSN))),
        abstract=abstract or None,
        keywords=_keywords(g("author_keywords"), g("keywords"), g("keywords-plus")),
        language=normalise_language(_text(_first(f, _LANGUAGE))),
        publication_type=ptype or None,
        url=url,
        source_id=source_id,
        line=entry.start_line + 1 + line_offset if entry.start_line is not None else None,
        raw=entry.raw or "",
    )
    return rec, _database(g("source"), url, source_id)


def _first(f: dict[str, str], names: tuple[str, ...]) -> str | None:
    """The first non-empty value among the fields ``names``."""
    for name in names:
        value = f.get(name)
        if value:
            return value
    return None


def _all_clean(texts: list[str]) -> bool:
    # "~" is a space (or an accent) in BibTeX: such a value is never clean as it stands.
    return all_clean(texts) and "~" not in "".join(texts)


def _source_id(entry: Entry, unique: str | None) -> str | None:
    """Web of Science's ``unique-id``, else the entry's key (unless this program made it up)."""
    if unique:
        return _plain(unique)
    key = (entry.key or "").strip()
    return key if key and not key.startswith(GENERATED_KEY_PREFIX) else None


def _database(source: str | None, url: str | None, source_id: str | None) -> str | None:
    """Scopus or Web of Science, when the entry's fields say so."""
    if (source and source.strip().lower() == "scopus") or (url and "scopus.com" in url):
        return "Scopus"
    if source_id and source_id[:4] in ("ISI:", "WOS:"):
        return "Web of Science"
    return None
