"""Renaming or removing a reviewer keeps their decisions and history; the lead role can be handed over."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.core.models import BibRecord, Stage, Verdict
from screener.core.passphrase import hash_passphrase, verify
from screener.core.protocol import parse_protocol
from screener.paths import example_dir
from screener.store import SourceInput, Store, StoreError, open_store

TA = Stage.TITLE_ABSTRACT
PROTOCOL = (
    (example_dir() / "protocol.toml")
    .read_text()
    .replace("[screening]", '[[reviewers]]\ninitials = "XY"\nname = "Xu Yang"\n\n[screening]', 1)
)


@pytest.fixture
def store(db_url: str) -> Store:
    store = open_store(db_url, create=True)
    store.init_review(parse_protocol(PROTOCOL))
    store.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [BibRecord(position=i, title=f"Record {i}", source_id=f"PM{i}") for i in range(1, 5)],
    )
    for rid in (1, 2, 3):
        store.record_decision(rid, TA, "NA", Verdict.INCLUDE)
        store.record_decision(rid, TA, "XY", Verdict.EXCLUDE, reasons=("E1",), note=f"XY on {rid}")
    store.record_decision(1, TA, "XY", Verdict.INCLUDE)  # a change: the history has both
    store.add_label(2, "XY", "check")
    store.set_passphrase("XY", hash_passphrase("xy-passphrase"), by="NA")
    yield store
    store.close()


def _log(store: Store, who: str) -> list[tuple[int, str, str | None]]:
    return [(d.record_id, d.verdict.value, d.note) for d in store.decision_log(TA, who)]


def test_rename_moves_every_row_and_logs_the_change(store: Store):
    before = _log(store, "XY")
    assert len(before) == 4
    ids_before = [d.id for d in store.decision_log(TA, "XY")]
    assert store.rename_reviewer("XY", "XW", by="NA") == 4
    assert _log(store, "XW") == before and _log(store, "XY") == []
    assert [d.id for d in store.decision_log(TA, "XW")] == ids_before  # the same rows, in order
    assert store.current_decisions(TA, "XW")[(1, "XW")].verdict is Verdict.INCLUDE
    assert store.notes(TA, "XW") == {(1, "XW"): "XY on 1", (2, "XW"): "XY on 2", (3, "XW"): "XY on 3"}
    assert store.labels_of("XW") == ["check"]
    stored = store.passphrase_hash("XW")
    assert stored is not None and verify("xy-passphrase", stored) and store.passphrase_hash("XY") is None
    assert store.protocol().reviewer_initials == ("NA", "ZL", "XW")
    assert [r.initials for r in store.reviewer_list()] == ["NA", "ZL", "XW"]
    assert store.check_reviewer("xw") == "XW"
    with pytest.raises(StoreError, match="not a reviewer"):
        store.check_reviewer("XY")
    assert [(c.by, c.summary) for c in store.protocol_history()] == [("NA", "reviewer XY renamed XW by NA")]
    with store.engine.connect() as conn:
        old, new = conn.execute(sa.text("SELECT old_text, new_text FROM protocol_change")).one()
    assert old == PROTOCOL and new == PROTOCOL.replace('initials = "XY"', 'initials = "XW"')


def test_rename_refuses_initials_in_use(store: Store):
    with pytest.raises(StoreError, match="already a reviewer"):
        store.rename_reviewer("XY", "na", by="NA")
    store.remove_reviewer("ZL", by="NA")
    with pytest.raises(StoreError, match="was a reviewer of this review before"):
        store.rename_reviewer("XY", "ZL", by="NA")
    assert len(_log(store, "XY")) == 4


def test_remove_keeps_decisions_and_history_and_stops_the_reviewer(store: Store):
    votes_before = store.current_decisions(TA)
    assert store.remove_reviewer("XY", by="NA") == 4
    assert store.protocol().reviewer_initials == ("NA", "ZL")
    assert len(_log(store, "XY")) == 4 and store.current_decisions(TA) == votes_before
    assert store.notes(TA, "XY")[(2, "XY")] == "XY on 2"
    with pytest.raises(StoreError, match="removed from this review"):
        store.check_reviewer("XY")
    with pytest.raises(StoreError, match="removed from this review"):
        store.record_decision(4, TA, "XY", Verdict.INCLUDE)
    assert [(r.initials, r.role, r.decisions) for r in store.reviewer_list()] == [
        ("NA", "lead", 3),
        ("ZL", "reviewer", 0),
        ("XY", "removed", 4),
    ]
    assert store.protocol_history()[-1].summary == "reviewer XY removed by NA"


def test_remove_refuses_the_lead_and_too_few_reviewers(store: Store):
    with pytest.raises(StoreError, match="hand the lead role"):
        store.remove_reviewer("NA", by="NA")
    store.remove_reviewer("XY", by="NA")
    with pytest.raises(StoreError, match="reviewers_per_record"):
        store.remove_reviewer("ZL", by="NA")


def test_lead_handoff(store: Store):
    store.hand_lead("XY", by="NA")
    roles = {r.initials: r.role for r in store.protocol().reviewers}
    assert roles == {"NA": "reviewer", "ZL": "reviewer", "XY": "lead"}
    with pytest.raises(StoreError, match="only the review's lead"):
        store.unblind(TA, "NA")
    store.unblind(TA, "XY")
    assert not store.is_blind(TA)
    assert len(_log(store, "NA")) == 3  # the old lead's decisions stay theirs
    store.remove_reviewer("NA", by="XY")  # no longer the lead: can be removed
    assert store.protocol().reviewer_initials == ("ZL", "XY")


FOUR = PROTOCOL.replace("[screening]", '[[reviewers]]\ninitials = "QR"\n\n[screening]', 1)
OPS = st.lists(
    st.tuples(st.sampled_from(["rename", "remove", "lead"]), st.integers(0, 3), st.integers(0, 99)),
    max_size=8,
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_any_sequence_of_reviewer_changes_keeps_every_decision(tmp_path_factory, ops):
    """Renames, removals and lead handovers in any order.

    The log keeps every row, under the current initials.
    """
    store = open_store(tmp_path_factory.mktemp("seq") / "review.db", create=True)
    store.init_review(parse_protocol(FOUR))
    store.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [BibRecord(position=i, title=f"Record {i}", source_id=f"PM{i}") for i in range(1, 4)],
    )
    for n, who in enumerate(("NA", "ZL", "XY", "QR")):
        for rid in range(1, 4):
            store.record_decision(
                rid,
                TA,
                who,
                Verdict.INCLUDE if (rid + n) % 2 else Verdict.EXCLUDE,
                reasons=() if (rid + n) % 2 else ("E1",),
            )
    original = [(d.id, d.record_id, d.reviewer, d.verdict, d.created_at) for d in store.decision_log(TA)]
    name = {"NA": "NA", "ZL": "ZL", "XY": "XY", "QR": "QR"}  # first initials -> current ones
    removed: set[str] = set()
    for op, index, suffix in ops:
        first = sorted(name)[index]
        current = name[first]
        lead = next(r.initials for r in store.protocol().reviewers if r.role == "lead")
        try:
            if op == "rename":
                store.rename_reviewer(current, f"R{suffix}", by=lead)
                name[first] = f"R{suffix}"
            elif op == "remove":
                store.remove_reviewer(current, by=lead)
                removed.add(first)
            else:
                store.hand_lead(current, by=lead)
        except StoreError as exc:  # refused with a reason, and then nothing changed
            assert any(
                why in str(exc)
                for why in (
                    "already a reviewer",
                    "was a reviewer",
                    "lead",
                    "reviewers_per_record",
                    "not a reviewer",
                    "removed",
                )
            ), exc
    assert [(d.id, d.record_id, d.reviewer, d.verdict, d.created_at) for d in store.decision_log(TA)] == [
        (i, rid, name[who], verdict, at) for i, rid, who, verdict, at in original
    ]
    active = set(store.protocol().reviewer_initials)
    assert active == {name[f] for f in name if f not in removed}
    assert sum(r.role == "lead" for r in store.protocol().reviewers) == 1
    store.close()


def test_two_first_passphrases_at_once_cannot_both_win(store: Store):
    """Two first uses of ZL read 'no passphrase' together: the second write is refused, the first stays."""
    assert store.passphrase_hash("ZL") is None
    store.set_passphrase("ZL", hash_passphrase("first-writer"), by="ZL")
    with pytest.raises(StoreError, match="set or changed meanwhile"):
        store.set_passphrase("ZL", hash_passphrase("second-writer"), by="ZL")  # it also saw none
    stale = hash_passphrase("not the stored one")
    with pytest.raises(StoreError, match="set or changed meanwhile"):
        store.set_passphrase("ZL", hash_passphrase("third-writer"), by="ZL", replacing=stale)
    stored = store.passphrase_hash("ZL")
    assert stored is not None and verify("first-writer", stored) and not verify("second-writer", stored)
