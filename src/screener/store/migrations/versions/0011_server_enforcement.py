"""PostgreSQL mode: the server enforces blinding, reviewer identity and the append-only log.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04

Acts on PostgreSQL only; an SQLite review is left as it was (nothing there can stop
another program that opens the file).

- Two tables only this mode has: ``screener_login`` (a login role -> the reviewer it
  is, written by ``screener reviewer add``) and ``screener_rules`` (each stage's conflict
  rules and the exclusion reasons in protocol order, written with the protocol).
- ``vote`` and ``outcome`` are maintained by triggers on ``decision``, ``resolution``,
  ``retrieval`` and ``reopening`` (SECURITY DEFINER, as the schema's owner), so no SQL
  can make them disagree with the log; ``screener_refresh_outcomes`` recomputes them
  from the log with the stored rules (the same rules as ``core.conflicts.record_state``).
- ``decision``, ``note``, ``resolution``, ``reopening`` and ``unblinding`` refuse UPDATE,
  DELETE and TRUNCATE from everyone, the owner included; the one exception is renaming a
  reviewer (``screener reviewer rename``), which the owner's transaction announces with
  ``SET LOCAL screener.rename = 'on'`` and which may change only the columns holding initials.
- Row-level security on the tables that hold one reviewer's work: a reviewer role reads
  its own rows, and others' only at a stage that is no longer blind
  (``screener_open``, kept by triggers with the store's rule: unblinded by the lead, or
  finished by every screening reviewer); it inserts rows only as itself. The owner (the lead's role
  that created the review) is not subject to it, so a review with one login works as before.
  What a reviewer role may do at all is granted by ``screener reviewer add``.
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: Key class of the advisory locks that serialise the writers of one record's derived rows
#: (the second key is the record id); the store's ``_lock_record`` takes the same lock.
RECORD_LOCK_CLASS = 0x5C12

APPEND_ONLY = {  # table -> its columns of reviewer initials (which a rename may change)
    "decision": ("reviewer",),
    "note": ("reviewer",),
    "resolution": ("resolved_by",),
    "reopening": ("reviewer",),
    "unblinding": ("by",),
}
OWN_ROWS = {  # table -> (reviewer column, readable by others once the stage is open)
    "decision": ("reviewer", True),
    "vote": ("reviewer", True),
    "note": ("reviewer", True),
    "reopening": ("reviewer", True),
    "ranking_run": ("reviewer", True),
    "record_label": ("reviewer", False),
    "reviewer_secret": ("reviewer", False),
}

ME = "(SELECT screener_me())"
OPEN = "(SELECT screener_open_stages())"


def _functions(schema: str) -> list[str]:
    definer = f"SECURITY DEFINER SET search_path = {schema}, pg_temp"
    return [
        f"""
CREATE FUNCTION screener_me() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT initials FROM {schema}.screener_login WHERE login = current_user
$$""",
        # The records a stage screens (the store's queue_query): its pool, less not-retrieved reports.
        f"""
CREATE FUNCTION screener_queue(s text) RETURNS TABLE (id integer) LANGUAGE sql STABLE {definer} AS $$
    SELECT r.id FROM record r JOIN source src ON src.id = r.source_id
    WHERE src.archived_at IS NULL AND NOT src.staged
      AND r.id NOT IN (SELECT m.record_id FROM dup_member m JOIN dup_cluster c ON c.id = m.cluster_id
                       WHERE c.undone_at IS NULL AND m.record_id <> c.primary_record_id)
      AND CASE WHEN s = 'title-abstract' THEN src.kind IN ('database', 'register')
          ELSE (src.kind IN ('website', 'organisation', 'citation')
                OR r.id IN (SELECT o.record_id FROM outcome o
                            WHERE o.stage = 'title-abstract' AND o.verdict = 'include'))
               AND r.id NOT IN (SELECT rt.record_id FROM retrieval rt WHERE rt.status = 'not-retrieved'
                                AND rt.id IN (SELECT max(id) FROM retrieval GROUP BY record_id))
          END
$$""",
        # Which stages are no longer blind (``screener_open``), by the store's rule (store/blinding.py):
        # a stage is blind until the lead unblinds it or every screening reviewer has a current vote
        # on every record of its queue; a stage after a blind one is blind too; a stage the protocol
        # does not screen is not blind of itself. Recomputed by each write that can change it, under
        # one lock, so that two reviewers finishing at once see each other's votes; reads cost a lookup.
        f"""
