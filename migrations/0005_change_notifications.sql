-- Live updates: a NOTIFY on mpis_dash_changes, with the table name as payload, whenever a
-- statement changed rows of one of OUR tables (never MPIS's). The dashboard LISTENs and reloads
-- just the widgets that show that table. PostgreSQL delivers it at commit and folds duplicates
-- within a transaction, so a bulk load costs one notification; a statement that matched no
-- rows (an evaluator pass with nothing to link) sends none.

CREATE OR REPLACE FUNCTION mpis_dash_notify_change() RETURNS TRIGGER AS $$
BEGIN
    -- TRUNCATE has no transition table (the query naming it must not even be planned then);
    -- every other event names its rows changed_rows.
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('mpis_dash_changes', TG_TABLE_NAME);
    ELSIF EXISTS (SELECT 1 FROM changed_rows) THEN
        PERFORM pg_notify('mpis_dash_changes', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DO $do$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['dashboard_runs', 'dashboard_run_items', 'red_flags', 'publish_records',
                             'normalized_metrics', 'red_flag_snapshots', 'metrics_ingestion_jobs']
    LOOP
        -- A trigger with a transition table may have one event only: one trigger per event.
        EXECUTE format('DROP TRIGGER IF EXISTS mpis_dash_notify_insert ON %I', t);
        EXECUTE format('CREATE TRIGGER mpis_dash_notify_insert AFTER INSERT ON %I
                        REFERENCING NEW TABLE AS changed_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_notify_change()', t);
        EXECUTE format('DROP TRIGGER IF EXISTS mpis_dash_notify_update ON %I', t);
        EXECUTE format('CREATE TRIGGER mpis_dash_notify_update AFTER UPDATE ON %I
                        REFERENCING NEW TABLE AS changed_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_notify_change()', t);
        EXECUTE format('DROP TRIGGER IF EXISTS mpis_dash_notify_delete ON %I', t);
        EXECUTE format('CREATE TRIGGER mpis_dash_notify_delete AFTER DELETE ON %I
                        REFERENCING OLD TABLE AS changed_rows
                        FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_notify_change()', t);
        EXECUTE format('DROP TRIGGER IF EXISTS mpis_dash_notify_truncate ON %I', t);
        EXECUTE format('CREATE TRIGGER mpis_dash_notify_truncate AFTER TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_notify_change()', t);
    END LOOP;
END
$do$;
