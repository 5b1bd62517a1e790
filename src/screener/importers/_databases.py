"""Database names as a review reports them, from what an export says about each record.

Ovid writes the database of every record of a multi-file search: as a ``DB`` field
("Embase <1974 to 2023 March 10>", "Ovid MEDLINE(R) ALL <1946 to ...>", "EBM Reviews -
Cochrane Central Register of Controlled Trials <February 2023>") or only as the code in
its links (``D=emed18``, ``D=med1``, ``D=cctr``). PRISMA counts records per database, so
the many Ovid editions and segments of one database come out under one name.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["database_name", "ovid_code_database", "ovid_link_database"]

# Ovid's database codes (the ``D=`` of its links) by prefix, longest first where they
# overlap. Segments and editions carry digits or letters after the prefix ("emed18",
# "med4", "psyh", "biop30", "zoor12").
_OVID_CODES = (
    ("prem", "MEDLINE"), ("mesz", "MEDLINE"), ("mesx", "MEDLINE"), ("med", "MEDLINE"),
    ("oemez", "Embase"), ("oemed", "Embase"), ("em", "Embase"),
    ("psy", "PsycINFO"),
    ("cctr", "CENTRAL"), ("coch", "Cochrane Database of Systematic Reviews"), ("dare", "DARE"),
    ("clhta", "HTA Database"), ("cleed", "NHS EED"), ("clcmr", "Cochrane Methodology Register"),
    ("bio", "BIOSIS Previews"), ("ghall", "Global Health"), ("cagh", "Global Health"),
    ("caba", "CAB Abstracts"),
    ("amed", "AMED"), ("hmic", "HMIC"), ("eric", "ERIC"), ("zoor", "Zoological Record"),
    ("ovft", "Journals@Ovid"),
    ("ipab", "International Pharmaceutical Abstracts"), ("ipa", "International Pharmaceutical Abstracts"),
    ("ipsa", "International Political Science Abstracts"), ("spp", "Social Policy and Practice"),
    ("econ", "EconLit"), ("books", "Books@Ovid"),
)  # fmt: skip
_OVID_LINK_CODE = re.compile(r"[?&;]D=([A-Za-z]+[A-Za-z0-9]*)")
_RANGE = re.compile(r"\s*<[^>]*>\s*")


@lru_cache(maxsize=512)
def ovid_code_database(code: str) -> str | None:
    """The database of an Ovid database code (``emed18`` -> Embase), or None when unknown."""
    code = code.strip().lower()
    for prefix, name in _OVID_CODES:
        if code.startswith(prefix):
            return name
    return None


def ovid_link_database(link: str) -> str | None:
    """The database named by the ``D=`` code of an Ovid link, or None."""
    if "D=" not in link:
        return None
    m = _OVID_LINK_CODE.search(link)
    return ovid_code_database(m.group(1)) if m else None


@lru_cache(maxsize=512)
def database_name(text: str | None) -> str | None:
    """A database's reporting name from how an export spells it.

    Ovid's date ranges and "Ovid"/"EBM Reviews" prefixes go; MEDLINE, Embase, PsycINFO,
    CENTRAL and BIOSIS Previews get one spelling whatever the edition or segment; other
    names are kept as written (whitespace collapsed).
    """
    if not text:
        return None
    name = " ".join(_RANGE.sub(" ", text).split())
    low = name.lower()
    if not low:
        return None
    if "embase" in low:
        return "Embase"
    if "medline" in low and "pubmed" not in low:
        return "MEDLINE"
    if "psycinfo" in low.replace(" ", ""):
        return "PsycINFO"
    if "central register of controlled trials" in low or low in ("central", "cochrane central"):
        return "CENTRAL"
    if "database of systematic reviews" in low:
        return "Cochrane Database of Systematic Reviews"
    if "biosis" in low:
        return "BIOSIS Previews"
    if "journals@ovid" in low:  # "Your Journals@Ovid", "Journals@Ovid Full Text"
        return "Journals@Ovid"
    for prefix in ("ovid ", "ebm reviews - ", "ebm reviews "):
        if low.startswith(prefix):
            name = name[len(prefix) :].strip()
            low = name.lower()
    return name or None
