"""The review protocol: a TOML file a reviewer can read and edit.

A protocol names the review, its reviewers, its stages and its criteria. Exclusion
criteria become the numbered exclusion reasons (1, 2, 3 ... in the order written), which
is what the screening keys ``e`` then ``1``-``9`` refer to.

Errors name the file, the line and what is wrong, in one line, because the people who
edit these files are clinicians and research assistants, not programmers. ``tomllib``
reports syntax errors with a position but gives no positions for values, so semantic
errors are located by scanning the text for the table or key they concern.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from screener.core.conflicts import MaybePolicy
from screener.core.models import Stage

STAGES = tuple(s.value for s in Stage)
MAYBE_POLICIES = ("conflict", "include")
RESOLUTION_METHODS = ("consensus", "arbiter")
ORDERS = ("import", "random", "relevance")


class ProtocolError(ValueError):
    """A protocol that cannot be used; ``str()`` is one line naming file and line."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class Criterion:
    """One inclusion or exclusion criterion."""

    id: str
    label: str
    kind: str  # "inclusion" | "exclusion"
    stages: tuple[str, ...] = STAGES
    keywords: tuple[str, ...] = ()

    def applies_to(self, stage: Stage | str) -> bool:
        return Stage(stage).value in self.stages


@dataclass(frozen=True, slots=True)
class ReviewerSpec:
    """A reviewer named in the protocol."""

    initials: str
    name: str = ""
    role: str = "reviewer"  # "reviewer" | "lead" | "arbiter"


@dataclass(frozen=True, slots=True)
class ScreeningRules:
    """How screening works for this review (see the example protocol for each field)."""

    stages: tuple[str, ...] = STAGES
    reviewers_per_record: int = 2
    maybe: MaybePolicy = "conflict"
    reasons_must_match: tuple[str, ...] = ("full-text",)
    exclude_without_reason: tuple[str, ...] = ("title-abstract",)
    resolution: str = "consensus"
    arbiter: str | None = None
    order: str = "import"
    seed: int = 0
    stop_early: bool = False
    show_scores: bool = False


@dataclass(frozen=True, slots=True)
class Protocol:
    """A parsed, validated protocol."""

    title: str
    question: str
    reviewers: tuple[ReviewerSpec, ...]
    inclusion: tuple[Criterion, ...]
    exclusion: tuple[Criterion, ...]
    rules: ScreeningRules = field(default_factory=ScreeningRules)
    dedup: dict[str, float] = field(default_factory=dict)
    text: str = ""
    #: Retired reason id -> the reason it was mapped to by ``protocol update --map`` (chains
    #: followed). Filled in by the store from the change log, never written in the TOML.
    aliases: dict[str, str] = field(default_factory=dict)

    @property
    def reviewer_initials(self) -> tuple[str, ...]:
        return tuple(r.initials for r in self.reviewers)

    def initials(self, typed: str) -> str:
        """The protocol's spelling of initials typed in any case ('na' -> 'NA'); unknown ones as typed."""
        folded = typed.strip().casefold()
        return next((r.initials for r in self.reviewers if r.initials.casefold() == folded), typed)

    def exclusion_reasons(self, stage: Stage | str) -> list[tuple[int, Criterion]]:
        """The numbered exclusion reasons for a stage: (number from 1, criterion)."""
        return [(n, c) for n, c in enumerate(self.exclusion, start=1) if c.applies_to(stage)]

    def criterion(self, cid: str) -> Criterion | None:
        """The criterion with this id (a retired reason id gives the reason it was mapped to)."""
        cid = self.aliases.get(cid, cid)
        for c in (*self.inclusion, *self.exclusion):
            if c.id == cid:
                return c
        return None

    def reason_ids(self, reasons: Iterable[str]) -> tuple[str, ...]:
        """Reason ids as they count now: retired ids replaced by their mapping, each once, in order."""
        return tuple(dict.fromkeys(self.aliases.get(r, r) for r in reasons))

    def ids_counted_as(self, reason: str) -> tuple[str, ...]:
        """The ids decisions may hold for a reason: itself and the retired ids mapped to it."""
        return (reason, *sorted(old for old, new in self.aliases.items() if new == reason))


