"""Draw the PRISMA 2020 flow diagram as SVG, and convert it to PNG or PDF with cairosvg.

The layout follows the official PRISMA 2020 template for new reviews: blue phase bars
(Identification, Screening, Included) on the left, the yellow "Identification of new
studies via databases and registers" header over the main column and its exclusion
column, and, only when other methods were used, a grey "other methods" header over a
third and fourth column. Box texts come from the PRISMA2020 template.

One SVG user unit is one point, and the page is A4 wide (portrait for one arm,
landscape for two), so the 10 pt box text prints at 10 pt. Every line of text is
measured with :mod:`screener.core.prisma.metrics` and wrapped to its box before
drawing, so no text overflows; every ``<g class="box">`` holds its ``<rect>`` and
its ``<text>`` lines, which lets tests verify exactly that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from screener.core.output import write_atomic
from screener.core.prisma.metrics import FONT_FAMILY, text_width, wrap
from screener.core.prisma.template import boxtext

if TYPE_CHECKING:
    from collections.abc import Mapping

    from screener.core.prisma.counts import PrismaCounts

# Sizes in points.
FONT_SIZE = 10.0
HEADER_SIZE = 11.0
TITLE_SIZE = 12.0
LINE_HEIGHT = 12.5
PAD_X = 6.0  # also absorbs hinting: rasterised text can run ~1% wider than measured
PAD_Y = 5.0
INDENT = 10.0  # list items under a heading ("PubMed (n = 150)" under "Databases")
HANG = 8.0  # continuation lines of a wrapped list item
MARGIN = 24.0
BAR_WIDTH = 22.0
BAR_GAP = 14.0
ROW_GAP = 24.0
HEADER_GAP = 16.0
ARROW_HEAD = 6.0

PORTRAIT_WIDTH = 595.0  # A4
LANDSCAPE_WIDTH = 842.0

# Official PRISMA 2020 template colours.
YELLOW = "#ffc000"
GREY = "#d9d9d9"
BLUE = "#9dc3e6"
INK = "#000000"

CITATION = (
    "From: Page MJ, McKenzie JE, Bossuyt PM, et al. The PRISMA 2020 statement: an updated "
    "guideline for reporting systematic reviews. BMJ 2021;372:n71. doi: 10.1136/bmj.n71"
)


def _n(n: int) -> str:
    # No-break spaces keep "(n = 1,234)" on one line (prisma_metrics.wrap honours them).
    return f"(n\u00a0=\u00a0{n:,})"


def _num(x: float) -> str:
    """Format a coordinate compactly and deterministically (golden files compare text)."""
    text = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@dataclass(frozen=True)
class Para:
    """One paragraph of box text, wrapped as a unit.

    ``level`` is the list depth: 0 for a box's main line or heading, 1 for an item under
    it ("Databases" under "Records identified from:"), 2 for an item under that. Items
    (level >= 1) wrap with a hanging indent so each one stands out.
    """

    text: str
    level: int = 0


@dataclass
class Box:
    """A box being laid out: its id, content, and (once placed) its geometry."""

    id: str
    paras: list[Para]
    width: float
    fill: str = "#ffffff"
    bold: bool = False
    size: float = FONT_SIZE
    centre: bool = False
    lines: list[tuple[str, float]] = field(default_factory=list)  # (text, x offset from content left)
    x: float = 0.0
    y: float = 0.0

    def layout(self) -> None:
        """Wrap every paragraph to the box's inner width."""
        inner = self.width - 2 * PAD_X
        self.lines = []
        for p in self.paras:
            indent = p.level * INDENT
            hang = HANG if p.level else 0.0
            wrapped = wrap(p.text, inner - indent, self.size, self.bold, hang=hang)
            for i, line in enumerate(wrapped):
                self.lines.append((line, indent + (hang if i else 0.0)))

    @property
    def height(self) -> float:
        """Height needed for the wrapped lines plus padding."""
        return len(self.lines) * self._line_height + 2 * PAD_Y

    @property
    def _line_height(self) -> float:
        return LINE_HEIGHT * self.size / FONT_SIZE

    @property
    def cx(self) -> float:
        """Horizontal centre."""
        return self.x + self.width / 2

    @property
    def bottom(self) -> float:
        """Bottom edge."""
        return self.y + self.height

    @property
    def right(self) -> float:
        """Right edge."""
        return self.x + self.width

    def svg(self, css_class: str = "box") -> str:
        """Return the box as ``<g>`` with its rectangle and one ``<text>`` per line."""
        parts = [
            f'<g class="{css_class}" id={quoteattr(self.id)}>',
            (
                f'<rect x="{_num(self.x)}" y="{_num(self.y)}" width="{_num(self.width)}" '
                f'height="{_num(self.height)}" fill="{self.fill}" stroke="{INK}" stroke-width="0.8"/>'
            ),
        ]
        weight = ' font-weight="bold"' if self.bold else ""
        lh = self._line_height
        for i, (line, offset) in enumerate(self.lines):
            # Baseline at ~80% of the line box centres DejaVu's ascent/descent in the line.
            y = self.y + PAD_Y + i * lh + 0.8 * lh
            if self.centre:
                attrs = f'x="{_num(self.cx)}" text-anchor="middle"'
            else:
                attrs = f'x="{_num(self.x + PAD_X + offset)}"'
            parts.append(
                f'<text {attrs} y="{_num(y)}" font-size="{_num(self.size)}"{weight}>{escape(line)}</text>'
            )
        parts.append("</g>")
        return "\n".join(parts)


