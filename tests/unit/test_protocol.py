"""The protocol file: the example parses; every kind of mistake names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from screener.core.protocol import ProtocolError, load_protocol, parse_protocol
from screener.paths import example_dir

EXAMPLE = example_dir() / "protocol.toml"


def test_example_is_the_seed_table_1():
    p = load_protocol(EXAMPLE)
    assert p.reviewer_initials == ("NA", "ZL")
    assert [c.label for c in p.inclusion] == [
        "Peer-reviewed journal article published in English",
        "LDN intervention among patients with FM",
        "Proposed mechanism of action of LDN in FM",
    ]
    reasons = p.exclusion_reasons("full-text")
    assert [(n, c.id) for n, c in reasons] == [(i, f"E{i}") for i in range(1, 8)]
    assert reasons[1][1].label == "Conference papers or abstracts"
    assert reasons[6][1].label == "LDN for pain management but patients do not have FM"
    assert p.rules.reviewers_per_record == 2 and p.rules.resolution == "consensus"
    assert p.criterion("E4").label == "Chronic fatigue syndrome"


def _broken(old: str, new: str) -> str:
    text = EXAMPLE.read_text()
    assert old in text
    return text.replace(old, new, 1)


def _line_of(text: str, needle: str, nth: int = 1) -> int:
    lines = [i for i, line in enumerate(text.splitlines(), start=1) if needle in line]
    return lines[nth - 1]


@pytest.mark.parametrize(
    ("old", "new", "needle", "nth", "message"),
    [
        ('id = "E2"', 'id = "E1"', 'id = "E1"', 2, "duplicate criterion id 'E1'"),
        (
            'label = "Chronic fatigue syndrome"\n',
            'label = "CFS"\nstages = ["full-txt"]\n',
            'stages = ["full-txt"]',
            1,
            "unknown stage 'full-txt'",
        ),
        (
            '[[exclusion]]\nid = "E5"\nlabel = "Commentary or expert opinion"',
            '[[exclusion]]\nid = "E5"',
            "[[exclusion]]",
            5,
            "exclusion criterion 5 needs 'label'",
        ),
        ('initials = "ZL"', 'initials = "NA"', 'initials = "NA"', 2, "duplicate reviewer initials 'NA'"),
        ('maybe = "conflict"', 'maybe = "sometimes"', 'maybe = "sometimes"', 1, "'maybe' must be one of"),
        (
            "reviewers_per_record = 2",
            "reviewers_per_record = 3",
            "reviewers_per_record = 3",
            1,
            "only 2 reviewer(s) are named",
        ),
        ('order = "import"', 'ordr = "import"', 'ordr = "import"', 1, "unknown setting 'ordr'"),
    ],
)
def test_errors_name_file_line_and_problem(tmp_path: Path, old, new, needle, nth, message):
    text = _broken(old, new)
    path = tmp_path / "protocol.toml"
    path.write_text(text)
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    err = info.value
    assert message in err.message
    assert err.line == _line_of(text, needle, nth)
    assert str(err).startswith(f"{path}:{err.line}: ") and "\n" not in str(err)


def test_toml_syntax_error_has_a_line(tmp_path: Path):
    path = tmp_path / "p.toml"
    path.write_text('[review]\ntitle = "x"\nquestion = "y\n')
    with pytest.raises(ProtocolError, match=r"p\.toml:3: not valid TOML"):
        load_protocol(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "missing [review]"),
        ('[review]\ntitle = "t"\nquestion = "q"\n', "missing [[reviewers]]"),
        (
            '[review]\ntitle = "t"\nquestion = "q"\n[[reviewers]]\ninitials = "AB"\n'
            "[screening]\nreviewers_per_record = 1\n",
            "no [[exclusion]] criteria",
        ),
        ('[review]\ntitle = "t"\n', "needs a 'question'"),
    ],
)
def test_missing_parts(text: str, message: str):
    with pytest.raises(ProtocolError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_protocol(text, "p.toml")


def test_unreadable_file(tmp_path: Path):
    with pytest.raises(ProtocolError, match="cannot read protocol"):
        load_protocol(tmp_path / "nope.toml")