CREATE FUNCTION screener_recheck_open() RETURNS void LANGUAGE plpgsql {definer} AS $$
DECLARE
    ru screener_rules%ROWTYPE;
    size bigint;
BEGIN
    PERFORM pg_advisory_xact_lock({RECORD_LOCK_CLASS}, -1);
    DELETE FROM screener_open;
    FOR ru IN SELECT * FROM screener_rules ORDER BY stage = 'full-text', stage LOOP  -- stage order
        IF ru.screened AND NOT EXISTS (SELECT 1 FROM unblinding u WHERE u.stage = ru.stage) THEN
            SELECT count(*) INTO size FROM screener_queue(ru.stage);
            IF EXISTS (  -- the cheap test first: fewer votes in all than records to screen
                SELECT 1 FROM jsonb_array_elements_text(ru.screening_reviewers) rv(initials)
                WHERE (SELECT count(*) FROM vote v WHERE v.stage = ru.stage AND v.reviewer = rv.initials) < size)
            OR EXISTS (
                SELECT 1 FROM jsonb_array_elements_text(ru.screening_reviewers) rv(initials)
                WHERE (SELECT count(*) FROM vote v WHERE v.stage = ru.stage AND v.reviewer = rv.initials
                       AND v.record_id IN (SELECT q.id FROM screener_queue(ru.stage) q)) < size) THEN
                EXIT;  -- blind, and so is every later stage
            END IF;
        END IF;
        INSERT INTO screener_open VALUES (ru.stage);
    END LOOP;
END
$$""",  # noqa: E501 - SQL text kept as migrated
        f"""
CREATE FUNCTION screener_open_stages() RETURNS SETOF text LANGUAGE sql STABLE {definer} AS $$
    SELECT stage FROM screener_open
$$""",
        f"""
CREATE FUNCTION screener_recheck_trigger() RETURNS trigger LANGUAGE plpgsql {definer} AS $$
BEGIN
    PERFORM screener_recheck_open();
    RETURN NULL;
END
$$""",
        # Reason ids as they count now: retired ids replaced by what ``protocol update --map`` mapped them to.
        f"""
CREATE FUNCTION screener_reasons(reasons text, aliases jsonb) RETURNS text[] LANGUAGE sql IMMUTABLE {definer} AS $$
    SELECT coalesce(array_agg(coalesce(aliases ->> x, x) ORDER BY n), '{{}}')
    FROM jsonb_array_elements_text(reasons::jsonb) WITH ORDINALITY r(x, n)
$$""",  # noqa: E501 - SQL text kept as migrated
        # The exclusion reason PRISMA counts: the first in protocol order, unknown ones after, by text.
        f"""
CREATE FUNCTION screener_counted_reason(reasons text[], reason_order jsonb) RETURNS text
LANGUAGE sql IMMUTABLE {definer} AS $$
    SELECT x FROM unnest(reasons) x
    ORDER BY coalesce((SELECT max(o.n) FROM jsonb_array_elements_text(reason_order) WITH ORDINALITY o(v, n)
                       WHERE o.v = x), 2147483647), x COLLATE "C"
    LIMIT 1
$$""",
        # Recompute the outcome rows of some records (all, with NULL) at a stage from the
        # votes, the resolutions in effect, the retrievals and the stored rules.
        f"""
CREATE FUNCTION screener_refresh_outcomes(s text, ids integer[]) RETURNS void LANGUAGE plpgsql {definer} AS $$
DECLARE
    ru screener_rules%ROWTYPE;
