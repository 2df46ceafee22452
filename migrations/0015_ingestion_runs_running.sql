-- mpis-dash migration 0015: the ingestion runs still `running`, found fast.
--
-- Every scheduler pass closes the runs a stopped process left `running` (their job's lease
-- ran out); running runs are few among many finished ones, so a partial index finds them.
--
-- sqlx runs this file in one transaction: no CONCURRENTLY, no COMMIT.

CREATE INDEX IF NOT EXISTS idx_metrics_ingestion_runs_running
    ON metrics_ingestion_runs (job_id) WHERE outcome = 'running';
