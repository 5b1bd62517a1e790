"""What every command shares: one-line user errors, opening the review, progress, -o FILE."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from screener.core.models import Stage

if TYPE_CHECKING:
    from screener.store import Store

EXIT_USER = 1


class UserError(click.ClickException):
    """An error the user can fix; shown as one line."""

    def format_message(self) -> str:
        return self.message


def fail(message: str) -> UserError:
    return UserError(message)


@contextmanager
def open_review(ctx: click.Context, *, create: bool = False) -> Iterator[Store]:
    from screener.store import StoreError, open_store

    try:
        store = open_store(ctx.obj["db"], create=create)
    except StoreError as exc:
        raise fail(str(exc)) from None
    if store.backup_path:
        click.echo(f"upgraded the review's schema; backup of the old file: {store.backup_path}", err=True)
    try:
        yield store
    except StoreError as exc:
        raise fail(str(exc)) from None
    finally:
        store.close()


def run_app(store: Store, welcome: str | None = None) -> None:
    from screener.tui.app import make_app

    make_app(store, welcome=welcome).run()


@contextmanager
def progress_bar(label: str, show: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar with items/s on stderr, for long runs in a terminal."""
    import time

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    if not show or not console.is_terminal:
        yield None
        return
    started = time.perf_counter()
    with Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None, rate="")

        def update(done: int, total: int) -> None:
            rate = done / max(time.perf_counter() - started, 1e-6)
            bar.update(task, completed=done, total=total or None, rate=f"{rate:,.0f}/s")

        yield update


def OUTPUT_OPTION(command: Callable[..., None]) -> Callable[..., None]:  # noqa: N802 - used like the options
    """``-o FILE`` and ``--force``: a file to write instead of stdout, replacing one only when forced."""
    command = click.option(
        "--force",
        "force_output",
        is_flag=True,
        help="Replace the output file if it exists (never a database).",
    )(command)
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, path_type=Path),
        help="File to write (default: stdout).",
    )(command)


STAGE_OPTION = click.option(
    "--stage",
    type=click.Choice([s.value for s in Stage]),
    default=Stage.TITLE_ABSTRACT.value,
    show_default=True,
    help="Screening stage.",
)


def check_output_file(ctx: click.Context, output: Path | None, force: bool) -> None:
    """Refuse ``-o`` over the review's database, any SQLite file, or an existing file without --force."""
    from screener.core.output import OutputError, check_output
    from screener.store import database_url, sqlite_path

    if output is None:
        return
    review = sqlite_path(database_url(ctx.obj["db"]))
    try:
        check_output(output, force=force, protected=[review] if review else [])
    except OutputError as exc:
        raise fail(str(exc)) from None


def write_output(ctx: click.Context, text: str, output: Path | None, force: bool) -> None:
    from screener.core.output import OutputError, write_atomic

    if output is None:
        click.echo(text, nl=False)
        return
    check_output_file(ctx, output, force)  # again: the file may have appeared while the export ran
    try:
        write_atomic(output, text)
    except OutputError as exc:
        raise fail(str(exc)) from None
    click.echo(f"wrote {output}", err=True)
