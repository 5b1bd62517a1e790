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
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("screener.importers")

__all__ = ["Decoded", "decode_bytes", "decode_file"]

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
            elif (ch in _W_NORDIC and (before in _VOWELS or after in _VOWELS)) or (
                ch in _W_VOWELS and before in _VOWELS and after in _VOWELS
            ):
                bad += 1
        elif (
            ch in _C_CONSONANTS
            and before.isalpha()
            and after.isalpha()
            and before not in _VOWELS
            and after not in _VOWELS
        ):
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


@dataclass(frozen=True)
class Decoded:
    """A file's text, its encoding, and the lines of a UTF-8 file that were not UTF-8.

    ``repaired`` holds the 1-based numbers of those lines, each decoded on its own as
    ``repaired_as`` (cp1252 or a close code page; latin-1 where that cannot read it).
    """

    text: str
    encoding: str
    repaired: list[int] = field(default_factory=list)
    repaired_as: str | None = None


def decode_bytes(data: bytes, path: Path | str = "") -> tuple[str, str]:
    """Decode a file's bytes; see :func:`decode_file` (which also says which lines were repaired).

    Returns:
        ``(text, encoding)``; the text has no BOM.
    """
    decoded = decode_file(data, path)
    return decoded.text, decoded.encoding


def _mostly_utf8(data: bytes) -> Decoded | None:
    """UTF-8 with a few lines in another encoding: those lines decoded on their own.

    A file counts as UTF-8 when some line holds valid UTF-8 beyond ASCII (a legacy-encoded
    file almost never does by chance); otherwise None, and the whole file is guessed.
    Lines are found from each decoding error, so a large file with one odd line costs
    little more than a plain decode.
    """
    parts: list[str | bytes] = []
    pos = 0
    line_no = 1
    repaired: list[int] = []
    while True:
        try:
            parts.append(data[pos:].decode("utf-8"))
            break
        except UnicodeDecodeError as exc:
            bad = pos + exc.start
            start = data.rfind(b"\n", pos, bad) + 1 or pos
            start = max(start, pos)
            end = data.find(b"\n", bad)
            end = len(data) if end < 0 else end
            parts.append(data[pos:start].decode("utf-8"))
            line_no += data.count(b"\n", pos, start)
            repaired.append(line_no)
            parts.append(data[start:end])
            pos = end
    if not any(isinstance(p, str) and not p.isascii() for p in parts):
        return None
    odd = [p for p in parts if isinstance(p, bytes)]
    codec = _latin_choice(b"\n".join(odd))
    out = []
    for p in parts:
        if isinstance(p, bytes):
            try:
                out.append(p.decode(codec))
            except UnicodeDecodeError:
                out.append(p.decode("latin-1"))  # maps every byte
        else:
            out.append(p)
    return Decoded("".join(out), "utf-8", repaired, codec)


def _ascii_compatible(name: str) -> bool:
    probe = bytes(range(0x09, 0x0E)) + bytes(range(0x20, 0x7F))
    try:
        return probe.decode(name) == probe.decode("ascii")
    except (UnicodeDecodeError, LookupError):
        return False


def decode_file(data: bytes, path: Path | str = "") -> Decoded:
    """Decode a file's bytes: BOM first, then UTF-8 (repairing odd lines), then a careful guess.

    Args:
        data: the whole file.
        path: only for the warning logged when a declared encoding has bad bytes.
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
            if codec == "utf-8":
                mixed = _mostly_utf8(data[len(bom) :])
                if mixed is not None:
                    return Decoded(mixed.text, name, mixed.repaired, mixed.repaired_as)
            try:
                return Decoded(data[len(bom) :].decode(codec), name)
            except UnicodeDecodeError as exc:
                log.warning("%s: not valid %s at byte %d; bad bytes replaced", path, name, exc.start)
                return Decoded(data[len(bom) :].decode(codec, errors="replace"), name)
    if b"\x00" in data[:4096]:
        guess = _utf16_without_bom(data[:4096])
        if guess:
            try:
                return Decoded(data.decode(guess), guess)
            except UnicodeDecodeError:
                pass
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    mixed = _mostly_utf8(data)
    if mixed is not None:
        return mixed
    name = _guess_legacy(data)
    if _ascii_compatible(name):  # never a code page that reads tags and digits as other letters
        try:
            return Decoded(data.decode(name), name)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return Decoded(data.decode("cp1252"), "cp1252")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; latin-1 maps every byte.
        return Decoded(data.decode("latin-1"), "latin-1")
