-- mpis-dash migration 0014: the ingestion scheduler's run history, and what the jobs table
-- needs for it.
--
-- `metrics_ingestion_jobs` is MPIS's table (created by 0002 only where absent): only our own
-- columns are added, IF NOT EXISTS, as 0003 did. `metrics_ingestion_runs` is ours.
--
-- sqlx runs this file in one transaction: no CONCURRENTLY, no COMMIT.

-- Failed runs in a row (0 after any run that wrote rows) and the last run that wrote any:
-- what the "ingestion failing" rule reads.
ALTER TABLE metrics_ingestion_jobs ADD COLUMN IF NOT EXISTS consecutive_failures INT NOT NULL DEFAULT 0;
ALTER TABLE metrics_ingestion_jobs ADD COLUMN IF NOT EXISTS last_success_at TIMESTAMPTZ;

CREATE TABLE IF NOT EXISTS metrics_ingestion_runs (
    id UUID PRIMARY KEY DEFAULT uuid_generate_v4(),
    job_id UUID NOT NULL REFERENCES metrics_ingestion_jobs(id) ON DELETE CASCADE,
    started_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    finished_at TIMESTAMPTZ,
    items_asked INT NOT NULL DEFAULT 0,
    rows_written INT NOT NULL DEFAULT 0,
    outcome TEXT NOT NULL DEFAULT 'running'
        CHECK (outcome IN ('running', 'success', 'partial', 'failed')),
    error TEXT,
    -- [{"published_item_id": "...", "error": "..."}]
    item_errors JSONB NOT NULL DEFAULT '[]',
    triggered_by TEXT NOT NULL CHECK (triggered_by IN ('schedule', 'manual'))
);

CREATE INDEX IF NOT EXISTS idx_metrics_ingestion_runs_job_started
    ON metrics_ingestion_runs (job_id, started_at DESC);
