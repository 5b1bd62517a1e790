"""The PRISMA2020 template CSV (R package / Shiny app input), embedded verbatim.

Source: https://github.com/prisma-flowdiagram/PRISMA2020, ``inst/extdata/PRISMA.csv``
at commit 620aaf9b2029b09dc7ec9799c8d18eb208696d1b (package 1.1.4), MIT licence,
Copyright Neal R Haddaway. The file uses CRLF line endings and has no trailing newline;
it is stored here with ``\\n`` and converted back so that :data:`TEMPLATE_CSV` is
byte-identical to the original (sha256 in :data:`TEMPLATE_SHA256`, checked by tests).

Embedding (rather than reading a data file) keeps the package data-file free and the
text importable from anywhere; nothing here reads the file system.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING

from screener.core.output import csv_writer

if TYPE_CHECKING:
    from screener.core.prisma.counts import PrismaCounts

TEMPLATE_SHA256 = "1aa04581d117bc134ed1a59dbbc4d094ff97fb6bfe7c86bef282a4dad365f038"

# Kept verbatim apart from the line endings; do not reformat.
_TEMPLATE_LF = """\
data,node,box,description,boxtext,tooltips,url,n
NA,node4,prevstud,Grey title box; Previous studies,Previous studies,Grey title box; Previous studies,prevstud.html,0
previous_studies,node5,box1,Studies included in previous version of review,Studies included in previous version of review,Studies included in previous version of review,previous_studies.html,0
previous_reports,NA,box1,Reports of studies included in previous version of review,Reports of studies included in previous version of review,NA,previous_reports.html,0
NA,node6,newstud,Yellow title box; Identification of new studies via databases and registers,Identification of new studies via databases and registers,Yellow title box; Identification of new studies via databases and registers,newstud.html,0
database_results,node7,box2,Records identified from: Databases,Databases,Records identified from: Databases and Registers,database_results.html,0
database_specific_results,NA,box2,Records identified from: specific databases,Specific Databases,NA,database_results.html,"Database 1, xxx; Database 2, xxx; Database 3, xxx"
register_results,NA,box2,Records identified from: Registers,Registers,NA,NA,0
register_specific_results,NA,box2,Records identified from: specific registers,Specific Registers,NA,database_results.html,"Register 1, xxx; Register 2, xxx; Register 3, xxx"
NA,node16,othstud,Grey title box; Identification of new studies via other methods,Identification of new studies via other methods,Grey title box; Identification of new studies via other methods,othstud.html,0
website_results,node17,box11,Records identified from: Websites,Websites,"Records identified from: Websites, Organisations and Citation Searching",website_results.html,0
organisation_results,,box11,Records identified from: Organisations,Organisations,NA,NA,0
citations_results,NA,box11,Records identified from: Citation searching,Citation searching,NA,NA,0
duplicates,node8,box3,Duplicate records,Duplicate records,Duplicate records,duplicates.html,0
excluded_automatic,NA,box3,Records marked as ineligible by automation tools,Records marked as ineligible by automation tools,NA,NA,0
excluded_other,NA,box3,Records removed for other reasons,Records removed for other reasons,NA,NA,0
records_screened,node9,box4,Records screened (databases and registers),Records screened,Records screened (databases and registers),records_screened.html,0
records_excluded,node10,box5,Records excluded (databases and registers),Records excluded,Records excluded (databases and registers),records_excluded.html,0
dbr_sought_reports,node11,box6,Reports sought for retrieval (databases and registers),Reports sought for retrieval,Reports sought for retrieval (databases and registers),dbr_sought_reports.html,0
dbr_notretrieved_reports,node12,box7,Reports not retrieved (databases and registers),Reports not retrieved,Reports not retrieved (databases and registers),dbr_notretrieved_reports.html,0
other_sought_reports,node18,box12,Reports sought for retrieval (other),Reports sought for retrieval,Reports sought for retrieval (other),other_sought_reports.html,0
other_notretrieved_reports,node19,box13,Reports not retrieved (other),Reports not retrieved,Reports not retrieved (other),other_notretrieved_reports.html,0
dbr_assessed,node13,box8,Reports assessed for eligibility (databases and registers),Reports assessed for eligibility,Reports assessed for eligibility (databases and registers),dbr_assessed.html,0
dbr_excluded,node14,box9,"Reports excluded (databases and registers): [separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",Reports excluded,Reports excluded (databases and registers),dbrexcludedrecords.html,"Reason1, xxx; Reason2, xxx; Reason3, xxx"
other_assessed,node20,box14,Reports assessed for eligibility (other),Reports assessed for eligibility,Reports assessed for eligibility (other),other_assessed.html,0
other_excluded,node21,box15,"Reports excluded (other): [separate reasons and numbers using ; e.g. Reason1, xxx; Reason2, xxx; Reason3, xxx]",Reports excluded,Reports excluded (other),other_excluded.html,"Reason1, xxx; Reason2, xxx; Reason3, xxx"
new_studies,node15,box10,New studies included in review,New studies included in review,New studies included in review,new_studies.html,0
new_reports,NA,box10,Reports of new included studies,Reports of new included studies,NA,NA,0
total_studies,node22,box16,Total studies included in review,Total studies included in review,Total studies included in review,total_studies.html,0
total_reports,NA,box16,Reports of total included studies,Reports of total included studies,NA,NA,0
identification,node1,identification,Blue identification box,Identification,Blue identification box,identification.html,0
screening,node2,screening,Blue screening box,Screening,Blue screening box,screening.html,0
included,node3,included,Blue included box,Included,Blue included box,included.html,0
total_studies_ma,node23,box17,Total studies included in meta-analysis,Total studies included in meta-analysis,Total studies included in meta-analysis,total_studies_meta_analysis.html,0
total_reports_ma,NA,box17,Reports of total included studies in meta-analysis,Reports of total included studies in meta-analysis,NA,NA,0"""

TEMPLATE_CSV: str = _TEMPLATE_LF.replace("\n", "\r\n")
"""The template exactly as published (CRLF, no trailing newline)."""

#: The header row of the template.
TEMPLATE_COLUMNS: tuple[str, ...] = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")


@cache
def template_rows() -> tuple[tuple[str, ...], ...]:
    """Return the template's data rows (header excluded) as tuples of cells."""
    rows = list(csv.reader(io.StringIO(TEMPLATE_CSV, newline="")))
    if tuple(rows[0]) != TEMPLATE_COLUMNS:  # pragma: no cover - guards against editing mistakes
        raise RuntimeError("embedded PRISMA template has an unexpected header")
    return tuple(tuple(row) for row in rows[1:])


