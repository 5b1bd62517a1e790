"""A small review for Pilot tests: the example protocol and six records."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.app import App

from screener.core.models import Author, BibRecord
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import SourceInput, Store, open_store

TITLES = [
    "Low-dose naltrexone for the treatment of fibromyalgia: a randomized crossover trial",
    "Pharmacotherapy of fibromyalgia",
    "Naltrexone in alcohol dependence: 50 mg daily",
    "Low dose naltrexone in chronic fatigue syndrome",
    "Microglia and the mechanism of low-dose naltrexone",
    "Conference abstract: LDN in fibromyalgia",
]


@pytest.fixture
def review(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    records = [
        BibRecord(
            position=i,
            title=title,
            authors=(Author("Younger", "J"),),
            year=2009 + i,
            journal="Pain Med",
            abstract=f"Abstract {i} about fibromyalgia and naltrexone.",
        )
        for i, title in enumerate(TITLES, start=1)
    ]
    store.add_source(SourceInput("PubMed", "pubmed.nbib", "a" * 64, "pubmed"), records)
    yield store
    store.close()


AUTHORS = (Author("Younger", "J"), Author("Mackey", "S"))


def _pairs_review(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "review.db", create=True)
    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    base = dict(authors=AUTHORS, year=2009, volume="10", start_page="663")
    store.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [
            BibRecord(
                position=1,
                title="Low-dose naltrexone for the treatment of fibromyalgia: a pilot study",
                journal="Pain Med",
                **base,
            ),
            BibRecord(
                position=2,
                title="Low-dose naltrexone in the treatment of fibromyalgia: a small pilot study",
                journal="Pain Med",
                authors=AUTHORS,
                year=2009,
            ),
            BibRecord(
                position=3,
                title="Pharmacotherapy of fibromyalgia",
                journal="Am J Health Syst Pharm",
                year=2011,
                authors=(Author("Traynor", "LM"),),
            ),
        ],
    )
    store.add_source(
        SourceInput("Embase", "e.ris", "b" * 64, "ris"),
        [
            BibRecord(
                position=1,
                title="Low-dose naltrexone for the treatment of fibromyalgia: a pilot study",
                journal="Pain Medicine",
                **base,
            ),
            BibRecord(
                position=2,
                title="Pharmacotherapy of fibromyalgia",
                journal="American Journal of Health-System Pharmacy",
                year=2011,
                authors=(Author("Traynor", "L. M."),),
            ),
        ],
    )
    return store


@pytest.fixture
def pairs_review() -> Callable[[Path], Store]:
    """Builds a review of five records: two copies across databases, and 2 near 1 (a possible pair)."""
    return _pairs_review


@pytest.fixture
def screen_text() -> Callable[[App], str]:
    """The characters an app has on screen (from its SVG screenshot), to assert what a user sees."""

    def text(app: App) -> str:
        svg = app.export_screenshot()
        return html.unescape(" ".join(re.findall(r">([^<>]+)</text>", svg))).replace("\xa0", " ")

    return text
