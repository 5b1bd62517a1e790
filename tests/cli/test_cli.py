"""The command line as a new user types it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from screener.cli import cli


def run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if k != "SCREENER_DB"}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "screener", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=120,
    )


def _commands(group: click.Group) -> list[str]:
    return sorted(group.commands)


def test_every_command_has_help():
    runner = CliRunner()
    names = _commands(cli)
    for required in ("init", "import", "dedup", "screen", "conflicts", "status", "prisma", "export", "demo"):
        assert required in names
    for name in names:
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage: " in result.output and cli.commands[name].help, name


def test_init_example_then_status(tmp_path: Path):
    """The 'done when' of the foundation issue, typed as a new user would."""
    out = run("init", "--example", "ldn-fibromyalgia", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "review.db").exists()
    assert "created review 'Low-dose naltrexone in the treatment of fibromyalgia'" in out.stdout
    out = run("status", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Review: Low-dose naltrexone in the treatment of fibromyalgia" in out.stdout
    assert "title-abstract  NA" in out.stdout and "full-text       ZL" in out.stdout


def test_screener_db_env_and_flag(tmp_path: Path):
    out = run(
        "init", "--example", "ldn-fibromyalgia", cwd=tmp_path, env={"SCREENER_DB": str(tmp_path / "x.db")}
    )
    assert out.returncode == 0 and (tmp_path / "x.db").exists()
    out = run("--db", str(tmp_path / "x.db"), "status", cwd=tmp_path)
    assert out.returncode == 0 and "x.db" in out.stdout


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (("status",), "no review at", 1),
        (("init",), "init needs exactly one of --protocol FILE or --example NAME", 1),
        (("init", "--example", "nope"), "unknown example 'nope'", 1),
        (("dedup",), "no review at", 1),
        (("prisma", "--format", "csv"), "no review at", 1),
        (("frobnicate",), "No such command 'frobnicate'", 2),
    ],
)
def test_user_errors_are_one_line(tmp_path: Path, args, message, code):
    out = run(*args, cwd=tmp_path)
    assert out.returncode == code
    assert message in out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_init_refuses_to_overwrite(tmp_path: Path):
    assert run("init", "--example", "ldn-fibromyalgia", cwd=tmp_path).returncode == 0
    out = run("init", "--example", "ldn-fibromyalgia", cwd=tmp_path)
    assert out.returncode == 1 and "already exists" in out.stderr
    assert run("init", "--example", "ldn-fibromyalgia", "--force", cwd=tmp_path).returncode == 0


def test_broken_protocol_names_file_and_line(tmp_path: Path):
    proto = tmp_path / "protocol.toml"
    proto.write_text('[review]\ntitle = "t"\nquestion = "q"\n\n[[reviewers]]\ninitials = "A B"\n')
    out = run("init", "--protocol", str(proto), cwd=tmp_path)
    assert out.returncode == 1
    assert f"{proto}:5: reviewer needs 'initials'" in out.stderr
    assert not (tmp_path / "review.db").exists()
