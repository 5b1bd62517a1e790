"""Tests for the PRISMA 2020 core: counts, checks, template CSV, SVG, text, JSON, methods.

Golden files live in tests/unit/golden/; regenerate them with ``UPDATE_GOLDEN=1 pytest``
after an intended change, and review the diff (and the rendered PNG) before committing.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.prisma import (
    TEMPLATE_COLUMNS,
    TEMPLATE_CSV,
    DatabaseSearch,
    DedupFacts,
    MethodsFacts,
    PrismaCounts,
    StageFacts,
    check,
    clean_label,
    errors,
    format_list,
    from_json,
    methods_paragraph,
    to_json,
    to_markdown,
    to_pdf,
    to_png,
    to_svg,
    to_template_csv,
    to_text_diagram,
)
from screener.core.prisma import svg as prisma_svg
from screener.core.prisma.metrics import text_width, wrap
from screener.core.prisma.template import TEMPLATE_SHA256

GOLDEN = Path(__file__).parent / "golden"
SHARED = Path(__file__).resolve().parents[2].parent / "shared"
TEMPLATE_FILE = SHARED / "prisma" / "PRISMA.csv"

SVG_NS = "{http://www.w3.org/2000/svg}"

# The seed review (LDN in fibromyalgia): 376 records from three databases, 57 full texts,
# 21 included. The per-database split and the reasons are illustrative inputs only.
SEED_REASONS = {
    "Review with limited content on LDN or FM": 14,
    "Conference paper or abstract": 8,
    "FM but limited content on LDN": 6,
    "Commentary or expert opinion": 5,
    "Naltrexone 50 mg not LDN": 3,
}


def seed_counts() -> PrismaCounts:
    return PrismaCounts(
        databases={"PubMed": 150, "CINAHL": 60, "Embase": 166},
        duplicates=97,
        records_screened=279,
        records_excluded_human=222,
        reports_sought=57,
        reports_not_retrieved=0,
        reports_assessed=57,
        reports_excluded=36,
        reports_excluded_reasons=SEED_REASONS,
        new_studies=21,
        new_reports=21,
    )


def two_arm_counts() -> PrismaCounts:
    """A consistent review using registers, automation and all three other methods."""
    return PrismaCounts(
        databases={
            "MEDLINE (Ovid)": 1520,
            "Embase (Elsevier)": 2301,
            "CENTRAL": 410,
            "CINAHL, EBSCOhost": 233,
        },
        registers={"ClinicalTrials.gov": 88, "WHO ICTRP": 41},
        duplicates=1200,
        removed_automation=35,
        removed_other=12,
        records_screened=3346,
        records_excluded_human=3006,
        records_excluded_automation=100,
        reports_sought=240,
        reports_not_retrieved=6,
        reports_assessed=234,
        reports_excluded=190,
        reports_excluded_reasons={
            "Wrong population, adults only; not children": 80,
            "Wrong intervention": 50,
            "Wrong comparator": 30,
            "Wrong outcome": 20,
            "Wrong study design": 10,
        },
        websites=30,
        organisations=None,
        citation_searching=55,
        other_reports_sought=20,
        other_reports_not_retrieved=2,
        other_reports_assessed=18,
        other_reports_excluded=10,
        other_reports_excluded_reasons={
            "Wrong study design": 7,
            "Duplicate publication of an included trial": 3,
        },
        new_studies=45,
        new_reports=52,
    )


def seed_facts() -> MethodsFacts:
    period = "May–July 2022"
    return MethodsFacts(
        databases=tuple(DatabaseSearch(name, searched_on=period) for name in ("PubMed", "CINAHL", "Embase")),
        title_abstract=StageFacts(
            reviewers_per_record=2,
            independent=True,
            blinded=True,
            reviewers=("NA", "ZL"),
            kappa=0.78,
            kappa_ci=(0.70, 0.86),
            observed_agreement=0.94,
        ),
        full_text=StageFacts(
            reviewers_per_record=2,
            independent=True,
            blinded=True,
            reviewers=("NA", "ZL"),
            kappa=0.71,
            kappa_ci=(0.52, 0.90),
            observed_agreement=0.877,
        ),
        conflict_resolution="consensus",
        dedup=DedupFacts(
            tool="screener",
            version="0.1.0",
            method="exact DOI and PMID matches, then fuzzy comparison of title, authors and year",
            auto_merge_threshold=0.95,
            auto_merged=88,
            human_reviewed=14,
            human_merged=9,
            human_distinct=5,
            merges_undone=2,
        ),
        automation=None,
        software="screener 0.1.0",
    )


def assert_golden(name: str, text: str) -> None:
    """Compare ``text`` with golden file ``name`` exactly; rewrite it under UPDATE_GOLDEN=1."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return
    if not path.exists():
        pytest.fail(f"golden file {path} missing; run with UPDATE_GOLDEN=1 to create it")
    # Bytes, not read_text(): universal newlines would hide CRLF differences.
    expected = path.read_bytes().decode("utf-8")
    assert text == expected, f"{name} differs from golden (UPDATE_GOLDEN=1 to accept)"