BEGIN
    SELECT * INTO ru FROM screener_rules WHERE stage = s;
    DELETE FROM outcome o WHERE o.stage = s AND (ids IS NULL OR o.record_id = ANY(ids));
    IF ru.stage IS NULL THEN  -- no protocol stored yet: no outcomes
        RETURN;
    END IF;
    INSERT INTO outcome (record_id, stage, state, verdict, reason)
    WITH reach AS (  -- full text: the records in its pool's reach (title/abstract: no limit)
        SELECT o.record_id AS id FROM outcome o WHERE o.stage = 'title-abstract' AND o.verdict = 'include'
            AND (ids IS NULL OR o.record_id = ANY(ids))
        UNION
        SELECT r.id FROM record r JOIN source src ON src.id = r.source_id
        WHERE src.kind IN ('website', 'organisation', 'citation') AND src.archived_at IS NULL
            AND NOT src.staged
            AND (ids IS NULL OR r.id = ANY(ids))
    ), v AS (
        SELECT vo.record_id, vo.reviewer, vo.verdict, screener_reasons(vo.reasons, ru.aliases) AS reasons,
               ARRAY(SELECT DISTINCT x FROM unnest(screener_reasons(vo.reasons, ru.aliases)) x ORDER BY x) AS rset
        FROM vote vo
        WHERE vo.stage = s AND (ids IS NULL OR vo.record_id = ANY(ids)) AND (s = 'title-abstract' OR vo.record_id IN (SELECT id FROM reach))
    ), agg AS (  -- one row per vote and reason: count reviewers, not rows
        SELECT record_id, count(DISTINCT reviewer) AS n, bool_or(verdict = 'maybe') AS has_maybe,
               bool_and(verdict IN ('include', 'maybe')) AS all_include, bool_and(verdict = 'exclude') AS all_exclude,
               count(DISTINCT rset) AS n_sets,
               array_agg(x.reason) FILTER (WHERE x.reason IS NOT NULL) AS reasons
        FROM v LEFT JOIN LATERAL unnest(v.reasons) x(reason) ON true
        GROUP BY record_id
    ), res AS (
        SELECT rs.record_id, rs.verdict,
               screener_reasons(rs.reasons, ru.aliases) AS reasons
        FROM resolution rs
        WHERE rs.id IN (SELECT max(id) FROM resolution WHERE stage = s GROUP BY record_id)
          AND rs.id NOT IN (SELECT rp.resolution_id FROM reopening rp WHERE rp.resolution_id IS NOT NULL)
          AND (ids IS NULL OR rs.record_id = ANY(ids)) AND (s = 'title-abstract' OR rs.record_id IN (SELECT id FROM reach))
    ), nr AS (
        SELECT rt.record_id FROM retrieval rt
        WHERE s = 'full-text' AND rt.status = 'not-retrieved'
          AND rt.id IN (SELECT max(id) FROM retrieval GROUP BY record_id)
          AND (ids IS NULL OR rt.record_id = ANY(ids)) AND (s = 'title-abstract' OR rt.record_id IN (SELECT id FROM reach))
    ), decided AS (
        SELECT rid,
            CASE WHEN nr.record_id IS NOT NULL THEN 'not-retrieved'
                 WHEN res.record_id IS NOT NULL THEN 'resolved'
                 WHEN a.n < ru.reviewers_required THEN 'awaiting'
                 WHEN a.has_maybe AND ru.maybe_policy = 'conflict' THEN 'conflict'
                 WHEN a.all_include THEN 'included'
                 WHEN a.all_exclude AND NOT (ru.reasons_must_match AND a.n_sets > 1) THEN 'excluded'
                 ELSE 'conflict' END AS state,
            res.verdict AS res_verdict, res.reasons AS res_reasons, a.reasons AS vote_reasons
        FROM (SELECT record_id AS rid FROM v UNION SELECT record_id FROM res UNION SELECT record_id FROM nr) u
        LEFT JOIN agg a ON a.record_id = rid
        LEFT JOIN res ON res.record_id = rid
        LEFT JOIN nr ON nr.record_id = rid
    )
    SELECT rid, s, state,
           CASE state WHEN 'resolved' THEN res_verdict WHEN 'included' THEN 'include'
                      WHEN 'excluded' THEN 'exclude' END,
           CASE WHEN state = 'resolved' AND res_verdict = 'exclude'
                    THEN screener_counted_reason(res_reasons, ru.reason_order)
                WHEN state = 'excluded' THEN screener_counted_reason(vote_reasons, ru.reason_order) END
    FROM decided;
END
$$""",  # noqa: E501 - SQL text kept as migrated
        # Serialise the writers of these records' derived rows, in id order (no deadlock between two).
        f"""
CREATE FUNCTION screener_lock_records(ids integer[]) RETURNS void LANGUAGE sql {definer} AS $$
    SELECT count(pg_advisory_xact_lock({RECORD_LOCK_CLASS}, x)) FROM (SELECT DISTINCT x FROM unnest(ids) x ORDER BY x) y
$$""",  # noqa: E501 - SQL text kept as migrated
        # After decisions: each touched (record, stage, reviewer)'s vote is its latest decision
        # (a retraction leaves none), then the outcomes; title/abstract first, full text depends on it.
        f"""
CREATE FUNCTION screener_decisions_added() RETURNS trigger LANGUAGE plpgsql {definer} AS $$
DECLARE
    ta integer[];
    ft integer[];