def _listing(heading: str, items: Mapping[str, int]) -> list[Para]:
    return [Para(heading)] + [Para(f"{label} {_n(n)}", 1) for label, n in items.items()]


def box_contents(c: PrismaCounts) -> dict[str, list[Para]]:
    """Return the paragraphs of every box that applies, keyed by the template's box id."""
    t = boxtext
    identified: list[Para] = [Para("Records identified from:")]
    if c.databases or not c.registers:
        identified.append(Para(f"{t('database_results')} {_n(c.identified_databases)}", 1))
        identified += [Para(f"{k} {_n(v)}", 2) for k, v in c.databases.items()]
    if c.registers:
        identified.append(Para(f"{t('register_results')} {_n(c.identified_registers)}", 1))
        identified += [Para(f"{k} {_n(v)}", 2) for k, v in c.registers.items()]
    excluded = [Para(f"{t('records_excluded')} {_n(c.records_excluded)}")]
    if c.records_excluded_automation:
        # PRISMA 2020 footnote: say how many a human and how many automation excluded.
        excluded += [
            Para(f"by a human {_n(c.records_excluded_human)}", 1),
            Para(f"by automation tools {_n(c.records_excluded_automation)}", 1),
        ]

    def reasons(key: str, total: int, items: Mapping[str, int]) -> list[Para]:
        if not items:
            return [Para(f"{t(key)} {_n(total)}")]
        return _listing(f"{t(key)} {_n(total)}:", items)

    boxes = {
        "box2": identified,
        "box3": [
            Para("Records removed before screening:"),
            Para(f"{t('duplicates')} {_n(c.duplicates)}", 1),
            Para(f"{t('excluded_automatic')} {_n(c.removed_automation)}", 1),
            Para(f"{t('excluded_other')} {_n(c.removed_other)}", 1),
        ],
        "box4": [Para(f"{t('records_screened')} {_n(c.records_screened)}")],
        "box5": excluded,
        "box6": [Para(f"{t('dbr_sought_reports')} {_n(c.reports_sought)}")],
        "box7": [Para(f"{t('dbr_notretrieved_reports')} {_n(c.reports_not_retrieved)}")],
        "box8": [Para(f"{t('dbr_assessed')} {_n(c.reports_assessed)}")],
        "box9": reasons("dbr_excluded", c.reports_excluded, c.reports_excluded_reasons),
        "box10": [
            Para(f"{t('new_studies')} {_n(c.new_studies)}"),
            Para(f"{t('new_reports')} {_n(c.new_reports)}"),
        ],
    }
    if c.has_other_methods:
        sources = [Para("Records identified from:")]
        for key, n in (
            ("website_results", c.websites),
            ("organisation_results", c.organisations),
            ("citations_results", c.citation_searching),
        ):
            if n is not None:
                sources.append(Para(f"{t(key)} {_n(n)}", 1))
        boxes |= {
            "box11": sources,
            "box12": [Para(f"{t('other_sought_reports')} {_n(c.other_reports_sought)}")],
            "box13": [Para(f"{t('other_notretrieved_reports')} {_n(c.other_reports_not_retrieved)}")],
            "box14": [Para(f"{t('other_assessed')} {_n(c.other_reports_assessed)}")],
            "box15": reasons("other_excluded", c.other_reports_excluded, c.other_reports_excluded_reasons),
        }
    return boxes


