-- mpis-dash's own additions: what the old dashboard lost, and the pre-aggregates the
-- dashboard reads on every refresh. Only tables of the dashboard are created or altered here;
-- MPIS's own tables are never changed (no triggers, columns or indexes on them).

-- Runs: the raw n8n execution id (n8n ids are numeric strings; the 006 column is a UUID),
-- and when the row last changed.
ALTER TABLE dashboard_runs ADD COLUMN IF NOT EXISTS n8n_execution_ref TEXT;
ALTER TABLE dashboard_runs ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW();
-- Recent-runs pages are read newest first with a keyset cursor (started_at, id).
CREATE INDEX IF NOT EXISTS idx_dashboard_runs_started_at_id ON dashboard_runs (started_at DESC, id DESC);

-- Per-item results of a run, as the n8n completion callback reported them.
CREATE TABLE IF NOT EXISTS dashboard_run_items (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    run_id UUID NOT NULL REFERENCES dashboard_runs(run_id) ON DELETE CASCADE,
    item_no INTEGER NOT NULL CHECK (item_no >= 0),
    draft_id UUID,
    channel TEXT NOT NULL,
    channel_item_id TEXT,
    channel_url TEXT,
    status TEXT,                               -- as reported (may be absent)
    succeeded BOOLEAN NOT NULL,                -- the aggregation rule's reading of status
    error TEXT,
    metrics JSONB NOT NULL DEFAULT '{}',
    published_item_id UUID,                    -- MPIS's published item (no FK: MPIS may be remote)
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    UNIQUE (run_id, item_no)
);
-- Successful items not (yet) found in published_items: the "missing publish records" flag.
CREATE INDEX IF NOT EXISTS idx_dashboard_run_items_unlinked
    ON dashboard_run_items (run_id) WHERE succeeded AND published_item_id IS NULL;
CREATE INDEX IF NOT EXISTS idx_dashboard_run_items_draft ON dashboard_run_items (draft_id);

