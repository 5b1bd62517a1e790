"""Reviewers: passphrase hashes, and renaming, removing or handing over the lead role.

Each change of who the reviewers are is a change of the protocol: it is stored as a new
protocol text with a ``protocol_change`` row (who, when, the old and new text; shown by
``screener protocol history``), so the history says when NA became NB, when ZL left, and
who handed the lead role to whom. Decisions are never deleted: a removed reviewer's decisions
stay in the log and keep counting; a renamed reviewer's rows follow the new initials in one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.engine import make_url
from sqlmodel import col

from screener.core import protocol as P
from screener.core.passphrase import PassphraseHash
from screener.store import server_mode
from screener.store import tables as t
from screener.store.engine import StoreError
from screener.store.protocol import ProtocolQueries

#: Every column that holds a reviewer's initials (renamed together).
REVIEWER_COLUMNS = (
    (t.Decision, "reviewer"),
    (t.Note, "reviewer"),
    (t.Vote, "reviewer"),
    (t.Reopening, "reviewer"),
    (t.RankingRun, "reviewer"),
    (t.RecordLabel, "reviewer"),
    (t.ReviewerSecret, "reviewer"),
    (t.ReviewerSecret, "set_by"),
    (t.Resolution, "resolved_by"),
    (t.Unblinding, "by"),
    (t.Retrieval, "by"),
    (t.DupPair, "decided_by"),
    (t.DupCluster, "undone_by"),
    (t.SourceRemoval, "by"),
    (t.ProtocolChange, "by"),
)


@dataclass(frozen=True)
class ReviewerInfo:
    """One line of ``screener reviewer list``."""

    initials: str
    name: str
    role: str  # reviewer | lead | arbiter | removed
    has_passphrase: bool
    decisions: int


class ReviewerQueries(ProtocolQueries):
    """Who the reviewers are: passphrases, renames, removals, the lead role, PostgreSQL logins."""

    def reviewers(self) -> list[str]:
        with self._read() as conn:
            return list(conn.execute(select(col(t.Reviewer.initials)).order_by(col(t.Reviewer.id))).scalars())

    # -- passphrases ---------------------------------------------------------------------

    def passphrase_hash(self, initials: str) -> PassphraseHash | None:
        """The stored hash of a reviewer's passphrase, or None if they have none yet."""
        with self._read() as conn:
            row = conn.execute(
                select(t.ReviewerSecret).where(col(t.ReviewerSecret.reviewer) == initials)
            ).first()
        if row is None:
            return None
        m = row._mapping
        return PassphraseHash(
            bytes.fromhex(m["salt"]), bytes.fromhex(m["key"]), m["scrypt_n"], m["scrypt_r"], m["scrypt_p"]
        )

    def set_passphrase(
        self, initials: str, hashed: PassphraseHash, *, by: str, replacing: PassphraseHash | None = None
    ) -> None:
        """Store a reviewer's passphrase hash: a first one, or one that replaces ``replacing``.

        Refused if the stored hash is no longer ``replacing`` (someone set or changed it
        meanwhile), so two first uses at once cannot both win.
        """
        values = dict(
            salt=hashed.salt.hex(),
            key=hashed.key.hex(),
            scrypt_n=hashed.n,
            scrypt_r=hashed.r,
            scrypt_p=hashed.p,
            set_by=by,
            set_at=datetime.now(UTC),
        )

        def work(conn: Connection) -> None:
            current = conn.execute(
                select(col(t.ReviewerSecret.key)).where(col(t.ReviewerSecret.reviewer) == initials)
            ).scalar_one_or_none()
            expected = replacing.key.hex() if replacing else None
            if current != expected:
                raise StoreError(f"{initials}'s passphrase was set or changed meanwhile: nothing was changed")
            if current is None:
                conn.execute(insert(t.ReviewerSecret).values(reviewer=initials, **values))
            else:
                conn.execute(
                    update(t.ReviewerSecret)
                    .where(col(t.ReviewerSecret.reviewer) == initials)
                    .values(**values)
                )

        self._write(work)

    def reviewer_list(self) -> list[ReviewerInfo]:
        """The protocol's reviewers, then removed ones (who keep their decisions); passphrases, counts."""
        protocol = self.protocol()
        with self._read() as conn:
            known = list(
                conn.execute(
                    select(col(t.Reviewer.initials), col(t.Reviewer.name)).order_by(col(t.Reviewer.id))
                )
            )
            secret = set(conn.execute(select(col(t.ReviewerSecret.reviewer))).scalars())
            counts = dict(
                conn.execute(
                    select(col(t.Decision.reviewer), func.count()).group_by(col(t.Decision.reviewer))
                ).all()
            )
        current = {r.initials: r for r in protocol.reviewers}
        out = [
            ReviewerInfo(r.initials, r.name, r.role, r.initials in secret, counts.get(r.initials, 0))
            for r in protocol.reviewers
        ]
        out += [
            ReviewerInfo(i, name, "removed", i in secret, counts.get(i, 0))
            for i, name in known
            if i not in current
        ]
        return out

    # -- who the reviewers are -------------------------------------------------------------

    def _change_protocol(
        self, new_text: str, by: str, summary: str, before: Callable[[Connection], None] | None = None
    ) -> None:
        """Store a new protocol text (its reviewers changed), logged as a protocol change.

        ``before`` runs first, in the same transaction.
        """
        old = self.protocol()
        new = P.parse_protocol(new_text, "the changed protocol")

        def work(conn: Connection) -> None:
            if self._stored_protocol(conn, lock=True).text != old.text:  # locked: one change at a time
                raise StoreError("the protocol was changed meanwhile: nothing was changed; try again")
            if before is not None:
                before(conn)
            conn.execute(
                update(t.Review).values(title=new.title, question=new.question, protocol_text=new.text)
            )
            self._sync_reviewers(conn, new)
            conn.execute(
                insert(t.ProtocolChange).values(
                    by=by,
                    summary=summary,
                    old_text=old.text,
                    new_text=new.text,
                    mapping="{}",
                    created_at=datetime.now(UTC),
                )
            )

        self._write(work)

    def rename_reviewer(self, old: str, new: str, *, by: str) -> int:
        """Call reviewer ``old`` ``new`` everywhere (decisions, notes, votes, passphrase...); their count."""
        old = self.check_reviewer(old)  # a removed reviewer is refused as such
        protocol = self.protocol()
        try:
            text = P.rename_reviewer(protocol, old, new)
        except ValueError as exc:
            raise StoreError(f"cannot rename {old}: {exc}") from None
        with self._read() as conn:
            taken = conn.execute(
                select(func.count())
                .select_from(t.Reviewer)
                .where(func.lower(col(t.Reviewer.initials)) == new.casefold())
            ).scalar_one()
            decisions = conn.execute(
                select(func.count()).select_from(t.Decision).where(col(t.Decision.reviewer) == old)
            ).scalar_one()
        if taken:
            raise StoreError(
                f"cannot rename {old}: {new} was a reviewer of this review before (their decisions "
                "keep those initials)"
            )

        def move_rows(conn: Connection) -> None:
            row = conn.execute(select(t.Reviewer).where(col(t.Reviewer.initials) == old)).one()._mapping
            conn.execute(insert(t.Reviewer).values(initials=new, name=row["name"], role=row["role"]))
            server_mode.renaming(
                conn, old, new
            )  # PostgreSQL: the log's initials may change, the login follows
            for table, column in REVIEWER_COLUMNS:
                initials = getattr(table, column)
                conn.execute(update(table).where(initials == old).values({column: new}))
            conn.execute(delete(t.Reviewer).where(col(t.Reviewer.initials) == old))
            conn.execute(update(t.Reviewer).where(col(t.Reviewer.initials) == new).values(id=row["id"]))

        self._change_protocol(text, by, f"reviewer {old} renamed {new} by {by}", move_rows)
        return decisions

    def remove_reviewer(self, initials: str, *, by: str) -> int:
        """Take a reviewer out of the protocol; their decisions and history stay. Their decision count."""
        initials = self.check_reviewer(initials)
        try:
            text = P.remove_reviewer(self.protocol(), initials)
        except ValueError as exc:
            raise StoreError(f"cannot remove {initials}: {exc}") from None
        self._change_protocol(
            text, by, f"reviewer {initials} removed by {by}", lambda conn: server_mode.removed(conn, initials)
        )
        with self._read() as conn:
            return conn.execute(
                select(func.count()).select_from(t.Decision).where(col(t.Decision.reviewer) == initials)
            ).scalar_one()

    def hand_lead(self, new: str, *, by: str) -> None:
        """Make ``new`` the review's lead, ``by`` (the lead now) becoming a reviewer."""
        new = self.check_reviewer(new)
        try:
            text = P.hand_lead(self.protocol(), new)
        except ValueError as exc:
            raise StoreError(f"cannot make {new} the lead: {exc}") from None
        self._change_protocol(text, by, f"lead role handed from {by} to {new}")

    # -- PostgreSQL logins -------------------------------------------------------------------

    def add_reviewer(
        self, initials: str, *, by: str, name: str = "", login: str | None = None, password: str | None = None
    ) -> tuple[str, str, bool, bool]:
        """PostgreSQL mode: give a reviewer a login role of their own, adding them to the protocol if need be.

        Run by the lead's role (the review's owner, which may create roles). ``login`` is
        the role name (default: the initials in lower case); ``password`` is set on a new
        role only. Returns the initials, the role name, whether the role was created (False:
        it existed, e.g. for another review on this server) and whether the protocol changed.
        """
        if self.engine.dialect.name != "postgresql":
            raise StoreError(
                "reviewer logins exist only in PostgreSQL mode (--db postgresql+psycopg://...): "
                "an SQLite review is one file that any program can open"
            )
        protocol = self.protocol()
        typed = protocol.initials(initials)
        added = typed not in protocol.reviewer_initials
        role = server_mode.login_of(initials.strip() if added else typed, login)  # checked before any change
        if added:
            try:
                text = P.add_reviewer(protocol, initials.strip(), name)
            except ValueError as exc:
                raise StoreError(f"cannot add {initials}: {exc}") from None
            self._change_protocol(text, by, f"reviewer {initials.strip()} added by {by}")
            typed = initials.strip()
        typed = self.check_reviewer(typed)
        created = self._write(lambda conn: server_mode.add_login(conn, typed, role, password))
        return typed, role, created, added

    def url_as(self, role: str) -> str:
        """The review's URL with another user name and no password (to tell a reviewer how to connect)."""
        return make_url(self.url).set(username=role, password=None).render_as_string(hide_password=True)

    def reviewer_logins(self) -> dict[str, str]:
        """PostgreSQL mode: login role -> reviewer initials ({} on SQLite)."""
        if self.engine.dialect.name != "postgresql":
            return {}
        with self._read() as conn:
            return dict(
                conn.exec_driver_sql("SELECT login, initials FROM screener_login ORDER BY login").all()
            )
