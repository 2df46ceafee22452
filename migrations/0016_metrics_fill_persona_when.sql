-- The per-row persona look-up (0003's mpis_dash_metrics_fill_persona) is called only for rows
-- that arrive without a persona: a trigger's WHEN is checked without calling the PL/pgSQL
-- function, so a batch whose personas are given (the ingestion scheduler, the ingest route)
-- pays no function call per row. Rows without one are filled exactly as before.
DROP TRIGGER IF EXISTS mpis_dash_metrics_fill_persona ON normalized_metrics;
CREATE TRIGGER mpis_dash_metrics_fill_persona BEFORE INSERT ON normalized_metrics
    FOR EACH ROW WHEN (NEW.persona_id IS NULL)
    EXECUTE FUNCTION mpis_dash_metrics_fill_persona();
