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
        year, month, day = m.groups()  # the year is always there; month and day may not be
        try:
            date(int(year), int(month) if month else 1, int(day) if day else 1)
            return value
        except ValueError:
            pass
    raise ValueError(f"'{text}' is not a search date: give YYYY-MM-DD, YYYY-MM or YYYY (e.g. 2022-05-16)")
