"""The demo review: the seed's protocol and its hand-built PubMed, CINAHL and Embase exports."""

from __future__ import annotations

import tomllib
from pathlib import Path

from screener.core.protocol import load_protocol
from screener.importing import ImportOptions, ImportSummary, import_file
from screener.paths import example_dir
from screener.store import Store, open_store


def build_demo(db: str | Path, example: str = "ldn-fibromyalgia") -> tuple[Store, list[ImportSummary]]:
    """Create a new review at ``db`` from a bundled example and import its searches."""
    folder = example_dir(example)
    store = open_store(db, create=True)
    store.init_review(load_protocol(folder / "protocol.toml"))
    with open(folder / "searches.toml", "rb") as fh:
        searches = tomllib.load(fh)["search"]
    summaries = [import_file(store, folder / s["file"],
                             ImportOptions(source=s["source"], platform=s.get("platform"),
                                           searched=s.get("searched"), query=s.get("query")))
                 for s in searches]
    return store, summaries
