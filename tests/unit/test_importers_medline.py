"""MEDLINE (.nbib) read in pieces: the same records, lines and raw text as in one piece."""

from __future__ import annotations

import pytest

from screener.importers import ImportFileError, pubmed, read_file

RECORD = """PMID- {pmid}
TI  - Title number {pmid}, long enough to wrap onto a continuation
      line as PubMed writes it.
DP  - 2013 Oct
FAU - Younger, Jarred W
AU  - Younger JW
"""


def test_pieces_cut_at_blank_lines(tmp_path, monkeypatch):
    text = "\n".join(RECORD.format(pmid=1000 + k) for k in range(40))
    path = tmp_path / "many.nbib"
    path.write_text(text, encoding="utf-8")
    whole = [(r.pmid, r.line, r.raw, r.title) for r in read_file(path).records]
    assert len(whole) == 40 and whole[1][1] == 8
    monkeypatch.setattr(pubmed, "_PIECE", 50)
    assert [(r.pmid, r.line, r.raw, r.title) for r in read_file(path).records] == whole
    bad = text.replace(
        "DP  - 2013 Oct\nFAU - Younger, Jarred W\nAU  - Younger JW\n\nPMID- 1030", "x\n\nPMID- 1030"
    )
    path.write_text(bad, encoding="utf-8")
    line = bad.split("\n").index("x") + 1
    for piece in (50, 1 << 22):
        monkeypatch.setattr(pubmed, "_PIECE", piece)
        with pytest.raises(ImportFileError, match=rf"many.nbib:{line}: expected a MEDLINE tag line"):
            read_file(path)