def shared_template_text() -> str:
    if not TEMPLATE_FILE.exists():
        pytest.skip(f"PRISMA template not found at {TEMPLATE_FILE} (shared reference data absent)")
    return TEMPLATE_FILE.read_bytes().decode("utf-8")


# --------------------------------------------------------------------------- model


def test_derived_totals() -> None:
    c = seed_counts()
    assert c.identified == c.identified_databases == 376
    assert c.identified_registers == 0
    assert c.removed_before_screening == 97
    assert c.records_excluded == 222
    assert not c.has_other_methods
    two = two_arm_counts()
    assert two.has_other_methods and two.identified_other == 85
    assert two.records_excluded == 3106


def test_mappings_keep_order_are_read_only_and_hashable() -> None:
    c = PrismaCounts(databases=[("Embase", 2), ("PubMed", 1)])
    assert list(c.databases) == ["Embase", "PubMed"]
    with pytest.raises(TypeError):
        c.databases["CINAHL"] = 3  # type: ignore[index]
    assert hash(c) == hash(PrismaCounts(databases={"Embase": 2, "PubMed": 1}))
    assert c == PrismaCounts(databases={"Embase": 2, "PubMed": 1})


@pytest.mark.parametrize(
    "kwargs",
    [
        {"duplicates": -1},
        {"records_screened": True},
        {"new_studies": 1.0},
        {"websites": -3},
        {"databases": {"PubMed": -1}},
        {"databases": {"": 1}},
        {"reports_excluded_reasons": [("Same", 1), ("Same", 2)]},
    ],
)
def test_invalid_values_are_rejected(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        PrismaCounts(**kwargs)


# --------------------------------------------------------------------------- checks


def test_consistent_counts_give_no_messages() -> None:
    assert check(seed_counts()) == []
    assert check(two_arm_counts()) == []
    assert check(PrismaCounts()) == []


def _reasons_off_by_one() -> dict[str, int]:
    reasons = dict(SEED_REASONS)
    reasons["Conference paper or abstract"] += 1
    return reasons


@pytest.mark.parametrize(
    ("changes", "code", "numbers"),
    [
        ({"duplicates": 96}, "identification", ["279", "376", "96", "280"]),
        ({"removed_other": 1}, "identification", ["279", "278"]),
        ({"records_excluded_human": 221}, "screening", ["221", "57", "278", "279"]),
        ({"reports_not_retrieved": 1}, "retrieval", ["57", "1", "56"]),
        ({"reports_excluded_reasons": _reasons_off_by_one()}, "reasons", ["36", "37"]),
        ({"reports_excluded_reasons": {}}, "reasons", ["36", "0"]),
        ({"new_reports": 22}, "included", ["22", "57", "36", "21"]),
        ({"new_studies": 22}, "studies", ["22", "21"]),
        ({"new_studies": 0}, "studies", ["21"]),
        ({"other_reports_sought": 3}, "other-arm", ["3"]),
    ],
)
def test_each_violated_invariant_gives_its_error(changes: dict, code: str, numbers: list[str]) -> None:
    messages = check(dataclasses.replace(seed_counts(), **changes))
    assert [m.code for m in messages] == [code]
    (message,) = messages
    assert message.is_error and message.startswith("error: ")
    for n in numbers:
        assert re.search(rf"\b{n}\b", message), (n, message)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"other_reports_not_retrieved": 3}, "other-retrieval"),
        ({"other_reports_excluded_reasons": {"Wrong study design": 9}}, "other-reasons"),
        ({"other_reports_excluded": 11, "other_reports_excluded_reasons": {"x": 11}}, "included"),
    ],
)
def test_other_arm_invariants(changes: dict, code: str) -> None:
    assert [m.code for m in check(dataclasses.replace(two_arm_counts(), **changes))] == [code]


