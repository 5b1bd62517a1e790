"""Open a full text (a PDF path or URL) with the desktop's opener, saying which part failed if one does."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path


def opener_problem(location: str) -> str | None:
    """Open ``location`` with the platform's opener; None when it started, else what went wrong (one line)."""
    opener = {"darwin": ["open"], "win32": ["cmd", "/c", "start", ""]}.get(sys.platform, ["xdg-open"])
    is_url = re.match(r"[a-zA-Z][a-zA-Z0-9+.-]+://", location) is not None
    if not is_url and not Path(location).expanduser().exists():
        return f"{location} does not exist: press r to record where the PDF is"
    if shutil.which(opener[0]) is None:
        return (
            f"No program to open PDFs: {opener[0]} is not installed (Debian/Ubuntu: apt install xdg-utils); "
            f"open {location} yourself"
        )
    target = location if is_url else str(Path(location).expanduser())
    try:
        proc = subprocess.Popen([*opener, target], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError as exc:
        return f"Could not run {opener[0]} to open {location}: {exc.strerror}"
    try:
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # still starting a viewer: it is open
        return None
    if code != 0:
        return f"{opener[0]} could not open {location} (exit {code}): is a PDF viewer installed?"
    return None
