"""Text metrics for laying out the PRISMA diagram: per-character widths and word wrapping.

The widths are the advance widths of DejaVu Sans (regular and bold) in 1/1000 em, measured
once with cairo's toy text API (which is what cairosvg uses, without kerning), so the
sum over a string is the rendered width. DejaVu Sans is the first font the SVG asks for;
the fallbacks (Arial, Helvetica) are narrower, so text measured here fits there too.
Characters outside the table count as {_FALLBACK}/1000 em, wider than any glyph in it,
so unknown scripts err on the side of wrapping early.
"""

from __future__ import annotations

import re
from functools import cache

FONT_FAMILY = "'DejaVu Sans', Arial, Helvetica, sans-serif"
"""The ``font-family`` the SVG uses; the width table describes its first entry."""

# Code points covered, in table order: printable ASCII, Latin-1 Supplement and Latin
# Extended-A, then a few typographic extras that box labels plausibly contain.
_CHARS = [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0xA0, 0x180)] + list("–—‘’“”…•≤≥−κ")

_REGULAR = """
    318 401 460 838 636 950 780 275 390 390 500 838 318 361 318 337 636 636 636 636 636 636 636 636 636
    636 337 337 838 838 838 531 1000 684 686 698 770 632 575 775 752 295 295 656 557 863 748 787 603 787
    695 635 611 732 684 989 685 611 685 390 337 390 838 500 500 613 635 550 635 615 352 635 634 278 278
    579 278 974 634 612 635 635 411 521 392 634 592 818 592 592 525 636 337 636 838 318 401 636 636 636
    636 337 500 500 1000 471 612 838 361 1000 500 500 838 401 401 500 636 636 318 500 401 471 612 969
    969 969 531 684 684 684 684 684 684 974 698 632 632 632 632 295 295 295 295 775 748 787 787 787 787
    787 838 787 732 732 732 732 611 605 630 613 613 613 613 613 613 982 550 615 615 615 615 278 278 278
    278 612 634 612 612 612 612 612 838 612 634 634 634 634 592 635 592 684 613 684 613 684 613 698 550
    698 550 698 550 698 550 770 635 775 635 632 615 632 615 632 615 632 615 632 615 775 635 775 635 775
    635 775 635 752 634 916 695 295 278 295 278 295 278 295 278 295 278 590 556 295 278 656 579 579 557
    278 557 278 557 375 557 342 562 284 748 634 748 634 748 634 813 748 634 787 612 787 612 787 612 1070
    1023 695 411 695 411 695 411 635 521 635 521 635 521 635 521 611 392 611 392 611 392 732 634 732 634
    732 634 732 634 732 634 732 634 989 818 611 592 611 685 525 685 525 685 525 352 500 1000 318 318 518
    518 1000 590 838 838 838 589
"""

_BOLD = """
    348 456 521 838 696 1002 872 306 457 457 523 838 380 415 380 365 696 696 696 696 696 696 696 696 696
    696 400 400 838 838 838 580 1000 774 762 734 830 683 683 821 837 372 372 775 637 995 837 850 733 850
    770 720 682 812 774 1103 771 724 725 457 365 457 838 500 500 675 716 593 716 678 435 716 712 343 343
    665 343 1042 712 687 716 716 493 595 478 712 652 924 645 652 582 712 365 712 838 348 456 696 696 636
    696 365 500 500 1000 564 646 838 415 1000 500 500 838 438 438 500 736 636 380 500 438 564 646 1035
    1035 1035 580 774 774 774 774 774 774 1085 734 683 683 683 683 372 372 372 372 838 837 850 850 850
    850 850 838 850 812 812 812 812 724 738 719 675 675 675 675 675 675 1048 593 678 678 678 678 343 343
    343 343 687 712 687 687 687 687 687 838 687 712 712 712 712 652 716 652 774 675 774 675 774 675 734
    593 734 593 734 593 734 593 830 716 838 716 683 678 683 678 683 678 683 678 683 678 821 716 821 716
    821 716 821 716 837 712 974 790 372 343 372 343 372 343 372 343 372 343 744 686 372 343 775 665 665
    637 343 637 343 637 479 637 557 642 371 837 712 837 712 837 712 983 837 712 850 687 850 687 850 687
    1167 1094 770 493 770 493 770 493 720 595 720 595 720 595 720 595 682 478 682 478 682 478 812 712
    812 712 812 712 812 712 812 712 812 712 1103 924 724 652 724 725 582 725 582 725 582 435 500 1000
    380 380 657 657 1000 639 838 838 838 710
"""

_FALLBACK = 1100

_WORD_SEP = re.compile(r"[ \t\r\n]+")


@cache
def _table(bold: bool) -> dict[str, int]:
    widths = [int(w) for w in (_BOLD if bold else _REGULAR).split()]
    if len(widths) != len(_CHARS):  # pragma: no cover - guards against editing mistakes
        raise RuntimeError("width table and character list differ in length")
    return dict(zip(_CHARS, widths, strict=True))


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Return the width of ``text`` set in DejaVu Sans at ``size`` (same unit as ``size``)."""
    table = _table(bold)
    return sum(table.get(ch, _FALLBACK) for ch in text) * size / 1000.0


def _split_long(word: str, first: float, rest: float, size: float, bold: bool) -> list[str]:
    """Break a too-wide word into pieces: the first fits ``first``, later ones ``rest``.

    Every piece holds at least one character, so a pathological width cannot loop.
    """
    pieces: list[str] = []
    current = ""
    for ch in word:
        room = rest if pieces else first
        if current and text_width(current + ch, size, bold) > room:
            pieces.append(current)
            current = ch
        else:
            current += ch
    if current:
        pieces.append(current)
    return pieces


def wrap(text: str, width: float, size: float, bold: bool = False, hang: float = 0.0) -> list[str]:
    """Greedily wrap ``text`` into lines no wider than ``width``.

    Words are separated by ordinary spaces; a no-break space (U+00A0) glues words together
    (used inside "(n = 123)" so a count never splits). Continuation lines get
    ``hang`` less room (a hanging indent the caller draws). A single word wider than the
    line is broken between characters, the only way to guarantee no overflow. No-break
    spaces are returned as ordinary spaces.
    """
    lines: list[str] = []
    current = ""
    room = width
    # Split on ordinary whitespace only: str.split() would also split on no-break spaces.
    for word in _WORD_SEP.split(text.strip(" \t\r\n")):
        if not word:
            continue
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size, bold) <= room:
            current = candidate
            continue
        if current:
            lines.append(current)
            room = width - hang
        if text_width(word, size, bold) <= room:
            current = word
        else:
            *head, current = _split_long(word, room, width - hang, size, bold)
            lines.extend(head)
            room = width - hang
    if current or not lines:
        lines.append(current)
    return [line.replace("\u00a0", " ") for line in lines]