-- Publish records and their forwarding state (the outbox). Written before MPIS is called,
-- forwarded with the four fields MPIS accepts, retried until MPIS answers.
CREATE TABLE IF NOT EXISTS publish_records (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    idempotency_key TEXT NOT NULL UNIQUE,
    -- local fields: kept here, never sent to MPIS
    run_id UUID,
    project_id UUID REFERENCES dashboard_projects(id) ON DELETE SET NULL,
    persona_id UUID,
    published_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    -- forwarded fields
    draft_id UUID NOT NULL,
    channel TEXT NOT NULL,
    channel_item_id TEXT,
    channel_url TEXT,
    -- forwarding state
    state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'forwarded', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error TEXT,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    locked_until TIMESTAMPTZ,
    mpis_published_item_id UUID,
    forwarded_at TIMESTAMPTZ,
    created_by TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    CHECK ((state = 'forwarded') = (mpis_published_item_id IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS idx_publish_records_due
    ON publish_records (next_attempt_at) WHERE state = 'queued';
CREATE INDEX IF NOT EXISTS idx_publish_records_run_id ON publish_records (run_id);
CREATE INDEX IF NOT EXISTS idx_publish_records_created_at ON publish_records (created_at DESC);

-- Red flags: a stable key per condition so re-evaluation updates the one open row, plus
-- acknowledge and the time a condition was last seen.
ALTER TABLE red_flags ADD COLUMN IF NOT EXISTS flag_key TEXT;
ALTER TABLE red_flags ADD COLUMN IF NOT EXISTS acknowledged_at TIMESTAMPTZ;
ALTER TABLE red_flags ADD COLUMN IF NOT EXISTS acknowledged_by TEXT;
ALTER TABLE red_flags ADD COLUMN IF NOT EXISTS last_seen_at TIMESTAMPTZ NOT NULL DEFAULT NOW();
ALTER TABLE red_flags ADD COLUMN IF NOT EXISTS updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW();
CREATE UNIQUE INDEX IF NOT EXISTS uq_red_flags_open_key
    ON red_flags (flag_key) WHERE resolved_at IS NULL AND flag_key IS NOT NULL;

-- Failed-run counts per UTC hour, maintained on write, so the 24 h / 7 d percentages are a
-- sum over at most 169 rows plus one partial hour instead of a scan of every run.
CREATE TABLE IF NOT EXISTS dashboard_run_hourly_stats (
    hour TIMESTAMPTZ PRIMARY KEY,
    total_runs BIGINT NOT NULL DEFAULT 0,
    failed_runs BIGINT NOT NULL DEFAULT 0
);

CREATE OR REPLACE FUNCTION mpis_dash_apply_run_deltas(deltas JSONB) RETURNS VOID AS $$
BEGIN
    INSERT INTO dashboard_run_hourly_stats AS s (hour, total_runs, failed_runs)
    SELECT (d->>'hour')::timestamptz, (d->>'total')::bigint, (d->>'failed')::bigint
    FROM jsonb_array_elements(deltas) AS d
    ORDER BY 1
    ON CONFLICT (hour) DO UPDATE
        SET total_runs = s.total_runs + EXCLUDED.total_runs,
            failed_runs = s.failed_runs + EXCLUDED.failed_runs;
END;
$$ LANGUAGE plpgsql;

-- One function for inserts and deletes: both triggers name their transition table
-- changed_rows, and the sign comes from the operation.
CREATE OR REPLACE FUNCTION mpis_dash_run_stats_on_insert_or_delete() RETURNS TRIGGER AS $$
DECLARE sign INTEGER := CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END;
BEGIN
    PERFORM mpis_dash_apply_run_deltas(COALESCE(jsonb_agg(d), '[]'::jsonb))
    FROM (SELECT date_trunc('hour', started_at, 'UTC') AS hour, sign * count(*) AS total,
                 sign * count(*) FILTER (WHERE status = 'failed') AS failed
          FROM changed_rows GROUP BY 1) AS d;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION mpis_dash_run_stats_on_update() RETURNS TRIGGER AS $$
BEGIN
    PERFORM mpis_dash_apply_run_deltas(COALESCE(jsonb_agg(d), '[]'::jsonb))
    FROM (SELECT hour, sum(total) AS total, sum(failed) AS failed FROM (
              SELECT date_trunc('hour', started_at, 'UTC') AS hour, -1 AS total,
                     CASE WHEN status = 'failed' THEN -1 ELSE 0 END AS failed FROM old_rows
              UNION ALL
              SELECT date_trunc('hour', started_at, 'UTC'), 1,
                     CASE WHEN status = 'failed' THEN 1 ELSE 0 END FROM new_rows) AS x
          GROUP BY hour HAVING sum(total) <> 0 OR sum(failed) <> 0) AS d;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS mpis_dash_run_stats_insert ON dashboard_runs;
CREATE TRIGGER mpis_dash_run_stats_insert AFTER INSERT ON dashboard_runs
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_run_stats_on_insert_or_delete();
DROP TRIGGER IF EXISTS mpis_dash_run_stats_delete ON dashboard_runs;
CREATE TRIGGER mpis_dash_run_stats_delete AFTER DELETE ON dashboard_runs
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_run_stats_on_insert_or_delete();
DROP TRIGGER IF EXISTS mpis_dash_run_stats_update ON dashboard_runs;
CREATE TRIGGER mpis_dash_run_stats_update AFTER UPDATE ON dashboard_runs
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_run_stats_on_update();

-- Recomputes the hourly counts from scratch: the backfill below, and bulk loads that ran
-- with triggers off.
CREATE OR REPLACE FUNCTION mpis_dash_rebuild_run_hourly_stats() RETURNS VOID AS $$
BEGIN
    DELETE FROM dashboard_run_hourly_stats;
    INSERT INTO dashboard_run_hourly_stats (hour, total_runs, failed_runs)
    SELECT date_trunc('hour', started_at, 'UTC'), count(*), count(*) FILTER (WHERE status = 'failed')
    FROM dashboard_runs GROUP BY 1;
END;
$$ LANGUAGE plpgsql;

-- Runs that existed before this migration (a database that already had 006).
SELECT mpis_dash_rebuild_run_hourly_stats();

-- Each measurement remembers its item's persona, resolved once on insert through the item's
-- draft and plan (MPIS's tables, read only). The rollups need it when a measurement is deleted
-- by the cascade from its published item, when that item can no longer be looked up.
ALTER TABLE normalized_metrics ADD COLUMN IF NOT EXISTS persona_id UUID;

CREATE OR REPLACE FUNCTION mpis_dash_metrics_fill_persona() RETURNS TRIGGER AS $$
BEGIN
    IF NEW.persona_id IS NULL THEN
        SELECT cp.persona_id INTO NEW.persona_id
        FROM published_items p
        JOIN content_drafts cd ON cd.id = p.draft_id
        JOIN content_plans cp ON cp.id = cd.plan_id
        WHERE p.id = NEW.published_item_id;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS mpis_dash_metrics_fill_persona ON normalized_metrics;
CREATE TRIGGER mpis_dash_metrics_fill_persona BEFORE INSERT ON normalized_metrics
    FOR EACH ROW EXECUTE FUNCTION mpis_dash_metrics_fill_persona();

UPDATE normalized_metrics m SET persona_id = cp.persona_id
FROM published_items p
JOIN content_drafts cd ON cd.id = p.draft_id
JOIN content_plans cp ON cp.id = cd.plan_id
WHERE p.id = m.published_item_id AND m.persona_id IS NULL;

-- Engagement per UTC day, channel and persona, maintained on write to normalized_metrics
-- (our table), so charts over 30/90 days read at most a few hundred rows.
CREATE TABLE IF NOT EXISTS metric_daily_rollups (
    day DATE NOT NULL,
    channel TEXT NOT NULL,
    persona_id UUID NOT NULL,   -- the nil UUID when the item's persona is unknown
    metric_rows BIGINT NOT NULL DEFAULT 0,
    rated_rows BIGINT NOT NULL DEFAULT 0,
    engagement_sum DOUBLE PRECISION NOT NULL DEFAULT 0,
    views_sum BIGINT NOT NULL DEFAULT 0,       -- views, or reach where a channel has no views (Instagram)
    reactions_sum BIGINT NOT NULL DEFAULT 0,
    comments_sum BIGINT NOT NULL DEFAULT 0,
    shares_sum BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, channel, persona_id)
);

CREATE OR REPLACE FUNCTION mpis_dash_metric_rollup(rows_json JSONB) RETURNS VOID AS $$
BEGIN
    INSERT INTO metric_daily_rollups AS r (day, channel, persona_id, metric_rows, rated_rows,
        engagement_sum, views_sum, reactions_sum, comments_sum, shares_sum)
    SELECT (d->>'day')::date, d->>'channel', (d->>'persona_id')::uuid, (d->>'metric_rows')::bigint,
        (d->>'rated_rows')::bigint, (d->>'engagement_sum')::double precision, (d->>'views_sum')::bigint,
        (d->>'reactions_sum')::bigint, (d->>'comments_sum')::bigint, (d->>'shares_sum')::bigint
    FROM jsonb_array_elements(rows_json) AS d
    ORDER BY 1, 2, 3
    ON CONFLICT (day, channel, persona_id) DO UPDATE SET
        metric_rows = r.metric_rows + EXCLUDED.metric_rows,
        rated_rows = r.rated_rows + EXCLUDED.rated_rows,
        engagement_sum = r.engagement_sum + EXCLUDED.engagement_sum,
        views_sum = r.views_sum + EXCLUDED.views_sum,
        reactions_sum = r.reactions_sum + EXCLUDED.reactions_sum,
        comments_sum = r.comments_sum + EXCLUDED.comments_sum,
        shares_sum = r.shares_sum + EXCLUDED.shares_sum;
END;
$$ LANGUAGE plpgsql;

-- Inserts add to the rollups, deletes subtract; both triggers name their transition table
-- changed_rows.
CREATE OR REPLACE FUNCTION mpis_dash_metrics_rollup_trigger() RETURNS TRIGGER AS $$
DECLARE sign INTEGER := CASE TG_OP WHEN 'DELETE' THEN -1 ELSE 1 END;
BEGIN
    PERFORM mpis_dash_metric_rollup(COALESCE(jsonb_agg(d), '[]'::jsonb))
    FROM (SELECT (m.measured_at AT TIME ZONE 'UTC')::date AS day, lower(m.channel) AS channel,
                 COALESCE(m.persona_id, '00000000-0000-0000-0000-000000000000'::uuid) AS persona_id,
                 sign * count(*) AS metric_rows,
                 sign * count(m.engagement_rate) AS rated_rows,
                 sign * COALESCE(sum(m.engagement_rate), 0)::double precision AS engagement_sum,
                 sign * COALESCE(sum(COALESCE(m.views, m.reach)), 0) AS views_sum,
                 sign * COALESCE(sum(m.reactions), 0) AS reactions_sum,
                 sign * COALESCE(sum(m.comments), 0) AS comments_sum,
                 sign * COALESCE(sum(m.shares), 0) AS shares_sum
          FROM changed_rows m
          GROUP BY 1, 2, 3) AS d;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS mpis_dash_metrics_rollup_insert ON normalized_metrics;
CREATE TRIGGER mpis_dash_metrics_rollup_insert AFTER INSERT ON normalized_metrics
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_metrics_rollup_trigger();
DROP TRIGGER IF EXISTS mpis_dash_metrics_rollup_delete ON normalized_metrics;
CREATE TRIGGER mpis_dash_metrics_rollup_delete AFTER DELETE ON normalized_metrics
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_metrics_rollup_trigger();

-- Recomputes the rollups from scratch: the backfill below, and bulk loads that ran with
-- triggers off.
CREATE OR REPLACE FUNCTION mpis_dash_rebuild_metric_daily_rollups() RETURNS VOID AS $$
BEGIN
    DELETE FROM metric_daily_rollups;
    INSERT INTO metric_daily_rollups (day, channel, persona_id, metric_rows, rated_rows,
        engagement_sum, views_sum, reactions_sum, comments_sum, shares_sum)
    SELECT (m.measured_at AT TIME ZONE 'UTC')::date, lower(m.channel),
        COALESCE(m.persona_id, '00000000-0000-0000-0000-000000000000'::uuid),
        count(*), count(m.engagement_rate), COALESCE(sum(m.engagement_rate), 0)::double precision,
        COALESCE(sum(COALESCE(m.views, m.reach)), 0), COALESCE(sum(m.reactions), 0), COALESCE(sum(m.comments), 0),
        COALESCE(sum(m.shares), 0)
    FROM normalized_metrics m
    GROUP BY 1, 2, 3;
END;
$$ LANGUAGE plpgsql;

-- TRUNCATE fires no row or DELETE triggers: start the pre-aggregates over.
CREATE OR REPLACE FUNCTION mpis_dash_rebuild_after_truncate() RETURNS TRIGGER AS $$
BEGIN
    IF TG_TABLE_NAME = 'dashboard_runs' THEN
        PERFORM mpis_dash_rebuild_run_hourly_stats();
    ELSE
        PERFORM mpis_dash_rebuild_metric_daily_rollups();
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS mpis_dash_run_stats_truncate ON dashboard_runs;
CREATE TRIGGER mpis_dash_run_stats_truncate AFTER TRUNCATE ON dashboard_runs
    FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_rebuild_after_truncate();
DROP TRIGGER IF EXISTS mpis_dash_metrics_rollup_truncate ON normalized_metrics;
CREATE TRIGGER mpis_dash_metrics_rollup_truncate AFTER TRUNCATE ON normalized_metrics
    FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_rebuild_after_truncate();

-- Measurements that existed before this migration.
SELECT mpis_dash_rebuild_metric_daily_rollups();

-- Best items (top items) without scanning. (An item's latest measurement is found through
-- 006's idx_normalized_metrics_published_item_id: items have few measurements each.)
CREATE INDEX IF NOT EXISTS idx_normalized_metrics_engagement
    ON normalized_metrics (engagement_rate DESC) WHERE engagement_rate IS NOT NULL;

-- The missing-metrics count needs an anti-join over every published item (MPIS's table, on
-- which we put no trigger): too slow for every refresh at a million items, so the red flag
-- evaluator keeps its last result here and the dashboard reads it with its age.
CREATE TABLE IF NOT EXISTS red_flag_snapshots (
    snapshot TEXT PRIMARY KEY,
    value BIGINT NOT NULL,
    samples JSONB NOT NULL DEFAULT '[]',
    computed_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    duration_ms INTEGER NOT NULL DEFAULT 0
);

-- Ingestion jobs: a lease so each due job runs once across several `serve` instances, and
-- what happened last time.
ALTER TABLE metrics_ingestion_jobs ADD COLUMN IF NOT EXISTS locked_until TIMESTAMPTZ;
ALTER TABLE metrics_ingestion_jobs ADD COLUMN IF NOT EXISTS last_status TEXT;
ALTER TABLE metrics_ingestion_jobs ADD COLUMN IF NOT EXISTS last_error TEXT;

-- Genesis jobs awaiting approval are listed often; MPIS indexes status already.
