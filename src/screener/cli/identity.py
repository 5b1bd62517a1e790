"""Who runs a command: a reviewer proves to be them with their passphrase."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import click

from screener.cli.common import fail

if TYPE_CHECKING:
    from screener.store import Store

PASSPHRASE_ENV = "SCREENER_PASSPHRASE"
NEW_PASSPHRASE_ENV = "SCREENER_NEW_PASSPHRASE"


def prove(store: Store, initials: str | None, what: str = "--reviewer", *, lead: bool = False) -> str:
    """The reviewer's initials once the person running the command has proven to be them.

    The one check behind every command that acts as a reviewer or reads one reviewer's
    data: the passphrase is typed at a hidden prompt, or taken from $SCREENER_PASSPHRASE
    (scripts). A reviewer without one yet (a review from before passphrases, or one the
    lead has not set up) chooses it now. Anything wrong is one line and exit 1, before
    anything is written.
    """
    from screener.core.passphrase import hash_passphrase, verify

    initials = store.check_reviewer(initials, what, lead=lead)
    stored = store.passphrase_hash(initials)
    if stored is None:
        new = new_passphrase(initials, PASSPHRASE_ENV, f"{initials} has no passphrase yet: choose one")
        store.set_passphrase(initials, hash_passphrase(new), by=initials)
        if PASSPHRASE_ENV not in os.environ:  # a script chose it: its output stays as it was
            click.echo(
                f"passphrase set for {initials}: it is asked each time someone acts as {initials}", err=True
            )
        return initials
    if not verify(ask_passphrase(initials, f"passphrase for {initials}"), stored):
        raise fail(f"wrong passphrase for {initials}: nothing was done")
    return initials


def ask_passphrase(initials: str, prompt: str) -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    if value is None:
        try:
            value = click.prompt(prompt, hide_input=True, default="", show_default=False, err=True)
        except click.Abort:
            value = ""
    if not value:
        raise fail(
            f"no passphrase given for {initials}: type it at the prompt, or set ${PASSPHRASE_ENV} "
            "in scripts; nothing was done"
        )
    return value


def new_passphrase(initials: str, env: str, prompt: str) -> str:
    """A new passphrase for ``initials``: from ``env`` (scripts) or typed twice at a hidden prompt."""
    from screener.core.passphrase import weakness

    value = os.environ.get(env)
    if value is None:
        try:
            value = click.prompt(prompt, hide_input=True, confirmation_prompt="Type it again", err=True)
        except click.Abort:
            raise fail(f"no new passphrase given for {initials}: nothing was changed") from None
    problem = weakness(value)
    if problem:
        raise fail(f"new passphrase for {initials} refused: {problem}; nothing was changed")
    return value


def known_reviewer(store: Store, reviewer: str) -> str:
    """A screening reviewer's initials as the protocol spells them (typed in any case), once proven."""
    reviewer = store.protocol().initials(reviewer)
    names = store.screening_reviewers()
    if reviewer not in names:
        if store.removed_reviewer(reviewer):
            store.check_reviewer(reviewer, "--reviewer")  # says they were removed
        raise fail(f"unknown reviewer '{reviewer}': the protocol names {', '.join(names)}")
    return prove(store, reviewer)


def lead_by(store: Store, by: str | None) -> str:
    """The current lead, proven: ``--by``, or the protocol's only lead when not given."""
    leads = [r.initials for r in store.protocol().reviewers if r.role == "lead"]
    return prove(store, by or (leads[0] if len(leads) == 1 else None), "--by", lead=True)
