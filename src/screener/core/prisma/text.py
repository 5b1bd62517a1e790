"""Render the PRISMA 2020 flow diagram with box-drawing characters for a terminal.

The main arm (databases and registers) is drawn as in the official diagram: the flow
down the left column, each exclusion box to its right. The "other methods" arm, when
present, follows below as its own small flow that ends by pointing at the included box,
because four columns cannot be read at terminal widths. Box texts are the same
paragraphs the SVG uses (:func:`screener.core.prisma.svg.box_contents`).
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from screener.core.prisma.svg import Para, box_contents, undecided_note
from screener.core.prisma.template import boxtext

if TYPE_CHECKING:
    from screener.core.prisma.counts import PrismaCounts

GAP = 6  # columns between a box and its exclusion box, holding the "├────►" arrow
MIN_WIDTH = 40


def _box(paras: list[Para], width: int) -> list[str]:
    """Return the lines of a box ``width`` columns wide (borders included) around ``paras``."""
    inner = width - 4
    body: list[str] = []
    for p in paras:
        indent = " " * (2 * p.level)
        hang = indent + ("  " if p.level else "")
        # textwrap does not split at no-break spaces, so "(n = 12)" stays whole.
        for line in textwrap.wrap(
            p.text, inner, initial_indent=indent, subsequent_indent=hang, break_on_hyphens=False
        ) or [""]:
            body.append(line.replace("\u00a0", " "))
    top = "┌" + "─" * (width - 2) + "┐"
    bottom = "└" + "─" * (width - 2) + "┘"
    return [top, *(f"│ {line.ljust(inner)} │" for line in body), bottom]


def _set(line: str, col: int, ch: str) -> str:
    return line[:col] + ch + line[col + 1 :]


def _header(text: str, width: int) -> list[str]:
    inner = width - 4
    lines = textwrap.wrap(text, inner) or [""]
    rule = "━" * (width - 2)
    return [f"┏{rule}┓", *(f"┃ {t.center(inner)} ┃" for t in lines), f"┗{rule}┛"]


def _phase(name: str, width: int, cross: int | None = None) -> str:
    """Return a phase separator line; ``cross`` is a column where an arrow passes through."""
    head = f"── {name} "
    if cross is not None and cross < len(head) + 1:
        # The arrow would cut through the label: put the label after the crossing instead.
        head = "─" * cross + "┼" + head
        return head + "─" * max(0, width - len(head))
    line = head + "─" * max(0, width - len(head))
    return _set(line, cross, "┼") if cross is not None else line


def _flow(
    rows: list[tuple[str | None, list[Para], list[Para] | None]], width: int, tail: bool = False
) -> list[str]:
    """Draw rows of (phase label or None, main box, exclusion box or None) joined by arrows.

    With ``tail`` the last main box also gets an arrow leaving it downwards.
    """
    left_w = (width - GAP) // 2
    right_w = width - GAP - left_w
    spine = left_w // 2  # column of the vertical arrows
    out: list[str] = []
    for i, (phase, main, side) in enumerate(rows):
        if phase:
            out.append(_phase(phase, width, spine if i else None))
        if i:
            out.append(" " * spine + "▼")
        lbox = _box(main, left_w)
        more = tail or i + 1 < len(rows)
        if more:
            lbox[-1] = _set(lbox[-1], spine, "┬")
        if side is None:
            out += lbox
            continue
        rbox = _box(side, right_w)
        height = max(len(lbox), len(rbox))
        # The arrow sits on the middle content line both boxes have.
        arrow_at = 1 + (min(len(lbox), len(rbox)) - 3) // 2
        for r in range(height):
            left = lbox[r] if r < len(lbox) else (" " * spine + "│") if more else ""
            right = rbox[r] if r < len(rbox) else ""
            if r == arrow_at:
                left = _set(left, left_w - 1, "├")
                gap = "─" * (GAP - 1) + "►"
            else:
                gap = " " * GAP
            out.append((left.ljust(left_w) + gap + right).rstrip() if right else left.rstrip())
    if tail:
        out.append(" " * spine + "▼")
    return out


def to_text_diagram(counts: PrismaCounts, width: int = 100) -> list[str]:
    """Return the flow diagram as lines of at most ``width`` (>= 40) columns, no trailing blanks."""
    if width < MIN_WIDTH:
        raise ValueError(f"width must be at least {MIN_WIDTH} columns, got {width}")
    c = counts
    boxes = box_contents(c)
    ident, screen, incl = boxtext("identification"), boxtext("screening"), boxtext("included")
    lines = _header(boxtext("newstud"), width)
    lines += _flow(
        [
            (ident, boxes["box2"], boxes["box3"]),
            (screen, boxes["box4"], boxes["box5"]),
            (None, boxes["box6"], boxes["box7"]),
            (None, boxes["box8"], boxes["box9"]),
            (incl, boxes["box10"], None),
        ],
        width,
    )
    if c.has_other_methods:
        lines += ["", *_header(boxtext("othstud"), width)]
        lines += _flow(
            [
                (ident, boxes["box11"], None),
                (screen, boxes["box12"], boxes["box13"]),
                (None, boxes["box14"], boxes["box15"]),
            ],
            width,
            tail=True,
        )
        spine = ((width - GAP) // 2) // 2
        lines += textwrap.wrap(
            f"Included in “{boxtext('new_studies')}” above (the counts cover both arms).",
            width,
            initial_indent=" " * max(0, spine - 2),
            subsequent_indent=" " * max(0, spine - 2),
        )
    note = undecided_note(c)
    if note:
        lines += ["", *textwrap.wrap(note, width)]
    return [line.rstrip() for line in lines]
