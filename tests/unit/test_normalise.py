"""Text normalisation: markup, LaTeX, pages, DOIs, names, years; idempotence."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.core.models import Author
from screener.core.normalise import (
    all_clean,
    clean_text,
    decode_latex,
    expand_pages,
    extract_year,
    normalise_doi,
    normalise_issn,
    normalise_language,
    normalise_pmcid,
    normalise_pmid,
    normalise_url,
    parse_author,
    search_fold,
    split_authors,
    split_keywords,
    strip_markup,
)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("CO<sub>2</sub> in <i>vivo</i>", "CO2 in vivo"),
        ("<jats:p>Hello &amp; bye</jats:p><jats:p>Next</jats:p>", "Hello & bye Next"),
        ("&lt;i&gt;Escherichia&lt;/i&gt; coli", "Escherichia coli"),
        ("<mml:math><mml:mi>β</mml:mi></mml:math>-cells", "β-cells"),
        ("p<0.05 and q>0.1", "p<0.05 and q>0.1"),
        ("a < b > c", "a < b > c"),
        ("  two\n lines\t here ", "two lines here"),
        ("e\u0301te\u0301", "été"),  # NFC
        ("soft\u00adhyphen and zero\u200bwidth", "softhyphen and zerowidth"),
        ("", None),
        ("   ", None),
        (None, None),
    ],
)
def test_clean_text_markup(raw, clean):
    assert clean_text(raw) == clean


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('M{\\"u}ller', "Müller"),
        ('M\\"{u}ller', "Müller"),
        ("Caf\\'{e}", "Café"),
        ("Caf\\'e", "Café"),
        ('{\\aa}ngstr{\\"o}m', "ångström"),
        ("Ku\\v{c}i\\'{c}", "Kučić"),
        ("Gar\\c{c}on", "Garçon"),
        ("Rodr\\'{\\i}guez", "Rodríguez"),
        ("{\\o}stergaard", "østergaard"),
        ("Stra{\\ss}e", "Straße"),
        ("Rock \\& roll 50\\%", "Rock & roll 50%"),
        ("$\\beta$-cells and $\\alpha$ and \\beta", "β-cells and α and β"),
        ("$\\mathrm{CO}_{2}$ uptake", "CO2 uptake"),
        ("\\emph{Important} \\textit{E. coli}", "Important E. coli"),
        ("{{Effects of pine}}", "Effects of pine"),
        ("{DNA} repair", "DNA repair"),
        ("$5 and $10", "$5 and $10"),
        ("a \\\\ b", "a b"),
        ("\\textasciitilde{}50\\textasciicircum{}", "~50^"),
    ],
)
def test_clean_text_latex(raw, clean):
    assert clean_text(raw) == clean


def test_decode_latex_untouched_without_markup():
    text = "Plain text without any markup."
    assert decode_latex(text) is text
    assert strip_markup(text) is text


@pytest.mark.parametrize(
    ("raw", "pages"),
    [
        ("221-8", ("221", "228")),
        ("1069-74", ("1069", "1074")),
        ("1354-63", ("1354", "1363")),
        ("583–84", ("583", "584")),
        ("443--459", ("443", "459")),
        ("e22677", ("e22677", None)),
        ("S77", ("S77", None)),
        ("S394-5", ("S394", "S395")),
        ("S394-S395", ("S394", "S395")),
        ("01-Apr", ("1", "4")),
        ("11-Sep", ("11", "19")),
        ("Jan-99", ("1", "99")),
        ("183-93; quiz 193-4", ("183", "193")),
        ("pp. 12-15", ("12", "15")),
        ("98-2", ("98", "2")),
        ("007", ("7", None)),
        ("A175.E1638", ("A175.E1638", None)),
        ("-5", ("5", None)),
        ("", (None, None)),
        (None, (None, None)),
    ],
)
def test_expand_pages(raw, pages):
    assert expand_pages(raw) == pages


@pytest.mark.parametrize(
    ("raw", "doi"),
    [
        ("https://doi.org/10.1000/ABC.1", "10.1000/abc.1"),
        ("http://dx.doi.org/10.4103%2F2303-9027.138783", "10.4103/2303-9027.138783"),
        ("doi:10.1016/j.foo.2020.01.001.", "10.1016/j.foo.2020.01.001"),
        ("DOI: 10.1016/J.FOO", "10.1016/j.foo"),
        ("10.1016/j.scitotenv.2017.04.075 [doi]", "10.1016/j.scitotenv.2017.04.075"),
        ("(10.1000/xyz)", "10.1000/xyz"),
        (
            "10.1002/(SICI)1097-0258(19980415)17:7<764::AID-SIM836>3.0.CO;2-#",
            "10.1002/(sici)1097-0258(19980415)17:7<764::aid-sim836>3.0.co;2-#",
        ),
        ("NA", None),
        ("", None),
        ("10.1000/", None),
    ],
)
def test_normalise_doi(raw, doi):
    assert normalise_doi(raw) == doi


@pytest.mark.parametrize(
    ("raw", "author"),
    [
        ("Younger, J.", Author("Younger", "J.")),
        ("Younger, Jarred W.", Author("Younger", "Jarred W.")),
        ("Younger J", Author("Younger", "J")),
        ("Younger JW", Author("Younger", "JW")),
        ("J. Younger", Author("Younger", "J.")),
        ("Jarred W. Younger", Author("Younger", "Jarred W.")),
        ("Adler D.G.", Author("Adler", "D.G.")),
        ("Gan L. M.", Author("Gan", "L. M.")),
        ("Kohen Avramoglu R.", Author("Kohen Avramoglu", "R.")),
        ("De Nigris V", Author("De Nigris", "V")),
        ("Häuser W", Author("Häuser", "W")),
        ("Rodríguez-Pintó I", Author("Rodríguez-Pintó", "I")),
        ("Ludwig van Beethoven", Author("van Beethoven", "Ludwig")),
        ("Thompson, III, Frank R.", Author("Thompson", "Frank R.")),
        ("Smith J 3rd", Author("Smith", "J")),
        ("World Health Organization,", Author("World Health Organization")),
        ("Plato", Author("Plato")),
        ("熊 玮", Author("熊", "玮")),
        ("  ", None),
    ],
)
def test_parse_author(raw, author):
    assert parse_author(raw) == author


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("Zuna, R E and Wang, S S", ["Zuna, R E", "Wang, S S"]),
        ("Liu R., Adler D.G.", ["Liu R.", "Adler D.G."]),
        (
            "Roach M.C., Thompson F.R., III, Jones-Farrand T.",
            ["Roach M.C.", "Thompson F.R.", "Jones-Farrand T."],
        ),
        ("Adeli K.Lewis G. F.", ["Adeli K.", "Lewis G. F."]),
        ("Smith, J.; Doe, K.", ["Smith, J.", "Doe, K."]),
        ("Deng, Chaoqun", ["Deng, Chaoqun"]),
        ("van der Berg, A.", ["van der Berg, A."]),
        ("", []),
    ],
)
def test_split_authors(raw, names):
    assert split_authors(raw) == names


def test_split_keywords_keeps_parenthesised_commas():
    assert split_keywords("cyst (diagnosis, surgery), human") == ["cyst (diagnosis, surgery)", "human"]
    assert split_keywords("a; b ;c") == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("2009", 2009),
        ("2009 Apr", 2009),
        ("2009/04/01/", 2009),
        ("25 Aug 2004", 2004),
        ("12345", None),
        ("", None),
    ],
)
def test_extract_year(raw, year):
    assert extract_year(raw) == year


def test_identifiers():
    assert normalise_issn("20964129 (ISSN)") == "2096-4129"
    assert normalise_issn("0378-112x") == "0378-112X"
    assert normalise_issn("978-3-16-148410-0") is None
    assert normalise_pmid("PMID: 0123") == "123"
    assert normalise_pmid("L123") is None
    assert normalise_pmcid("pmc 5887696") == "PMC5887696"
    assert normalise_url("http://a.org/x; http://b.org/y") == "http://a.org/x"
    assert normalise_language("eng") == "English"
    assert normalise_language("Eng\rger") == "English; German"
    assert normalise_language("English") == "English"


# --- properties -------------------------------------------------------------------

_MARKUP_ALPHABET = st.sampled_from(
    list("ab <>&;#x{}\\$^_~'\"`=.cuvH")
    + [
        "<i>",
        "</i>",
        "&amp;",
        "&lt;",
        "\\'",
        '\\"',
        "{\\aa}",
        "$\\beta$",
        "\\emph{",
        "\u00ad",
        "\n",
        "é",
        "e\u0301",
        "\\\\",
    ]
)
_TEXT = st.one_of(st.text(), st.lists(_MARKUP_ALPHABET, max_size=30).map("".join))


@given(_TEXT)
@settings(max_examples=400)
def test_clean_text_is_idempotent(text):
    once = clean_text(text)
    assert clean_text(once) == once


@given(_TEXT)
def test_clean_text_output_has_no_latex_or_odd_spacing(text):
    out = clean_text(text)
    if out is not None:
        assert "\\" not in out and "{" not in out and "}" not in out
        assert out == " ".join(out.split())


@given(st.lists(_TEXT, max_size=5))
def test_all_clean_never_wrong(texts):
    if all_clean(texts):
        assert all(clean_text(t) == t for t in texts)


@given(
    st.one_of(
        st.text(), st.from_regex(r"[A-Za-z]{0,2}\d{1,5}(?:[-–]{1,2}[A-Za-z]{0,2}\d{1,5})?", fullmatch=True)
    )
)
@settings(max_examples=300)
def test_expand_pages_is_idempotent(text):
    start, end = expand_pages(text)
    if start is None:
        assert end is None
        return
    again = expand_pages(f"{start}-{end}" if end else start)
    assert again == (start, end)


@given(st.text())
def test_identifier_normalisers_are_idempotent(text):
    for f in (
        normalise_doi,
        normalise_issn,
        normalise_pmid,
        normalise_pmcid,
        normalise_url,
        normalise_language,
    ):
        once = f(text)
        assert f(once) == once


@given(
    st.one_of(
        st.text(),
        st.from_regex(r"(?:https?://(?:dx\.)?doi\.org/|doi: ?)?10\.\d{4}/[\w.%()-]{1,12}", fullmatch=True),
    )
)
def test_normalise_doi_is_idempotent(text):
    once = normalise_doi(text)
    assert normalise_doi(once) == once


@given(st.text())
@settings(max_examples=300)
def test_parse_author_reparses_from_its_own_rendering(text):
    author = parse_author(text)
    if author is None:
        return
    rendered = f"{author.family}, {author.given}" if author.given else f"{author.family},"
    assert parse_author(rendered) == author


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Low-Dose NALTREXONE", "low-dose naltrexone"),
        ("Kučić", "kucic"),
        ("ÄRZTLICHE Versorgung", "arztliche versorgung"),
        ("Straße", "strasse"),
        ("Nørgaard", "nørgaard"),  # ø is a letter of its own, not o with a mark
    ],
)
def test_search_fold(text, folded):
    assert search_fold(text) == folded


def test_a_lone_end_page_is_read_like_the_field_alone():
    """Found by the idempotence property: "-P0" gave "P0" while "P0" gives "0"."""
    assert expand_pages("-P0") == expand_pages("P0") == ("0", None)
    assert expand_pages("-p12") == ("12", None)
    assert expand_pages("-5") == ("5", None)
