"""HTML/JATS/MathML tag stripping and a fast, table-driven LaTeX decoder.

Private to :mod:`screener.core.normalise`, which is the public interface. LaTeX is
decoded here rather than with pylatexenc, which costs roughly 100 times as much per
field: exports only use a small set of accents, symbols and Greek letters.
"""

from __future__ import annotations

import html
import re

__all__ = ["decode_latex", "strip_markup"]


# Only namespaced tags (jats:p, mml:mi) and a fixed list of HTML/JATS/MathML names are
# stripped, so that "p<0.05 and q>0.1" or "a < b" in an abstract survive.
_TAG_NAMES = (
    "a|abbr|b|big|bold|br|caption|code|dd|div|dl|dt|em|font|h[1-6]|hr|i|img|inline-formula|"
    "disp-formula|italic|label|li|list|list-item|math|mfrac|mi|mn|mo|mover|mrow|ms|msqrt|"
    "mstyle|msub|msubsup|msup|mtable|mtd|mtext|mtr|munder|ol|p|pre|roman|s|sc|sec|small|"
    "span|strike|strong|sub|sup|table|tbody|td|th|title|tr|tt|u|ul|underline|xref"
)
_TAG = re.compile(
    rf"</?(?:[A-Za-z][\w.-]*:)?((?:{_TAG_NAMES})|(?<=:)[A-Za-z][\w.-]*)(?=[\s/>])[^<>]*>",
    re.IGNORECASE,
)
# Inline tags vanish ("CO<sub>2</sub>" -> "CO2"); block tags become a space.
_INLINE_TAGS = frozenset(
    [
        "a",
        "abbr",
        "b",
        "big",
        "bold",
        "code",
        "em",
        "font",
        "i",
        "inline-formula",
        "italic",
        "math",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "roman",
        "s",
        "sc",
        "small",
        "span",
        "strike",
        "strong",
        "sub",
        "sup",
        "tt",
        "u",
        "underline",
        "xref",
        "mrow",
        "msub",
        "msup",
        "msubsup",
        "mstyle",
    ]
)


def _tag(m: re.Match[str]) -> str:
    return "" if m.group(1).lower() in _INLINE_TAGS else " "


_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "d": "\u0323", "b": "\u0331", "r": "\u030a",
    "t": "\u0361",
}  # fmt: skip

_GREEK = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "iota",
    "kappa",
    "lambda",
    "mu",
    "nu",
    "xi",
    "omicron",
    "pi",
    "rho",
    "sigma",
    "tau",
    "upsilon",
    "phi",
    "chi",
    "psi",
    "omega",
]
# Unicode leaves a gap (final sigma / reserved) before sigma, hence the +1 from index 17.
_LATEX_WORDS: dict[str, str] = {
    **{name: chr(0x3B1 + i + (i >= 17)) for i, name in enumerate(_GREEK)},
    **{name.capitalize(): chr(0x391 + i + (i >= 17)) for i, name in enumerate(_GREEK)},
    "varepsilon": "ε", "vartheta": "ϑ", "varphi": "φ", "varrho": "ϱ",
    "varsigma": "ς", "varpi": "ϖ",
    "aa": "å", "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø", "O": "Ø",
    "ss": "ß", "SS": "SS", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð",
    "th": "þ", "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "dj": "đ", "DJ": "Đ",
    "textendash": "–", "textemdash": "—", "textquoteright": "’", "textquoteleft": "‘",
    "textquotedblleft": "“", "textquotedblright": "”", "textregistered": "®",
    "texttrademark": "™", "textcopyright": "©", "copyright": "©", "textdegree": "°",
    "degree": "°", "textmu": "µ", "textperiodcentered": "·", "cdot": "·", "pm": "±",
    "textpm": "±", "mp": "∓", "times": "×", "texttimes": "×", "div": "÷", "leq": "≤", "le": "≤",
    "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "infty": "∞",
    "ldots": "…", "dots": "…", "textellipsis": "…", "S": "§", "P": "¶", "pounds": "£",
    "textsterling": "£", "euro": "€", "texteuro": "€", "dag": "†", "ddag": "‡",
    "textbullet": "•", "rightarrow": "→", "to": "→", "leftarrow": "←", "uparrow": "↑",
    "downarrow": "↓", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫",
    "sqrt": "√", "propto": "∝", "circ": "∘", "prime": "′", "ell": "ℓ", "hbar": "ħ",
    "textless": "‹", "textgreater": "›", "textasciitilde": "~", "textasciicircum": "^",
    "textbackslash": "∖", "textunderscore": "_", "textbar": "|", "textbraceleft": "(",
    "textbraceright": ")", "quad": " ", "qquad": " ", "enspace": " ", "thinspace": " ",
    "newline": " ", "par": " ", "space": " ", "noindent": "", "relax": "", "protect": "",
}  # fmt: skip
_LETTER_WORDS = frozenset(
    [
        "aa",
        "AA",
        "ae",
        "AE",
        "oe",
        "OE",
        "o",
        "O",
        "ss",
        "SS",
        "l",
        "L",
        "i",
        "j",
        "dh",
        "DH",
        "th",
        "TH",
        "ng",
        "NG",
        "dj",
        "DJ",
    ]
)
_LATEX_SYMBOLS = {
    "&": "&", "%": "%", "#": "#", "_": "_", "$": "$", "\\": " ", " ": " ", ",": " ",
    ";": " ", ":": " ", "!": "", "-": "", "/": "", "@": "", "{": "", "}": "",
}  # fmt: skip

