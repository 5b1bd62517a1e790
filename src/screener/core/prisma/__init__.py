"""PRISMA 2020: counts, checks, the template CSV, JSON/Markdown, SVG and text diagrams, methods.

The public API is here; the modules hold one job each:

* :mod:`.counts` - :class:`PrismaCounts`, every box of the flow diagram;
* :mod:`.checks` - :func:`check`, the arithmetic invariants between boxes;
* :mod:`.template` - the PRISMA2020 R package's CSV template and :func:`to_template_csv`;
* :mod:`.formats` - :func:`to_json` / :func:`from_json`, :func:`to_markdown`;
* :mod:`.svg`, :mod:`.metrics` - :func:`to_svg`, :func:`to_png`, :func:`to_pdf`;
* :mod:`.text` - :func:`to_text_diagram` for the terminal;
* :mod:`.methods` - :func:`methods_paragraph` and the facts it reads.

Standard library only; cairosvg is imported lazily by the PNG/PDF writers.
"""

from screener.core.prisma.checks import CheckMessage, check, errors
from screener.core.prisma.counts import PrismaCounts
from screener.core.prisma.formats import from_json, to_json, to_markdown
from screener.core.prisma.methods import (
    DatabaseSearch,
    DedupFacts,
    MethodsFacts,
    StageFacts,
    methods_paragraph,
)
from screener.core.prisma.svg import to_pdf, to_png, to_svg
from screener.core.prisma.template import (
    TEMPLATE_COLUMNS,
    TEMPLATE_CSV,
    clean_label,
    format_list,
    to_template_csv,
)
from screener.core.prisma.text import to_text_diagram

__all__ = [
    "TEMPLATE_COLUMNS",
    "TEMPLATE_CSV",
    "CheckMessage",
    "DatabaseSearch",
    "DedupFacts",
    "MethodsFacts",
    "PrismaCounts",
    "StageFacts",
    "check",
    "clean_label",
    "errors",
    "format_list",
    "from_json",
    "methods_paragraph",
    "to_json",
    "to_markdown",
    "to_pdf",
    "to_png",
    "to_svg",
    "to_template_csv",
    "to_text_diagram",
]