BEGIN
    PERFORM screener_lock_records(ARRAY(SELECT record_id FROM new_rows));
    DELETE FROM vote v USING (SELECT DISTINCT record_id, stage, reviewer FROM new_rows) k
    WHERE v.record_id = k.record_id AND v.stage = k.stage AND v.reviewer = k.reviewer;
    INSERT INTO vote (record_id, stage, reviewer, decision_id, verdict, reasons)
    SELECT d.record_id, d.stage, d.reviewer, d.id, d.verdict, d.reasons FROM decision d
    WHERE d.id IN (SELECT max(d2.id) FROM decision d2
                   JOIN (SELECT DISTINCT record_id, stage, reviewer FROM new_rows) k
                     ON d2.record_id = k.record_id AND d2.stage = k.stage AND d2.reviewer = k.reviewer
                   GROUP BY d2.record_id, d2.stage, d2.reviewer)
      AND d.verdict <> 'retracted';
    ta := ARRAY(SELECT DISTINCT record_id FROM new_rows WHERE stage = 'title-abstract');
    ft := ARRAY(SELECT DISTINCT record_id FROM new_rows);
    IF cardinality(ta) > 0 THEN
        PERFORM screener_refresh_outcomes('title-abstract', ta);
    END IF;
    PERFORM screener_refresh_outcomes('full-text', ft);
    PERFORM screener_recheck_open();
    RETURN NULL;
END
$$""",
        # After resolutions or reopenings (which set a resolution aside): those records' outcomes.
        f"""
CREATE FUNCTION screener_stage_rows_added() RETURNS trigger LANGUAGE plpgsql {definer} AS $$
DECLARE
    ta integer[];
BEGIN
    PERFORM screener_lock_records(ARRAY(SELECT record_id FROM new_rows));
    ta := ARRAY(SELECT DISTINCT record_id FROM new_rows WHERE stage = 'title-abstract');
    IF cardinality(ta) > 0 THEN
        PERFORM screener_refresh_outcomes('title-abstract', ta);
    END IF;
    PERFORM screener_refresh_outcomes('full-text', ARRAY(SELECT DISTINCT record_id FROM new_rows));
    PERFORM screener_recheck_open();
    RETURN NULL;
END
$$""",
        f"""
CREATE FUNCTION screener_retrievals_added() RETURNS trigger LANGUAGE plpgsql {definer} AS $$
BEGIN
    PERFORM screener_lock_records(ARRAY(SELECT record_id FROM new_rows));
    PERFORM screener_refresh_outcomes('full-text', ARRAY(SELECT DISTINCT record_id FROM new_rows));
    PERFORM screener_recheck_open();
    RETURN NULL;
END
$$""",
        # TG_ARGV: the table's columns of initials, the only ones a rename may change.
        """
CREATE FUNCTION screener_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('screener.rename', true) = 'on'
       AND to_jsonb(NEW) - TG_ARGV = to_jsonb(OLD) - TG_ARGV THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'screener: the % table is append-only: rows are never changed or deleted (add a row instead)',
        TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END