_LATEX_TOKEN = re.compile(
    r"\\(?:"
    r"(?P<acc>[`'^\"~=.])\s*(?:\{\s*(?P<a1>\\[ij](?![A-Za-z])|[^\W\d_])\s*\}|(?P<a2>\\[ij](?![A-Za-z])|[^\W\d_]))"
    r"|(?P<lacc>[uvHckdbrt])(?:\s*\{\s*(?P<l1>\\[ij](?![A-Za-z])|[^\W\d_])\s*\}|\s+(?P<l2>[^\W\d_]))"
    r"|(?P<word>[A-Za-z]+)(?P<ws>\s*)(?:\{\})?"
    r"|(?P<sym>.)"
    r")",
    re.DOTALL,
)
# "$...$" is treated as math (delimiters dropped) only when it holds a command or a
# group, so that prices such as "$5 and $10" are left alone.
_MATH = re.compile(r"(?<!\\)\$([^$]*)(?<!\\)\$")


def _latex_token(m: re.Match[str]) -> str:
    acc = m.group("acc") or m.group("lacc")
    if acc:
        base = m.group("a1") or m.group("a2") or m.group("l1") or m.group("l2") or ""
        if base.startswith("\\"):
            base = base[1]  # \i and \j are dotless i/j: the accent replaces the dot
        return base + _ACCENTS[acc]
    word = m.group("word")
    if word is not None:
        # TeX swallows the space after a control word ("\o ster" is "øster"); keeping it
        # after symbols and Greek reads better ("\alpha and \beta").
        value = _LATEX_WORDS.get(word, "")  # formatting commands (\emph, \textit) vanish
        return value if word in _LETTER_WORDS else value + m.group("ws")
    sym = m.group("sym")
    return _LATEX_SYMBOLS.get(sym, sym)


def _math(m: re.Match[str]) -> str:
    inner = m.group(1)
    if "\\" not in inner and "{" not in inner:
        return m.group(0)
    # ^ and _ go so that $CO_{2}$ matches CO<sub>2</sub> (stripped to CO2) elsewhere.
    return inner.replace("^", "").replace("_", "")


def decode_latex(text: str) -> str:
    """Decode LaTeX accents, symbols and simple math; drop braces and unknown commands.

    ``{\\"u}`` and ``\\"{u}`` become ``ü``, ``{\\aa}`` ``å``, ``\\&`` ``&``, ``$\\beta$``
    ``β``; ``\\emph{x}`` becomes ``x``. The result contains no backslash and no brace.
    Text without ``\\``, braces or ``$`` is returned unchanged without any work.

    Args:
        text: the text to decode.

    Returns:
        The decoded text (not NFC-normalised; :func:`clean_text` does that).
    """
    if "\\" not in text and "{" not in text and "}" not in text and "$" not in text:
        return text
    if "$" in text:
        text = _MATH.sub(_math, text)
    if "\\" in text:
        text = _LATEX_TOKEN.sub(_latex_token, text)
    return text.replace("{", "").replace("}", "").replace("\\", "")


def strip_markup(text: str) -> str:
    """Remove HTML/JATS/MathML tags and decode HTML entities (``&amp;``, ``&#x3b2;``).

    Args:
        text: the text to clean.

    Returns:
        The text without tags; entities decoded. Unchanged when it holds no ``<`` or ``&``.
    """
    for _ in range(4):  # "&amp;lt;i&amp;gt;" needs more than one round
        before = text
        if "&" in text:
            text = html.unescape(text)
        if "<" in text:
            text = _TAG.sub(_tag, text)
        if text == before:
            break
    return text