class _Locator:
    """Finds the line of a table or key in the TOML text, for error messages."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = text.splitlines()
        self.path = path

    def fail(self, line: int | None, message: str) -> ProtocolError:
        """The error to raise for ``message`` at ``line`` of this file."""
        return ProtocolError(self.path, line, message)

    def table(self, name: str, index: int | None = None) -> int | None:
        pat = re.compile(
            rf"^\s*\[\[\s*{re.escape(name)}\s*\]\]"
            if index is not None
            else rf"^\s*\[\s*{re.escape(name)}\s*\]"
        )
        seen = -1
        for n, line in enumerate(self.lines, start=1):
            if pat.match(line):
                seen += 1
                if index is None or seen == index:
                    return n
        return None

    def key(self, key: str, after: int | None) -> int | None:
        start = (after or 1) - 1
        pat = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for n in range(start, len(self.lines)):
            if n > start and self.lines[n].lstrip().startswith("["):
                break
            if pat.match(self.lines[n]):
                return n + 1
        return after


def _str_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def parse_protocol(text: str, path: str = "protocol.toml") -> Protocol:
    """Parse and validate protocol TOML text.

    Args:
        text: the TOML text.
        path: the file name to put in error messages.

    Returns:
        The validated protocol.

    Raises:
        ProtocolError: naming the file, the line and what is wrong.
    """
    data = _toml(text, path)
    loc = _Locator(text, path)
    title, question = _parse_review(data, loc)
    reviewers = _parse_reviewers(data, loc)
    rules = _parse_rules(data.get("screening", {}), loc, {r.initials for r in reviewers})
    inclusion, exclusion = _parse_criteria(data, loc, rules)
    dedup = data.get("dedup", {})
    if not isinstance(dedup, dict) or not all(isinstance(v, (int, float)) for v in dedup.values()):
        raise loc.fail(loc.table("dedup"), "[dedup] holds numeric thresholds only")
    return Protocol(title, question, reviewers, inclusion, exclusion, rules, dict(dedup), text)


def _toml(text: str, path: str) -> dict[str, Any]:
    """The TOML document; a syntax error becomes a ProtocolError at its line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        raise ProtocolError(path, int(m.group(1)) if m else None, f"not valid TOML: {msg}") from None


def _parse_review(data: dict[str, Any], loc: _Locator) -> tuple[str, str]:
    """The review's title and question, stripped."""
    review = data.get("review")
    if not isinstance(review, dict):
        raise loc.fail(None, "missing [review] table with title and question")
    rline = loc.table("review")
    for key in ("title", "question"):
        if not isinstance(review.get(key), str) or not review[key].strip():
            raise loc.fail(rline, f"[review] needs a '{key}' (text)")
    return review["title"].strip(), review["question"].strip()


def _parse_reviewers(data: dict[str, Any], loc: _Locator) -> tuple[ReviewerSpec, ...]:
    """The [[reviewers]], each with valid initials (unique in any case) and a known role."""
    reviewers: list[ReviewerSpec] = []
    raw_reviewers = data.get("reviewers")
    if not isinstance(raw_reviewers, list) or not raw_reviewers:
        raise loc.fail(None, "missing [[reviewers]]: name at least one reviewer with initials")
    for i, r in enumerate(raw_reviewers):
        line = loc.table("reviewers", i)
        initials = r.get("initials") if isinstance(r, dict) else None
        if not isinstance(initials, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,15}", initials):
            raise loc.fail(line, "reviewer needs 'initials' (letters and digits, e.g. \"NA\")")
        # Initials are typed in any case.
        if initials.casefold() in {x.initials.casefold() for x in reviewers}:
            raise loc.fail(loc.key("initials", line), f"duplicate reviewer initials '{initials}'")
        role = r.get("role", "reviewer")
        if role not in ("reviewer", "lead", "arbiter"):
            raise loc.fail(
                loc.key("role", line), f"unknown reviewer role '{role}' (use reviewer, lead or arbiter)"
            )
        reviewers.append(ReviewerSpec(initials, str(r.get("name", "")), role))
    return tuple(reviewers)