def test_undecided_records_are_a_notice_not_an_error() -> None:
    c = dataclasses.replace(seed_counts(), records_excluded_human=212, undecided_records=10)
    messages = check(c)
    assert [(m.severity, m.code) for m in messages] == [("notice", "undecided-records")]
    assert "10" in messages[0] and messages[0].startswith("notice: ")
    assert errors(c) == []


def test_undecided_records_still_have_to_add_up() -> None:
    c = dataclasses.replace(seed_counts(), undecided_records=10)
    assert [m.code for m in check(c)] == ["undecided-records", "screening"]
    assert "undecided records (10)" in errors(c)[0]


def test_undecided_reports_are_a_notice_not_an_error() -> None:
    c = dataclasses.replace(seed_counts(), new_studies=19, new_reports=19, undecided_reports=2)
    assert [(m.severity, m.code) for m in check(c)] == [("notice", "undecided-reports")]


def test_messages_are_single_lines() -> None:
    broken = dataclasses.replace(
        two_arm_counts(),
        duplicates=0,
        records_excluded_human=0,
        reports_not_retrieved=0,
        reports_excluded_reasons={},
        other_reports_assessed=0,
        new_studies=99,
        undecided_records=1,
        undecided_reports=1,
    )
    messages = check(broken)
    assert len(messages) >= 6
    assert all("\n" not in m for m in messages)


# --------------------------------------------------------------------------- template CSV


def test_embedded_template_is_the_published_file() -> None:
    assert hashlib.sha256(TEMPLATE_CSV.encode("utf-8")).hexdigest() == TEMPLATE_SHA256
    assert shared_template_text() == TEMPLATE_CSV


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    "counts", [seed_counts(), two_arm_counts(), PrismaCounts()], ids=["seed", "two-arm", "empty"]
)
def test_csv_round_trip_matches_template_structure(counts: PrismaCounts) -> None:
    template = shared_template_text()
    out = to_template_csv(counts)
    assert not out.endswith(("\n", "\r")) and "\r\n" in out
    reader = csv.reader(io.StringIO(out, newline=""))
    header = next(reader)
    assert tuple(header) == TEMPLATE_COLUMNS == tuple(next(csv.reader(io.StringIO(template, newline=""))))
    ours, theirs = _rows(out), _rows(template)
    assert [r["data"] for r in ours] == [r["data"] for r in theirs]
    for mine, orig in zip(ours, theirs, strict=True):
        assert {k: v for k, v in mine.items() if k != "n"} == {k: v for k, v in orig.items() if k != "n"}
    # Byte level: everything before the last (n) cell, quoting included, is the template's.
    for mine_line, orig_line in zip(out.split("\r\n"), template.split("\r\n"), strict=True):
        assert _before_last_cell(mine_line) == _before_last_cell(orig_line)


def _before_last_cell(line: str) -> str:
    # A quoted last cell starts at the last ',"' (its content has no quotes); else at the last comma.
    return line[: line.rfind(',"') if line.endswith('"') else line.rfind(",")]


def test_csv_values_for_the_seed() -> None:
    n = {r["data"]: r["n"] for r in _rows(to_template_csv(seed_counts()))}
    assert n["database_results"] == "376"
    assert n["database_specific_results"] == "PubMed, 150; CINAHL, 60; Embase, 166"
    assert n["register_results"] == n["register_specific_results"] == "NA"
    assert n["duplicates"] == "97" and n["excluded_automatic"] == "0" and n["excluded_other"] == "0"
    assert n["records_screened"] == "279" and n["records_excluded"] == "222"
    assert (n["dbr_sought_reports"], n["dbr_notretrieved_reports"], n["dbr_assessed"]) == ("57", "0", "57")
    assert n["dbr_excluded"] == (
        "Review with limited content on LDN or FM, 14; Conference paper or abstract, 8; "
        "FM but limited content on LDN, 6; Commentary or expert opinion, 5; Naltrexone 50 mg not LDN, 3"
    )
    assert n["new_studies"] == "21" and n["new_reports"] == "21"
    not_applicable = [
        "previous_studies",
        "previous_reports",
        "website_results",
        "organisation_results",
        "citations_results",
        "other_sought_reports",
        "other_notretrieved_reports",
        "other_assessed",
        "other_excluded",
        "total_studies",
        "total_reports",
        "total_studies_ma",
        "total_reports_ma",
    ]
    assert {k: n[k] for k in not_applicable} == dict.fromkeys(not_applicable, "NA")
    assert_golden("prisma_seed.csv", to_template_csv(seed_counts()))


