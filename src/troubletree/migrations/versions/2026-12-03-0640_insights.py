"""insights: daily rollups of sessions, kept by triggers from the step log

Revision ID: 9b4d2e61a7c3
Revises: 3c1e9a7b5d20
Create Date: 2026-12-03 06:40:00
"""

# ruff: noqa: S608 - the DDL below is built from this file's constants only

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from troubletree.migrations import helpers as h

revision: str = "9b4d2e61a7c3"
down_revision: str | None = "3c1e9a7b5d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SESSIONS = "troubleshooting_sessions"

# Upper edges of the time histograms in seconds (troubletree.insights.bins.EDGES, frozen here).
EDGES = (
    "1,2,3,4,5,6,7,8,9,10,12,14,16,18,20,25,30,35,40,45,50,60,70,80,90,105,120,150,180,210,"
    "240,300,360,420,480,600,720,900,1200,1500,1800,2400,3000,3600,5400,7200,10800,14400,"
    "21600,28800,43200,86400,172800,604800"
)
BINS = EDGES.count(",") + 2  # one bin per edge and the overflow bin
# The technician of figures that are everyone's together.
EVERYONE = "'00000000-0000-0000-0000-000000000000'::uuid"

FUNCTIONS = f"""
-- The bin (0-based) of a duration: the first edge it does not exceed. Timestamps differ by
-- whole microseconds, so half a microsecond below keeps a value on an edge in that edge's bin.
CREATE FUNCTION insight_bin(seconds float8) RETURNS int LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT width_bucket(seconds - 0.0000005, ARRAY[{EDGES}]::float8[])
$$;

-- The histogram (one count per bin, times `sign`) of a list of bins.
CREATE FUNCTION insight_hist(bins int[], sign int) RETURNS int[] LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg((coalesce(c.n, 0) * sign)::int ORDER BY g.i)
    FROM generate_series(0, {BINS - 1}) AS g(i)
    LEFT JOIN (SELECT b, count(*) AS n FROM unnest(bins) AS b GROUP BY b) AS c ON c.b = g.i
$$;

CREATE FUNCTION insight_hist_add(a int[], b int[]) RETURNS int[] LANGUAGE sql IMMUTABLE AS $$
    SELECT array_agg(coalesce(x, 0) + coalesce(y, 0) ORDER BY i)
    FROM unnest(a, b) WITH ORDINALITY AS u(x, y, i)
$$;

-- The figures of sessions, straight from the sessions and their step log. Sessions never
-- answered are left out. `state` is the outcome of a completed session, else its status; with
-- `as_open` every session reads as still running (what the rollups hold for it until it ends).
CREATE FUNCTION insight_sessions_of(ids uuid[], as_open boolean) RETURNS TABLE (
    session_id uuid, account_id uuid, tree_id uuid, version_id uuid, technician_id uuid,
    day date, state text, is_ended boolean, ended_at timestamptz, outcome_label text,
    abandon_reason text, duration float8
) LANGUAGE sql STABLE AS $$
    SELECT s.id, s.account_id, s.tree_id, s.tree_version_id, s.technician_id,
           (coalesce(s.started_at, s.created_at) AT TIME ZONE 'UTC')::date,
           CASE WHEN as_open OR s.status NOT IN ('completed', 'abandoned') THEN 'in_progress'
                WHEN s.status = 'completed' THEN s.outcome ELSE 'abandoned' END,
           s.status IN ('completed', 'abandoned') AND NOT as_open,
           CASE WHEN s.status IN ('completed', 'abandoned') AND NOT as_open THEN s.completed_at END,
           CASE WHEN as_open THEN '' ELSE coalesce(s.outcome_label, '') END,
           CASE WHEN as_open THEN '' ELSE coalesce(s.abandon_reason, '') END,
           CASE WHEN s.status = 'completed' AND NOT as_open THEN
               extract(epoch FROM s.completed_at - coalesce(s.started_at, s.created_at))::float8
           END
    FROM unnest(ids) AS i(id)
    JOIN troubleshooting_sessions AS s ON s.id = i.id
    -- answer_count is written after the steps of the request that makes it; the log has them.
    WHERE s.answer_count > 0
       OR EXISTS (SELECT 1 FROM session_steps AS e WHERE e.session_id = s.id AND e.kind = 'answer')
$$;

-- Every arrival at a node of the session's own version (a back counts as an arrival): the time
-- until the next step (or until the session ended, at its last node), whether the session ended
-- (or was abandoned) there, whether it is the session's first arrival at that node, and the
-- step numbers of the arrival and of the step that left it.
CREATE FUNCTION insight_visits_of(ids uuid[], as_open boolean) RETURNS TABLE (
    session_id uuid, account_id uuid, tree_id uuid, version_id uuid, technician_id uuid,
    day date, state text, node_id text, seconds float8, is_exit boolean, is_abandon boolean,
    is_first boolean, seq int, next_seq int
) LANGUAGE sql STABLE AS $$
    SELECT v.session_id, v.account_id, v.tree_id, v.version_id, v.technician_id, v.day,
           v.state, v.node_id,
           extract(epoch FROM coalesce(v.next_at, v.ended_at) - v.created_at)::float8,
           v.next_at IS NULL AND v.is_ended,
           v.next_at IS NULL AND v.is_ended AND v.state = 'abandoned',
           row_number() OVER (PARTITION BY v.session_id, v.node_id ORDER BY v.seq) = 1,
           v.seq, v.next_seq
    FROM (
        SELECT f.session_id, f.account_id, f.tree_id, f.version_id, f.technician_id, f.day,
               f.state, f.is_ended, f.ended_at, e.seq, e.to_version_id, e.to_node_id AS node_id,
               e.created_at, lead(e.created_at) OVER w AS next_at, lead(e.seq) OVER w AS next_seq
        FROM insight_sessions_of(ids, as_open) AS f
        JOIN session_steps AS e ON e.session_id = f.session_id
        WINDOW w AS (PARTITION BY e.session_id ORDER BY e.seq)
    ) AS v
    WHERE v.to_version_id = v.version_id
$$;

-- Every option chosen at a node of the session's own version.
CREATE FUNCTION insight_choices_of(ids uuid[], as_open boolean) RETURNS TABLE (
    session_id uuid, account_id uuid, tree_id uuid, version_id uuid, technician_id uuid,
    day date, state text, node_id text, option_id text, seq int
) LANGUAGE sql STABLE AS $$
    SELECT f.session_id, f.account_id, f.tree_id, f.version_id, f.technician_id, f.day,
           f.state, e.node_id, e.option_id, e.seq
    FROM insight_sessions_of(ids, as_open) AS f
    JOIN session_steps AS e ON e.session_id = f.session_id
    WHERE e.kind = 'answer' AND e.version_id = f.version_id AND e.option_id IS NOT NULL
$$;

-- The path each ended session stood on at its last step (what replaying its log gives: a back
-- cuts the path at its index), as the node ids of the session's own version in order.
CREATE FUNCTION insight_paths_of(ids uuid[]) RETURNS TABLE (
    session_id uuid, account_id uuid, tree_id uuid, version_id uuid, technician_id uuid,
    day date, state text, path text[]
) LANGUAGE sql STABLE AS $$
    WITH steps AS (
        SELECT f.session_id, f.account_id, f.tree_id, f.version_id, f.technician_id, f.day,
               f.state, e.seq, e.kind, e.path_index, e.to_version_id, e.to_node_id,
               count(*) FILTER (WHERE e.kind IN ('start', 'back'))
                   OVER (PARTITION BY e.session_id ORDER BY e.seq) AS grp
        FROM insight_sessions_of(ids, false) AS f
        JOIN session_steps AS e ON e.session_id = f.session_id
        WHERE f.is_ended
    ), placed AS (
        SELECT *,
               first_value(CASE WHEN kind = 'back' THEN coalesce(path_index, 0) ELSE 0 END)
                   OVER g + row_number() OVER g - 1 AS pos
        FROM steps
        WINDOW g AS (PARTITION BY session_id, grp ORDER BY seq)
    ), ranked AS (
        SELECT *,
               first_value(pos) OVER (PARTITION BY session_id ORDER BY seq DESC) AS last_pos,
               row_number() OVER (PARTITION BY session_id, pos ORDER BY seq DESC) AS newest
        FROM placed
    )
    SELECT session_id, account_id, tree_id, version_id, technician_id, day, state,
           array_agg(to_node_id ORDER BY pos) FILTER (WHERE to_version_id = version_id)
    FROM ranked
    WHERE newest = 1 AND pos <= last_pos
    GROUP BY session_id, account_id, tree_id, version_id, technician_id, day, state
$$;

-- Adds (sign 1) or takes away (sign -1) sessions' figures in the daily rollups: as they stand,
-- or (as_open) as the running sessions they were. With `after` >= 0 only what the steps after
-- step `after` add to a running session counts (its new visits, times and choices). Every
-- figure goes in twice: under the session's technician and under everyone (the zero uuid).
-- Rows go in key order, so concurrent writers lock them in the same order.
CREATE FUNCTION insight_record(ids uuid[], sign int, as_open boolean, after int)
RETURNS void LANGUAGE sql VOLATILE AS $$
    INSERT INTO insight_session_days AS t (account_id, tree_id, technician_id, version_id, day,
        state,
        outcome_label, abandon_reason, sessions, duration_count, duration_sum, duration_hist)
    SELECT account_id, tree_id, k.tech, version_id, day, state, outcome_label, abandon_reason,
           count(*) * sign, count(duration) * sign, coalesce(sum(duration), 0) * sign,
           insight_hist(array_agg(insight_bin(duration)) FILTER (WHERE duration IS NOT NULL), sign)
    FROM insight_sessions_of(ids, as_open)
    CROSS JOIN LATERAL (VALUES (technician_id), ({EVERYONE})) AS k(tech)
    WHERE after < 0
    GROUP BY account_id, tree_id, k.tech, version_id, day, state, outcome_label, abandon_reason
    ORDER BY tree_id, k.tech, version_id, day, state, outcome_label, abandon_reason
    ON CONFLICT (tree_id, technician_id, version_id, day, state, outcome_label, abandon_reason)
    DO UPDATE SET
        sessions = t.sessions + excluded.sessions,
        duration_count = t.duration_count + excluded.duration_count,
        duration_sum = t.duration_sum + excluded.duration_sum,
        duration_hist = insight_hist_add(t.duration_hist, excluded.duration_hist);

    INSERT INTO insight_node_days AS t (account_id, tree_id, technician_id, version_id, day,
        state, node_id,
        visits, sessions, exits, abandons, time_count, time_sum, time_hist)
    SELECT account_id, tree_id, k.tech, version_id, day, state, node_id,
           count(*) FILTER (WHERE seq > after) * sign,
           count(*) FILTER (WHERE seq > after AND is_first) * sign,
           count(*) FILTER (WHERE is_exit) * sign,
           count(*) FILTER (WHERE is_abandon) * sign,
           count(seconds) FILTER (WHERE coalesce(next_seq, 2147483647) > after) * sign,
           coalesce(sum(seconds) FILTER (WHERE coalesce(next_seq, 2147483647) > after), 0)
               * sign,
           insight_hist(array_agg(insight_bin(seconds)) FILTER (
               WHERE seconds IS NOT NULL AND coalesce(next_seq, 2147483647) > after), sign)
    FROM insight_visits_of(ids, as_open)
    CROSS JOIN LATERAL (VALUES (technician_id), ({EVERYONE})) AS k(tech)
    WHERE seq > after OR coalesce(next_seq, 2147483647) > after
    GROUP BY account_id, tree_id, k.tech, version_id, day, state, node_id
    ORDER BY tree_id, k.tech, version_id, day, state, node_id
    ON CONFLICT (tree_id, technician_id, version_id, day, state, node_id) DO UPDATE SET
        visits = t.visits + excluded.visits,
        sessions = t.sessions + excluded.sessions,
        exits = t.exits + excluded.exits,
        abandons = t.abandons + excluded.abandons,
        time_count = t.time_count + excluded.time_count,
        time_sum = t.time_sum + excluded.time_sum,
        time_hist = insight_hist_add(t.time_hist, excluded.time_hist);

    INSERT INTO insight_choice_days AS t (account_id, tree_id, technician_id, version_id, day,
        state, node_id,
        option_id, choices)
    SELECT account_id, tree_id, k.tech, version_id, day, state, node_id, option_id,
           count(*) * sign
    FROM insight_choices_of(ids, as_open)
    CROSS JOIN LATERAL (VALUES (technician_id), ({EVERYONE})) AS k(tech)
    WHERE seq > after
    GROUP BY account_id, tree_id, k.tech, version_id, day, state, node_id, option_id
    ORDER BY tree_id, k.tech, version_id, day, state, node_id, option_id
    ON CONFLICT (tree_id, technician_id, version_id, day, state, node_id, option_id) DO UPDATE SET
        choices = t.choices + excluded.choices;

    INSERT INTO insight_path_days AS t (account_id, tree_id, technician_id, version_id, day,
        state, path_key,
        path, sessions)
    SELECT account_id, tree_id, k.tech, version_id, day, state, md5(array_to_string(path, ' ')),
           path, count(*) * sign
    FROM insight_paths_of(ids)
    CROSS JOIN LATERAL (VALUES (technician_id), ({EVERYONE})) AS k(tech)
    WHERE NOT as_open AND after < 0
    GROUP BY account_id, tree_id, k.tech, version_id, day, state, path
    ORDER BY tree_id, k.tech, version_id, day, state, md5(array_to_string(path, ' '))
    ON CONFLICT (tree_id, technician_id, version_id, day, state, path_key) DO UPDATE SET
        sessions = t.sessions + excluded.sessions;
$$;

-- New steps of running, answered sessions: what they add goes into the rollups (as running),
-- and `insight_open_sessions` remembers the last step counted. A session's first counted
-- steps also count the session itself, once.
CREATE FUNCTION insight_steps_added() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sid uuid;
    counted int;
BEGIN
    FOR sid IN
        SELECT DISTINCT a.session_id FROM added AS a
        JOIN troubleshooting_sessions AS s ON s.id = a.session_id
        WHERE s.status = 'in_progress'
          AND EXISTS (SELECT 1 FROM session_steps AS e
                      WHERE e.session_id = a.session_id AND e.kind = 'answer')
        ORDER BY a.session_id
    LOOP
        SELECT last_seq INTO counted FROM insight_open_sessions WHERE session_id = sid;
        PERFORM insight_record(ARRAY[sid], 1, true, coalesce(counted, -1));
        INSERT INTO insight_open_sessions AS o (session_id, last_seq)
        SELECT sid, max(seq) FROM session_steps WHERE session_id = sid
        ON CONFLICT (session_id) DO UPDATE SET last_seq = excluded.last_seq;
    END LOOP;
    RETURN NULL;
END
$$;

-- A session that ends trades its running figures for its final ones, in the same transaction.
CREATE FUNCTION insight_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM insight_open_sessions WHERE session_id = NEW.id) THEN
        PERFORM insight_record(ARRAY[NEW.id], -1, true, -1);
        DELETE FROM insight_open_sessions WHERE session_id = NEW.id;
    END IF;
    PERFORM insight_record(ARRAY[NEW.id], 1, false, -1);
    RETURN NULL;
END
$$;
"""

