-- Which run changed, for `serve`'s cache of run answers (api::run_cache): besides the table
-- name on mpis_dash_changes (migration 0005), a statement that changed a run, its items or its
-- dispatch names each run it touched on mpis_dash_run_changes, and '*' (drop everything) when
-- it touched more than 100 runs or on TRUNCATE. PostgreSQL delivers these at commit, folding
-- duplicates within a transaction, so a completion (run, items, dispatch) sends one.

CREATE OR REPLACE FUNCTION mpis_dash_notify_change() RETURNS TRIGGER AS $$
DECLARE
    runs TEXT[];
    run TEXT;
BEGIN
    -- TRUNCATE has no transition table (the query naming it must not even be planned then);
    -- every other event names its rows changed_rows.
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('mpis_dash_changes', TG_TABLE_NAME);
        IF TG_TABLE_NAME IN ('dashboard_runs', 'dashboard_run_items', 'run_dispatches') THEN
            PERFORM pg_notify('mpis_dash_run_changes', '*');
        END IF;
        RETURN NULL;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM changed_rows) THEN
        RETURN NULL;
    END IF;
    PERFORM pg_notify('mpis_dash_changes', TG_TABLE_NAME);
    -- Each table's function body is planned for that table, so run_id is only read where
    -- the table has it.
    IF TG_TABLE_NAME IN ('dashboard_runs', 'dashboard_run_items', 'run_dispatches') THEN
        SELECT array_agg(id) INTO runs
        FROM (SELECT DISTINCT run_id::text AS id FROM changed_rows LIMIT 101) AS touched;
        IF cardinality(runs) > 100 THEN
            PERFORM pg_notify('mpis_dash_run_changes', '*');
        ELSE
            FOREACH run IN ARRAY runs LOOP
                PERFORM pg_notify('mpis_dash_run_changes', run);
            END LOOP;
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- A dispatch's state is part of a run's answer: its changes notify too. (UPDATE names the
-- new rows only: a run's run_id never changes.)
DROP TRIGGER IF EXISTS mpis_dash_notify_insert ON run_dispatches;
CREATE TRIGGER mpis_dash_notify_insert AFTER INSERT ON run_dispatches
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_notify_change();
DROP TRIGGER IF EXISTS mpis_dash_notify_update ON run_dispatches;
CREATE TRIGGER mpis_dash_notify_update AFTER UPDATE ON run_dispatches
    REFERENCING NEW TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_notify_change();
DROP TRIGGER IF EXISTS mpis_dash_notify_delete ON run_dispatches;
CREATE TRIGGER mpis_dash_notify_delete AFTER DELETE ON run_dispatches
    REFERENCING OLD TABLE AS changed_rows
    FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_notify_change();
DROP TRIGGER IF EXISTS mpis_dash_notify_truncate ON run_dispatches;
CREATE TRIGGER mpis_dash_notify_truncate AFTER TRUNCATE ON run_dispatches
    FOR EACH STATEMENT EXECUTE FUNCTION mpis_dash_notify_change();