$$""",  # noqa: E501 - SQL text kept as migrated
    ]


def _policies() -> list[str]:
    out = []
    for table, (col, shared) in OWN_ROWS.items():
        readable = f"{col} = {ME}" + (f" OR stage IN {OPEN}" if shared else "")
        out += [
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"CREATE POLICY screener_read ON {table} FOR SELECT USING ({readable})",
            f"CREATE POLICY screener_insert ON {table} FOR INSERT WITH CHECK ({col} = {ME})",
        ]
    out += [
        # a reviewer changes their own passphrase
        f"CREATE POLICY screener_update ON reviewer_secret FOR UPDATE USING (reviewer = {ME}) "
        f"WITH CHECK (reviewer = {ME} AND set_by = {ME})",
        "DROP POLICY screener_insert ON reviewer_secret",
        f"CREATE POLICY screener_insert ON reviewer_secret FOR INSERT WITH CHECK (reviewer = {ME} AND set_by = {ME})",  # noqa: E501 - SQL text kept as migrated
        # a label is the reviewer's own: they may take it off again
        f"CREATE POLICY screener_delete ON record_label FOR DELETE USING (reviewer = {ME})",
        # a reopening names the reviewer's own decision on that record and stage
        "DROP POLICY screener_insert ON reopening",
        f"""CREATE POLICY screener_insert ON reopening FOR INSERT WITH CHECK (reviewer = {ME} AND EXISTS (
            SELECT 1 FROM decision d WHERE d.id = decision_id AND d.reviewer = {ME}
            AND d.record_id = reopening.record_id AND d.stage = reopening.stage))""",
        # the combined verdict of a record: only once its stage is open
        "ALTER TABLE outcome ENABLE ROW LEVEL SECURITY",
        f"CREATE POLICY screener_read ON outcome FOR SELECT USING (stage IN {OPEN})",
        # conflicts are resolved once the stage is open, by the reviewer who says so
        "ALTER TABLE resolution ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY screener_read ON resolution FOR SELECT USING (true)",
        f"CREATE POLICY screener_insert ON resolution FOR INSERT WITH CHECK (resolved_by = {ME} AND stage IN {OPEN})",  # noqa: E501 - SQL text kept as migrated
        "ALTER TABLE retrieval ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY screener_read ON retrieval FOR SELECT USING (true)",
        f"CREATE POLICY screener_insert ON retrieval FOR INSERT WITH CHECK (by IS NULL OR by = {ME})",
    ]
    return out


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar_one()
    op.execute(
        "CREATE TABLE screener_login (login text PRIMARY KEY, "
        "initials text NOT NULL REFERENCES reviewer (initials))"
    )
    op.execute(
        "CREATE TABLE screener_rules (stage text PRIMARY KEY, maybe_policy text NOT NULL, "
        "reasons_must_match boolean NOT NULL, reviewers_required integer NOT NULL, reason_order jsonb NOT NULL, "  # noqa: E501 - SQL text kept as migrated
        "screening_reviewers jsonb NOT NULL, aliases jsonb NOT NULL, screened boolean NOT NULL)"
    )
    op.execute("CREATE TABLE screener_open (stage text PRIMARY KEY)")
    for sql in _functions(schema):
        op.execute(sql)
    # Only the owner runs these by hand (the triggers run them as the owner too).
    for fn in (
        "screener_refresh_outcomes(text, integer[])",
        "screener_lock_records(integer[])",
        "screener_recheck_open()",
        "screener_queue(text)",
        "screener_counted_reason(text[], jsonb)",
    ):
        op.execute(f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC")
    op.execute(
        "CREATE TRIGGER screener_derived AFTER INSERT ON decision REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION screener_decisions_added()"
    )
    for table in ("resolution", "reopening"):
        op.execute(
            f"CREATE TRIGGER screener_derived AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            "FOR EACH STATEMENT EXECUTE FUNCTION screener_stage_rows_added()"
        )
    op.execute(
        "CREATE TRIGGER screener_derived AFTER INSERT ON retrieval REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION screener_retrievals_added()"
    )
    # Whatever else changes a stage's queue, its screening reviewers or its unblinding: look again.
    for table in ("unblinding", "record", "source", "dup_member", "dup_cluster", "screener_rules"):
        op.execute(
            f"CREATE TRIGGER screener_recheck_open AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION screener_recheck_trigger()"
        )
    for table, columns in APPEND_ONLY.items():
        names = ", ".join(f"'{c}'" for c in columns)
        op.execute(
            f"CREATE TRIGGER screener_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION screener_append_only({names})"
        )
        op.execute(
            f"CREATE TRIGGER screener_append_only_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION screener_append_only()"
        )
    for sql in _policies():
        op.execute(sql)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in (*OWN_ROWS, "outcome", "resolution", "retrieval"):
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
        for policy in ("screener_read", "screener_insert", "screener_delete", "screener_update"):
            op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
    for table in APPEND_ONLY:
        op.execute(f"DROP TRIGGER screener_append_only ON {table}")
        op.execute(f"DROP TRIGGER screener_append_only_truncate ON {table}")
    for table in ("decision", "resolution", "reopening", "retrieval"):
        op.execute(f"DROP TRIGGER screener_derived ON {table}")
    for table in ("unblinding", "record", "source", "dup_member", "dup_cluster", "screener_rules"):
        op.execute(f"DROP TRIGGER screener_recheck_open ON {table}")
    for fn in (
        "screener_append_only()",
        "screener_retrievals_added()",
        "screener_stage_rows_added()",
        "screener_decisions_added()",
        "screener_lock_records(integer[])",
        "screener_refresh_outcomes(text, integer[])",
        "screener_counted_reason(text[], jsonb)",
        "screener_reasons(text, jsonb)",
        "screener_recheck_trigger()",
        "screener_open_stages()",
        "screener_recheck_open()",
        "screener_queue(text)",
        "screener_me()",
    ):
        op.execute(f"DROP FUNCTION {fn}")
    op.execute("DROP TABLE screener_open")
    op.execute("DROP TABLE screener_rules")
    op.execute("DROP TABLE screener_login")
