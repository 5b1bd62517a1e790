"""What parse_protocol makes of the example protocol and of many broken versions of it, pinned.

Each case edits the example protocol; the result (the parsed protocol, or the one-line error with
its line) is compared with a golden file, so that restructuring the parser (issue 17) cannot
change which mistake is reported, where, or how. Rewrite with UPDATE_GOLDEN=1 only for an
intended change.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from screener.core.protocol import ProtocolError, parse_protocol
from screener.paths import example_dir

GOLDEN = Path(__file__).parent / "golden" / "protocol_cases.txt"
EXAMPLE = example_dir() / "protocol.toml"

RULES = "[screening]\n"
# (name, old, new): replace the first ``old`` in the example by ``new``.
CASES: list[tuple[str, str, str]] = [
    ("example", "", ""),
    ("bad toml", "[review]", "[review"),
    ("no review", "[review]", "[reviewx]"),
    ("no title", 'title = "Low', 'titl = "Low'),
    ("blank question", 'question = "What', 'question = "  " #'),
    ("question not text", 'question = "What', "question = 3 #"),
    ("one reviewer left", "[[reviewers]]", "[[reviewerz]]"),
    ("bad initials", 'initials = "NA"', 'initials = "1A"'),
    ("no initials", 'initials = "NA"', 'name2 = "NA"'),
    ("duplicate initials any case", 'initials = "ZL"', 'initials = "na"'),
    ("bad role", 'role = "lead"', 'role = "boss"'),
    ("arbiter role", 'role = "lead"', 'role = "arbiter"'),
    ("screening not a table", "[screening]\n", "[screening.x]\n"),
    ("unknown setting", "seed = 2022", "sead = 2022"),
    ("stages empty", 'stages = ["title-abstract", "full-text"]', "stages = []"),
    ("stages not a list", 'stages = ["title-abstract", "full-text"]', 'stages = "full-text"'),
    ("unknown stage", 'stages = ["title-abstract", "full-text"]', 'stages = ["title-abstract", "fulltext"]'),
    ("one stage", 'stages = ["title-abstract", "full-text"]', 'stages = ["full-text"]'),
    ("reasons stage unknown", 'reasons_must_match = ["full-text"]', 'reasons_must_match = ["x"]'),
    ("reasons not list", 'reasons_must_match = ["full-text"]', "reasons_must_match = 1"),
    (
        "exclude stage unknown",
        'exclude_without_reason = ["title-abstract"]',
        'exclude_without_reason = ["y"]',
    ),
    ("one reviewer per record", "reviewers_per_record = 2", "reviewers_per_record = 1"),
    ("zero reviewers per record", "reviewers_per_record = 2", "reviewers_per_record = 0"),
    ("bool reviewers per record", "reviewers_per_record = 2", "reviewers_per_record = true"),
    ("text reviewers per record", "reviewers_per_record = 2", 'reviewers_per_record = "2"'),
    ("too many reviewers per record", "reviewers_per_record = 2", "reviewers_per_record = 3"),
    ("maybe include", 'maybe = "conflict"', 'maybe = "include"'),
    ("maybe bad", 'maybe = "conflict"', 'maybe = "often"'),
    ("resolution bad", 'resolution = "consensus"', 'resolution = "vote"'),
    ("arbiter without name", 'resolution = "consensus"', 'resolution = "arbiter"'),
    ("arbiter named", 'resolution = "consensus"', 'resolution = "arbiter"\narbiter = "ZL"'),
    ("arbiter unknown", 'resolution = "consensus"', 'resolution = "arbiter"\narbiter = "QQ"'),
    ("arbiter alone", 'resolution = "consensus"', 'arbiter = "NA"'),
    ("order random", 'order = "import"', 'order = "random"'),
    ("order bad", 'order = "import"', 'order = "best"'),
    ("seed text", "seed = 2022", 'seed = "x"'),
    ("seed float", "seed = 2022", "seed = 1.5"),
    ("stop early without relevance", "seed = 2022", "seed = 2022\nstop_early = true"),
    ("stop early with relevance", 'order = "import"', 'order = "relevance"\nstop_early = true'),
    ("stop early not bool", "seed = 2022", "seed = 2022\nstop_early = 1"),
    ("show scores", "seed = 2022", "seed = 2022\nshow_scores = true"),
    ("show scores not bool", "seed = 2022", 'seed = 2022\nshow_scores = "yes"'),
    ("no screening table", RULES, "[screeningx]\n"),
    ("criterion no id", 'id = "I1"', 'idx = "I1"'),
    ("criterion blank label", 'label = "FM but limited content on LDN"', 'label = " "'),
    ("duplicate criterion id", 'id = "E2"', 'id = "I1"'),
    ("criterion stages", 'label = "Chronic fatigue syndrome"', 'label = "CFS"\nstages = ["full-text"]'),
    ("criterion stages empty", 'label = "Chronic fatigue syndrome"', 'label = "CFS"\nstages = []'),
    ("criterion stage unknown", 'label = "Chronic fatigue syndrome"', 'label = "CFS"\nstages = ["z"]'),
    (
        "criterion stage outside screening",
        'stages = ["title-abstract", "full-text"]',
        'stages = ["full-text"]\n[[exclusion]]\nid = "E0"\nlabel = "x"\n'
        'stages = ["title-abstract"]\n[screening2]',
    ),
    ("keywords not list", 'keywords = ["review"]', 'keywords = "review"'),
    ("keywords not text", 'keywords = ["review"]', "keywords = [1]"),
    ("no keywords", 'keywords = ["review"]\n', ""),
    ("label padded", 'label = "Chronic fatigue syndrome"', 'label = "  Chronic fatigue syndrome  "'),
    ("dedup thresholds", "[[inclusion]]\n", "[dedup]\nauto = 0.9\npossible = 1\n\n[[inclusion]]\n"),
    ("dedup text", "[[inclusion]]\n", '[dedup]\nauto = "high"\n\n[[inclusion]]\n'),
    ("title padded", 'title = "Low', 'title = "  Low'),
]

MINI_REVIEWER = '[[reviewers]]\ninitials = "AB"\n\n'
MINI = (
    '[review]\ntitle = "T"\nquestion = "Q"\n\n'
    + MINI_REVIEWER
    + '[screening]\nreviewers_per_record = 1\n\n[[exclusion]]\nid = "E1"\nlabel = "x"\n'
)
# (name, whole text): mistakes the example cannot be edited into (top-level keys come first in TOML).
TEXTS: list[tuple[str, str]] = [
    ("minimal", MINI),
    ("reviewers empty", "reviewers = []\n" + MINI.replace(MINI_REVIEWER, "")),
    ("reviewer not a table", "reviewers = [1]\n" + MINI.replace(MINI_REVIEWER, "")),
    ("no reviewers at all", MINI.replace(MINI_REVIEWER, "")),
    ("inclusion not a list", 'inclusion = "x"\n' + MINI),
    ("exclusion not a list", 'exclusion = "x"\n' + MINI.split("[[exclusion]]")[0]),
    ("no exclusion", MINI.split("[[exclusion]]")[0]),
    ("exclusion item not a table", "exclusion = [1]\n" + MINI.split("[[exclusion]]")[0]),
    (
        "screening not a table",
        "screening = 1\n" + MINI.replace("[screening]\nreviewers_per_record = 1\n", ""),
    ),
    ("default reviewers per record", MINI.replace("reviewers_per_record = 1\n", "")),
    ("dedup not a table", "dedup = 1\n" + MINI),
    ("dedup empty", MINI + "\n[dedup]\n"),
    ("review text", 'review = "x"\n' + MINI.replace('[review]\ntitle = "T"\nquestion = "Q"\n', "")),
]


def _edited(name: str, old: str, new: str) -> tuple[str, str]:
    text = EXAMPLE.read_text(encoding="utf-8")
    if old:
        assert old in text, name
        text = text.replace(old, new, 1)
    return name, text


def _outcome(name: str, text: str) -> str:
    try:
        p = parse_protocol(text, "p.toml")
    except ProtocolError as exc:
        return f"{name}: error line {exc.line}: {exc}"
    except Exception as exc:  # pinned too: a restructuring must not turn a crash into something else
        return f"{name}: {type(exc).__name__}"
    shown = [
        f"{name}: {p.title!r} {p.question[:30]!r}",
        f"  reviewers {p.reviewers!r}",
        f"  rules {p.rules!r}",
        f"  inclusion {p.inclusion!r}",
        f"  exclusion {p.exclusion!r}",
        f"  dedup {p.dedup!r}",
    ]
    return "\n".join(shown)


def test_protocol_cases_golden() -> None:
    cases = [_edited(*case) for case in CASES] + TEXTS
    got = "\n".join(_outcome(name, text) for name, text in cases) + "\n"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        GOLDEN.write_bytes(got.encode("utf-8"))
        return
    if not GOLDEN.exists():
        pytest.fail(f"golden file {GOLDEN} missing; run with UPDATE_GOLDEN=1 to create it")
    assert got == GOLDEN.read_bytes().decode("utf-8")
