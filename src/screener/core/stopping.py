"""When may screening in relevance order stop? A statistical stopping guide.

Method: the hypergeometric test of Callaghan & Müller-Hansen (2020), "Statistical stopping
criteria for automated screening in systematic reviews", Systematic Reviews 9:273. After
screening in relevance order, the reviewer screens a *random* sample of the records still
unscreened (the urn, ``N`` records). The null hypothesis is that recall is below the
target ``τ``: that the urn held at least ``K_tar = ⌊ρ_seen / τ − ρ_AL⌋ + 1`` relevant
records, where ``ρ_AL`` includes were found before the sample and ``ρ_seen`` in all. With
``k`` includes among ``n`` sampled records, ``p = P(X ≤ k)`` for ``X ~ Hypergeometric(N,
K_tar, n)``; when ``p < 1 − confidence`` the target recall is reached with that confidence.

Before the sample starts, the guide says how many random records would have to be
screened, none of them an include, to reach that point ("to claim 95% recall with 95%
confidence, screen N more random records").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

METHOD = "hypergeometric test on a random sample of the unscreened records (Callaghan & Müller-Hansen 2020)"


def k_target(rho_seen: int, rho_al: int, recall: Fraction) -> int:
    """The fewest relevant records the urn must have held for recall to be below ``recall``."""
    return math.floor(Fraction(rho_seen) / recall - rho_al) + 1


def p_value(urn: int, k_tar: int, sampled: int, found: int) -> Fraction:
    """P(X <= found) for X ~ Hypergeometric(urn, k_tar relevant, sampled draws); exact when found is 0."""
    if k_tar > urn:  # the urn cannot hold that many: recall is reached already
        return Fraction(0)
    if sampled <= 0:
        return Fraction(1)
    if found == 0:  # C(N-K, n) / C(N, n) = prod_{i<K} (N-n-i) / (N-i): K factors, fast for big urns
        if sampled > urn - k_tar:
            return Fraction(0)
        return Fraction(
            math.prod(urn - sampled - i for i in range(k_tar)), math.prod(urn - i for i in range(k_tar))
        )

    # exact sums of binomials are too slow for big urns: log-gamma terms, summed as floats
    def log_comb(a: int, b: int) -> float:
        return math.lgamma(a + 1) - math.lgamma(b + 1) - math.lgamma(a - b + 1)

    total = log_comb(urn, sampled)
    terms = [
        log_comb(k_tar, i) + log_comb(urn - k_tar, sampled - i) - total
        for i in range(max(0, sampled - (urn - k_tar)), min(found, k_tar, sampled) + 1)
    ]
    return Fraction(min(1.0, sum(math.exp(x) for x in terms)))


def more_to_screen(
    urn: int, sampled: int, found: int, rho_al: int, rho_seen: int, recall: Fraction, confidence: Fraction
) -> int | None:
    """Random records still to screen (all excludes) before ``p < 1 − confidence``; None if the urn
    is too small."""
    alpha = 1 - confidence
    k_tar = k_target(rho_seen, rho_al, recall)
    if p_value(urn, k_tar, sampled, found) < alpha:
        return 0
    if p_value(urn, k_tar, urn, found) >= alpha:
        return None
    lo, hi = sampled, urn  # p(lo) >= alpha > p(hi); p falls as the sample grows with no new include
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if p_value(urn, k_tar, mid, found) < alpha:
            hi = mid
        else:
            lo = mid
    return hi - sampled


@dataclass(frozen=True)
class Guide:
    """What the stopping guide shows for one reviewer at one stage."""

    pool: int
    screened: int
    includes: int
    since_last_include: int
    recall: Fraction
    confidence: Fraction
    sample_urn: int | None  # records unscreened when the random sample started; None before it
    sampled: int
    sample_includes: int
    p: Fraction | None
    more: int | None  # random records still to screen (all excludes) to reach the target; None: cannot

    @property
    def reached(self) -> bool:
        return self.p is not None and self.p < 1 - self.confidence

    def lines(self) -> list[str]:
        r, c = f"{float(self.recall):.0%}", f"{float(self.confidence):.0%}"
        out = [
            f"{self.screened:,} of {self.pool:,} screened · {self.includes:,} includes found · "
            f"{self.since_last_include:,} screened since the last include"
        ]
        p = self.p
        if self.sample_urn is None or p is None:  # p exists exactly when the sample has started
            more = (
                "more random records than are left: screen them all"
                if self.more is None
                else f"{self.more:,} more random records"
            )
            out.append(
                f"to claim {r} recall with {c} confidence, screen {more} "
                f"(none of them an include); method: {METHOD}"
            )
        elif self.reached:
            out.append(
                f"random sample: {self.sampled:,} of {self.sample_urn:,} unscreened records, "
                f"{self.sample_includes} includes; p = {float(p):.3f}: {r} recall reached "
                f"with {c} confidence ({METHOD})"
            )
        else:
            more = "the rest of them" if self.more is None else f"{self.more:,} more"
            out.append(
                f"random sample: {self.sampled:,} of {self.sample_urn:,} unscreened records, "
                f"{self.sample_includes} includes; p = {float(p):.3f}; to claim {r} recall "
                f"with {c} confidence, screen {more} (none of them an include); method: {METHOD}"
            )
        return out


def stopping_guide(
    history: Sequence[bool],
    pool: int,
    sample_start: int | None = None,
    recall: Fraction = Fraction(95, 100),
    confidence: Fraction = Fraction(95, 100),
) -> Guide:
    """The guide from a reviewer's decisions in the order made (True = include).

    ``sample_start`` is how many decisions had been made when the random sample began
    (None: not yet); the records unscreened at that moment form the urn.
    """
    screened = len(history)
    includes = sum(history)
    last = max((i for i, v in enumerate(history) if v), default=-1)
    since = screened - 1 - last if last >= 0 else screened
    if sample_start is None:
        urn = pool - screened
        more = more_to_screen(urn, 0, 0, includes, includes, recall, confidence)
        return Guide(pool, screened, includes, since, recall, confidence, None, 0, 0, None, more)
    urn = pool - sample_start
    rho_al = sum(history[:sample_start])
    sample = history[sample_start:]
    k = sum(sample)
    k_tar = k_target(includes, rho_al, recall)
    p = p_value(urn, k_tar, len(sample), k)
    more = more_to_screen(urn, len(sample), k, rho_al, includes, recall, confidence)
    return Guide(pool, screened, includes, since, recall, confidence, urn, len(sample), k, p, more)
