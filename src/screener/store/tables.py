"""SQLModel table definitions: the current schema.

The schema is created and upgraded only by the Alembic migrations in
``store/migrations/versions``; ``tests/store/test_migrations.py`` checks that the
migrated schema matches these classes. Append-only tables (decision, resolution,
retrieval, dup_pair, unblinding, note, reopening) are never updated or deleted from: a change adds a row.

Primary keys are typed ``int``: the database assigns them (``default=None``), and a row
read back always has one. A primary key column is NOT NULL whatever the annotation says.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Index, and_, false
from sqlmodel import Field, SQLModel, col


class Review(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    title: str
    question: str
    protocol_text: str
    created_at: datetime


class Reviewer(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    initials: str = Field(unique=True)
    name: str = ""
    role: str = "reviewer"


class ReviewerSecret(SQLModel, table=True):
    """A reviewer's passphrase as an scrypt hash (hex) with its salt and parameters; never the passphrase."""

    __tablename__ = "reviewer_secret"
    reviewer: str = Field(foreign_key="reviewer.initials", primary_key=True)
    salt: str
    key: str
    scrypt_n: int
    scrypt_r: int
    scrypt_p: int
    set_by: str  # the reviewer themself, or the lead who set the first one
    set_at: datetime


class Source(SQLModel, table=True):
    # The database, not a check before the import, keeps a file from being imported twice
    # (two processes at once); ``import --force`` stores the next copy.
    __table_args__ = (Index("ux_source_file_copy", "file_sha256", "file_copy", unique=True),)
    id: int = Field(default=None, primary_key=True)
    name: str
    kind: str = "database"
    platform: str | None = None
    searched_on: str | None = None
    query: str | None = None
    file_name: str
    file_sha256: str = Field(index=True)
    #: 0, or n for the n-th ``import --force`` of the file; NULL for the further sources
    #: of a multi-database file (one import, one copy number, held by its first source).
    file_copy: int | None = Field(default=0, nullable=True, sa_column_kwargs={"server_default": "0"})
    format: str
    encoding: str | None = None
    record_count: int
    imported_at: datetime
    archived_at: datetime | None = (
        None  # withdrawn with --force: its records leave the review, decisions stay
    )
    #: Being imported: its records are written in short transactions, then it is published
    #: (``staged`` cleared) in one. Until then nothing of it counts (see :func:`in_review`).
    staged: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


def in_review() -> ColumnElement[bool]:
    """Sources whose records are in the review: neither archived nor still being imported."""
    return and_(col(Source.archived_at).is_(None), col(Source.staged).is_(False))


