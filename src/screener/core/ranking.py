"""Relevance ranking for screening (active learning), and its replay on labelled data.

A :class:`Ranker` holds the text features of every record in a stage (TF-IDF over title,
abstract and keywords, fitted once) and orders the unscreened records by two linear models
(an SVM and naive Bayes, averaged by rank) trained on the decisions made so far. Before there
is at least one include and one exclude to learn from (the cold start), it ranks by the
protocol's inclusion and exclusion keywords with BM25.

Determinism: everything depends only on the records' text, the decisions and a seed, never
on the order the records arrive in. Records are put in a canonical order (a seeded hash of
their text) before anything is trained, and ties are broken in that order, so shuffling the
input rows gives the same ranking of the same records (row order can leak labels: a file
sorted with the includes first would otherwise look like a perfect model).

:func:`simulate` replays screening on a labelled set; ``screener rank simulate`` and
``benchmarks/rank_quality.py`` use it to measure the ranker (WSS@95, RRF@10).
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

MODEL_NAME = (
    "TF-IDF (1-2-grams, sublinear tf) with a class-weighted linear SVM and class-balanced naive Bayes, "
    "averaged by rank (SVM 2:1)"
)
SVM_C = 0.11  # ASReview 2's tuned values for its default model (ELAS u4, optimised on the SYNERGY sets)
SVM_RATIO = 9.8
NB_ALPHA = 3.822  # ASReview's tuned naive Bayes smoothing
SVM_WEIGHT = 2.0  # the SVM's rank counts twice the naive Bayes rank (measured: benchmarks/rank_quality.py)
RETRAIN_EVERY_UNTIL = 300  # simulate retrains after every decision until this many, then in growing steps
COLD_START_NAME = "BM25 on the protocol's inclusion and exclusion keywords"
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def record_text(title: str | None, abstract: str | None, keywords: str | Sequence[str] | None = None) -> str:
    """The text a record is ranked on: title, abstract and keywords."""
    kw = keywords if isinstance(keywords, str) or keywords is None else " ".join(keywords)
    return " ".join(p for p in (title, abstract, kw) if p)


def content_key(text: str, seed: int) -> bytes:
    """A seeded hash of a record's text: its place in the canonical order (and tie-breaks)."""
    return hashlib.blake2b(
        text.encode("utf-8", "surrogatepass"), digest_size=8, key=str(seed).encode()
    ).digest()


@dataclass(frozen=True)
class Ranking:
    """One ranking as used: the order and what produced it (recorded so it can be explained)."""

    order: Sequence[
        int
    ]  # record positions (as given to the Ranker), most relevant first (an array from the process)
    model: str  # the model or the cold-start method that produced the order
    n_train: int  # decisions it learned from
    n_include: int
    seed: int
    seconds: float
    scores: Sequence[float] | None = (
        None  # the model's score of each record in ``order`` (higher: more relevant)
    )


def _ranks(s: np.ndarray) -> np.ndarray:
    """Each score's average rank among the scores, from 0 (ties share a rank: no order leaks in)."""
    if not len(s):
        return s
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return (start + (counts - 1) / 2)[inverse]


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def bm25_scores(
    docs: Sequence[list[str]], query: Sequence[str], k1: float = 1.5, b: float = 0.75
) -> np.ndarray:
    """Okapi BM25 score of each tokenised document for a query (a list of tokens)."""
    n = len(docs)
    scores = np.zeros(n)
    if not n or not query:
        return scores
    lengths = np.array([len(d) for d in docs], dtype=float)
    avg = lengths.mean() or 1.0
    terms = set(query)
    tf: dict[str, np.ndarray] = {t: np.zeros(n) for t in terms}
    for i, d in enumerate(docs):
        for tok in d:
            if tok in tf:
                tf[tok][i] += 1
    norm = k1 * (1 - b + b * lengths / avg)
    for t in terms:
        f = tf[t]
        df = int((f > 0).sum())
        if not df:
            continue
        idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
        scores += idf * f * (k1 + 1) / (f + norm)
    return scores


def keyword_tokens(phrases: Sequence[str]) -> list[str]:
    """The tokens of a list of keywords or phrases (as the ranker tokenises text)."""
    return [t for p in phrases for t in _tokens(p)]


def _words_and_pairs(text: str) -> list[str]:
    """The words of a text (as scikit-learn's default analyzer finds them) and each pair of adjacent words."""
    words = _tokens(text)
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