TRIGGERS = """
CREATE TRIGGER insight_steps_added AFTER INSERT ON session_steps
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION insight_steps_added();
CREATE TRIGGER insight_session_ended AFTER UPDATE OF status ON troubleshooting_sessions
    FOR EACH ROW
    WHEN (OLD.status IN ('prepared', 'in_progress')
          AND NEW.status IN ('completed', 'abandoned') AND NEW.answer_count > 0)
    EXECUTE FUNCTION insight_session_ended();
"""

DROP_FUNCTIONS = (
    "insight_session_ended()",
    "insight_steps_added()",
    "insight_record(uuid[], int, boolean, int)",
    "insight_paths_of(uuid[])",
    "insight_choices_of(uuid[], boolean)",
    "insight_visits_of(uuid[], boolean)",
    "insight_sessions_of(uuid[], boolean)",
    "insight_hist_add(int[], int[])",
    "insight_hist(int[], int)",
    "insight_bin(float8)",
)


def _key() -> list[h.Column]:
    return [
        h.uuid_ref("account_id"),
        h.uuid_ref("tree_id"),
        # The session's technician, or the zero uuid for everyone's figures together.
        h.uuid_ref("technician_id"),
        h.uuid_ref("version_id"),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
    ]


def _refs(table: str) -> list[sa.ForeignKeyConstraint]:
    return [
        h.fk(table, "account_id", "accounts", ondelete="CASCADE"),
        h.fk(table, "tree_id", "trees", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["tree_versions.id"],
            name=op.f(f"fk_{table}_version_id_tree_versions"),
            ondelete="CASCADE",
        ),
    ]