def test_csv_values_for_two_arms() -> None:
    n = {r["data"]: r["n"] for r in _rows(to_template_csv(two_arm_counts()))}
    assert n["register_results"] == "129"
    assert n["register_specific_results"] == "ClinicalTrials.gov, 88; WHO ICTRP, 41"
    assert n["database_specific_results"].endswith("CINAHL EBSCOhost, 233")
    assert (n["website_results"], n["organisation_results"], n["citations_results"]) == ("30", "NA", "55")
    assert n["records_excluded"] == "3106"
    assert n["other_excluded"] == "Wrong study design, 7; Duplicate publication of an included trial, 3"


def test_csv_excluded_without_reasons_is_a_bare_total() -> None:
    c = dataclasses.replace(seed_counts(), reports_excluded_reasons={})
    n = {r["data"]: r["n"] for r in _rows(to_template_csv(c))}
    assert n["dbr_excluded"] == "36"


def _parse_like_r(cell: str) -> list[tuple[str, int]]:
    """Split a list cell the way PRISMA2020's PRISMA_parse_reasons_ does."""
    items = []
    for item in re.split(r"; ?", cell):
        label, _, count = item.partition(",")
        items.append((label, int(re.sub(r"\D", "", count))))
    return items


def test_list_formatting_removes_commas_and_semicolons() -> None:
    reasons = {
        "Wrong population, adults": 3,
        "Wrong design; not an RCT": 2,
        "  spaced\n label , ": 1,
        ",;": 4,
    }
    cell = format_list(reasons)
    assert cell == "Wrong population adults, 3; Wrong design not an RCT, 2; spaced label, 1; Unspecified, 4"
    assert _parse_like_r(cell) == [
        ("Wrong population adults", 3),
        ("Wrong design not an RCT", 2),
        ("spaced label", 1),
        ("Unspecified", 4),
    ]
    assert clean_label("A,B") == "A B"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=30), st.integers(0, 10**6)), min_size=1, max_size=6))
def test_list_cells_parse_back(items: list[tuple[str, int]]) -> None:
    unique = dict(items)
    parsed = _parse_like_r(format_list(unique))
    assert parsed == [(clean_label(k), v) for k, v in unique.items()]


# --------------------------------------------------------------------------- JSON / Markdown


def test_json_round_trip() -> None:
    for c in (seed_counts(), two_arm_counts()):
        text = to_json(c)
        data = json.loads(text)
        assert data["derived"]["identified"] == c.identified
        first = next(iter(c.databases.items()))
        assert data["databases"][0] == {"label": first[0], "n": first[1]}
        assert from_json(text) == c
    with pytest.raises(ValueError):
        from_json('{"format": "something else"}')


def test_json_carries_check_results() -> None:
    data = json.loads(to_json(dataclasses.replace(seed_counts(), new_reports=22)))
    assert [m["code"] for m in data["checks"]] == ["included"]


def test_markdown_summary() -> None:
    md = to_markdown(seed_counts())
    for line in (
        "- Records screened: 279",
        "  - PubMed: 150",
        "- Reports excluded: 36",
        "  - Naltrexone 50 mg not LDN: 3",
        "- New studies included in review: 21",
        "- All boxes are consistent.",
    ):
        assert line in md.splitlines()
    assert "other methods" not in md
    md2 = to_markdown(dataclasses.replace(two_arm_counts(), new_reports=50))
    assert "Identification of new studies via other methods" in md2
    assert "- Records identified from websites: 30" in md2
    assert "organisations" not in md2.lower()
    assert any(line.startswith("- error: Reports of new included studies (50)") for line in md2.splitlines())


# --------------------------------------------------------------------------- text diagram


@pytest.mark.parametrize("width", [100, 80, 60, 40])
def test_text_diagram_fits_width(width: int) -> None:
    for c in (seed_counts(), two_arm_counts()):
        lines = to_text_diagram(c, width)
        assert max(len(line) for line in lines) <= width
        assert all(line == line.rstrip() for line in lines)


