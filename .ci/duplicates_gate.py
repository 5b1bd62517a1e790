"""CI gate: `duplicates` over src/ reports no repeated logic.

What is not logic is blanked out first, line numbers kept, in a copy of src/: module headers
(import statements, however many lines their name lists take), docstrings, the field
declarations of a class body (dataclass, NamedTuple and table columns: names with a type
and a default), and the frozen Alembic migrations (a migration is never edited once shipped,
so two that create alike tables stay alike). `duplicates` then runs over that copy; its
rows marked `boilerplate` (thin punctuation and keywords, or a shape that recurs across a
folder) are listed but do not fail the gate. Every other row is repeated logic and fails it.

Needs the `duplicates` command (the tool library's); where it is not on PATH the gate says
so and fails under CI=true, since a gate that cannot run is not green.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
FROZEN = "screener/store/migrations/versions/"
ROW = re.compile(r"^(D\d+) (\S+):(\d+)-(\d+) ~ (\S+):(\d+)-(\d+)(.*)$")
KEYWORD = re.compile(r"^\s*\w+=.*,$")


def _blank_lines(source: str) -> set[int]:
    """The 1-based lines of a module that hold imports, docstrings or class field declarations."""
    tree = ast.parse(source)
    blank: set[int] = set()

    def span(node: ast.stmt) -> None:
        blank.update(range(node.lineno, (node.end_lineno or node.lineno) + 1))

    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if not isinstance(body, list):
            continue
        if (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            span(body[0])
        if isinstance(node, ast.ClassDef) and all(_is_declaration(stmt) for stmt in body):
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            blank.update(range(first, (node.end_lineno or node.lineno) + 1))
        for stmt in body:
            field = isinstance(node, ast.ClassDef) and isinstance(stmt, ast.AnnAssign)
            table = isinstance(node, ast.Module | ast.ClassDef) and _is_table(stmt)
            if isinstance(stmt, ast.Import | ast.ImportFrom) or field or table:
                span(stmt)
    return blank


def _is_table(stmt: ast.stmt) -> bool:
    """A module or class constant that is a table of literals (key bindings, column names, word lists)."""
    value = stmt.value if isinstance(stmt, ast.Assign | ast.AnnAssign) else None
    return value is not None and _literal(value)


def _literal(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return all(_literal(e) for e in node.elts)
    if isinstance(node, ast.Dict):
        return all(k is None or _literal(k) for k in node.keys) and all(_literal(v) for v in node.values)
    if isinstance(node, ast.Starred):
        return _literal(node.value)
    if isinstance(node, ast.Call):  # a constructor of literals: Binding("q", "quit", "Quit")
        return all(_literal(a) for a in node.args) and all(_literal(k.value) for k in node.keywords)
    return False


def _is_declaration(stmt: ast.stmt) -> bool:
    """A docstring, a field (a name with a type and maybe a default) or `pass`: no behaviour."""
    if isinstance(stmt, ast.Pass | ast.AnnAssign):
        return True
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)


def _blanked_copy(dest: Path) -> None:
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        if rel.as_posix().startswith(FROZEN):
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number in _blank_lines("\n".join(lines)):
            lines[number - 1] = ""
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _fields_only(row: re.Match[str]) -> bool:
    """Both sides are keyword arguments, one a line: a constructor's fields filled in (BibRecord(doi=...))."""
    for path, start, end in (row.group(2, 3, 4), row.group(5, 6, 7)):
        lines = (SRC / path).read_text(encoding="utf-8").splitlines()[int(start) - 1 : int(end)]
        if not all(KEYWORD.match(line) for line in lines if line.strip()):
            return False
    return True


def main() -> int:
    tool = shutil.which("duplicates")
    if tool is None:
        print("duplicates gate: the `duplicates` command is not on PATH; the gate cannot run")
        return 1 if os.environ.get("CI") == "true" else 0
    with tempfile.TemporaryDirectory() as tmp:
        _blanked_copy(Path(tmp))
        result = subprocess.run(
            [tool, "--repo", tmp, "--most", "200", "--seconds", "300"],
            capture_output=True,
            text=True,
            check=False,
        )
    out = result.stdout.splitlines()
    problems = [line for line in out if line.startswith("incomplete:")]
    rows = [ROW.match(line) for line in out]
    thin = [m.group(0) for m in rows if m and ("boilerplate" in m.group(8) or _fields_only(m))]
    logic = [m.group(0) for m in rows if m and m.group(0) not in thin]
    print(f"duplicates gate: {out[0] if out else '(no output)'}")
    print(f"duplicates gate: {len(logic)} repeated logic, {len(thin)} thin or field lists (not counted)")
    for line in logic + problems:
        print(f"  {line}")
    return 1 if logic or problems else 0


if __name__ == "__main__":
    sys.exit(main())