def _parse_criteria(
    data: dict[str, Any], loc: _Locator, rules: ScreeningRules
) -> tuple[tuple[Criterion, ...], tuple[Criterion, ...]]:
    """The [[inclusion]] and [[exclusion]] criteria (ids unique across both); at least one exclusion."""
    seen_ids: set[str] = set()
    groups: dict[str, list[Criterion]] = {"inclusion": [], "exclusion": []}
    for kind, criteria in groups.items():
        items = data.get(kind, [])
        if not isinstance(items, list):
            raise loc.fail(loc.table(kind), f"'{kind}' must be a list of [[{kind}]] tables")
        for i, c in enumerate(items):
            criterion = _parse_criterion(c, kind, i, loc, rules, seen_ids)
            seen_ids.add(criterion.id)
            criteria.append(criterion)
    if not groups["exclusion"]:
        raise loc.fail(
            None, "no [[exclusion]] criteria: they are the exclusion reasons reviewers choose from"
        )
    return tuple(groups["inclusion"]), tuple(groups["exclusion"])


def _parse_criterion(
    c: Any, kind: str, i: int, loc: _Locator, rules: ScreeningRules, seen_ids: set[str]
) -> Criterion:
    """The ``i``-th criterion of ``kind``; ``seen_ids`` are the ids of the criteria before it."""
    line = loc.table(kind, i)
    for key in ("id", "label"):
        if not isinstance(c.get(key), str) or not c[key].strip():
            raise loc.fail(line, f"{kind} criterion {i + 1} needs '{key}' (text)")
    if c["id"] in seen_ids:
        raise loc.fail(loc.key("id", line), f"duplicate criterion id '{c['id']}'")
    stages = c.get("stages", list(rules.stages))
    if not _str_list(stages) or not stages:
        raise loc.fail(loc.key("stages", line), "'stages' must be a list of stage names")
    for s in stages:
        if s not in rules.stages:
            raise loc.fail(
                loc.key("stages", line),
                f"unknown stage '{s}' in criterion '{c['id']}' (use {', '.join(rules.stages)})",
            )
    keywords = c.get("keywords", [])
    if not _str_list(keywords):
        raise loc.fail(loc.key("keywords", line), "'keywords' must be a list of words or phrases")
    return Criterion(c["id"], c["label"].strip(), kind, tuple(stages), tuple(keywords))


def _parse_rules(raw: Any, loc: _Locator, initials: set[str]) -> ScreeningRules:
    """The [screening] table, checked key by key in the order its errors are reported."""
    line = loc.table("screening")
    if not isinstance(raw, dict):
        raise loc.fail(line, "[screening] must be a table")
    stages = _rule_stages(raw, loc, line)
    n = _reviewers_per_record(raw, loc, line, initials)
    _check_rule_choices(raw, loc, line, initials)
    defaults = ScreeningRules()
    return ScreeningRules(
        stages=tuple(stages),
        reviewers_per_record=n,
        maybe=raw.get("maybe", defaults.maybe),
        reasons_must_match=tuple(raw.get("reasons_must_match", defaults.reasons_must_match)),
        exclude_without_reason=tuple(raw.get("exclude_without_reason", defaults.exclude_without_reason)),
        resolution=raw.get("resolution", defaults.resolution),
        arbiter=raw.get("arbiter"),
        order=raw.get("order", defaults.order),
        seed=raw.get("seed", 0),
        stop_early=raw.get("stop_early", False),
        show_scores=raw.get("show_scores", False),
    )


