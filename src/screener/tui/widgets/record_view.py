"""A record as reviewers read it, with the protocol's keywords highlighted; and the criteria panel."""

from __future__ import annotations

import re

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from screener.core.models import Stage, StoredRecord
from screener.core.protocol import Protocol

INCLUDE_STYLE = "bold black on green"
EXCLUDE_STYLE = "bold white on red"
VERDICT_STYLE = {"include": "green", "exclude": "red", "maybe": "yellow"}


def keyword_pattern(words: list[str]) -> re.Pattern[str] | None:
    """One case-insensitive regex for a list of keywords, whole words, longest first."""
    words = sorted({w for w in words if w.strip()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(" + "|".join(re.escape(w) for w in words) + r")(?!\w)", re.IGNORECASE)


def criteria_text(protocol: Protocol, stage: Stage, action: str = "Exclude (e, then number)") -> Text:
    """The protocol's criteria for a stage, exclusion reasons numbered as the keys are.

    The numbered reasons come first: they are what the keys stand for, so they stay in
    view on a small terminal (the inclusion criteria follow; the panel scrolls).
    """
    text = Text()
    text.append(f"{stage.label} criteria\n", style="bold")
    text.append(f"{action}\n", style="bold red")
    reasons = protocol.exclusion_reasons(stage)
    width = len(str(max((n for n, _ in reasons), default=1)))
    for n, c in reasons:
        text.append(f" {n:>{width}} ", style="bold")
        text.append(f"{c.label}\n")
    if stage.value in protocol.rules.exclude_without_reason:
        text.append(" ⏎ no reason\n", style="dim")
    text.append("\nInclude if\n", style="bold green")
    for c in protocol.inclusion:
        if c.applies_to(stage):
            text.append(f" • {c.label}\n")
    text.append("\nHighlighted: ", style="dim")
    text.append("inclusion terms", style=INCLUDE_STYLE)
    text.append(" ")
    text.append("exclusion terms", style=EXCLUDE_STYLE)
    return text


class RecordView(Vertical):
    """Title, authors, journal, identifiers, source databases, decision line and abstract.

    The head (title and details) scrolls on its own and never takes the abstract's share:
    the abstract keeps at least a third of the terminal's height (screener.tcss).
    """

    def __init__(self, protocol: Protocol, stage: Stage, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.use_protocol(protocol, stage)

    def use_protocol(self, protocol: Protocol, stage: Stage) -> None:
        """Highlight the protocol's keywords (also after the protocol changed)."""
        self.include_re = keyword_pattern(
            [k for c in protocol.inclusion if c.applies_to(stage) for k in c.keywords]
        )
        self.exclude_re = keyword_pattern(
            [k for _, c in protocol.exclusion_reasons(stage) for k in c.keywords]
        )

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="record-head"):
            yield Static("", id="record-title")
            yield Static("", id="record-meta")
        yield Static("", id="record-decision")
        with VerticalScroll(id="record-abstract-box"):
            yield Static("", id="record-abstract")

    def highlight(self, text: str, base: str = "") -> Text:
        out = Text(text, style=base)
        if self.exclude_re:
            out.highlight_regex(self.exclude_re, EXCLUDE_STYLE)
        if self.include_re:
            out.highlight_regex(self.include_re, INCLUDE_STYLE)
        return out

    def clear(self) -> None:
        for static in self.query(Static):
            static.update("")

    def show(
        self, stored: StoredRecord, sources: list[str], decision: Text, extra: str | None = None
    ) -> None:
        bib = stored.bib
        title = self.highlight(bib.title, "bold") if bib.title else Text("(no title)", style="dim")
        self.query_one("#record-title", Static).update(title)
        authors = "; ".join(str(a) for a in bib.authors[:8]) + (" et al." if len(bib.authors) > 8 else "")
        volume = f"{bib.volume}({bib.issue})" if bib.volume and bib.issue else bib.volume
        where = ", ".join(
            x for x in (bib.journal or bib.journal_abbrev, str(bib.year or ""), volume, bib.pages) if x
        )
        meta = Text()
        meta.append(f"{authors or '(no authors)'}\n", style="italic")
        meta.append(f"{where}\n")
        ids = "  ".join(
            x
            for x in (
                f"id {stored.id}",
                bib.doi and f"doi:{bib.doi}",
                bib.pmid and f"PMID {bib.pmid}",
                bib.publication_type,
            )
            if x
        )
        meta.append(f"{ids}\n", style="dim")
        meta.append("Source: " + ", ".join(sources), style="cyan")
        if extra:
            meta.append("\n" + extra)
        self.query_one("#record-meta", Static).update(meta)
        self.set_decision(decision)
        abstract = self.highlight(bib.abstract) if bib.abstract else Text("(no abstract)", style="dim")
        self.query_one("#record-abstract", Static).update(abstract)
        for box in self.query(VerticalScroll):
            box.scroll_home(animate=False)

    def set_decision(self, decision: Text) -> None:
        self.query_one("#record-decision", Static).update(decision)
