"""Search dates as the methods paragraph and PRISMA-S report them: ISO dates only."""

from __future__ import annotations

import re
from datetime import date

_SHAPE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def search_date(text: str) -> str:
    """Check a search date: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``, a real date; returned stripped.

    Raises:
        ValueError: with a one-line message naming the value.
    """
    value = text.strip()
    m = _SHAPE.fullmatch(value)
    if m:
        year, month, day = (int(g) if g else None for g in m.groups())
        try:
            date(year, 1 if month is None else month, 1 if day is None else day)  # type: ignore[arg-type]
            return value
        except ValueError:
            pass
    raise ValueError(f"'{text}' is not a search date: give YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2022-05-16)")