def test_text_diagram_content() -> None:
    text = "\n".join(to_text_diagram(seed_counts()))
    for needle in (
        "Identification of new studies via databases and registers",
        "PubMed (n = 150)",
        "Records screened (n = 279)",
        "├─────►│ Records excluded (n = 222)",
        "Naltrexone 50 mg not LDN (n = 3)",
        "New studies included in review (n = 21)",
        "── Screening ",
        "▼",
    ):
        assert needle in text
    assert "other methods" not in text
    two = "\n".join(to_text_diagram(two_arm_counts()))
    assert "Identification of new studies via other methods" in two and "Citation searching (n = 55)" in two
    with pytest.raises(ValueError):
        to_text_diagram(seed_counts(), 39)


def test_text_diagram_mentions_unfinished_screening() -> None:
    c = dataclasses.replace(seed_counts(), records_excluded_human=221, undecided_records=1)
    assert to_text_diagram(c)[-1] == "Screening unfinished: 1 record has no final decision yet."


# --------------------------------------------------------------------------- wrapping


def test_wrap_respects_width_and_keeps_counts_together() -> None:
    text = "Records marked as ineligible by automation tools (n\u00a0=\u00a01,234)"
    for width in (60, 90, 150, 400):
        lines = wrap(text, width, 10)
        assert all(text_width(line, 10) <= width for line in lines)
        assert " ".join(lines) == text.replace("\u00a0", " ")
        assert any("(n = 1,234)" in line for line in lines)
    pieces = wrap("Supercalifragilisticexpialidocious", 40, 10)
    assert len(pieces) > 1 and "".join(pieces) == "Supercalifragilisticexpialidocious"
    assert all(text_width(piece, 10) <= 40 for piece in pieces)
    assert wrap("", 40, 10) == [""]


# --------------------------------------------------------------------------- SVG


def _float(el: ET.Element, name: str) -> float:
    return float(el.attrib[name])


def _text_extent(el: ET.Element) -> tuple[float, float]:
    """Horizontal extent of a <text> line, measured with the same table used for wrapping."""
    size = _float(el, "font-size")
    width = text_width(el.text or "", size, el.attrib.get("font-weight") == "bold")
    x = _float(el, "x")
    if el.attrib.get("text-anchor") == "middle":
        return x - width / 2, x + width / 2
    return x, x + width


def assert_svg_text_fits(svg: str) -> ET.Element:
    """Check well-formedness and that every text line lies inside its box (or the page)."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    page_w = float(root.attrib["viewBox"].split()[2])
    checked = 0
    for g in root.iter(f"{SVG_NS}g"):
        kind = g.attrib.get("class")
        if kind not in ("box", "header", "phase"):
            continue
        rect = g.find(f"{SVG_NS}rect")
        assert rect is not None
        rx, ry, rw, rh = (_float(rect, k) for k in ("x", "y", "width", "height"))
        texts = g.findall(f"{SVG_NS}text")
        assert texts, g.attrib
        for t in texts:
            checked += 1
            if kind == "phase":
                # Rotated by -90 degrees: the text runs along the bar's height.
                size = _float(t, "font-size")
                assert text_width(t.text or "", size, bold=True) <= rh - 2 * prisma_svg.PAD_X
                continue
            left, right = _text_extent(t)
            assert left >= rx + prisma_svg.PAD_X - 1e-6, (t.text, left, rx)
            assert right <= rx + rw - prisma_svg.PAD_X + 1e-6, (t.text, right, rx + rw)
            assert ry < _float(t, "y") < ry + rh, t.text
    for t in root.findall(f"{SVG_NS}text"):  # title and notes, outside boxes
        left, right = _text_extent(t)
        assert left >= 0 and right <= page_w - prisma_svg.MARGIN + 1e-6
    assert checked >= 10
    return root


def _boxes(root: ET.Element) -> dict[str, tuple[float, float, float, float]]:
    out = {}
    for g in root.iter(f"{SVG_NS}g"):
        if g.attrib.get("class") == "box":
            rect = g.find(f"{SVG_NS}rect")
            assert rect is not None
            out[g.attrib["id"]] = tuple(_float(rect, k) for k in ("x", "y", "width", "height"))
    return out


def assert_arrows_touch_boxes(root: ET.Element) -> None:
    """Each arrow tip lies on a box edge and each arrow starts on another box's edge."""
    boxes = _boxes(root)

    def on_edge(x: float, y: float) -> str | None:
        for box_id, (bx, by, bw, bh) in boxes.items():
            inside_x, inside_y = bx - 0.01 <= x <= bx + bw + 0.01, by - 0.01 <= y <= by + bh + 0.01
            on_vertical = min(abs(x - bx), abs(x - bx - bw)) < 0.01 and inside_y
            on_horizontal = min(abs(y - by), abs(y - by - bh)) < 0.01 and inside_x
            if on_vertical or on_horizontal:
                return box_id
        return None

    arrows = root.find(f"{SVG_NS}g[@class='arrows']")
    assert arrows is not None
    lines = arrows.findall(f"{SVG_NS}polyline")
    heads = arrows.findall(f"{SVG_NS}polygon")
    assert len(lines) == len(heads) > 0
    for line, head in zip(lines, heads, strict=True):
        start = tuple(map(float, line.attrib["points"].split()[0].split(",")))
        tip = tuple(map(float, head.attrib["points"].split()[0].split(",")))
        src, dst = on_edge(*start), on_edge(*tip)
        assert src and dst and src != dst, (start, tip, src, dst)


