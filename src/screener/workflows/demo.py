"""The demo review: the seed's protocol and its hand-built PubMed, CINAHL and Embase exports."""

from __future__ import annotations

import tomllib
from pathlib import Path

from screener.core.passphrase import hash_passphrase
from screener.core.protocol import load_protocol
from screener.paths import example_dir
from screener.store import Store, open_store
from screener.workflows.importing import ImportOptions, ImportSummary, import_file

#: Every reviewer of the demo review has this passphrase (printed by ``screener demo``); a real
#: review's lead sets each reviewer's first one with ``screener reviewer passphrase``.
DEMO_PASSPHRASE = "demo-passphrase"


def build_demo(db: str | Path, example: str = "ldn-fibromyalgia") -> tuple[Store, list[ImportSummary]]:
    """Create a new review at ``db`` from a bundled example and import its searches.

    Each reviewer's passphrase is :data:`DEMO_PASSPHRASE`.
    """
    folder = example_dir(example)
    store = open_store(db, create=True)
    protocol = load_protocol(folder / "protocol.toml")
    store.init_review(protocol)
    for initials in protocol.reviewer_initials:
        store.set_passphrase(initials, hash_passphrase(DEMO_PASSPHRASE), by=initials)
    with open(folder / "searches.toml", "rb") as fh:
        searches = tomllib.load(fh)["search"]
    summaries = [
        import_file(
            store,
            folder / s["file"],
            ImportOptions(
                source=s["source"],
                platform=s.get("platform"),
                searched=s.get("searched"),
                query=s.get("query"),
            ),
        )
        for s in searches
    ]
    return store, summaries
