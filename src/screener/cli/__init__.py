"""The ``screener`` command line: one subcommand per step of the selection process.

User errors are one line on stderr and a non-zero exit code, never a traceback
(set ``SCREENER_DEBUG=1`` to see one for a real bug).
"""

from __future__ import annotations

import os
import sys

import click

from screener import __version__
from screener.cli import dedup, exports, importing, prisma, protocol, ranking, review, reviewers, screening
from screener.cli.common import EXIT_USER, UserError, open_review, run_app
from screener.paths import default_db


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    metavar="PATH|URL",
    default=None,
    help="Review database: an SQLite file (default review.db here, or $SCREENER_DB) "
    "or an SQLAlchemy URL such as postgresql+psycopg://user@host/review.",
)
@click.version_option(__version__, prog_name="screener")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """Screen the records of a systematic review: import, dedup, dual screening, PRISMA 2020.

    With no command, opens the review in the terminal app.
    """
    ctx.ensure_object(dict)
    ctx.obj["db"] = db or default_db()
    if ctx.invoked_subcommand is None:
        with open_review(ctx) as store:
            run_app(store)


for _command in (
    review.init,
    importing.import_,
    importing.source,
    review.status,
    review.demo,
    dedup.dedup,
    screening.screen,
    screening.unblind,
    screening.conflicts,
    screening.agreement,
    reviewers.reviewer,
    protocol.protocol,
    prisma.prisma,
    exports.export,
    ranking.rank,
):
    cli.add_command(_command)


def main() -> None:
    """Entry point: run the CLI, turning user errors into one line and an exit code."""
    try:
        cli.main(prog_name="screener", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("screener: cancelled", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"screener: error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code if not isinstance(exc, UserError) else EXIT_USER)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("screener: cancelled; nothing half-written was kept", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug, not a user error: still one line unless debugging
        if os.environ.get("SCREENER_DEBUG"):
            raise
        click.echo(
            f"screener: internal error: {type(exc).__name__}: {exc} (SCREENER_DEBUG=1 shows details)",
            err=True,
        )
        sys.exit(2)