def _rule_stages(raw: dict[str, Any], loc: _Locator, line: int | None) -> list[str]:
    """The screened stages, after checking that every key is known and every stage list names stages."""
    known = set(ScreeningRules.__dataclass_fields__)
    for key in raw:
        if key not in known:
            raise loc.fail(
                loc.key(key, line),
                f"unknown setting '{key}' in [screening] (known: {', '.join(sorted(known))})",
            )
    stages = raw.get("stages", list(STAGES))
    if not _str_list(stages) or not stages:
        raise loc.fail(loc.key("stages", line), "'stages' must be a list of stage names")
    for key in ("stages", "reasons_must_match", "exclude_without_reason"):
        value = raw.get(key, [])
        if not _str_list(value):
            raise loc.fail(loc.key(key, line), f"'{key}' must be a list of stage names")
        for s in value:
            if s not in STAGES:
                raise loc.fail(loc.key(key, line), f"unknown stage '{s}' (use {', '.join(STAGES)})")
    return stages


def _reviewers_per_record(raw: dict[str, Any], loc: _Locator, line: int | None, initials: set[str]) -> int:
    """``reviewers_per_record``: a whole number from 1 up to the number of reviewers named."""
    n = raw.get("reviewers_per_record", 2)
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise loc.fail(loc.key("reviewers_per_record", line), "'reviewers_per_record' must be 1, 2 or more")
    if n > len(initials):
        raise loc.fail(
            loc.key("reviewers_per_record", line),
            f"'reviewers_per_record' is {n} but only {len(initials)} reviewer(s) are named",
        )
    return n


def _check_rule_choices(raw: dict[str, Any], loc: _Locator, line: int | None, initials: set[str]) -> None:
    """The named choices, the arbiter, the seed and the switches, and how they depend on each other."""
    choices = {"maybe": MAYBE_POLICIES, "resolution": RESOLUTION_METHODS, "order": ORDERS}
    for key, allowed in choices.items():
        if key in raw and raw[key] not in allowed:
            raise loc.fail(loc.key(key, line), f"'{key}' must be one of {', '.join(allowed)}")
    arbiter = raw.get("arbiter")
    if arbiter is not None and arbiter not in initials:
        raise loc.fail(loc.key("arbiter", line), f"arbiter '{arbiter}' is not one of the [[reviewers]]")
    if raw.get("resolution") == "arbiter" and arbiter is None:
        raise loc.fail(loc.key("resolution", line), 'resolution = "arbiter" needs arbiter = "INITIALS"')
    if not isinstance(raw.get("seed", 0), int):
        raise loc.fail(loc.key("seed", line), "'seed' must be a whole number")
    for key in ("stop_early", "show_scores"):
        if not isinstance(raw.get(key, False), bool):
            raise loc.fail(loc.key(key, line), f"'{key}' must be true or false")
    if raw.get("stop_early") and raw.get("order") != "relevance":
        raise loc.fail(loc.key("stop_early", line), "'stop_early' needs order = \"relevance\"")


def load_protocol(path: Path) -> Protocol:
    """Read and parse a protocol file; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ProtocolError(str(path), None, f"cannot read protocol: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ProtocolError(str(path), None, "protocol is not UTF-8 text") from None
    return parse_protocol(text, str(path))


# -- reviewer changes: edits of the protocol text that keep its layout and comments --------------------------


def _reviewer_block(text: str, initials: str) -> tuple[list[str], int, int]:
    """The protocol's lines and the span [start, end) of the ``[[reviewers]]`` table of ``initials``."""
    lines = text.splitlines(keepends=True)
    header = re.compile(r"^\s*\[")
    starts = [n for n, line in enumerate(lines) if re.match(r"^\s*\[\[\s*reviewers\s*\]\]", line)]
    key = re.compile(rf"^\s*initials\s*=\s*[\"']{re.escape(initials)}[\"']\s*(#.*)?$")
    for start in starts:
        end = next((n for n in range(start + 1, len(lines)) if header.match(lines[n])), len(lines))
        if any(key.match(lines[n].rstrip("\r\n")) for n in range(start + 1, end)):
            return lines, start, end
    raise ValueError(
        f'the protocol has no [[reviewers]] table with initials = "{initials}" '
        "(a protocol written another way must be edited by hand)"
    )


def _set_key(line: str, value: str) -> str:
    """``key = "old"  # comment`` with the value replaced, the rest kept."""
    return re.sub(r"^(\s*\w+\s*=\s*)([\"'])[^\"']*\2", lambda m: f'{m.group(1)}"{value}"', line, count=1)


