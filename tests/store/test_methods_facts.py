"""The methods paragraph reports the dedup decisions that really happened (issue 13, item 7)."""

from __future__ import annotations

from screener.core.models import Author, BibRecord
from screener.core.prisma import methods_paragraph
from screener.store import SourceInput, open_store
from screener.workflows.dedup import run_dedup
from screener.workflows.prisma import dedup_facts, methods_facts


def _paper(i: int, title: str, doi: str) -> BibRecord:
    return BibRecord(
        position=i,
        title=title,
        authors=(Author("Younger", "J"),),
        year=2013,
        journal="Arthritis Rheum",
        volume="65",
        start_page="529",
        doi=doi,
    )


def test_human_dedup_decisions_and_undone_merges(db_url: str, protocol):
    store = open_store(db_url, create=True)
    try:
        store.init_review(protocol)
        titles = [
            "Low-dose naltrexone for fibromyalgia: a randomized trial",
            "Microglia and naltrexone in pain",
            "Naltrexone and cytokines in fibromyalgia",
        ]
        for n, (name, searched) in enumerate(
            (("Web of Science", "2022-05-16"), ("Web of Science", "2022-06-01"), ("PubMed", "2022-05-16"))
        ):
            store.add_source(
                SourceInput(name, f"{n}.txt", f"{n}" * 64, "wos", searched_on=searched),
                [_paper(i, t, f"10.1/{i}") for i, t in enumerate(titles, start=1)],
            )
        run_dedup(store)
        clusters = store.clusters()
        assert len(clusters) == 3
        store.undo_cluster(clusters[0].id, "NA")
        store.record_pair_decision(clusters[0].members[0], clusters[0].members[1], "duplicate", "NA")
        store.record_pair_decision(clusters[1].members[0], clusters[1].members[1], "distinct", "NA")
        facts = dedup_facts(store)
        assert facts is not None
        assert (facts.human_reviewed, facts.human_merged, facts.human_distinct, facts.merges_undone) == (
            2,
            1,
            1,
            1,
        )
        text = methods_paragraph(methods_facts(store))
        assert text.startswith(
            "We searched Web of Science (2 searches; searched 16 May 2022 to 1 June 2022) and "
            "PubMed (searched on 16 May 2022)."
        )
        assert (
            "a reviewer checked 2 candidate pairs, confirming 1 as duplicates and judging 1 distinct" in text
        )
        assert "A reviewer undid 1 merge, whose records were then screened separately." in text
        assert "scoring from" not in text
    finally:
        store.close()
