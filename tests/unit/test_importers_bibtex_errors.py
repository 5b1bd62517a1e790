"""BibTeX: @string macros built from other macros, "#" concatenation, and a bad entry said in words."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.importers import ImportFileError, read_file
from screener.importers.bibtex import evaluate


def write(tmp_path: Path, text: str, name: str = "refs.bib") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


STRINGS = """@string{j = "Journal"}
@string{jp = j # " of Pain"}
@STRING{jpr = jp # { Research}}

@article{a,
  title = {First},
  journal = jpr,
  month = mar,
  note = jp # ", " # "2020" # {, online},
  year = 2020,
}
"""


def test_string_macros_that_use_other_macros_resolve(tmp_path):
    rec = read_file(write(tmp_path, STRINGS)).records[0]
    assert rec.journal == "Journal of Pain Research"
    assert (rec.title, rec.year, rec.line) == ("First", 2020, 5)


def test_evaluate():
    strings = {"a": "Alpha", "b": "Alpha Beta"}
    assert evaluate('a # " and " # {C#}', strings) == "Alpha and C#"
    assert evaluate("{Plain # text}", strings) == "Plain # text"
    assert evaluate('"quoted {# brace}"', strings) == "quoted {# brace}"
    assert evaluate("B", strings) == "Alpha Beta"
    assert evaluate("unknown", strings) == "unknown"
    assert evaluate('a # "unclosed', strings) == 'a # "unclosed'


# One field per line (as Scopus writes): an unbalanced brace inside a value is read around.
SCOPUS_STYLE = """@ARTICLE{Good2012,
author={Good, A.},
title={Good entry},
year={2012},
}

@ARTICLE{Michelat2012101,
author={Michelat, D. and Frochot, B.},
title={Restoration of a river},
abstract={The extinction of the White-footed Crayfish {Austropotamobius pallipes). Fine otherwise.},
year={2012},
pages={101-116},
}

@ARTICLE{After2013,
author={After, C.},
title={Next entry},
year={2013},
}
"""


def test_an_unbalanced_brace_in_a_one_field_per_line_entry_is_read_around(tmp_path):
    pf = read_file(write(tmp_path, SCOPUS_STYLE))
    assert [(r.source_id, r.line, r.title) for r in pf.records] == [
        ("Good2012", 1, "Good entry"),
        ("Michelat2012101", 7, "Restoration of a river"),
        ("After2013", 15, "Next entry"),
    ]
    r = pf.records[1]
    assert (r.year, r.start_page, r.end_page, r.first_author) == (2012, "101", "116", "Michelat")
    assert "Austropotamobius pallipes). Fine otherwise." in r.abstract


def test_a_bad_entry_is_said_in_words_with_its_line(tmp_path):
    text = SCOPUS_STYLE.replace(
        "title={Restoration of a river},\nabstract", "title={Restoration of a river}, abstract"
    )
    with pytest.raises(ImportFileError) as err:
        read_file(write(tmp_path, text))
    message = str(err.value)
    assert message.startswith(
        f"{tmp_path / 'refs.bib'}:7: cannot read this BibTeX entry: 1 more '{{' than '}}'"
    )
    assert "Exception" not in message


def test_an_unclosed_quote_is_said_in_words(tmp_path):
    text = '@article{a,\n  title = "Unclosed,\n  year = 2020,\n}\n\n@article{b,\n  title = {B},\n}\n'
    with pytest.raises(
        ImportFileError, match=r"refs.bib:1: cannot read this BibTeX entry: an odd number of '\"'"
    ):
        read_file(write(tmp_path, text))
