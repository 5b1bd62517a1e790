"""Web of Science tagged-text reader ("Other reference software" ``.txt`` and ``.ciw``).

Own parser: rispy's ``WokParser`` reads this format but, like its RIS parser, gives no
line numbers, drops a record without ``ER`` at the end of the file without a word, and
treats any unindented line as a tag. The format is simple enough to read directly:
``FN``/``VR`` header, then records from ``PT`` to ``ER`` with a two-letter tag, one
space, the value, and continuation lines indented by three spaces; ``EF`` ends the file.
"""

from __future__ import annotations

import re
from pathlib import Path

from screener.core.models import BibRecord
from screener.core.normalise import (
    clean_text,
    expand_pages,
    extract_year,
    normalise_doi,
    normalise_issn,
    normalise_language,
    normalise_pmid,
    split_keywords,
)
from screener.importers._common import (
    Collected,
    ImportFileError,
    Sink,
    authors,
    journal_pair,
    keywords,
    most_common,
    strip_or_none,
)

__all__ = ["parse"]

_TAG = re.compile(r"^([A-Z][A-Z0-9])(?: (.*))?$")
_PT = {"J": "Journal Article", "B": "Book", "S": "Book Series", "P": "Patent", "C": "Conference Paper"}
# UT prefixes name the Web of Science database the record comes from.
_UT_DATABASES = {
    "WOS": "Web of Science", "MEDLINE": "MEDLINE", "BCI": "BIOSIS Citation Index",
    "CCC": "Current Contents Connect", "KJD": "KCI-Korean Journal Database",
    "SCIELO": "SciELO Citation Index", "ZOOREC": "Zoological Record", "DIIDW": "Derwent Innovations Index",
    "CSCD": "Chinese Science Citation Database", "RSCI": "Russian Science Citation Index",
    "CABI": "CAB Abstracts", "INSPEC": "Inspec", "FSTA": "FSTA", "GRANTS": "Grants Index",
}  # fmt: skip


def parse(text: str, path: Path, *, sink: Sink | None = None) -> Collected:
    """Read every record of a Web of Science tagged file.

    Args:
        text: the decoded file, LF line ends.
        path: for error messages.
        sink: receives the records (and reports progress); a new one when None.

    Returns:
        The records, unusable entries and the database guess (from the ``UT`` prefix).

    Raises:
        ImportFileError: no records, a record without ``ER``, a malformed line.
    """
    lines = text.split("\n")
    sink = (sink or Sink()).expect(text.count("\nER"))
    fields: list[list[str]] | None = None
    start = 0
    position = 0
    dbs: list[str | None] = []
    for i, ln in enumerate(lines):
        if not ln.strip():
            continue
        if ln.startswith("   ") or ln.startswith("\t"):
            if fields is None:
                raise ImportFileError(path, "an indented continuation line outside a record", line=i + 1)
            fields[-1].append(ln.strip())
            continue
        m = _TAG.match(ln.rstrip())
        if m is None:
            raise ImportFileError(
                path, f"expected a Web of Science tag line such as 'TI ...', found {ln[:40]!r}", line=i + 1
            )
        tag = m.group(1)
        value = (m.group(2) or "").strip()
        if fields is None:
            if tag in ("FN", "VR", "EF"):
                continue
            if tag != "PT":
                raise ImportFileError(
                    path, f"a '{tag}' line outside a record (records start with 'PT')", line=i + 1
                )
            fields = [[tag, value]]
            start = i
            continue
        if tag == "ER":
            position += 1
            rec, db = _record(fields, position, start + 1, "\n".join(lines[start : i + 1]))
            sink.add(rec)
            dbs.append(db)
            fields = None
            continue
        if tag == "PT":
            raise ImportFileError(
                path,
                f"the record starting on line {start + 1} has no 'ER' line before the next 'PT'",
                line=i + 1,
            )
        fields.append([tag, value])
    if fields is not None:
        raise ImportFileError(
            path, "this record has no 'ER' line (the file may be truncated)", line=start + 1
        )
    if position == 0:
        raise ImportFileError(path, "no Web of Science records found (no 'PT' ... 'ER' blocks)")
    return sink.finish(most_common(dbs), None)


def _record(fields: list[list[str]], position: int, line: int, raw: str) -> tuple[BibRecord, str | None]:
    # Multi-line values keep one item per physical line: authors are one per line,
    # other fields are wrapped text to be joined with spaces.
    f: dict[str, list[str]] = {}
    for tag, *values in fields:
        f.setdefault(tag, []).extend(v for v in values if v)

    def text(tag: str) -> str | None:
        v = f.get(tag)
        return " ".join(v) if v else None

    start, end = expand_pages(f"{text('BP')}-{text('EP')}" if text("BP") and text("EP") else text("BP"))
    if start is None and text("PS"):  # CAB Abstracts and other collections: page span "170" or "82-90"
        start, end = expand_pages(text("PS"))
    if start is None and text("AR"):
        ar = text("AR") or ""
        start, end = expand_pages(ar[5:] if ar.startswith("UNSP ") else ar)
    kws = split_keywords(text("DE")) + split_keywords(text("ID"))
    ut = strip_or_none(text("UT"))
    prefix = ut.split(":", 1)[0].upper() if ut and ":" in ut else None
    database = _UT_DATABASES.get(prefix, "Web of Science") if prefix else "Web of Science"
    doctype = text("DT")
    journal, abbrev = journal_pair(clean_text(text("SO")), clean_text(text("JI") or text("J9")))
    rec = BibRecord(
        position=position,
        title=clean_text(text("TI")),
        authors=authors(f.get("AF") or f.get("AU")),
        year=extract_year(text("PY") or text("EY") or text("PD")),
        journal=journal,
        journal_abbrev=abbrev,
        volume=clean_text(text("VL")),
        issue=clean_text(text("IS")),
        start_page=start,
        end_page=end,
        doi=normalise_doi(text("DI")),
        pmid=normalise_pmid(text("PM")),
        issn=normalise_issn(text("SN") or text("EI")),
        abstract=clean_text(text("AB")),
        keywords=keywords(kws),
        language=normalise_language(text("LA")),
        publication_type=clean_text(doctype) if doctype else _PT.get(text("PT") or ""),
        url=None,
        source_id=ut,
        line=line,
        raw=raw,
    )
    return rec, database
