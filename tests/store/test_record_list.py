"""The records list in the store: the reviewer's own votes only, filters combined, sorted, paged."""

from __future__ import annotations

import pytest

from screener.core.models import BibRecord, Stage, Verdict
from screener.store import SourceInput, StoreError, open_store
from screener.store.records import ListFilter

TA = Stage.TITLE_ABSTRACT


@pytest.fixture
def store(db_url, protocol):
    s = open_store(db_url, create=True)
    s.init_review(protocol)
    s.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [
            BibRecord(position=i, title=f"Trial {chr(70 - i)} of naltrexone", year=2000 + i % 3)
            for i in range(1, 6)
        ],
    )
    s.add_source(
        SourceInput("Embase", "e.ris", "b" * 64, "ris"), [BibRecord(position=1, title="Álgebra of pain")]
    )
    s.record_decision(1, TA, "NA", Verdict.INCLUDE)
    s.record_decision(2, TA, "NA", Verdict.MAYBE, note="ask ZL")
    s.record_decision(3, TA, "NA", Verdict.EXCLUDE, reasons=("E2",))
    s.record_decision(4, TA, "NA", Verdict.EXCLUDE, reasons=("E1",))
    s.record_decision(5, TA, "ZL", Verdict.INCLUDE, note="ZL's own note")  # blind: NA must not see it
    yield s
    s.close()


def _ids(store, **f):
    rows, total = store.record_list(TA, "NA", ListFilter(**f))
    assert total == len(rows)
    return [r.id for r in rows]


def test_filters_sorts_and_blinding(store):
    assert _ids(store) == [1, 2, 3, 4, 5, 6]
    assert _ids(store, verdict="undecided") == [5, 6]  # ZL's include on 5 is not NA's
    assert _ids(store, verdict="maybe") == [2]
    assert _ids(store, verdict="exclude") == [3, 4]
    assert _ids(store, verdict="exclude", reason="E2") == [3]
    assert _ids(store, has_note=True) == [2]
    assert _ids(store, source_id=2) == [6]
    assert _ids(store, ids=tuple(store.search("algebra"))) == [6]
    assert _ids(store, sort="title", source_id=1) == [5, 4, 3, 2, 1]
    rows, _ = store.record_list(TA, "NA", ListFilter())
    assert [(r.verdict, r.has_note) for r in rows][4] == ("undecided", False)  # nothing of ZL's shows
    store.add_label(1, "NA", "Pediatric")
    store.add_label(1, "NA", "pediatric")
    store.add_label(3, "ZL", "pediatric")
    assert _ids(store, label="pediatric") == [1] and store.labels_of("NA") == ["pediatric"]
    with pytest.raises(StoreError, match="one word"):
        store.add_label(1, "NA", "two words")


def test_pages(store):
    rows, total = store.record_list(TA, "NA", ListFilter(sort="title", source_id=1), offset=1, limit=3)
    assert total == 5 and [r.id for r in rows] == [4, 3, 2]
    assert store.record_list_ids(TA, "NA", ListFilter(verdict="exclude")) == [3, 4]