def undecided_note(c: PrismaCounts) -> str | None:
    """Return a one-sentence note on undecided records/reports, or None when all are decided."""
    parts = [
        f"{n:,} {noun}{'' if n == 1 else 's'}"
        for n, noun in ((c.undecided_records, "record"), (c.undecided_reports, "report"))
        if n
    ]
    if not parts:
        return None
    verb = "has" if len(parts) == 1 and parts[0].startswith("1 ") else "have"
    return f"Screening unfinished: {' and '.join(parts)} {verb} no final decision yet."


# Grid position (row, column) of each box; rows 0..4, columns 0..3.
_GRID = {
    "box2": (0, 0),
    "box3": (0, 1),
    "box4": (1, 0),
    "box5": (1, 1),
    "box6": (2, 0),
    "box7": (2, 1),
    "box8": (3, 0),
    "box9": (3, 1),
    "box10": (4, 0),
    "box11": (0, 2),
    "box12": (2, 2),
    "box13": (2, 3),
    "box14": (3, 2),
    "box15": (3, 3),
}
_PHASES = (("identification", 0, 0), ("screening", 1, 3), ("included", 4, 4))


def _arrow(points: list[tuple[float, float]]) -> str:
    """Return a polyline through ``points`` with a filled arrowhead at the last point."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    h = ARROW_HEAD
    # Shorten the line by the head length so the stroke does not poke through the tip.
    if x0 == x1:
        sign = 1 if y1 > y0 else -1
        tip = [(x1, y1), (x1 - h / 2, y1 - sign * h), (x1 + h / 2, y1 - sign * h)]
        end = (x1, y1 - sign * h)
    else:
        sign = 1 if x1 > x0 else -1
        tip = [(x1, y1), (x1 - sign * h, y1 - h / 2), (x1 - sign * h, y1 + h / 2)]
        end = (x1 - sign * h, y1)
    line = " ".join(f"{_num(x)},{_num(y)}" for x, y in [*points[:-1], end])
    head = " ".join(f"{_num(x)},{_num(y)}" for x, y in tip)
    return (
        f'<polyline points="{line}" fill="none" stroke="{INK}" stroke-width="1"/>\n'
        f'<polygon points="{head}" fill="{INK}"/>'
    )


def to_svg(counts: PrismaCounts, title: str | None = None) -> str:
    """Return the PRISMA 2020 flow diagram for ``counts`` as a standalone SVG document.

    ``title`` (optional) is printed above the diagram. The numbers are drawn as given;
    run :func:`screener.core.prisma.counts.check` to find inconsistencies. A note under the
    diagram says how many records/reports are undecided while screening is unfinished.
    """
    other = counts.has_other_methods
    page_w = LANDSCAPE_WIDTH if other else PORTRAIT_WIDTH
    col_x, col_w = _columns(page_w, other)
    boxes = _laid_out_boxes(counts, col_x, col_w)
    out: list[str] = []
    y = _title_lines(out, title, page_w)
    y = _header_boxes(out, y, col_x, col_w, other)
    rows = _rows(boxes, y)
    out += _phase_bars(rows)
    for box_id, box in boxes.items():
        row, _ = _GRID[box_id]
        # Centre each box on its row's midline, so every horizontal arrow meets both boxes.
        box.y = rows.y[row] + (rows.h[row] - box.height) / 2
        out.append(box.svg())
    out.append(_arrows(boxes, rows, other))
    page_h = _note_lines(out, rows.bottom + HEADER_GAP, counts, page_w) + MARGIN
    return _svg_head(page_w, page_h, title) + "\n" + "\n".join(out) + "\n</svg>\n"


def _columns(page_w: float, other: bool) -> tuple[list[float], list[float]]:
    """The x and width of each box column (gaps between them dropped)."""
    left = MARGIN + BAR_WIDTH + BAR_GAP
    avail = page_w - MARGIN - left
    # Column widths and gaps as fractions of the usable width; the exclusion column is a
    # little wider because reason lists are the longest texts.
    spec = [0.225, 0.04, 0.235, 0.035, 0.215, 0.04, 0.21] if other else [0.44, 0.08, 0.48]
    widths = [f * avail for f in spec]
    col_x: list[float] = []
    col_w: list[float] = []
    x = left
    for i, w in enumerate(widths):
        if i % 2 == 0:
            col_x.append(x)
            col_w.append(w)
        x += w
    return col_x, col_w


def _laid_out_boxes(c: PrismaCounts, col_x: list[float], col_w: list[float]) -> dict[str, Box]:
    """Every box of the diagram, wrapped to its column and placed at its column's x."""
    boxes: dict[str, Box] = {}
    for box_id, paras in box_contents(c).items():
        _, col = _GRID[box_id]
        box = Box(box_id, paras, col_w[col])
        box.x = col_x[col]
        box.layout()
        boxes[box_id] = box
    return boxes