@cache
def boxtext(key: str) -> str:
    """Return the template's printed ``boxtext`` for a ``data`` key or, for title boxes, a ``box`` id.

    Title boxes (``newstud``, ``othstud``, ``prevstud``) have ``data = NA``, so they are
    looked up by their ``box`` column instead.
    """
    for row in template_rows():
        data, _node, box = row[0], row[1], row[2]
        if data == key or (data == "NA" and box == key):
            return row[4]
    raise KeyError(key)


# --------------------------------------------------------------------------- template CSV

_LABEL_JUNK = re.compile(r"[,;\s]+")


def clean_label(label: str) -> str:
    """Make a label safe for the template's ``label, n; label, n`` list syntax.

    The R package splits items at ``;`` and a label from its count at the first ``,``,
    so every comma and semicolon (and any run of whitespace, including newlines) becomes
    a single space and the ends are trimmed: ``"Wrong population, adults"`` becomes
    ``"Wrong population adults"``. An empty result becomes ``"Unspecified"``.
    """
    cleaned = _LABEL_JUNK.sub(" ", label).strip()
    return cleaned or "Unspecified"


def format_list(items: Mapping[str, int]) -> str:
    """Format ``{label: n}`` as the template's list cell ``"label, n; label, n"``.

    Labels go through :func:`clean_label`; counts are plain digits (the R package adds
    thousands separators itself and would misread ours as a label separator).
    """
    return "; ".join(f"{clean_label(label)}, {n}" for label, n in items.items())


