"""Decoding an export's bytes: BOM, strict UTF-8, then a careful legacy guess.

Reference exports are UTF-8 almost always; the rest are mostly Windows code pages from
EndNote, Excel or old database front ends. charset-normalizer is asked only when the
bytes are not UTF-8, and its answer is checked: on text that is mostly English with a
few accented names it cannot tell cp1252 from cp1250 and picks cp1250 first, which
would turn the Danish "Ødegård" into "Řdegĺrd". :func:`_latin_choice` settles that
pair with a small plausibility test on the accented words themselves.
"""

from __future__ import annotations

import codecs
import logging
import re
from pathlib import Path

log = logging.getLogger("screener.importers")

__all__ = ["decode_bytes"]

#: charset-normalizer looks at this much of a file (it samples anyway; this bounds the cost).
_SAMPLE = 2_000_000

_LEGACY_LATIN = frozenset(
    {"cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "latin-1", "iso8859-1", "iso8859-2", "iso8859-3",
     "iso8859-4", "iso8859-9", "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15", "iso8859-16",
     "mac-latin2", "mac-iceland", "mac-roman", "mac-turkish", "cp850", "cp852", "cp775", "hp-roman8",
     "cp437", "cp858", "cp1125", "cp865", "cp860", "cp861", "cp863"}
)  # fmt: skip

_VOWELS = frozenset("aeiouyAEIOUYáéíóúýäëïöüâîôÁÉÍÓÚÝÄËÏÖÜÂÎÔ")
# Letters that only the cp1252 reading of a byte produces, and that are vowels which
# never sit between two other vowels in the languages that use them ("Kuèiæ", "Dvoøák"
# are what Czech and Croatian names look like when read as cp1252).
_W_VOWELS = frozenset("åæøÅÆØèìòùêïûÈÌÒÙÊÏÛ")
_W_NORDIC = frozenset("åæøÅÆØ")
# Consonants that only the cp1250 reading produces ("Sřrensen", "Lefčvre" are Danish and
# French names read as cp1250).
_C_CONSONANTS = frozenset("čćřĺľńňśźżłďťŕđţşČĆŘĹĽŃŇŚŹŻŁĎŤŔĐŢŞ")
_NON_ASCII_WORD = re.compile(rb"[^\s,;.()\[\]\"]*[\x80-\xff][^\s,;.()\[\]\"]*")


def _codec_name(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return name


def _implausible(word: str, differs: list[int], western: bool) -> int:
    """Count letters at ``differs`` positions that no language would put there."""
    bad = 0
    n = len(word)
    for i in differs:
        ch = word[i]
        before = word[i - 1] if i > 0 else ""
        after = word[i + 1] if i + 1 < n else ""
        if western:
            if not ch.isalpha() and before.isalpha() and after.isalpha():
                bad += 1  # "Wroc³aw": a symbol inside a word
            elif ch in _W_NORDIC and (before in _VOWELS or after in _VOWELS):
                bad += 1
            elif ch in _W_VOWELS and before in _VOWELS and after in _VOWELS:
                bad += 1
        elif ch in _C_CONSONANTS and before.isalpha() and after.isalpha():
            if before not in _VOWELS and after not in _VOWELS:
                bad += 1
    return bad


def _latin_choice(data: bytes) -> str:
    """cp1252 or cp1250, whichever reading of the accented words is more plausible."""
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "cp1250"  # bytes cp1252 leaves undefined (0x81, 0x8D, ...)
    west = east = 0
    for m in _NON_ASCII_WORD.finditer(data[:_SAMPLE]):
        raw = m.group(0)
        w = raw.decode("cp1252", errors="replace")
        c = raw.decode("cp1250", errors="replace")
        differs = [i for i in range(len(w)) if w[i] != c[i]]
        if differs:
            west += _implausible(w, differs, True)
            east += _implausible(c, differs, False)
    # Ties go to cp1252, the far more common code page for exports.
    return "cp1250" if west > east else "cp1252"


def _guess_legacy(data: bytes) -> str:
    """Pick a legacy encoding for bytes that are not UTF-8."""
    try:
        import charset_normalizer
    except ImportError:  # pragma: no cover - a declared dependency
        return _latin_choice(data)
    best = charset_normalizer.from_bytes(data[:_SAMPLE]).best()
    if best is None:
        return _latin_choice(data)
    names = {_codec_name(best.encoding)} | {_codec_name(c) for c in best.could_be_from_charset}
    if names & _LEGACY_LATIN:
        return _latin_choice(data)
    return _codec_name(best.encoding)


def _utf16_without_bom(sample: bytes) -> str | None:
    nuls = sample.count(0)
    if nuls < len(sample) // 8:
        return None
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    if odd > 2 * even:
        return "utf-16-le"
    if even > 2 * odd:
        return "utf-16-be"
    return None


def decode_bytes(data: bytes, path: Path | str = "") -> tuple[str, str]:
    """Decode a file's bytes: BOM first, then strict UTF-8, then a careful guess.

    Args:
        data: the whole file.
        path: only for the warning logged when a declared encoding has bad bytes.

    Returns:
        ``(text, encoding)``; the text has no BOM.
    """
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    )
    for bom, name in boms:
        if data.startswith(bom):
            codec = "utf-8" if name == "utf-8-sig" else name
            try:
                return data[len(bom) :].decode(codec), name
            except UnicodeDecodeError as exc:
                log.warning("%s: not valid %s at byte %d; bad bytes replaced", path, name, exc.start)
                return data[len(bom) :].decode(codec, errors="replace"), name
    if b"\x00" in data[:4096]:
        guess = _utf16_without_bom(data[:4096])
        if guess:
            try:
                return data.decode(guess), guess
            except UnicodeDecodeError:
                pass
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    name = _guess_legacy(data)
    try:
        return data.decode(name), name
    except (UnicodeDecodeError, LookupError):
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte.
        return data.decode("latin-1"), "latin-1"
