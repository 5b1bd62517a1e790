"""`o` (open the PDF) says what is really wrong: no such file, no program to open it, or the opener failed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from screener.tui import opener
from screener.tui.opener import opener_problem


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "younger2013.pdf"
    path.write_bytes(b"%PDF-1.4\n")
    return path


def _fake_opener(folder: Path, code: int) -> None:
    folder.mkdir(exist_ok=True)
    script = folder / "xdg-open"
    script.write_text(f"#!/bin/sh\nexit {code}\n", encoding="utf-8")
    os.chmod(script, 0o755)


def test_no_pdf_program_is_named_as_such(pdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(opener.sys, "platform", "linux")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    problem = opener_problem(str(pdf))
    assert problem is not None and problem.startswith("No program to open PDFs: xdg-open is not installed")
    assert "does not exist" not in problem and str(pdf) in problem


def test_a_missing_file_and_a_failing_opener(pdf: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(opener.sys, "platform", "linux")
    bin_dir = tmp_path / "bin"
    _fake_opener(bin_dir, 3)  # xdg-open: "a required tool could not be found"
    monkeypatch.setenv("PATH", str(bin_dir))
    assert (
        opener_problem(str(tmp_path / "gone.pdf"))
        == f"{tmp_path / 'gone.pdf'} does not exist: press r to record where the PDF is"
    )
    assert opener_problem(str(pdf)) == f"xdg-open could not open {pdf} (exit 3): is a PDF viewer installed?"
    _fake_opener(bin_dir, 0)
    assert opener_problem(str(pdf)) is None
    assert opener_problem("https://example.org/paper.pdf") is None  # URLs are not checked on disk
