"""What the screening screen says beside a record: the reviewer's decision, full text, related records."""

from __future__ import annotations

from rich.text import Text

from screener.core.models import Decision, Retrieval, Stage
from screener.core.protocol import Protocol
from screener.store import Settled
from screener.tui.widgets.record_view import VERDICT_STYLE


def related_lines(related: list[tuple[int, str, str]]) -> list[str]:
    """One line per related record (an erratum of, reply to, abstract of this record):
    kept apart by the dedup, shown so that a reviewer sees them side by side."""
    from screener.core.dedup import rule_text

    return [
        f"Related record {rid} (not a duplicate: {rule_text(rule)}): {title[:90]}"
        for rid, rule, title in related
    ]


def retrieval_line(retrieval: Retrieval | None, study: int | None) -> str:
    """Whether the full text was retrieved (and where), and the study the report belongs to."""
    linked = f"  ·  study {study}" if study is not None else ""
    if retrieval is None:
        return f"Full text: not yet retrieved (r retrieved, x not retrieved){linked}"
    if retrieval.status == "retrieved":
        return f"Full text: retrieved {retrieval.location or ''} (o opens it){linked}"
    return f"Full text: NOT retrieved ({retrieval.reason or 'no reason given'}){linked}"


def reason_prompt(protocol: Protocol, stage: Stage, digits: str) -> Text:
    """After ``e``: which keys choose the reason (``digits``: typed so far, waiting for the next)."""
    text = Text()
    text.append("Exclude: press the reason's number", style="bold red")
    if digits:
        text.append(f" {digits}… (next digit, or Enter)", style="bold red")
    if stage.value in protocol.rules.exclude_without_reason:
        text.append(", Enter for no reason", style="bold red")
    text.append(", Esc to cancel", style="bold red")
    return text


def decision_text(protocol: Protocol, d: Decision | None, settled: Settled | None, note: str | None) -> Text:
    """The reviewer's decision on the record (with its reasons' labels), a settled notice, their note."""
    text = Text()
    if d is None:
        text.append("Your decision: undecided", style="dim")
    else:
        text.append("Your decision: ")
        text.append(d.verdict.value, style=f"bold {VERDICT_STYLE.get(d.verdict.value, '')}")
        if d.reasons:
            labels = [c.label if (c := protocol.criterion(r)) else r for r in protocol.reason_ids(d.reasons)]
            text.append(f" — {'; '.join(labels)}")
    if settled is not None and d is not None:
        text.append(f"\nSettled ({settled.text}): a change reopens it", style="dim")
    if note:
        text.append(f"\nNote: {note}", style="italic")
    return text
