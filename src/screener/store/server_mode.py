"""PostgreSQL mode: one login role per reviewer, the server enforcing what each may read and write.

Migration 0011 puts the rules in the database (row-level security, append-only triggers,
derived tables kept by triggers); this module is the store's side of them: the conflict
rules the server computes outcomes with, the login roles of reviewers and their grants,
and one-line errors when the server refuses something.

A reviewer's role name is their initials in lower case (``ZL`` connects as ``zl``) unless
the lead names another with ``--login`` (one server holding two reviews with a ``ZL`` each,
or a site's own naming). ``screener_login`` maps each role to its reviewer; the role that
created the review owns its tables and is not subject to row-level security.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from screener.core.models import Stage
from screener.core.screening import conflict_rules
from screener.store.engine import StoreError

if TYPE_CHECKING:
    from screener.core.protocol import Protocol

#: SQLSTATE of "permission denied" and of a row refused by a row-level security policy.
REFUSED = "42501"
LOGIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

#: Tables only PostgreSQL mode has (no SQLModel class: the store reads them with plain SQL).
SERVER_MODE_TABLES = ("screener_login", "screener_rules", "screener_open")
#: Tables a reviewer's role may add rows to (row-level security decides which rows).
REVIEWER_INSERTS = (
    "decision",
    "note",
    "reopening",
    "ranking_run",
    "record_label",
    "resolution",
    "retrieval",
    "reviewer_secret",
)


def sync_rules(conn: Connection, protocol: Protocol) -> None:
    """Store each stage's conflict rules and screening reviewers for the server (PostgreSQL only).

    Called wherever the protocol is stored (with the reviewers); the outcomes are then
    refreshed by the caller where the rules may have changed.
    """
    if conn.dialect.name != "postgresql":
        return
    from screener.store.base import aliases_from  # (it imports this module)

    conn.execute(text("DELETE FROM screener_rules"))
    order = json.dumps([c.id for c in protocol.exclusion])
    screening = json.dumps([r.initials for r in protocol.reviewers if r.role != "arbiter"])
    # retired reason ids count as what they were mapped to: from the change log, as ``Store.protocol`` does
    aliases = json.dumps(
        aliases_from(list(conn.execute(text("SELECT mapping FROM protocol_change ORDER BY id")).scalars()))
    )
    for stage in Stage:
        rules = conflict_rules(protocol, stage)
        conn.execute(
            text(
                "INSERT INTO screener_rules (stage, maybe_policy, reasons_must_match, reviewers_required, "
                "reason_order, screening_reviewers, aliases, screened) VALUES (:s, :m, :r, :n, "
                "CAST(:o AS jsonb), CAST(:v AS jsonb), CAST(:a AS jsonb), :x)"
            ),
            dict(
                s=stage.value,
                m=rules.maybe_policy,
                r=rules.reasons_must_match,
                n=rules.reviewers_required,
                o=order,
                v=screening,
                a=aliases,
                x=stage.value in protocol.rules.stages,
            ),
        )


def refresh_outcomes(conn: Connection, stage: Stage, record_ids: list[int] | None) -> None:
    """Recompute outcomes in the server, from the log and the stored rules."""
    conn.execute(
        text("SELECT screener_refresh_outcomes(:s, :ids)"), dict(s=Stage(stage).value, ids=record_ids)
    )
    conn.execute(
        text("SELECT screener_recheck_open()")
    )  # the full-text queue follows title/abstract outcomes


def login_of(initials: str, login: str | None) -> str:
    """The role name of a reviewer: ``login``, or their initials in lower case."""
    name = login if login is not None else initials.lower()
    if not LOGIN_NAME.match(name) or name.startswith("pg_"):
        raise StoreError(
            f"login role name '{name}': use lower-case letters, digits and _ (not starting with a "
            "digit or 'pg_', at most 63 characters)"
        )
    return name


def connected_reviewer(conn: Connection) -> str | None:
    """The reviewer the connection's role is (None: the owner, or a database without reviewer logins)."""
    if conn.dialect.name != "postgresql":
        return None
    return conn.execute(
        text("SELECT initials FROM screener_login WHERE login = current_user")
    ).scalar_one_or_none()


def add_login(conn: Connection, initials: str, login: str, password: str | None) -> bool:
    """Create (if need be) the login role of a reviewer, map it to them and grant what a reviewer may do.

    Returns whether the role was created (False: it existed, e.g. the same person on another
    review of this server; its password is left as it was).
    """
    created = not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), dict(n=login)).first()
    role = _quote(conn, login)
    if created:
        if password:
            literal = conn.execute(text("SELECT quote_literal(:p)"), dict(p=password)).scalar_one()
            conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN PASSWORD {literal}")
        else:
            conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN")
    schema = _quote(conn, conn.execute(text("SELECT current_schema()")).scalar_one())
    database = _quote(conn, conn.execute(text("SELECT current_database()")).scalar_one())
    for grant in (
        f"GRANT CONNECT ON DATABASE {database} TO {role}",
        f"GRANT USAGE ON SCHEMA {schema} TO {role}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}",
        f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
        f"GRANT INSERT ON {', '.join(REVIEWER_INSERTS)} TO {role}",
        f"GRANT DELETE ON record_label TO {role}",
        f"GRANT UPDATE ON reviewer_secret TO {role}",
    ):
        conn.exec_driver_sql(grant)
    conn.execute(
        text(
            "INSERT INTO screener_login (login, initials) VALUES (:l, :i) "
            "ON CONFLICT (login) DO UPDATE SET initials = EXCLUDED.initials"
        ),
        dict(l=login, i=initials),
    )
    return created


def _quote(conn: Connection, name: str) -> str:
    quoted: str = conn.execute(text("SELECT quote_ident(:n)"), dict(n=name)).scalar_one()
    return quoted


def refusal(exc: DBAPIError, role: str | None, reviewer: str | None) -> StoreError | None:
    """A one-line error for something the server refused to this role, or None if it was something else."""
    if getattr(exc.orig, "sqlstate", None) != REFUSED:
        return None
    said = str(exc.orig).strip().splitlines()[0]
    who = f"role {role}" + (f" (reviewer {reviewer})" if reviewer else "")
    if "row-level security" in said:
        said += ": a reviewer's role adds rows only as that reviewer, and resolves only an unblinded stage"
    elif "permission denied" in said:
        said += ": only the lead's role (the review's owner) may do this"
    return StoreError(f"the PostgreSQL server refused it to {who}: {said}")


def renaming(conn: Connection, old: str, new: str) -> None:
    """In a rename's transaction: let the append-only tables' initials change, and the login follow."""
    if conn.dialect.name != "postgresql":
        return
    conn.exec_driver_sql("SET LOCAL screener.rename = 'on'")
    conn.execute(
        text("UPDATE screener_login SET initials = :new WHERE initials = :old"), dict(old=old, new=new)
    )


def removed(conn: Connection, initials: str) -> None:
    """A reviewer taken off the review: their login roles stop being them (they can no longer act)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("DELETE FROM screener_login WHERE initials = :i"), dict(i=initials))
