"""Personal and corporate names: parsing one name, splitting an author list.

Private to :mod:`screener.core.normalise`, which is the public interface.
"""

from __future__ import annotations

import re

from screener.core.models import Author

__all__ = ["is_initials", "parse_author", "split_authors", "split_glued_names"]

_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "2nd", "3rd", "jnr", "snr"})
# Without a comma "II"/"IV"/"V" are more likely initials ("Kim II", "De Nigris V").
_SUFFIXES_BARE = frozenset({"jr", "jr.", "sr", "sr.", "iii", "2nd", "3rd", "jnr", "snr"})
_PARTICLES = frozenset(
    {"van", "von", "de", "der", "den", "da", "di", "del", "della", "dos", "das", "du", "la", "le",
     "ten", "ter", "zu", "af", "al", "el", "bin", "ibn", "st.", "mac"}
)  # fmt: skip


def is_initials(token: str) -> bool:
    """True for "J", "AD", "M.J.", "J.-P.", "Th." (not for "Le" or "Smith")."""
    core = token.replace(".", "").replace("-", "")
    if not core or not core.isalpha():
        return False
    if core.isupper():
        return len(core) <= 4
    return token.endswith(".") and len(core) <= 3 and core[0].isupper() and core[1:].islower()


def _is_cjk(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\ufaff"


def _drop_suffix(given: str, suffixes: frozenset[str]) -> str:
    words = given.split(" ")
    while words and words[-1].strip(" ,;").lower() in suffixes:
        words.pop()
    return " ".join(words).strip(" ,;")


def parse_author(text: str | None) -> Author | None:
    """Parse one personal or corporate name into ``Author(family, given)``.

    Understands ``"Younger, J."``, ``"Younger, Jarred W."``, PubMed/Embase style
    ``"Younger J"`` / ``"Adler D.G."`` (family then initials), ``"J. Younger"`` and
    ``"Jarred W. Younger"`` (given names first, particles such as "van" kept with the
    family name). Suffixes (Jr, III) are dropped. A name ending in a comma is taken
    whole as the family name (how corporate authors are written back out).

    Args:
        text: the name (already cleaned of markup).

    Returns:
        The author, or None for an empty name.
    """
    if not text:
        return None
    text = " ".join(text.split()).strip(" ;")
    if text.endswith(",") and text.count(",") == 1:  # "World Health Organization,"
        family = text.strip(" ;,")
        return Author(family) if family else None
    text = text.strip(" ;,")
    if not text:
        return None
    family, given = _split_name(text)
    # Separators at the ends of a part would be lost when the name is written out as
    # "Family, Given" and read again, so they are dropped here already.
    family = family.strip(" ;,")
    given = given.strip(" ;,")
    if not family:
        return Author(given) if given else None
    return Author(family, given)


def _split_name(text: str) -> tuple[str, str]:
    if "," in text:
        family, _, rest = text.partition(",")
        rest = rest.strip(" ;,")
        while "," in rest:
            first, _, after = rest.partition(",")
            if first.strip().lower() not in _SUFFIXES:
                break
            rest = after.strip(" ;,")  # "Thompson, III, Frank R."
        return family.strip(), _drop_suffix(rest, _SUFFIXES)
    tokens = text.split(" ")
    while len(tokens) > 1 and tokens[-1].lower() in _SUFFIXES_BARE:
        tokens.pop()
    if len(tokens) == 1:
        return tokens[0], ""
    if _is_cjk(tokens[0][0]):
        return tokens[0], _drop_suffix(" ".join(tokens[1:]), _SUFFIXES)
    if is_initials(tokens[-1]):  # "Younger J", "Gan L. M.", "Kohen Avramoglu R."
        i = len(tokens) - 1
        while i > 1 and is_initials(tokens[i - 1]):
            i -= 1
        return " ".join(tokens[:i]), _drop_suffix(" ".join(tokens[i:]), _SUFFIXES)
    # Given names first: the family name is the last word plus any particles before it.
    i = len(tokens) - 1
    while i > 1 and tokens[i - 1].lower() in _PARTICLES:
        i -= 1
    return " ".join(tokens[i:]), _drop_suffix(" ".join(tokens[:i]), _SUFFIXES)


_AND = re.compile(r"\s+and\s+", re.IGNORECASE)
# "Adeli K.Lewis G. F." (EndNote/ASySD CSV with the separators lost): split after an
# initial's dot that is directly followed by a capitalised word.
_GLUED = re.compile(r"(?<=\.)(?=[^\W\d_][^\W\d_A-Z])")


def _looks_like_one_author(part: str) -> bool:
    """True for "Craig C." or "Villard M.-A." (family then initials) in a comma list."""
    words = part.split()
    return len(words) > 1 and is_initials(words[-1])


def split_authors(text: str | None) -> list[str]:
    """Split an author-list field of unknown style into individual names.

    Separators tried in order: ``;``, `` and ``, newlines, commas (when every part looks
    like "Family Initials", as in Scopus/Embase CSV "Liu R., Adler D.G."), and finally
    the separator-less "Adeli K.Lewis G. F." form.

    Args:
        text: the whole author field.

    Returns:
        The names, stripped, without empties (a lone "Family, Given" stays one name).
    """
    if not text:
        return []
    text = text.strip()
    if ";" in text:
        parts = text.split(";")
    elif " and " in text or " AND " in text:
        parts = _AND.split(text)
    elif "\n" in text:
        parts = text.splitlines()
    elif "," in text:
        raw = [p.strip() for p in text.split(",")]
        names = [p for i, p in enumerate(raw) if not (i and p.lower() in _SUFFIXES)]
        one_each = len(names) > 1 and all(_looks_like_one_author(p) for p in names if p)
        parts = names if one_each else [text]
    else:
        parts = _GLUED.split(text) if "." in text else [text]
    return [p for p in (q.strip() for q in parts) if p]


# Family names whose capital letter inside is not the start of the next name ("McDonald", "DeVito").
_GLUE_PREFIXES = frozenset(
    {"Mc", "Mac", "De", "Di", "Da", "Du", "Le", "La", "Van", "Von", "Fitz", "St", "Ben", "Al"}
)


def split_glued_names(text: str | None) -> list[str]:
    """Split "Given Family" names written with nothing between them (SpringerLink CSV).

    ``"Vivek K. PallipuramMohammad BhuiyanMelissa C. Smith"`` becomes three names: a name
    ends where a lower-case letter is followed by a capital, except after a family-name
    prefix such as "Mc" or "De". Names the data cannot tell apart (one ending in a
    capital, scripts without case) stay together.
    """
    if not text:
        return []
    names: list[str] = []
    start = 0
    word = 0  # where the current word starts
    for i in range(1, len(text)):
        ch, prev = text[i], text[i - 1]
        if ch in " -":
            word = i + 1
        elif prev.islower() and ch.isupper() and text[word:i] not in _GLUE_PREFIXES:
            names.append(text[start:i])
            start = word = i
    names.append(text[start:])
    return [n.strip() for n in names if n.strip()]
