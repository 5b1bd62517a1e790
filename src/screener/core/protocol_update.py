"""A change of a review's protocol (``screener protocol update``): checked, then described.

Decisions name exclusion reasons by id, so a reason keeps its decisions when it is
relabelled or moved (its key number changes with its place). A reason that decisions
use cannot disappear unless it is mapped to another one (``--map E4=E2``): the decision
log is append-only, so the mapping is kept in the protocol change log and applied when
reasons are read (see :attr:`screener.core.protocol.Protocol.aliases`). A retired id
cannot come back as a new criterion: its old decisions would change meaning.

Reviewers are not changed here (``screener reviewer`` does that).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import TypeVar

from screener.core.protocol import Criterion, Protocol, ProtocolError, ReviewerSpec, _Locator

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ProtocolUpdate:
    """A checked change: what it changes (one line each) and the reasons it maps."""

    lines: tuple[str, ...]
    mapping: dict[str, str]

    @property
    def summary(self) -> str:
        return "\n".join(self.lines)


def parse_mapping(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """``["E4=E2", ...]`` -> {"E4": "E2"}; ValueError naming the bad item."""
    out: dict[str, str] = {}
    for item in items:
        old, sep, new = (x.strip() for x in item.partition("="))
        if not sep or not old or not new:
            raise ValueError(f"--map wants OLD=NEW reason ids (e.g. E4=E2), got '{item}'")
        if old in out and out[old] != new:
            raise ValueError(f"--map {old} is given twice ({out[old]} and {new})")
        out[old] = new
    return out


def _q(text: str) -> str:
    return f'"{text}"'


def _reviewer_changes(old: tuple[ReviewerSpec, ...], new: tuple[ReviewerSpec, ...]) -> list[str]:
    before = {r.initials: r for r in old}
    after = {r.initials: r for r in new}
    out = [f"added {i}" for i in after if i not in before]
    out += [f"removed {i}" for i in before if i not in after]
    out += [f"changed {i}" for i in after if i in before and after[i] != before[i]]
    if not out and [r.initials for r in old] != [r.initials for r in new]:
        out.append("reordered")
    return out


def _criteria_lines(
    kind: str,
    old: tuple[Criterion, ...],
    new: tuple[Criterion, ...],
    mapping: Mapping[str, str],
    labels: Mapping[str, str],
) -> list[str]:
    before = {c.id: c for c in old}
    after = {c.id: c for c in new}
    numbers = {c.id: n for n, c in enumerate(new, start=1)}
    out = []
    for c in new:
        if c.id not in before:
            key = f" (key {numbers[c.id]})" if kind == "exclusion" else ""
            out.append(f"added {kind} {c.id} {_q(c.label)}{key}")
    for c in old:
        if c.id not in after:
            to = mapping.get(c.id)
            then = f"; its decisions count as {to} {_q(labels[to])}" if to else ""
            out.append(f"removed {kind} {c.id} {_q(c.label)}{then}")
    for c in new:
        was = before.get(c.id)
        if was is not None:
            out += _changed_lines(was, c)
    if kind == "exclusion":
        out += _renumbered_lines(old, numbers)
    return out


def _changed_lines(was: Criterion, c: Criterion) -> list[str]:
    """How criterion ``c`` differs from what it ``was``: label, stages, keywords."""
    out = _changed(f"relabelled {c.id}", was.label, c.label, _q)
    out += _changed(f"{c.id} stages", was.stages, c.stages, ", ".join)
    added = [k for k in c.keywords if k not in was.keywords]
    removed = [k for k in was.keywords if k not in c.keywords]
    if added or removed:
        parts = ([f"added {', '.join(map(_q, added))}"] if added else []) + (
            [f"removed {', '.join(map(_q, removed))}"] if removed else []
        )
        out.append(f"{c.id} keywords: {'; '.join(parts)}")
    return out


def _renumbered_lines(old: tuple[Criterion, ...], numbers: Mapping[str, int]) -> list[str]:
    """The exclusion reasons whose key number changed (``numbers``: id -> new number)."""
    was_number = {c.id: n for n, c in enumerate(old, start=1)}
    moved = [
        f"{cid} {was_number[cid]} -> {n}"
        for cid, n in numbers.items()
        if cid in was_number and was_number[cid] != n
    ]
    return [f"renumbered (keys): {', '.join(moved)}"] if moved else []


def _shown(value: object) -> str:
    """A [screening] value as the change lines show it: lists joined, switches in lower case."""
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _option_lines(old: Protocol, new: Protocol) -> list[str]:
    out = _changed("title", old.title, new.title, _q) + _changed("question", old.question, new.question, _q)
    for f in fields(old.rules):
        out += _changed(
            f"[screening] {f.name}",
            getattr(old.rules, f.name),
            getattr(new.rules, f.name),
            lambda v: _shown(v) or "(none)",
        )
    for key in sorted(set(old.dedup) | set(new.dedup)):
        out += _changed(f"[dedup] {key}", old.dedup.get(key), new.dedup.get(key), _threshold)
    return out


def _threshold(value: float | None) -> str:
    return "default" if value is None else f"{value}"


def _changed(what: str, before: _T, after: _T, show: Callable[[_T], str]) -> list[str]:
    """``what: before -> after`` (each as ``show`` writes it) when they differ, else nothing."""
    return [f"{what}: {show(before)} -> {show(after)}"] if before != after else []


def plan_update(
    old: Protocol,
    new: Protocol,
    mapping: Mapping[str, str],
    used: Mapping[str, int],
    stages_used: Mapping[str, int],
    path: str,
) -> ProtocolUpdate:
    """Check that ``new`` can replace ``old`` and describe the change.

    Args:
        old: the review's protocol now (with its ``aliases``).
        new: the protocol read from ``path``.
        mapping: retired reason id -> reason of ``new`` its decisions count as.
        used: reason id (as it counts now) -> decisions and resolutions naming it.
        stages_used: stage -> decisions at that stage.
        path: the file, for error messages.

    Raises:
        ProtocolError: one line naming the file (and the line where there is one).
    """
    loc = _Locator(new.text, path)
    changed = _reviewer_changes(old.reviewers, new.reviewers)
    if changed:
        raise ProtocolError(
            path,
            loc.table("reviewers", 0),
            f"reviewers differ from the review's ({', '.join(changed)}): 'protocol update' leaves "
            "reviewers alone; change them with 'screener reviewer', then copy "
            "'screener protocol show'",
        )
    for stage, n in stages_used.items():
        if n and stage not in new.rules.stages:
            raise ProtocolError(
                path,
                loc.key("stages", loc.table("screening")),
                f"stage '{stage}' has {n} decision(s): it cannot leave [screening] stages",
            )
    new_ids = {c.id for c in (*new.inclusion, *new.exclusion)}
    for kind, items in (("inclusion", new.inclusion), ("exclusion", new.exclusion)):
        for i, c in enumerate(items):
            if c.id in old.aliases:
                raise ProtocolError(
                    path,
                    loc.key("id", loc.table(kind, i)),
                    f"'{c.id}' is a retired reason (its decisions count as {old.aliases[c.id]}): "
                    "give this criterion another id",
                )
    old_reasons = {c.id: c for c in old.exclusion}
    new_reasons = {c.id: c for c in new.exclusion}
    for was, now in mapping.items():
        if was not in old_reasons:
            raise ProtocolError(
                path,
                None,
                f"--map {was}={now}: {was} is not an exclusion reason of the review "
                f"(reasons: {', '.join(old_reasons)})",
            )
        if was in new_ids:
            raise ProtocolError(
                path,
                None,
                f"--map {was}={now}: {was} is still in this file (map only the reasons the file removes)",
            )
        if now not in new_reasons:
            raise ProtocolError(
                path,
                None,
                f"--map {was}={now}: {now} is not an exclusion reason in this file "
                f"(reasons: {', '.join(new_reasons)})",
            )
    for cid, c in old_reasons.items():
        if cid not in new_reasons and used.get(cid) and cid not in mapping:
            raise ProtocolError(
                path,
                None,
                f"reason {cid} {_q(c.label)} is used by {used[cid]} decision(s) but this file removes "
                f"it: keep it, or map its decisions to another reason with --map {cid}=ID "
                f"(one of {', '.join(new_reasons)})",
            )
    labels = {c.id: c.label for c in new.exclusion}
    lines = _option_lines(old, new)
    lines += _criteria_lines("inclusion", old.inclusion, new.inclusion, mapping, labels)
    lines += _criteria_lines("exclusion", old.exclusion, new.exclusion, mapping, labels)
    if not lines and old.text != new.text:
        lines.append("comments or layout only")
    return ProtocolUpdate(tuple(lines), dict(mapping))


def compose_aliases(aliases: Mapping[str, str], mapping: Mapping[str, str]) -> dict[str, str]:
    """The aliases after one more change: earlier retired ids follow the new mapping too."""
    out = {old: mapping.get(new, new) for old, new in aliases.items()}
    out.update(mapping)
    return out