def test_svg_seed_golden_and_layout() -> None:
    svg = to_svg(seed_counts(), title="Low-dose naltrexone for fibromyalgia: PRISMA 2020 flow diagram")
    root = assert_svg_text_fits(svg)
    assert_arrows_touch_boxes(root)
    ids = set(_boxes(root))
    assert ids == {f"box{i}" for i in range(2, 11)}
    assert 'id="othstud"' not in svg and 'id="newstud"' in svg
    assert root.attrib["width"] == "595pt"
    for needle in (
        "Identification",
        "Screening",
        "Included",
        "PubMed (n = 150)",
        "Records screened (n = 279)",
        "Reports excluded (n = 36):",
        "New studies included in review (n = 21)",
    ):
        assert f">{needle}<" in svg
    assert_golden("prisma_seed.svg", svg)


def test_svg_two_arms_golden_and_layout() -> None:
    svg = to_svg(two_arm_counts())
    root = assert_svg_text_fits(svg)
    assert_arrows_touch_boxes(root)
    assert set(_boxes(root)) == {f"box{i}" for i in range(2, 16)}
    assert 'id="othstud"' in svg and root.attrib["width"] == "842pt"
    assert ">Organisations" not in svg  # not used, so not printed
    assert_golden("prisma_two_arms.svg", svg)


def test_svg_text_fits_with_awkward_labels() -> None:
    long_word = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2
    c = dataclasses.replace(
        two_arm_counts(),
        databases={long_word: 10**9, "Ünïcödé — “quoted” <db> & co": 5, "中文数据库": 7},
        reports_excluded_reasons={f"Reason {i} " + "with many words " * i: 10**6 for i in range(12)},
        undecided_records=3,
        undecided_reports=1,
    )
    svg = to_svg(c, title="A very long title " * 12 + "<&>")
    assert_svg_text_fits(svg)
    assert "Screening unfinished: 3 records and 1 report have no final decision yet." in svg


@settings(max_examples=25, deadline=None)
@given(
    st.dictionaries(
        st.text(
            st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=80
        ).filter(lambda s: s.strip()),
        st.integers(0, 10**7),
        max_size=6,
    ),
    st.booleans(),
)
def test_svg_text_always_fits(reasons: dict[str, int], other: bool) -> None:
    base = two_arm_counts() if other else seed_counts()
    c = dataclasses.replace(base, reports_excluded_reasons=reasons, databases=reasons or {"PubMed": 1})
    root = assert_svg_text_fits(to_svg(c))
    assert_arrows_touch_boxes(root)


def test_png_and_pdf(tmp_path: Path) -> None:
    pytest.importorskip("cairosvg")
    svg = to_svg(seed_counts())
    png = to_png(svg, tmp_path / "prisma.png")
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    pdf = to_pdf(svg, tmp_path / "prisma.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    match = re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", data)
    assert match and float(match.group(1)) == pytest.approx(595, abs=0.5)


# --------------------------------------------------------------------------- methods paragraph


