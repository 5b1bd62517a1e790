"""Writers that turn records back into reference-manager files (RIS, BibTeX).

Reading a written file with :mod:`screener.importers` gives back every normalised
field of the records (not ``raw``, ``line`` or ``position``).
"""

from __future__ import annotations

from screener.exporters.bibtex import write_bibtex
from screener.exporters.ris import write_ris

__all__ = ["write_bibtex", "write_ris"]
