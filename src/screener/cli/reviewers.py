"""The reviewer commands: list, passphrase, add (PostgreSQL mode), rename, remove, lead."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from screener.cli.common import fail, open_review
from screener.cli.identity import NEW_PASSPHRASE_ENV, lead_by, new_passphrase, prove

if TYPE_CHECKING:
    from screener.store import Store


@click.group()
def reviewer() -> None:
    """The review's reviewers: list them, set passphrases, rename, remove, hand over the lead role."""


def _about_one_reviewer(name: str, *, by_help: str) -> Callable[[Callable[..., None]], click.Command]:
    """``screener reviewer NAME INITIALS [--by INITIALS]``: a command about one reviewer, run by ``--by``."""

    def register(command: Callable[..., None]) -> click.Command:
        command = click.option("--by", "by", help=by_help)(click.pass_context(command))
        return reviewer.command(name)(click.argument("initials")(command))

    return register


@reviewer.command("list")
@click.pass_context
def reviewer_list(ctx: click.Context) -> None:
    """Every reviewer with role, whether a passphrase is set, and their decision count (removed ones too)."""
    with open_review(ctx) as store:
        click.echo(f"{'initials':<9} {'role':<9} {'passphrase':<10} {'decisions':>9}  name")
        for r in store.reviewer_list():
            click.echo(
                f"{r.initials:<9} {r.role:<9} {'set' if r.has_passphrase else 'not set':<10} "
                f"{r.decisions:>9}  {r.name}"
            )


@_about_one_reviewer(
    "passphrase", by_help="The lead, when setting a reviewer's first passphrase (default: the lead)."
)
def reviewer_passphrase(ctx: click.Context, initials: str, by: str | None) -> None:
    """Set or change a reviewer's passphrase.

    \b
    A reviewer changes their own: the current one, then the new one twice.
    The lead sets each reviewer's first one: the lead's, then the new one twice.
    Scripts: $SCREENER_PASSPHRASE (current, or the lead's) and $SCREENER_NEW_PASSPHRASE.
    """
    from screener.core.passphrase import hash_passphrase

    with open_review(ctx) as store:
        initials = store.check_reviewer(initials, "reviewer")
        current = store.passphrase_hash(initials)
        if current is not None:
            if by is not None and store.protocol().initials(by) != initials:
                raise fail(
                    f"{initials} already has a passphrase: only {initials} can change it (proving the "
                    "current one); --by is for setting a first one"
                )
            prove(store, initials)
            new = new_passphrase(initials, NEW_PASSPHRASE_ENV, f"new passphrase for {initials}")
            store.set_passphrase(initials, hash_passphrase(new), by=initials, replacing=current)
            click.echo(f"passphrase changed for {initials}")
            return
        leads = [r.initials for r in store.protocol().reviewers if r.role == "lead"]
        if initials in leads and by in (None, initials):  # the lead's own first passphrase
            new = new_passphrase(
                initials, NEW_PASSPHRASE_ENV, f"{initials} (the lead) has no passphrase yet: choose one"
            )
            store.set_passphrase(initials, hash_passphrase(new), by=initials)
            click.echo(f"passphrase set for {initials}")
            return
        by = lead_by(store, by)
        new = new_passphrase(initials, NEW_PASSPHRASE_ENV, f"first passphrase for {initials}")
        store.set_passphrase(initials, hash_passphrase(new), by=by)
        click.echo(
            f"passphrase set for {initials} by {by}: tell it to {initials} in person; they can change it "
            f"with 'screener reviewer passphrase {initials}'"
        )


ROLE_PASSWORD_ENV = "SCREENER_ROLE_PASSWORD"


