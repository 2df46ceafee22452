-- The built-in widgets (ids as DESIGN.md lists them) and the two global layouts. Inserted only
-- where missing, so operators' edits and registrations are kept.

INSERT INTO widget_registry (widget_id, name, description, widget_type, schema) VALUES
    ('red-flags', 'Red Flags', 'Failed-run percentages, missing metrics and missing publish records, with open flags by severity.', 'builtin',
     '{"config": {}}'),
    ('runs', 'Recent Runs', 'Publishing runs newest first: status, project, persona, start, duration and error.', 'builtin',
     '{"config": {"persona_id": {"type": "uuid"}, "status": {"type": "enum", "values": ["pending", "running", "success", "failed", "partial"]}}}'),
    ('recent-posts', 'Recent Posts', 'The latest published items with views, reactions and engagement rate.', 'builtin',
     '{"config": {"channel": {"type": "string"}}}'),
    ('engagement-chart', 'Engagement Chart', 'Average engagement rate per day and channel over 7, 30 or 90 days.', 'builtin',
     '{"config": {"time_range": {"type": "enum", "values": ["7d", "30d", "90d"], "default": "30d"}, "persona_id": {"type": "uuid"}, "channel": {"type": "string"}}}'),
    ('channel-performance', 'Channel Performance', 'Average engagement and volume per channel.', 'builtin',
     '{"config": {"time_range": {"type": "enum", "values": ["7d", "30d", "90d"], "default": "30d"}, "persona_id": {"type": "uuid"}}}'),
    ('persona-overview', 'Persona Overview', 'Personas with their active version, and genesis jobs awaiting approval.', 'builtin',
     '{"config": {"persona_id": {"type": "uuid"}}}'),
    ('eidos-recommendations', 'EIDOS Recommendations', 'The top recommendations computed for a persona.', 'builtin',
     '{"config": {"persona_id": {"type": "uuid"}}}'),
    ('ingestion-jobs', 'Ingestion Jobs', 'Metrics ingestion jobs with channel, schedule, last and next run.', 'builtin',
     '{"config": {"channel": {"type": "string"}}}'),
    ('outbox', 'Publish Outbox', 'Publish records not yet forwarded to MPIS, with attempts and the last error.', 'builtin',
     '{"config": {}}')
ON CONFLICT (widget_id) DO NOTHING;

INSERT INTO dashboard_layouts (user_id, name, is_default, layout_config)
SELECT NULL, 'Overview', NOT EXISTS (SELECT 1 FROM dashboard_layouts WHERE user_id IS NULL AND is_default),
    '{"widgets": [
        {"widget_id": "red-flags", "position": {"x": 0, "y": 0, "w": 4, "h": 2}, "config": {}},
        {"widget_id": "runs", "position": {"x": 4, "y": 0, "w": 8, "h": 2}, "config": {}},
        {"widget_id": "engagement-chart", "position": {"x": 0, "y": 2, "w": 8, "h": 2}, "config": {"time_range": "30d"}},
        {"widget_id": "channel-performance", "position": {"x": 8, "y": 2, "w": 4, "h": 2}, "config": {}},
        {"widget_id": "recent-posts", "position": {"x": 0, "y": 4, "w": 6, "h": 2}, "config": {}},
        {"widget_id": "persona-overview", "position": {"x": 6, "y": 4, "w": 6, "h": 2}, "config": {}}
    ]}'::jsonb
WHERE NOT EXISTS (SELECT 1 FROM dashboard_layouts WHERE user_id IS NULL AND name = 'Overview');

INSERT INTO dashboard_layouts (user_id, name, is_default, layout_config)
SELECT NULL, 'On-call', FALSE,
    '{"widgets": [
        {"widget_id": "red-flags", "position": {"x": 0, "y": 0, "w": 12, "h": 2}, "config": {}},
        {"widget_id": "runs", "position": {"x": 0, "y": 2, "w": 8, "h": 3}, "config": {}},
        {"widget_id": "outbox", "position": {"x": 8, "y": 2, "w": 4, "h": 3}, "config": {}},
        {"widget_id": "ingestion-jobs", "position": {"x": 0, "y": 5, "w": 12, "h": 1}, "config": {}}
    ]}'::jsonb
WHERE NOT EXISTS (SELECT 1 FROM dashboard_layouts WHERE user_id IS NULL AND name = 'On-call');
