//! The migrations against an empty database and against a database MPIS already runs on.

use mpis_dash::scratch_db::ScratchDb;
use mpis_dash::store::MIGRATOR;
use sqlx::PgPool;

const FIXTURE: &str = include_str!("../fixtures/mpis_existing_schema.sql");

/// MPIS's own tables (scripts 002..005): our migrations must never change them.
const MPIS_TABLES: &[&str] = &[
    "personas",
    "persona_versions",
    "genesis_jobs",
    "genesis_drafts",
    "genesis_messages",
    "sources",
    "audit_log",
    "life_events",
    "life_cycles",
    "life_cycle_drafts",
    "life_metrics",
    "recommendations",
    "content_plans",
    "content_drafts",
    "published_items",
    "channel_accounts",
    "item_metrics",
    "analytics_rollups",
    "eidos_recommendations",
    "experiments",
    "dashboard_views",
];

/// The dashboard tables of script 006, which we extend but whose columns must stay as they are.
const DASHBOARD_TABLES: &[&str] = &[
    "dashboard_projects",
    "dashboard_runs",
    "dashboard_layouts",
    "widget_registry",
    "red_flags",
    "metrics_ingestion_jobs",
    "normalized_metrics",
];

/// Every column, constraint, index and trigger of `tables`, one line each, sorted.
async fn catalog(pool: &PgPool, tables: &[&str]) -> Vec<String> {
    let tables: Vec<String> = tables.iter().map(|t| t.to_string()).collect();
    sqlx::query_scalar(
        "SELECT line FROM (
             SELECT 'column ' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                    || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
                    || COALESCE(' default ' || pg_get_expr(d.adbin, d.adrelid), '') AS line
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
             WHERE c.relname = ANY($1) AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
             UNION ALL
             SELECT 'constraint ' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid)
             FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE c.relname = ANY($1)
             UNION ALL
             SELECT 'index ' || indexdef FROM pg_indexes WHERE tablename = ANY($1)
             UNION ALL
             SELECT 'trigger ' || pg_get_triggerdef(t.oid) || ' ' || p.prosrc
             FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid
             WHERE c.relname = ANY($1) AND NOT t.tgisinternal
         ) AS all_lines ORDER BY line",
    )
    .bind(&tables)
    .fetch_all(pool)
    .await
    .expect("catalog query")
}

async fn load_fixture(pool: &PgPool) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(FIXTURE))
        .execute(pool)
        .await
        .expect("MPIS fixture loads");
}

#[tokio::test]
async fn an_empty_database_gets_every_table_and_a_second_run_changes_nothing() {
    let db = ScratchDb::empty().await.unwrap();
    MIGRATOR.run(&db.pool).await.unwrap();
    let all: Vec<&str> = MPIS_TABLES
        .iter()
        .chain(DASHBOARD_TABLES)
        .copied()
        .collect();
    let first = catalog(&db.pool, &all).await;
    for table in &all {
        assert!(
            first
                .iter()
                .any(|l| l.starts_with(&format!("column {table}.id "))),
            "{table} was not created"
        );
    }
    MIGRATOR.run(&db.pool).await.unwrap();
    assert_eq!(first, catalog(&db.pool, &all).await);
}

#[tokio::test]
async fn a_real_mpis_database_keeps_its_own_tables_exactly_as_they_were() {
    let db = ScratchDb::empty().await.unwrap();
    load_fixture(&db.pool).await;
    let mpis_before = catalog(&db.pool, MPIS_TABLES).await;
    let dashboard_before = catalog(&db.pool, DASHBOARD_TABLES).await;
    assert!(
        mpis_before
            .iter()
            .any(|l| l.contains("personas.avatar_url"))
    );

    MIGRATOR.run(&db.pool).await.unwrap();

    assert_eq!(mpis_before, catalog(&db.pool, MPIS_TABLES).await);
    let dashboard_after = catalog(&db.pool, DASHBOARD_TABLES).await;
    for line in &dashboard_before {
        assert!(
            dashboard_after.contains(line),
            "006 definition changed: {line}"
        );
    }
    let index_still_missing: bool = sqlx::query_scalar(
        "SELECT NOT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'idx_item_metrics_recorded_at')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert!(index_still_missing, "a missing MPIS index was added");
    let personas: i64 =
        sqlx::query_scalar("SELECT count(*) FROM personas WHERE slug = 'existing-persona'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(personas, 1);
}

#[tokio::test]
async fn mpis_own_scripts_still_run_on_a_schema_we_created() {
    let db = ScratchDb::empty().await.unwrap();
    MIGRATOR.run(&db.pool).await.unwrap();
    load_fixture(&db.pool).await;
    let seeded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM widget_registry WHERE widget_type = 'builtin'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(seeded, 9);
}

#[tokio::test]
async fn runs_that_existed_before_the_migration_are_counted_in_the_hourly_stats() {
    let db = ScratchDb::empty().await.unwrap();
    load_fixture(&db.pool).await;
    sqlx::raw_sql(
        "INSERT INTO dashboard_projects (id, name, persona_id)
             SELECT '22222222-2222-4222-8222-222222222222', 'Old project', id FROM personas LIMIT 1;
         INSERT INTO dashboard_runs (run_id, project_id, persona_id, status, started_at)
             SELECT uuid_generate_v4(), '22222222-2222-4222-8222-222222222222', persona_id,
                    CASE WHEN g % 4 = 0 THEN 'failed' ELSE 'success' END, NOW() - g * INTERVAL '1 hour'
             FROM dashboard_projects, generate_series(1, 20) g;",
    )
    .execute(&db.pool)
    .await
    .unwrap();
    MIGRATOR.run(&db.pool).await.unwrap();
    let counts = mpis_dash::store::red_flags::run_counts_since(
        &db.pool,
        chrono::Utc::now() - chrono::Duration::hours(24),
    )
    .await
    .unwrap();
    assert_eq!((counts.total, counts.failed), (20, 5));
}
