-- Live updates: a statement-level NOTIFY on mpis_dash_changes, with the table name as payload,
-- whenever one of OUR tables changes (never MPIS's). The dashboard LISTENs and reloads just the
-- widgets that show that table; PostgreSQL delivers it at commit and folds duplicates within a
-- transaction, so a bulk load costs one notification.

CREATE OR REPLACE FUNCTION mpis_dash_notify_change() RETURNS TRIGGER AS $$
BEGIN
    PERFORM pg_notify('mpis_dash_changes', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DO $do$
DECLARE t TEXT;
BEGIN
    FOREACH t IN ARRAY ARRAY['dashboard_runs', 'dashboard_run_items', 'red_flags', 'publish_records',
                             'normalized_metrics', 'red_flag_snapshots', 'metrics_ingestion_jobs']
    LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS mpis_dash_notify ON %I', t);
        EXECUTE format('CREATE TRIGGER mpis_dash_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I
                        FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_notify_change()', t);
    END LOOP;
END
$do$;