def rename_reviewer(protocol: Protocol, old: str, new: str) -> str:
    """The protocol text with reviewer ``old`` called ``new`` (also as the arbiter); validated."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,15}", new):
        raise ValueError(f"'{new}': initials are letters and digits, e.g. \"NB\"")
    if any(r.initials.casefold() == new.casefold() and r.initials != old for r in protocol.reviewers):
        raise ValueError(f"{new} is already a reviewer of this protocol")
    lines, start, end = _reviewer_block(protocol.text, old)
    for n in range(start + 1, end):
        if re.match(r"^\s*initials\s*=", lines[n]):
            lines[n] = _set_key(lines[n], new)
    if protocol.rules.arbiter == old:
        at = next(
            n
            for n, line in enumerate(lines)
            if re.match(rf"^\s*arbiter\s*=\s*[\"']{re.escape(old)}[\"']", line)
        )
        lines[at] = _set_key(lines[at], new)
    return _checked("".join(lines))


def add_reviewer(protocol: Protocol, initials: str, name: str = "") -> str:
    """The protocol text with a new ``[[reviewers]]`` table for ``initials`` after the last one; validated."""
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]{0,15}", initials):
        raise ValueError(f"'{initials}': initials are letters and digits, e.g. \"NB\"")
    if any(r.initials.casefold() == initials.casefold() for r in protocol.reviewers):
        raise ValueError(f"{initials} is already a reviewer of this protocol")
    lines, _, end = _reviewer_block(protocol.text, protocol.reviewers[-1].initials)
    while end > 0 and not lines[end - 1].strip():  # after the table's own lines, before the blank ones
        end -= 1
    if end and not lines[end - 1].endswith("\n"):
        lines[end - 1] += "\n"
    block = ["\n", "[[reviewers]]\n", f'initials = "{initials}"\n']
    if name:
        block.append(f"name = {json.dumps(name, ensure_ascii=False)}\n")
    return _checked("".join(lines[:end] + block + lines[end:]))


def remove_reviewer(protocol: Protocol, initials: str) -> str:
    """The protocol text without reviewer ``initials`` (not the lead, not the arbiter); validated."""
    spec = next(r for r in protocol.reviewers if r.initials == initials)
    if spec.role == "lead":
        raise ValueError(
            f"{initials} is the review's lead: hand the lead role to another reviewer first "
            "(screener reviewer lead XX)"
        )
    if protocol.rules.arbiter == initials:
        raise ValueError(
            f"{initials} is the protocol's arbiter ([screening] arbiter): name another one first"
        )
    lines, start, end = _reviewer_block(protocol.text, initials)
    return _checked("".join(lines[:start] + lines[end:]))


def hand_lead(protocol: Protocol, new: str) -> str:
    """The protocol text with ``new`` as the only lead (the old lead becomes a reviewer); validated."""
    spec = next(r for r in protocol.reviewers if r.initials == new)
    if spec.role == "arbiter":
        raise ValueError(f"{new} is the arbiter: an arbiter cannot also be the lead")
    text = protocol.text
    for r in protocol.reviewers:
        if r.role == "lead" and r.initials != new:
            text = _set_role(text, r.initials, "reviewer")
    return _checked(_set_role(text, new, "lead"))


def _set_role(text: str, initials: str, role: str) -> str:
    lines, start, end = _reviewer_block(text, initials)
    at = next((n for n in range(start + 1, end) if re.match(r"^\s*role\s*=", lines[n])), None)
    if at is not None:
        lines[at] = _set_key(lines[at], role)
    else:
        after = next(n for n in range(start + 1, end) if re.match(r"^\s*initials\s*=", lines[n]))
        lines.insert(after + 1, f'role = "{role}"\n')
    return "".join(lines)


def _checked(text: str) -> str:
    try:
        parse_protocol(text, "the changed protocol")
    except ProtocolError as exc:
        raise ValueError(exc.message) from None
    return text
