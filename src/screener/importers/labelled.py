"""A labelled CSV for measuring the ranker: title, abstract, keywords (optional) and a label column.

This is the layout of the public screening benchmarks (ASReview's SYNERGY and
systematic-review-datasets): one record per row, ``label_included`` (or any column you
name) holding 1 for records the review included and 0 for the rest.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from screener.core.ranking import record_text
from screener.importers._encoding import decode_bytes

TRUE = frozenset({"1", "1.0", "true", "yes", "y", "include", "included", "relevant"})
FALSE = frozenset({"0", "0.0", "false", "no", "n", "exclude", "excluded", "irrelevant"})
# column names as ASReview reads them (RIS- and Zotero-style exports name them differently)
COLUMNS = {
    "title": ("title", "primary_title", "ti", "t1"),
    "abstract": ("abstract", "abstract_note", "ab", "n2"),
    "keywords": ("keywords", "keyword", "kw"),
}


class LabelledError(ValueError):
    """A labelled file that cannot be used; ``str()`` is one line naming the file (and line)."""


@dataclass(frozen=True)
class Labelled:
    texts: list[str]
    labels: list[bool]


def _label(value: str | None, path: Path, line: int, label_column: str) -> bool:
    """A row's label: True for an included record (1), False for an excluded one (0)."""
    raw = (value or "").strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise LabelledError(
        f"{path}:{line}: label '{raw}' in column '{label_column}' is neither 1 (included) nor 0 (excluded)"
    )


def read_labelled_csv(path: Path, label_column: str) -> Labelled:
    """Read title, abstract, keywords (if present) and a 0/1 label from each row.

    Raises:
        LabelledError: naming the file and, for a bad row, its line.
    """
    try:
        text, _ = decode_bytes(path.read_bytes(), path)
    except OSError as exc:
        raise LabelledError(f"{path}: cannot read: {exc.strerror}") from None
    csv.field_size_limit(1 << 30)
    sample = text[:4096]
    delimiter = "\t" if sample.split("\n", 1)[0].count("\t") > sample.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
    if label_column not in (reader.fieldnames or []):
        raise LabelledError(
            f"{path}:1: no column '{label_column}' (columns: {', '.join(reader.fieldnames or [])})"
        )
    cols = [
        next((header[a] for a in COLUMNS[c] if a in header), None) for c in ("title", "abstract", "keywords")
    ]
    if cols[0] is None and cols[1] is None:
        raise LabelledError(f"{path}:1: needs a 'title' or an 'abstract' column")
    texts: list[str] = []
    labels: list[bool] = []
    try:
        for row in reader:
            labels.append(_label(row.get(label_column), path, reader.line_num, label_column))
            title, abstract, keywords = (row.get(c) or "" if c else "" for c in cols)
            texts.append(record_text(title, abstract, keywords))
    except csv.Error as exc:
        raise LabelledError(f"{path}:{reader.line_num}: not valid CSV: {exc}") from None
    if not texts:
        raise LabelledError(f"{path}: no rows")
    if all(labels) or not any(labels):
        raise LabelledError(f"{path}: the labels need at least one included (1) and one excluded (0) record")
    return Labelled(texts, labels)
