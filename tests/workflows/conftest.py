"""A small SQLite review for the workflows: two databases that exported the same three papers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from screener.core.models import Author, BibRecord
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import SourceInput, Store, open_store

TITLES = (
    "Low-dose naltrexone for fibromyalgia: a randomized trial",
    "Microglia and naltrexone in pain",
    "Naltrexone and cytokines in fibromyalgia",
)


def _paper(i: int, title: str) -> BibRecord:
    return BibRecord(
        position=i,
        title=title,
        authors=(Author("Younger", "J"),),
        year=2013,
        journal="Arthritis Rheum",
        volume="65",
        start_page="529",
        doi=f"10.1/{i}",
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """The example protocol's review with records 1-3 from PubMed and 4-6 (the same papers) from Embase."""
    store = open_store(tmp_path / "review.db", create=True)
    try:
        store.init_review(load_protocol(example_dir() / "protocol.toml"))
        for n, name in enumerate(("PubMed", "Embase")):
            store.add_source(
                SourceInput(name, f"{n}.ris", f"{n}" * 64, "ris", searched_on="2022-05-16"),
                [_paper(i, t) for i, t in enumerate(TITLES, start=1)],
            )
        yield store
    finally:
        store.close()
