"""Deduplication: features, comparison, rules and clusters (pure computation).

The public API is here (see :mod:`.find` for how it works, and why):

* :mod:`.text`, :mod:`.features` - each record normalised once;
* :mod:`.similarity`, :mod:`.evidence`, :mod:`.rules`, :mod:`.compare` - a pair's field scores
  and the rule that decides it;
* :mod:`.cluster` - union-find with refused links;
* :mod:`.find` - blocking, comparison of candidates, clusters and their primaries.
"""

from screener.core.dedup.compare import (
    DEFAULT_THRESHOLDS,
    Evidence,
    Outcome,
    PairResult,
    Thresholds,
    author_similarity,
    compare,
    explain,
    journal_similarity,
    rule_text,
    title_similarity,
)
from screener.core.dedup.find import (
    Cancelled,
    Cluster,
    DedupResult,
    choose_primary,
    find_duplicates,
    gained_fields,
    identifier_groups,
    keep_screened_primary,
    merged_fields,
)

__all__ = [
    "Cancelled",
    "Cluster",
    "DEFAULT_THRESHOLDS",
    "DedupResult",
    "Evidence",
    "Outcome",
    "PairResult",
    "Thresholds",
    "author_similarity",
    "choose_primary",
    "compare",
    "explain",
    "find_duplicates",
    "gained_fields",
    "identifier_groups",
    "journal_similarity",
    "keep_screened_primary",
    "merged_fields",
    "rule_text",
    "title_similarity",
]
