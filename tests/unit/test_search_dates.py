"""Search dates are ISO dates; the methods paragraph groups searches by database (issue 13, item 7)."""

from __future__ import annotations

import pytest

from screener.core.dates import search_date
from screener.core.prisma.methods import DatabaseSearch, DedupFacts, MethodsFacts, methods_paragraph


@pytest.mark.parametrize("text", ["2022-05-16", "2022-05", "2022", " 2024-02-29 "])
def test_iso_search_dates_are_accepted(text: str):
    assert search_date(text) == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "2022-13-45",
        "yesterday",
        "2023-02-29",
        "2022-5-16",
        "16/05/2022",
        "May 2022",
        "2022-00",
        "22",
        "",
        "2022-05-16T10:00",
    ],
)
def test_anything_else_is_refused_in_one_line(text: str):
    with pytest.raises(ValueError) as info:
        search_date(text)
    assert (
        str(info.value)
        == f"'{text}' is not a search date: give YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2022-05-16)"
    )


def test_searches_are_grouped_by_database():
    wos = [
        DatabaseSearch("Web of Science", "Clarivate", d)
        for d in ("2022-05-16", "2022-06-01", "2022-05-20", "2022-07-03")
    ]
    facts = MethodsFacts(databases=(*wos[:2], DatabaseSearch("PubMed", None, "2022-05"), *wos[2:]))
    text = methods_paragraph(facts)
    assert text.startswith(
        "We searched Web of Science (4 searches; Clarivate; searched 16 May 2022 to 3 July 2022) "
        "and PubMed (searched in May 2022)."
    )
    assert text.count("Web of Science") == 1
    one_date = methods_paragraph(
        MethodsFacts(
            databases=(
                DatabaseSearch("Embase", searched_on="2021"),
                DatabaseSearch("Embase", searched_on="2021"),
            )
        )
    )
    assert one_date.startswith("We searched Embase (2 searches) in 2021.")


def test_dedup_sentence_says_what_reviewers_did_not_a_score_band():
    text = methods_paragraph(
        MethodsFacts(
            dedup=DedupFacts(
                "screener",
                auto_merge_threshold=0.95,
                auto_merged=88,
                human_reviewed=14,
                human_merged=9,
                human_distinct=5,
                merges_undone=2,
            )
        )
    )
    assert (
        "Candidate pairs with a similarity score of at least 0.95 were merged automatically (88 records) "
        "and a reviewer checked 14 candidate pairs, confirming 9 as duplicates and judging 5 distinct. "
        "A reviewer undid 2 merges, whose records were then screened separately."
    ) in text
    assert "scoring from" not in text and "were checked by a reviewer" not in text
    none = methods_paragraph(
        MethodsFacts(
            dedup=DedupFacts(
                "screener", auto_merged=3, human_reviewed=0, human_merged=0, human_distinct=0, merges_undone=0
            )
        )
    )
    assert "Automatic merging removed 3 duplicate records." in none and "reviewer checked" not in none