def _count(name: str) -> h.Column:
    return sa.Column(name, sa.Integer(), server_default="0", nullable=False)


def _hist(name: str) -> h.Column:
    return sa.Column(name, postgresql.ARRAY(sa.Integer()), nullable=False)


def _pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(
        "tree_id",
        "technician_id",
        "version_id",
        "day",
        "state",
        *columns,
        name=op.f(f"pk_{table}"),
    )


def upgrade() -> None:
    table = "insight_session_days"
    op.create_table(
        table,
        *_key(),
        sa.Column("outcome_label", sa.String(length=80), nullable=False),
        sa.Column("abandon_reason", sa.String(length=20), nullable=False),
        _count("sessions"),
        _count("duration_count"),
        sa.Column("duration_sum", sa.Float(), server_default="0", nullable=False),
        _hist("duration_hist"),
        *_refs(table),
        _pk(table, "outcome_label", "abandon_reason"),
    )
    # The account overview: every tree's sessions in a date range.
    op.create_index(f"ix_{table}_account_id_day", table, ["account_id", "day"])
    table = "insight_node_days"
    op.create_table(
        table,
        *_key(),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        _count("visits"),
        _count("sessions"),
        _count("exits"),
        _count("abandons"),
        _count("time_count"),
        sa.Column("time_sum", sa.Float(), server_default="0", nullable=False),
        _hist("time_hist"),
        *_refs(table),
        _pk(table, "node_id"),
    )
    table = "insight_choice_days"
    op.create_table(
        table,
        *_key(),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("option_id", sa.String(length=64), nullable=False),
        _count("choices"),
        *_refs(table),
        _pk(table, "node_id", "option_id"),
    )
    table = "insight_path_days"
    op.create_table(
        table,
        *_key(),
        sa.Column("path_key", sa.String(length=32), nullable=False),
        sa.Column("path", postgresql.ARRAY(sa.Text()), nullable=False),
        _count("sessions"),
        *_refs(table),
        _pk(table, "path_key"),
    )
    # Running sessions counted so far: the last step in the rollups.
    op.create_table(
        "insight_open_sessions",
        sa.Column("session_id", sa.UUID(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            [f"{SESSIONS}.id"],
            name=op.f("fk_insight_open_sessions_session_id_troubleshooting_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("session_id", name=op.f("pk_insight_open_sessions")),
    )
    # A technician's sessions of a tree (the technician filter reads the step log).
    op.create_index(f"ix_{SESSIONS}_tree_technician", SESSIONS, ["tree_id", "technician_id"])
    op.execute(FUNCTIONS)
    op.execute(TRIGGERS)
    # The sessions there are already: ended ones as they ended, running ones so far.
    op.execute(
        "SELECT insight_record(ARRAY(SELECT id FROM troubleshooting_sessions "
        "WHERE status IN ('completed', 'abandoned') AND answer_count > 0), 1, false, -1)"
    )
    op.execute(
        "SELECT insight_record(ARRAY(SELECT id FROM troubleshooting_sessions "
        "WHERE status = 'in_progress' AND answer_count > 0), 1, true, -1)"
    )
    op.execute(
        "INSERT INTO insight_open_sessions (session_id, last_seq) "
        "SELECT s.id, max(e.seq) FROM troubleshooting_sessions AS s "
        "JOIN session_steps AS e ON e.session_id = s.id "
        "WHERE s.status = 'in_progress' AND s.answer_count > 0 GROUP BY s.id"
    )


def downgrade() -> None:
    op.execute(f"DROP TRIGGER IF EXISTS insight_session_ended ON {SESSIONS}")
    op.execute("DROP TRIGGER IF EXISTS insight_steps_added ON session_steps")
    for function in DROP_FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_index(f"ix_{SESSIONS}_tree_technician", table_name=SESSIONS)
    h.drop_tables(
        "insight_open_sessions",
        "insight_path_days",
        "insight_choice_days",
        "insight_node_days",
        "insight_session_days",
    )
