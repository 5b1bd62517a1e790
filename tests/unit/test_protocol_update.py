"""Protocol changes: sequences of reason removals with mappings, checked against a step-by-step model."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.protocol import ProtocolError, parse_protocol
from screener.core.protocol_update import compose_aliases, plan_update

BASE = """
[review]
title = "T"
question = "Q"

[[reviewers]]
initials = "NA"
role = "lead"

[screening]
reviewers_per_record = 1

[[inclusion]]
id = "I1"
label = "Adults"
"""


def protocol_with(reasons: list[str]):
    text = BASE + "".join(f'\n[[exclusion]]\nid = "{r}"\nlabel = "Reason {r}"\n' for r in reasons)
    return parse_protocol(text, "p.toml")


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20), st.booleans()), min_size=1, max_size=12))
def test_a_sequence_of_changes_keeps_every_decision_on_a_live_reason(steps):
    """Decisions name ids; after any sequence of updates each resolves to a reason of the protocol now,
    the one a step-by-step replay of the mappings reaches, and a refused step changes nothing."""
    reasons = [f"E{i}" for i in range(1, 6)]
    current = protocol_with(reasons)
    decided = list(reasons)  # one decision per original reason
    replay = {r: r for r in decided}
    fresh = 6
    for remove_at, target_at, add in steps:
        live = [c.id for c in current.exclusion]
        gone = live[remove_at % len(live)]
        kept = [r for r in live if r != gone]
        if add or not kept:
            kept.append(f"E{fresh}")
            fresh += 1
        target = kept[target_at % len(kept)]
        used = {current.reason_ids([d])[0]: 1 for d in decided}
        new = protocol_with(kept)
        if gone not in used:
            plan = plan_update(
                current, new, {}, used, {}, "p.toml"
            )  # an unused reason goes without a mapping
            assert f'removed exclusion {gone} "Reason {gone}"' in plan.lines
            current = replace(new, aliases=current.aliases)
            continue
        with pytest.raises(ProtocolError, match=f"reason {gone} .* is used by"):
            plan_update(current, new, {}, used, {}, "p.toml")
        plan = plan_update(current, new, {gone: target}, used, {}, "p.toml")
        current = replace(new, aliases=compose_aliases(current.aliases, plan.mapping))
        replay = {d: (target if now == gone else now) for d, now in replay.items()}
    live = {c.id for c in current.exclusion}
    for d in decided:
        assert current.reason_ids([d]) == (replay[d],)
        assert replay[d] in live
        assert current.criterion(d).label == f"Reason {replay[d]}"
        assert d in current.ids_counted_as(replay[d])


def test_a_retired_id_cannot_come_back_and_the_reviewers_stay():
    old = replace(protocol_with(["E1", "E2"]), aliases={"E3": "E1"})
    with pytest.raises(ProtocolError, match=r"^p\.toml:\d+: 'E3' is a retired reason"):
        plan_update(old, protocol_with(["E1", "E2", "E3"]), {}, {}, {}, "p.toml")
    more = parse_protocol(old.text.replace("[screening]", '[[reviewers]]\ninitials = "ZL"\n\n[screening]'))
    with pytest.raises(
        ProtocolError, match=r"reviewers differ from the review's \(added ZL\).*screener reviewer"
    ):
        plan_update(old, more, {}, {}, {}, "p.toml")