class Record(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    source_id: int = Field(foreign_key="source.id", index=True)
    position: int
    line: int | None = None
    source_record_id: str | None = None
    title: str | None = None
    authors: str = "[]"  # JSON list of [family, given]
    year: int | None = None
    journal: str | None = None
    journal_abbrev: str | None = None
    volume: str | None = None
    issue: str | None = None
    start_page: str | None = None
    end_page: str | None = None
    doi: str | None = Field(default=None, index=True)
    pmid: str | None = Field(default=None, index=True)
    pmcid: str | None = None
    issn: str | None = None
    abstract: str | None = None
    keywords: str = "[]"  # JSON list
    language: str | None = None
    publication_type: str | None = None
    url: str | None = None
    raw: str = ""


class Decision(SQLModel, table=True):
    __table_args__ = (
        Index("ix_decision_stage_reviewer_record", "stage", "reviewer", "record_id"),
        Index("ix_decision_record", "record_id"),
    )
    id: int = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id")
    stage: str
    reviewer: str = Field(foreign_key="reviewer.initials")
    verdict: str
    reasons: str = "[]"  # JSON list of criterion ids
    note: str | None = None
    created_at: datetime


class Resolution(SQLModel, table=True):
    __table_args__ = (Index("ix_resolution_stage_record", "stage", "record_id"),)
    id: int = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id")
    stage: str
    verdict: str
    reasons: str = "[]"
    note: str | None = None
    resolved_by: str
    method: str
    created_at: datetime


class Note(SQLModel, table=True):
    """A reviewer's note on a record at a stage, stored when written (independent of decisions)."""

    __table_args__ = (Index("ix_note_stage_reviewer_record", "stage", "reviewer", "record_id"),)
    id: int = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id")
    stage: str
    reviewer: str = Field(foreign_key="reviewer.initials")
    text: str
    created_at: datetime


class Reopening(SQLModel, table=True):
    """A decision changed after the record's outcome was final (stage unblinded, or conflict resolved).

    ``undoes`` says what it set aside ("resolved: include, by NA and ZL on 2026-11-30");
    ``resolution_id``, when set, is the resolution that stops counting.
    """

    __table_args__ = (Index("ix_reopening_stage_record", "stage", "record_id"),)
    id: int = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id")
    stage: str
    reviewer: str
    decision_id: int = Field(foreign_key="decision.id")
    resolution_id: int | None = Field(default=None, foreign_key="resolution.id")
    undoes: str
    created_at: datetime


class Unblinding(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    stage: str
    by: str
    created_at: datetime


class DupCluster(SQLModel, table=True):
    __tablename__ = "dup_cluster"
    id: int = Field(default=None, primary_key=True)
    primary_record_id: int = Field(foreign_key="record.id")
    status: str  # automatic | human
    created_at: datetime
    undone_at: datetime | None = None
    undone_by: str | None = None  # reviewer initials when a human undid the merge (else superseded by a run)


class DupMember(SQLModel, table=True):
    __tablename__ = "dup_member"
    __table_args__ = (Index("ix_dup_member_record", "record_id"),)
    cluster_id: int = Field(foreign_key="dup_cluster.id", primary_key=True)
    record_id: int = Field(foreign_key="record.id", primary_key=True)
    joined_at: datetime | None = None  # when a growing cluster took the record in (None: at its creation)


class DupPair(SQLModel, table=True):
    __tablename__ = "dup_pair"
    __table_args__ = (Index("ix_dup_pair_records", "record_a", "record_b"),)
    id: int = Field(default=None, primary_key=True)
    record_a: int = Field(foreign_key="record.id")
    record_b: int = Field(foreign_key="record.id")
    outcome: str  # duplicate | possible | distinct
    rule: str = ""
    scores: str = "{}"  # JSON field -> score
    decided_by: str | None = None  # reviewer initials for a human decision, else automatic
    created_at: datetime


class Retrieval(SQLModel, table=True):
    __table_args__ = (Index("ix_retrieval_record", "record_id"),)
    id: int = Field(default=None, primary_key=True)
    record_id: int = Field(foreign_key="record.id")
    status: str  # retrieved | not-retrieved
    reason: str | None = None
    location: str | None = None
    by: str | None = None
    created_at: datetime


class Study(SQLModel, table=True):
    id: int = Field(default=None, primary_key=True)
    label: str


class StudyReport(SQLModel, table=True):
    __tablename__ = "study_report"
    record_id: int = Field(foreign_key="record.id", primary_key=True)
    study_id: int = Field(foreign_key="study.id")


class Vote(SQLModel, table=True):
    """Derived from ``decision``: each reviewer's current decision per record and stage.

    Maintained in the same transaction as every decision, so "current" never needs a
    GROUP BY over the whole history; a retraction deletes the row.
    """

    __table_args__ = (Index("ix_vote_stage_reviewer", "stage", "reviewer"),)
    record_id: int = Field(foreign_key="record.id", primary_key=True)
    stage: str = Field(primary_key=True)
    reviewer: str = Field(primary_key=True)
    decision_id: int = Field(foreign_key="decision.id")
    verdict: str
    reasons: str = "[]"


class Outcome(SQLModel, table=True):
    """Derived from votes and resolutions: each record's state per stage under the protocol's rules.

    ``verdict`` is the final include/exclude once decided, ``reason`` the exclusion
    reason PRISMA counts (the first in protocol order). Rebuilt when the protocol changes.
    """

    __table_args__ = (
        Index("ix_outcome_stage_state", "stage", "state"),
        # covering index: the PRISMA counts are one scan of it
        Index("ix_outcome_stage_verdict_reason", "stage", "verdict", "reason"),
    )
    record_id: int = Field(foreign_key="record.id", primary_key=True)
    stage: str = Field(primary_key=True)
    state: str
    verdict: str | None = None
    reason: str | None = None


class DedupRun(SQLModel, table=True):
    """One run of ``screener dedup``: what it compared, with which thresholds, and what it found."""

    __tablename__ = "dedup_run"
    id: int = Field(default=None, primary_key=True)
    created_at: datetime
    mode: str  # full | incremental | recluster
    max_record_id: int
    thresholds: str = "{}"
    compared: int = 0
    new_records: int = 0
    duplicate_pairs: int = 0
    possible_pairs: int = 0
    clusters: int = 0
    removed: int = 0
    seconds: float = 0.0


class RankingRun(SQLModel, table=True):
    """Append-only: each relevance ranking a reviewer's queue was put in, so the order can be explained.

    ``kind`` is "model" (a classifier trained on ``n_train`` decisions, ``n_include`` of
    them includes, the latest being decision ``trained_through``), "cold-start" (keywords)
    or "random-sample" (the start of the random sample of ``candidates`` unscreened records
    that the stopping test draws, after ``n_include`` includes had been found). With the
    seed and the decision log, every ranking can be computed again.
    """

    __tablename__ = "ranking_run"
    __table_args__ = (Index("ix_ranking_run_stage_reviewer", "stage", "reviewer"),)
    id: int = Field(default=None, primary_key=True)
    created_at: datetime
    stage: str
    reviewer: str
    kind: str
    model: str
    n_train: int
    n_include: int
    candidates: int
    trained_through: int | None = None
    seed: int
    seconds: float


class SourceRemoval(SQLModel, table=True):
    """A removed (deleted) or archived source, kept so that ``source restore`` can undo it (until a dedup).

    ``payload`` (JSON) holds what the removal took away: the source and record rows, their
    dedup pairs, and the cluster memberships it changed.
    """

    __tablename__ = "source_removal"
    id: int = Field(default=None, primary_key=True)
    source_id: int
    mode: str  # removed | archived
    payload: str
    by: str | None = None
    created_at: datetime
    restored_at: datetime | None = None
    expired_at: datetime | None = None  # the next dedup run: from then on it cannot be restored


class ProtocolChange(SQLModel, table=True):
    """One ``protocol update``: who, when, what changed, the old and new text, and reason mappings."""

    __tablename__ = "protocol_change"
    id: int = Field(default=None, primary_key=True)
    by: str
    summary: str
    old_text: str
    new_text: str
    mapping: str = "{}"  # JSON old reason id -> new reason id
    created_at: datetime


class RecordLabel(SQLModel, table=True):
    """A reviewer's own label (a free word) on a record."""

    __tablename__ = "record_label"
    __table_args__ = (Index("ix_record_label_reviewer_label", "reviewer", "label"),)
    record_id: int = Field(foreign_key="record.id", primary_key=True)
    reviewer: str = Field(foreign_key="reviewer.initials", primary_key=True)
    label: str = Field(primary_key=True)
    created_at: datetime