@reviewer.command("add")
@click.argument("initials")
@click.option("--name", default="", help="Their full name, when they are added to the protocol.")
@click.option("--login", help="Name of their login role (default: the initials in lower case, e.g. zl).")
@click.option("--by", "by", help="The lead (default: the protocol's lead).")
@click.pass_context
def reviewer_add(ctx: click.Context, initials: str, name: str, login: str | None, by: str | None) -> None:
    """PostgreSQL mode: a login role of their own for a reviewer (the lead only).

    \b
    Adds them to the protocol first if they are not in it. Run as the lead's role, which
    owns the review and may create roles. The new role's password is typed twice at a
    hidden prompt, or taken from $SCREENER_ROLE_PASSWORD (scripts); empty means none (the
    server's pg_hba.conf then decides how the role logs in). From then on the server itself
    keeps that role to its own reviewer's rows and to what blinding allows.
    """
    with open_review(ctx) as store:
        if not store.server_derived:
            raise fail(
                "reviewer logins exist only in PostgreSQL mode (--db postgresql+psycopg://...): an SQLite "
                "review is one file that any program can open"
            )
        by = lead_by(store, by)
        password = os.environ.get(ROLE_PASSWORD_ENV)
        if password is None:
            try:
                password = click.prompt(
                    f"password of the new login role for {initials} (empty: none)",
                    hide_input=True,
                    confirmation_prompt="Type it again",
                    default="",
                    show_default=False,
                    err=True,
                )
            except click.Abort:
                raise fail(f"no password given for {initials}'s role: nothing was changed") from None
        initials, role, created, added = store.add_reviewer(
            initials, by=by, name=name, login=login, password=password or None
        )
        if added:
            click.echo(f"added {initials} to the protocol (logged as a protocol change by {by})")
        if created:
            click.echo(
                f"created login role {role} for {initials} "
                + ("with a password" if password else "without a password (pg_hba.conf decides)")
            )
        else:
            click.echo(
                f"login role {role} existed already (its password was left as it was): it is now {initials}"
            )
        click.echo(f"{initials} connects as: screener --db {store.url_as(role)} screen --reviewer {initials}")


@reviewer.command("rename")
@click.argument("old")
@click.argument("new")
@click.option("--by", "by", help="The lead (default: the protocol's lead).")
@click.pass_context
def reviewer_rename(ctx: click.Context, old: str, new: str, by: str | None) -> None:
    """Give a reviewer new initials: their decisions, notes, votes and passphrase follow (the lead only)."""
    with open_review(ctx) as store:
        old, by = _named_by_lead(store, old, by)
        count = store.rename_reviewer(old, new.strip(), by=by)
        click.echo(
            f"renamed {old} to {new.strip()}: their {count} decisions and their history now carry the new "
            "initials; the protocol change is logged"
        )


@_about_one_reviewer("remove", by_help="The lead (default: the protocol's lead).")
def reviewer_remove(ctx: click.Context, initials: str, by: str | None) -> None:
    """Take a reviewer off the review: their decisions and history stay, they can no longer act
    (the lead only)."""
    with open_review(ctx) as store:
        initials, by = _named_by_lead(store, initials, by)
        count = store.remove_reviewer(initials, by=by)
        click.echo(
            f"removed {initials} from the review: their {count} decisions stay in the log and still count; "
            f"{initials} can no longer act in this review"
        )


@_about_one_reviewer("lead", by_help="The current lead (default: the protocol's lead).")
def reviewer_lead(ctx: click.Context, initials: str, by: str | None) -> None:
    """Hand the lead role to another reviewer (the current lead only, proven by their passphrase)."""
    with open_review(ctx) as store:
        initials, by = _named_by_lead(store, initials, by)
        if initials == by:
            raise fail(f"{by} is already the lead")
        store.hand_lead(initials, by=by)
        click.echo(f"{initials} is now the review's lead ({by} stays a reviewer)")


def _named_by_lead(store: Store, initials: str, by: str | None) -> tuple[str, str]:
    """The reviewer a lead-only command names (checked first), and the lead, proven."""
    return store.check_reviewer(initials, "reviewer"), lead_by(store, by)