def test_methods_paragraph_golden() -> None:
    text = methods_paragraph(seed_facts())
    assert "\n" not in text
    assert_golden("methods_seed.txt", text + "\n")


def test_methods_paragraph_variants() -> None:
    facts = MethodsFacts(
        databases=(
            DatabaseSearch(
                "MEDLINE", platform="Ovid", searched_on=date(2024, 3, 1), coverage="1946 to February 2024"
            ),
            DatabaseSearch("Embase", platform="Elsevier", searched_on="2024-03-02"),
        ),
        registers=(DatabaseSearch("ClinicalTrials.gov", searched_on=date(2024, 3, 1)),),
        title_abstract=StageFacts(
            2, independent=True, blinded=True, reviewers=("AB", "CD", "EF"), kappa=-0.05, kappa_ci=(-0.2, 0.1)
        ),
        full_text=StageFacts(1, reviewers=("AB",)),
        conflict_resolution="consensus-then-arbiter",
        arbiter="KT",
        dedup=DedupFacts("screener", auto_merged=12, human_reviewed=5, human_merged=3),
        automation="an RCT classifier excluded records scoring below 0.1",
    )
    text = methods_paragraph(facts)
    assert "MEDLINE (Ovid; 1946 to February 2024; searched on 1 March 2024)" in text
    assert "Embase (Elsevier; searched on 2 March 2024)" in text
    assert "the trial register ClinicalTrials.gov (searched on 1 March 2024)" in text
    assert "Two of three reviewers (AB, CD, EF) independently screened each title and abstract, blinded" in (
        text
    )
    assert "One reviewer (AB) assessed each full-text report." in text
    assert "by a further reviewer (KT)" in text
    assert "κ = \u22120.05 (95% CI \u22120.20 to 0.10) at title and abstract screening." in text
    assert "Automatic merging removed 12 duplicate records and a reviewer checked 5 candidate pairs" in text
    assert text.endswith("An RCT classifier excluded records scoring below 0.1.")
    assert not re.search(r"\. \d", text)  # no sentence opens with a numeral

    single = methods_paragraph(MethodsFacts(title_abstract=StageFacts(1, reviewers=("AB",))))
    assert single == (
        "One reviewer (AB) screened each title and abstract. "
        "No automation tools were used to screen or exclude records."
    )


@pytest.mark.parametrize(
    "kwargs",
    [{"kappa": 1.5}, {"kappa_ci": (0.9, 0.1)}, {"observed_agreement": 1.2}, {"reviewers_per_record": 0}],
)
def test_stage_facts_validation(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        StageFacts(**kwargs)


# --------------------------------------------------------------------------- hygiene


def test_import_pulls_in_no_ui_database_or_renderer() -> None:
    code = (
        "import sys, screener.core.prisma.counts\n"
        "bad = [m for m in ('textual', 'sqlalchemy', 'sqlmodel', 'rich', 'screener.store', 'screener.tui', "
        "'cairosvg') if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_amendment_sentence() -> None:
    from datetime import date

    from screener.core.prisma.methods import ProtocolAmendment, amendment_sentence

    assert amendment_sentence(()) is None
    one = amendment_sentence((ProtocolAmendment(date(2026, 12, 4)),))
    assert one == (
        "The eligibility criteria or screening rules were amended once during the review (on 4 December "
        "2026); every change was logged with who made it and when."
    )
    three = amendment_sentence(
        (
            ProtocolAmendment(date(2026, 12, 4), (("A", "B"),)),
            ProtocolAmendment(date(2026, 12, 4)),
            ProtocolAmendment(date(2027, 1, 9), (("C", "B"),)),
        )
    )
    assert (
        three is not None
        and "amended three times during the review (on 4 December 2026 and on 9 January 2027)" in three
    )
    assert three.endswith(
        "withdrawn exclusion reasons were counted under the reason each was merged into "
        "(\u2018A\u2019 into \u2018B\u2019 and \u2018C\u2019 into \u2018B\u2019)."
    )
    assert three in methods_paragraph(
        MethodsFacts(
            amendments=(
                ProtocolAmendment(date(2026, 12, 4), (("A", "B"),)),
                ProtocolAmendment(date(2026, 12, 4)),
                ProtocolAmendment(date(2027, 1, 9), (("C", "B"),)),
            )
        )
    )