def _title_lines(out: list[str], title: str | None, page_w: float) -> float:
    """Append the title's lines to ``out``; return the y below them."""
    y = MARGIN
    if title:
        for line in wrap(title, page_w - 2 * MARGIN, TITLE_SIZE, bold=True):
            y += TITLE_SIZE * 1.25
            out.append(
                f'<text class="title" x="{_num(page_w / 2)}" y="{_num(y)}" text-anchor="middle" '
                f'font-size="{_num(TITLE_SIZE)}" font-weight="bold">{escape(line)}</text>'
            )
        y += HEADER_GAP
    return y


def _header_boxes(out: list[str], y: float, col_x: list[float], col_w: list[float], other: bool) -> float:
    """Append the arm headers (each spans a column pair) at ``y``; return the y below them."""

    def header(key: str, first_col: int, fill: str) -> Box:
        width = col_x[first_col + 1] + col_w[first_col + 1] - col_x[first_col]
        box = Box(key, [Para(boxtext(key))], width, fill=fill, bold=True, size=HEADER_SIZE, centre=True)
        box.x = col_x[first_col]
        return box

    headers = [header("newstud", 0, YELLOW)]
    if other:
        headers.append(header("othstud", 2, GREY))
    for h in headers:
        h.layout()
    header_h = max(h.height for h in headers)
    for h in headers:
        h.y = y + (header_h - h.height) / 2
        out.append(h.svg("header"))
    return y + header_h + HEADER_GAP


@dataclass(frozen=True)
class _Rows:
    """The diagram's five rows: top (``y``) and height (``h``) of each, and the last one's bottom."""

    y: list[float]
    h: list[float]
    bottom: float


def _rows(boxes: Mapping[str, Box], y: float) -> _Rows:
    """Rows from ``y`` down: each as tall as its tallest box and the phase label it carries."""
    row_h = [0.0] * 5
    for box_id, box in boxes.items():
        row, _ = _GRID[box_id]
        row_h[row] = max(row_h[row], box.height)
    for key, first, last in _PHASES:
        # 2 * PAD_X of air, plus a little so rounding the coordinates never eats into it.
        need = text_width(boxtext(key), HEADER_SIZE, bold=True) + 2 * PAD_X + 4
        have = sum(row_h[first : last + 1]) + ROW_GAP * (last - first)
        if have < need:
            row_h[last] += need - have
    row_y = []
    for row_height in row_h:
        row_y.append(y)
        y += row_height + ROW_GAP
    return _Rows(row_y, row_h, y - ROW_GAP)


