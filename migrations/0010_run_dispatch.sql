-- Runs reach n8n: one dispatch row per run, written in the same transaction as the run
-- (store::runs::create), claimed by the dispatcher (jobs/dispatch.rs) with a lease
-- (FOR UPDATE SKIP LOCKED), so several `serve` processes never send the same run twice.
-- queued    waiting for its (next) attempt at next_attempt_at
-- sent      n8n answered 2xx (the run became `running`)
-- failed    n8n refused it (4xx) or the attempts ran out (the run became `failed`)
-- cancelled the run was no longer pending when its turn came (completed, failed by hand)
CREATE TABLE IF NOT EXISTS run_dispatches (
    run_id UUID PRIMARY KEY
        REFERENCES dashboard_runs(run_id) ON DELETE CASCADE ON UPDATE CASCADE,
    state TEXT NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'sent', 'failed', 'cancelled')),
    attempts INT NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    locked_until TIMESTAMPTZ,
    last_error TEXT,
    last_status INT,
    sent_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT NOW()
);
-- The dispatcher's scan: only queued rows, oldest due first.
CREATE INDEX IF NOT EXISTS idx_run_dispatches_due ON run_dispatches (next_attempt_at)
    WHERE state = 'queued';
