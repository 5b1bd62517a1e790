"""The fast PRISMA counts equal the box queries that define the boxes, on random reviews."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from screener.core.models import BibRecord, SourceKind, Stage, Verdict
from screener.core.prisma import errors
from screener.store import SourceInput, open_store
from screener.store import tables as t
from screener.workflows.prisma import compute_flow

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT
BOXES = [
    "duplicates",
    "records_screened",
    "records_excluded",
    "records_undecided",
    "included",
    "reports_undecided",
    *[
        f"{p}{b}"
        for p in ("reports_", "other_reports_")
        for b in ("sought", "not_retrieved", "assessed", "excluded")
    ],
]


def _random_review(path, seed: int):
    rng = random.Random(seed)
    store = open_store(path, create=True)
    from screener.core.protocol import load_protocol
    from screener.paths import example_dir

    store.init_review(load_protocol(example_dir() / "protocol.toml"))
    for i, (name, kind) in enumerate(
        [
            ("PubMed", SourceKind.DATABASE),
            ("Embase", SourceKind.DATABASE),
            ("Hand search", SourceKind.CITATION),
        ]
    ):
        n = rng.randint(3, 25) if kind is SourceKind.DATABASE else rng.randint(0, 6)
        store.add_source(
            SourceInput(name, f"{name}.ris", f"{seed}{i}".rjust(64, "0"), "ris", kind=kind),
            [BibRecord(position=k, title=f"{name} {k}") for k in range(1, n + 1)],
        )
    ids = [r.id for r in store.records()]
    # duplicate clusters, one undone
    with store.engine.begin() as conn:
        for c in range(rng.randint(0, 4)):
            members = rng.sample(ids, k=min(len(ids), rng.randint(2, 3)))
            cid = conn.execute(
                insert(t.DupCluster)
                .values(
                    primary_record_id=members[0],
                    status="automatic",
                    created_at=datetime.now(UTC),
                    undone_at=datetime.now(UTC) if c == 0 and rng.random() < 0.5 else None,
                )
                .returning(t.DupCluster.id)
            ).scalar_one()
            taken = {
                m
                for (m,) in conn.execute(
                    t.DupMember.__table__.select().with_only_columns(t.DupMember.record_id)
                )
            }
            for m in members:
                if m not in taken:
                    conn.execute(insert(t.DupMember).values(cluster_id=cid, record_id=m))
    verdicts = [Verdict.INCLUDE, Verdict.EXCLUDE, Verdict.MAYBE]
    reasons = ["E1", "E2", "E3", "E7"]
    for stage in (TA, FT):  # the counts are compared, not blinding (tests/store/test_blinding.py)
        store.unblind(stage, "NA")
    for stage in (TA, FT):
        pool = store.stage_pool(stage)
        for rid in pool:
            for reviewer in ("NA", "ZL"):
                if rng.random() < 0.85:
                    v = rng.choices(verdicts, weights=[4, 5, 1])[0]
                    store.record_decision(
                        rid, stage, reviewer, v, (rng.choice(reasons),) if v is Verdict.EXCLUDE else ()
                    )
            if rng.random() < 0.3:
                v = rng.choice([Verdict.INCLUDE, Verdict.EXCLUDE])
                store.record_resolution(
                    rid,
                    stage,
                    v,
                    "NA",
                    "consensus",
                    (rng.choice(reasons),) if v is Verdict.EXCLUDE and rng.random() < 0.8 else (),
                )
            if stage is FT and rng.random() < 0.2:
                store.set_retrieval(rid, rng.choice(["retrieved", "not-retrieved"]))
        if stage is TA:  # revise a few title/abstract outcomes after full text has started
            for rid in rng.sample(pool, k=min(2, len(pool))):
                store.record_resolution(
                    rid, TA, rng.choice([Verdict.INCLUDE, Verdict.EXCLUDE]), "NA", "consensus"
                )
    included = store.box_ids("included") or []
    if len(included) >= 2:
        store.link_reports(included[:2], "two reports of one trial")
    return store


@pytest.mark.parametrize("seed", range(12))
def test_fast_counts_equal_box_queries(tmp_path, seed: int):
    store = _random_review(tmp_path / "r.db", seed)
    fast = store.flow_numbers()
    for box in BOXES:
        assert fast[box] == len(store.box_ids(box) or []), box
    by_reason = {}
    for name in store.box_names():
        if name.startswith("reports_excluded:"):
            reason = name.split(":", 1)[1]
            by_reason[None if reason == "none" else reason] = len(store.box_ids(name) or [])
    assert {k: v for k, v in by_reason.items() if v} == fast["reports_reasons"]
    counts = compute_flow(store).counts
    assert errors(counts) == [], errors(counts)
    store.close()