def tfidf(texts: Sequence[str]) -> Any:
    """TF-IDF features (words and word pairs, sublinear tf, l2-normalised) of each text.

    Words are hashed (no vocabulary to build: fast on 100,000 records); features that occur
    in fewer than two records are dropped, since they cannot carry anything learnt from one
    record to another.
    """
    from sklearn.feature_extraction.text import (  # type: ignore[import-untyped]  # no type hints
        HashingVectorizer,
        TfidfTransformer,
    )

    hv = HashingVectorizer(
        analyzer=_words_and_pairs, n_features=2**21, alternate_sign=False, norm=None, dtype=np.float64
    )
    counts = hv.transform(texts)
    counts.sum_duplicates()
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    keep = df >= 2
    if not keep.any():  # no word in two records: nothing to learn from
        from scipy.sparse import csr_matrix  # type: ignore[import-untyped]  # scipy ships no type hints

        return csr_matrix((counts.shape[0], 1))
    counts.data[~keep[counts.indices]] = 0  # then renumber the kept columns in place: no copy of 100,000 rows
    counts.eliminate_zeros()
    new_column = np.cumsum(keep) - 1
    counts.indices = new_column[counts.indices].astype(counts.indices.dtype)
    counts._shape = (counts.shape[0], int(keep.sum()))
    # single precision: half the memory and a faster product on a 100,000-record review
    # (rankings measured alike)
    return TfidfTransformer(sublinear_tf=True).fit_transform(counts).astype(np.float32)


class Ranker:
    """Orders a stage's records by predicted relevance, learning from decisions.

    Args:
        texts: each record's text (see :func:`record_text`); positions are the record keys.
        seed: makes every ranking reproducible; also seeds the canonical order.
    """

    def __init__(self, texts: Sequence[str], seed: int = 0) -> None:
        self.seed = seed
        self.n = len(texts)
        keys = [content_key(t, seed) for t in texts]
        # canonical order: position -> rank in a seeded hash of the text (ties by position)
        canon = sorted(range(self.n), key=lambda i: (keys[i], i))
        self._canon_rank = np.empty(self.n, dtype=np.int64)
        self._canon_rank[canon] = np.arange(self.n)
        self._texts = texts
        self._tokens: list[list[str]] | None = None
        self.X = tfidf(texts)

    def _canonical(self, positions: Sequence[int]) -> np.ndarray:
        pos = np.asarray(positions, dtype=np.int64)
        return pos[np.argsort(self._canon_rank[pos], kind="stable")]

    def cold_start(
        self, candidates: Sequence[int], include_words: Sequence[str], exclude_words: Sequence[str]
    ) -> np.ndarray:
        """BM25 score for the inclusion keywords minus half that for the exclusion keywords."""
        if self._tokens is None:
            self._tokens = [_tokens(t) for t in self._texts]
        docs = [self._tokens[i] for i in candidates]
        return bm25_scores(docs, keyword_tokens(include_words)) - 0.5 * bm25_scores(
            docs, keyword_tokens(exclude_words)
        )

    def scores(self, labelled: Mapping[int, bool], candidates: Sequence[int] | np.ndarray) -> np.ndarray:
        """Scores of the candidates (higher: more likely relevant) from models trained on ``labelled``.

        Two linear models that fail differently, averaged by rank: a linear SVM whose
        includes weigh SVM_RATIO times as much as all excludes together, and multinomial
        naive Bayes with the classes balanced; the SVM's rank weighs SVM_WEIGHT times the
        naive Bayes rank (the SVM alone finds the last includes sooner, naive Bayes the
        first ones: the mix beats each on both shared sets).
        """
        from sklearn.svm import LinearSVC  # type: ignore[import-untyped]  # scikit-learn ships no type hints

        train = self._canonical(list(labelled))
        y = np.array([bool(labelled[i]) for i in train.tolist()], dtype=int)
        n1 = int(y.sum())
        n0 = len(y) - n1
        Xt = self.X[train]
        w = np.where(y == 1, 1.0, n1 / (SVM_RATIO * n0))
        svm = LinearSVC(C=SVM_C, random_state=self.seed, max_iter=5000)
        svm.fit(Xt, y, sample_weight=w * (len(y) / w.sum()))
        cand = np.asarray(candidates, dtype=np.int64)
        # both models' scores of every row in one pass (no copy of the candidates' rows), then pick
        weights = np.empty((self.X.shape[1], 2), dtype=np.float32)
        weights[:, 0] = svm.coef_[0]
        weights[:, 1] = naive_bayes_weights(Xt, y, n0 / n1)
        both = np.asarray(self.X @ weights)[cand]
        r_svm = _ranks(both[:, 0])
        # rank sums tie often; the SVM's rank breaks those ties (exact: ranks are multiples of 1/2)
        return 2 * (SVM_WEIGHT * r_svm + _ranks(both[:, 1])) + r_svm / (len(cand) + 1)

    def rank(
        self,
        labelled: Mapping[int, bool],
        candidates: Sequence[int] | None = None,
        include_words: Sequence[str] = (),
        exclude_words: Sequence[str] = (),
    ) -> Ranking:
        """Order ``candidates`` (default: every unlabelled record), most likely relevant first.

        ``labelled`` maps record positions to True (include) or False (exclude). With at
        least one of each, a classifier learns from them; otherwise the keywords rank the
        records (BM25), and with no keywords either, the canonical (seeded) order is used.
        """
        start = time.perf_counter()
        if candidates is None:
            free = np.ones(self.n, dtype=bool)
            free[np.fromiter(labelled, dtype=np.int64, count=len(labelled))] = False
            cand = np.flatnonzero(free)
        else:
            cand = np.asarray(candidates, dtype=np.int64)
        n_inc = sum(1 for v in labelled.values() if v)
        if n_inc and len(labelled) > n_inc:
            s, model = self.scores(labelled, cand), MODEL_NAME
        elif include_words or exclude_words:
            s, model = self.cold_start(cand.tolist(), include_words, exclude_words), COLD_START_NAME
        else:
            s, model = np.zeros(len(cand)), "seeded random order (no keywords, no decisions yet)"
        idx = np.lexsort((self._canon_rank[cand], -s))
        return Ranking(
            cand[idx].tolist(),
            model,
            len(labelled),
            n_inc,
            self.seed,
            time.perf_counter() - start,
            s[idx].tolist(),
        )


