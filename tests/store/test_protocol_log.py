"""The protocol change log: who, when, what; reason mappings resolved when reasons are read."""

from __future__ import annotations

import pytest

from screener.core.models import BibRecord, Stage, Verdict
from screener.core.protocol import Protocol, ProtocolError, parse_protocol
from screener.store import SourceInput, StoreError, open_store
from screener.store.records import ListFilter

TA, FT = Stage.TITLE_ABSTRACT, Stage.FULL_TEXT


def without(text: str, *ids: str) -> str:
    head, *blocks = text.split("[[exclusion]]")
    return head + "".join("[[exclusion]]" + b for b in blocks if not any(f'id = "{i}"' in b for i in ids))


@pytest.fixture
def store(db_url: str, protocol: Protocol):
    store = open_store(db_url, create=True)
    store.init_review(protocol)
    store.add_source(
        SourceInput("PubMed", "p.nbib", "a" * 64, "pubmed"),
        [BibRecord(position=i, title=f"Record {i}") for i in range(1, 4)],
    )
    for rid in (1, 2, 3):
        for who in ("NA", "ZL"):
            store.record_decision(rid, TA, who, Verdict.INCLUDE)
    # record 1: NA says E4, ZL says E2 (a conflict: reasons must match at full text); record 2: both E4
    store.record_decision(1, FT, "NA", Verdict.EXCLUDE, ("E4",))
    store.record_decision(1, FT, "ZL", Verdict.EXCLUDE, ("E2",))
    store.record_decision(2, FT, "NA", Verdict.EXCLUDE, ("E4",))
    store.record_decision(2, FT, "ZL", Verdict.EXCLUDE, ("E4",))
    store.unblind(FT, "NA")
    yield store
    store.close()


def test_a_mapping_is_logged_and_read_through_without_touching_the_log(store, protocol: Protocol):
    assert store.conflicts(FT) == [1]
    token = store.change_token()
    new = parse_protocol(without(protocol.text, "E4"), "p.toml")
    plan = store.change_protocol(new, "na", {"E4": "E2"}, "p.toml")
    assert plan.mapping == {"E4": "E2"}
    [entry] = store.protocol_history()
    assert (entry.by, entry.mapping, entry.summary) == ("NA", {"E4": "E2"}, plan.summary)
    assert entry.created_at is not None
    assert store.change_token() != token  # open screens reload
    now = store.protocol()
    assert now.text == new.text and now.aliases == {"E4": "E2"}
    assert now.criterion("E4").label == "Conference papers or abstracts"
    assert store.conflicts(FT) == []  # E4 and E2 are one reason now
    assert store.counted_reasons(FT) == {1: "E2", 2: "E2"}
    assert [d.reasons for d in store.decision_log(FT, "NA")] == [("E4",), ("E4",)]  # the log is as recorded
    rows, total = store.record_list(FT, "NA", ListFilter(reason="E2"))
    assert total == 2 and {r.reasons for r in rows} == {("E2",)}
    other = open_store(store.url)  # another process sees the change and its mapping
    assert other.protocol().aliases == {"E4": "E2"}
    other.close()


def test_mappings_compose_and_a_retired_id_cannot_return(store, protocol: Protocol):
    store.change_protocol(
        parse_protocol(without(protocol.text, "E4"), "a.toml"), "NA", {"E4": "E2"}, "a.toml"
    )
    store.change_protocol(
        parse_protocol(without(protocol.text, "E4", "E2"), "b.toml"), "NA", {"E2": "E1"}, "b.toml"
    )
    assert store.protocol().aliases == {"E4": "E1", "E2": "E1"}
    assert store.counted_reasons(FT) == {1: "E1", 2: "E1"}
    back = parse_protocol(without(protocol.text, "E2"), "c.toml")  # E4 again
    with pytest.raises(
        ProtocolError, match=r"c\.toml:\d+: 'E4' is a retired reason \(its decisions count as E1\)"
    ):
        store.change_protocol(back, "NA", {}, "c.toml")
    assert [c.id for c in store.protocol_history()] == [1, 2]


def test_a_refused_change_writes_nothing(store, protocol: Protocol):
    new = parse_protocol(without(protocol.text, "E4"), "p.toml")
    with pytest.raises(ProtocolError, match=r"^p\.toml: reason E4 .* is used by 3 decision\(s\)"):
        store.change_protocol(new, "NA", {}, "p.toml")
    with pytest.raises(StoreError, match="only the review's lead"):
        store.change_protocol(new, "ZL", {"E4": "E2"}, "p.toml")
    assert store.protocol_history() == [] and store.protocol().text == protocol.text
    assert store.conflicts(FT) == [1]


def test_an_unused_reason_goes_without_a_mapping_and_resolutions_follow_mappings(store, protocol: Protocol):
    store.change_protocol(parse_protocol(without(protocol.text, "E7"), "p.toml"), "NA", {}, "p.toml")
    assert "removed exclusion E7" in store.protocol_history()[0].summary
    store.record_resolution(1, FT, Verdict.EXCLUDE, "NA", "consensus", ("E5",))
    assert store.counted_reasons(FT)[1] == "E5"
    with pytest.raises(ProtocolError, match=r"reason E5 .* is used by 1 decision"):
        store.change_protocol(
            parse_protocol(without(protocol.text, "E7", "E5"), "q.toml"), "NA", {}, "q.toml"
        )
    store.change_protocol(
        parse_protocol(without(protocol.text, "E7", "E5"), "q.toml"), "NA", {"E5": "E3"}, "q.toml"
    )
    assert store.counted_reasons(FT)[1] == "E3"