def _phase_bars(rows: _Rows) -> list[str]:
    """The blue phase bars on the left, each spanning its rows, label rotated."""
    out = []
    for key, first, last in _PHASES:
        top = rows.y[first]
        height = rows.y[last] + rows.h[last] - top
        cx, cy = MARGIN + BAR_WIDTH / 2, top + height / 2
        out.append(
            f'<g class="phase" id="{key}">\n'
            f'<rect x="{_num(MARGIN)}" y="{_num(top)}" width="{_num(BAR_WIDTH)}" height="{_num(height)}" '
            f'rx="4" fill="{BLUE}"/>\n'
            # Rotated -90 degrees about the bar's centre; 0.35 em drops the baseline so the
            # glyphs sit centred across the bar.
            f'<text x="{_num(cx)}" y="{_num(cy + 0.35 * HEADER_SIZE)}" text-anchor="middle" '
            f'transform="rotate(-90 {_num(cx)} {_num(cy)})" font-size="{_num(HEADER_SIZE)}" '
            f'font-weight="bold">{escape(boxtext(key))}</text>\n</g>'
        )
    return out


def _arrows(boxes: Mapping[str, Box], rows: _Rows, other: bool) -> str:
    """The arrows between the placed boxes, as one ``<g class="arrows">``."""
    arrows: list[str] = []

    def down(a: str, b: str) -> None:
        arrows.append(_arrow([(boxes[a].cx, boxes[a].bottom), (boxes[b].cx, boxes[b].y)]))

    def across(a: str, b: str) -> None:
        row, _ = _GRID[a]
        mid = rows.y[row] + rows.h[row] / 2
        arrows.append(_arrow([(boxes[a].right, mid), (boxes[b].x, mid)]))

    for a, b in (("box2", "box4"), ("box4", "box6"), ("box6", "box8"), ("box8", "box10")):
        down(a, b)
    for a, b in (("box2", "box3"), ("box4", "box5"), ("box6", "box7"), ("box8", "box9")):
        across(a, b)
    if other:
        down("box11", "box12")
        down("box12", "box14")
        across("box12", "box13")
        across("box14", "box15")
        # Other-methods reports join the included box from the right, as in the template.
        inc = boxes["box10"]
        mid = inc.y + inc.height / 2
        src = boxes["box14"]
        arrows.append(_arrow([(src.cx, src.bottom), (src.cx, mid), (inc.right, mid)]))
    return '<g class="arrows">\n' + "\n".join(arrows) + "\n</g>"


def _note_lines(out: list[str], y: float, c: PrismaCounts, page_w: float) -> float:
    """Append the notes under the diagram (undecided records, the citation); return the y below."""
    notes: list[str] = []
    pending = undecided_note(c)
    if pending:
        notes.append(pending)
    notes.append(CITATION)
    for note in notes:
        for line in wrap(note, page_w - 2 * MARGIN, FONT_SIZE):
            y += LINE_HEIGHT
            out.append(
                f'<text class="note" x="{_num(MARGIN)}" y="{_num(y)}" font-size="{_num(FONT_SIZE)}">'
                f"{escape(line)}</text>"
            )
        y += LINE_HEIGHT / 2
    return y


def _svg_head(page_w: float, page_h: float, title: str | None) -> str:
    """The XML declaration, the ``<svg>`` element's opening tag, the title and the white page."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_num(page_w)}pt" '
        f'height="{_num(page_h)}pt" viewBox="0 0 {_num(page_w)} {_num(page_h)}" '
        f'font-family={quoteattr(FONT_FAMILY)} fill="{INK}">\n'
        f"<title>{escape(title or 'PRISMA 2020 flow diagram')}</title>\n"
        # An explicit white page: PNGs would otherwise be transparent.
        f'<rect class="page" x="0" y="0" width="{_num(page_w)}" height="{_num(page_h)}" fill="#ffffff"/>'
    )


def to_png(svg: str, path: str | Path, *, dpi: float = 192.0) -> Path:
    """Render ``svg`` to a PNG file at ``dpi`` (default 192: sharp on screen and paper)."""
    import cairosvg  # type: ignore[import-untyped]  # no type hints; lazy: optional, slow to import

    return write_atomic(Path(path), cairosvg.svg2png(bytestring=svg.encode("utf-8"), dpi=dpi))


def to_pdf(svg: str, path: str | Path) -> Path:
    """Render ``svg`` to a vector PDF file whose page is the diagram's size in points."""
    import cairosvg  # lazy: optional dependency, and slow to import

    # dpi=72 makes one SVG point one PDF point, so the page is exactly A4 wide.
    return write_atomic(Path(path), cairosvg.svg2pdf(bytestring=svg.encode("utf-8"), dpi=72))