def _na(value: int | None) -> str:
    return "NA" if value is None else str(value)


def _template_values(c: PrismaCounts) -> dict[str, str]:
    """Map template ``data`` keys to our ``n`` cells (keys absent here keep the template's)."""
    no_sources = not c.databases and not c.registers
    other = c.has_other_methods

    def reasons(total: int, items: Mapping[str, int]) -> str:
        # A bare number is the template's "total without reasons" form.
        return format_list(items) if items else str(total)

    def arm(value: int) -> str:
        return str(value) if other else "NA"

    return {
        # New reviews: the previous-version and total boxes do not apply.
        "previous_studies": "NA",
        "previous_reports": "NA",
        # Keep a "Databases (n = 0)" line in an empty project so the box does not vanish.
        "database_results": str(c.identified_databases) if c.databases or no_sources else "NA",
        "database_specific_results": format_list(c.databases) if c.databases else "NA",
        "register_results": str(c.identified_registers) if c.registers else "NA",
        "register_specific_results": format_list(c.registers) if c.registers else "NA",
        "website_results": _na(c.websites),
        "organisation_results": _na(c.organisations),
        "citations_results": _na(c.citation_searching),
        "duplicates": str(c.duplicates),
        "excluded_automatic": str(c.removed_automation),
        "excluded_other": str(c.removed_other),
        "records_screened": str(c.records_screened),
        "records_excluded": str(c.records_excluded),
        "dbr_sought_reports": str(c.reports_sought),
        "dbr_notretrieved_reports": str(c.reports_not_retrieved),
        "other_sought_reports": arm(c.other_reports_sought),
        "other_notretrieved_reports": arm(c.other_reports_not_retrieved),
        "dbr_assessed": str(c.reports_assessed),
        "dbr_excluded": reasons(c.reports_excluded, c.reports_excluded_reasons),
        "other_assessed": arm(c.other_reports_assessed),
        "other_excluded": (
            reasons(c.other_reports_excluded, c.other_reports_excluded_reasons) if other else "NA"
        ),
        "new_studies": str(c.new_studies),
        "new_reports": str(c.new_reports),
        "total_studies": "NA",
        "total_reports": "NA",
        "total_studies_ma": "NA",
        "total_reports_ma": "NA",
    }


def to_template_csv(counts: PrismaCounts) -> str:
    """Return the PRISMA2020 template CSV with our numbers in the ``n`` column.

    Rows, columns, keys and every non-``n`` cell are the template's, verbatim; so are the
    CRLF line endings and the missing final newline. ``n`` holds plain integers, ``NA``
    where a box does not apply (previous-version and total boxes, registers or the
    other-methods arm when unused), and for the four list rows ``label, n; label, n``
    with commas and semicolons in labels replaced by spaces (see :func:`clean_label`).
    Rows without a count (title boxes with ``data = NA`` and the three phase bars) keep
    the template's ``n`` cell. The result loads in the Shiny app and in
    ``PRISMA2020::PRISMA_data(read.csv(...))``.
    """
    values = _template_values(counts)
    buf = io.StringIO(newline="")
    # csv's minimal quoting and CRLF reproduce the template's own quoting byte for byte.
    writer = csv_writer(buf, lineterminator="\r\n")
    writer.writerow(TEMPLATE_COLUMNS)
    for row in template_rows():
        key = row[0]
        n = values.get(key, row[7]) if key != "NA" else row[7]
        writer.writerow((*row[:7], n))
    return buf.getvalue().removesuffix("\r\n")