def naive_bayes_weights(X: Any, y: np.ndarray, include_weight: float, alpha: float = NB_ALPHA) -> np.ndarray:
    """Multinomial naive Bayes' log-odds per feature (scikit-learn's MultinomialNB, includes weighted).

    Computed directly: the same numbers as ``MultinomialNB(alpha).fit(X, y, sample_weight)``'s
    ``feature_log_prob_[1] - feature_log_prob_[0]``, without its checks on every retraining.
    """
    counts = []
    for label, weight in ((1, include_weight), (0, 1.0)):
        fc = weight * np.asarray(X[y == label].astype(np.float64).sum(axis=0)).ravel() + alpha
        counts.append(np.log(fc) - np.log(fc.sum()))
    return counts[0] - counts[1]


def retrain_step(n_labelled: int) -> int:
    """How many decisions to make between retrainings: every one early, then growing steps."""
    return 1 if n_labelled < RETRAIN_EVERY_UNTIL else n_labelled // 20


def random_prior(texts: Sequence[str], labels: Sequence[bool], seed: int) -> list[int]:
    """The cold start without a protocol: records in seeded (content-hash) order until one include
    and one exclude."""
    order = sorted(range(len(texts)), key=lambda i: (content_key(texts[i], seed + 1), i))
    picked: list[int] = []
    seen: set[bool] = set()
    for i in order:
        picked.append(i)
        seen.add(bool(labels[i]))
        if len(seen) == 2:
            break
    return picked


def simulate(
    texts: Sequence[str],
    labels: Sequence[bool],
    seed: int = 0,
    prior: Sequence[int] | None = None,
    include_words: Sequence[str] = (),
    exclude_words: Sequence[str] = (),
    step: Callable[[int], int] = retrain_step,
    ranker: Ranker | None = None,
) -> list[int]:
    """Replay screening by the labels; the positions of the records in the order screened.

    The first records are ``prior`` if given; else, with keywords, the BM25 cold start
    (screened in its order until there is one include and one exclude); else records in a
    seeded order until there is one include and one exclude. Then the top-ranked record is
    screened and the model retrained, every decision early and in growing steps later
    (:func:`retrain_step`); the order within a step is the model's.
    """
    r = ranker or Ranker(texts, seed)
    labelled: dict[int, bool] = {}
    screened: list[int] = []

    def take(ids: Sequence[int]) -> None:
        for i in ids:
            if i not in labelled:
                labelled[i] = bool(labels[i])
                screened.append(i)

    if prior is not None:
        take(prior)
    elif not include_words and not exclude_words:
        take(random_prior(texts, labels, seed))
    while len(screened) < r.n:
        ranking = r.rank(labelled, None, include_words, exclude_words)
        n_inc = ranking.n_include
        if n_inc and len(labelled) > n_inc:
            take(ranking.order[: step(len(labelled))])
        else:  # cold start: one at a time until both classes are seen
            take(ranking.order[:1])
    return screened


# --------------------------------------------------------------------------- metrics


def wss(order: Sequence[int], labels: Sequence[bool], recall: float = 0.95) -> float:
    """Work saved over sampling at a recall level (Cohen 2006), as a fraction."""
    n = len(order)
    total = sum(1 for i in order if labels[i])
    if not total:
        return 0.0
    need = math.ceil(recall * total)
    found = 0
    for k, i in enumerate(order, start=1):
        found += bool(labels[i])
        if found >= need:
            return (n - k) / n - (1 - recall)
    return 0.0


def rrf(order: Sequence[int], labels: Sequence[bool], fraction: float = 0.10) -> float:
    """Relevant records found after screening a fraction of the records, as a fraction of all relevant."""
    total = sum(1 for i in order if labels[i])
    k = round(fraction * len(order))
    return sum(1 for i in order[:k] if labels[i]) / total if total else 0.0


def screened_to_find_all(order: Sequence[int], labels: Sequence[bool]) -> int:
    """Records screened until the last relevant record is found."""
    last = 0
    for k, i in enumerate(order, start=1):
        if labels[i]:
            last = k
    return last
