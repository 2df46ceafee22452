//! `:run 3f2a` / `:job 9c` against a real PostgreSQL: an id prefix names one run (or genesis
//! job), none, or several (with how many); what is not hex is refused before any query.

use crate::common;

use mpis_dash::store::genesis::{self, StartedJob};
use mpis_dash::store::id_prefix::{self, PrefixMatch};
use mpis_dash::store::{StoreError, runs};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// A run whose `run_id` is `run_id`.
async fn run_with_id(pool: &PgPool, project: &mpis_dash::store::projects::Project, run_id: &str) {
    let run = runs::create(pool, &common::new_run(project))
        .await
        .expect("create run");
    sqlx::query("UPDATE dashboard_runs SET run_id = $2 WHERE run_id = $1")
        .bind(run.run_id)
        .bind(Uuid::parse_str(run_id).unwrap())
        .execute(pool)
        .await
        .expect("set run id");
}

#[tokio::test]
async fn a_run_id_prefix_names_one_run_none_or_several() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    run_with_id(pool, &project, "3f2a0000-0000-4000-8000-000000000001").await;
    run_with_id(pool, &project, "3f2b0000-0000-4000-8000-000000000002").await;
    run_with_id(pool, &project, "3f2b0000-0000-4000-8000-000000000003").await;
    run_with_id(pool, &project, "9c000000-0000-4000-8000-000000000004").await;

    assert_eq!(
        id_prefix::run(pool, "3f2a").await.unwrap(),
        PrefixMatch::One(Uuid::parse_str("3f2a0000-0000-4000-8000-000000000001").unwrap())
    );
    // Upper case and surrounding spaces as typed.
    assert_eq!(
        id_prefix::run(pool, " 9C ").await.unwrap(),
        PrefixMatch::One(Uuid::parse_str("9c000000-0000-4000-8000-000000000004").unwrap())
    );
    assert_eq!(
        id_prefix::run(pool, "3f2b").await.unwrap(),
        PrefixMatch::Many(2)
    );
    assert_eq!(
        id_prefix::run(pool, "3f").await.unwrap(),
        PrefixMatch::Many(3)
    );
    assert_eq!(
        id_prefix::run(pool, "3f2b0000-0000-4000-8000-000000000003")
            .await
            .unwrap(),
        PrefixMatch::One(Uuid::parse_str("3f2b0000-0000-4000-8000-000000000003").unwrap())
    );
    assert_eq!(
        id_prefix::run(pool, "abc").await.unwrap(),
        PrefixMatch::None
    );
    // Not a run's id at all: refused, and a LIKE wildcard never reaches the query.
    for bad in ["", "%", "3f_", "zz", "3f2a%"] {
        assert!(
            matches!(
                id_prefix::run(pool, bad).await,
                Err(StoreError::Invalid { .. })
            ),
            "{bad:?}"
        );
    }
}

#[tokio::test]
async fn a_genesis_job_id_prefix_is_looked_up_in_mpis_jobs() {
    let db = common::db().await;
    let pool = &db.pool;
    let core = json!({"name": "Nova"});
    for (n, id) in [
        "9c100000-0000-4000-8000-000000000001",
        "9c200000-0000-4000-8000-000000000002",
    ]
    .into_iter()
    .enumerate()
    {
        genesis::insert_started_job(
            pool,
            &StartedJob {
                id: Uuid::parse_str(id).unwrap(),
                persona_name: "Nova",
                slug: &format!("nova-{n}"),
                input: &json!({}),
                core: &core,
                human_prompt: "approve?",
            },
        )
        .await
        .expect("job");
    }
    assert_eq!(
        id_prefix::genesis_job(pool, "9c2").await.unwrap(),
        PrefixMatch::One(Uuid::parse_str("9c200000-0000-4000-8000-000000000002").unwrap())
    );
    assert_eq!(
        id_prefix::genesis_job(pool, "9c").await.unwrap(),
        PrefixMatch::Many(2)
    );
    assert_eq!(
        id_prefix::genesis_job(pool, "0").await.unwrap(),
        PrefixMatch::None
    );
}

/// A short prefix of many runs is counted only up to a bound ("more than 1000"), so an
/// ambiguous `:run 0` costs the same at 400,000 runs as at 1,002.
#[tokio::test]
async fn an_ambiguous_prefix_is_counted_up_to_a_bound() {
    let db = common::db().await;
    let pool = &db.pool;
    let project = common::persona_with_project(pool, "Alex").await;
    run_with_id(pool, &project, "00000000-0000-4000-8000-000000000000").await;
    // 1,001 more runs in the "0000" range, copied from the first with new ids.
    sqlx::query(
        "INSERT INTO dashboard_runs (run_id, project_id, persona_id, status, started_at, meta)
         SELECT ('00000000-0000-4000-8000-' || lpad(n::text, 12, '0'))::uuid, project_id,
                persona_id, status, started_at, meta
         FROM dashboard_runs, generate_series(1, 1001) AS n
         WHERE run_id = '00000000-0000-4000-8000-000000000000'",
    )
    .execute(pool)
    .await
    .expect("copy runs");
    assert_eq!(
        id_prefix::run(pool, "0000").await.unwrap(),
        PrefixMatch::Many(id_prefix::COUNT_UP_TO + 1),
        "one more than the bound: said as more than 1000"
    );
    assert_eq!(
        id_prefix::run(pool, "00000000-0000-4000-8000-0000000001")
            .await
            .unwrap(),
        PrefixMatch::Many(100),
        "below the bound: the exact count"
    );
}
