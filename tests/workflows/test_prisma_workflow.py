"""workflows.prisma and workflows.agreement as the prisma and agreement commands use them."""

from __future__ import annotations

import pytest

from screener.core import prisma as P
from screener.core.models import Stage
from screener.store import Blinded, Store
from screener.workflows.agreement import stages_by_blindness
from screener.workflows.dedup import run_dedup
from screener.workflows.prisma import box_lines, compute_flow, prisma_document


def test_the_records_behind_a_box(store: Store):
    run_dedup(store)
    assert box_lines(store, "no_such_box") is None
    lines = box_lines(store, "duplicates")
    assert lines is not None
    assert lines[0] == "duplicates: 3 records"
    assert [line.split()[:3] for line in lines[1:]] == [
        ["4", "Embase", "Younger"],
        ["5", "Embase", "Younger"],
        ["6", "Embase", "Younger"],
    ]
    assert lines[1].endswith("2013  Low-dose naltrexone for fibromyalgia: a randomized trial")


def test_while_blind_only_the_methods_paragraph(store: Store):
    run_dedup(store)
    assert stages_by_blindness(store) == ([], [Stage.TITLE_ABSTRACT, Stage.FULL_TEXT])
    flow = compute_flow(store)
    assert flow.blind and flow.checks() == []
    with pytest.raises(Blinded):
        prisma_document(store, flow, "json")
    methods = prisma_document(store, flow, "methods")
    assert methods.startswith("We searched PubMed and Embase on 16 May 2022.") and methods.endswith(".\n")


def test_every_format_once_unblinded(store: Store):
    run_dedup(store)
    store.unblind(Stage.TITLE_ABSTRACT, "NA")
    store.unblind(Stage.FULL_TEXT, "NA")
    assert stages_by_blindness(store) == ([Stage.TITLE_ABSTRACT, Stage.FULL_TEXT], [])
    flow = compute_flow(store)
    assert not flow.blind
    assert flow.checks() == P.check(flow.counts)
    title = store.protocol().title
    assert prisma_document(store, flow, "json") == P.to_json(flow.counts)
    assert prisma_document(store, flow, "csv") == P.to_template_csv(flow.counts)
    assert prisma_document(store, flow, "markdown") == P.to_markdown(flow.counts)
    for fmt in ("svg", "png", "pdf"):  # png and pdf are drawn from the SVG
        assert prisma_document(store, flow, fmt) == P.to_svg(flow.counts, title)
    with pytest.raises(ValueError, match="no PRISMA format 'text'"):
        prisma_document(store, flow, "text")
