//! The widgets' and screens' loads: one query (or a few) per widget kind, the run detail, the
//! publish form's targets.

use chrono::Utc;
use sqlx::PgPool;
use uuid::Uuid;

use std::time::Instant;

use super::suggestions::SuggestionCache;
use super::{PublishTargets, RunDetail};
use crate::domain::analyst::TimeRange;
use crate::domain::red_flags::Thresholds;
use crate::domain::run_status::RunStatus;
use crate::store::runs::{self, RunCursor, RunFilter};
use crate::store::{
    StoreError, genesis, jobs, metrics, outbox, personas, projects, recommendations as recs,
    red_flags,
};
use crate::tui::data::{
    AnalystSuggestions, OutboxData, PersonasData, Recommendation, RedFlagsData, RunsData,
    WidgetData, WidgetFilter, WidgetKind,
};

pub(super) const LIST_ROWS: i64 = 50;
/// Genesis jobs awaiting approval looked up by name: more than the widget shows.
pub(super) const GENESIS_JOBS: i64 = 200;

pub(super) async fn load_widget(
    pool: &PgPool,
    thresholds: &Thresholds,
    kind: &WidgetKind,
    filter: &WidgetFilter,
    cursor: Option<RunCursor>,
    page: usize,
    suggestions: &SuggestionCache,
) -> Result<WidgetData, StoreError> {
    let channel = filter.channel.as_deref();
    Ok(match kind {
        WidgetKind::RedFlags => {
            let evaluation = red_flags::summary(pool, thresholds, Utc::now()).await?;
            WidgetData::RedFlags(RedFlagsData {
                overall: evaluation.overall.as_str().to_string(),
                summary: evaluation.summary,
                open_flags: red_flags::list(pool, false, 20).await?,
            })
        }
        WidgetKind::Runs => {
            let run_filter = RunFilter {
                status: filter
                    .status
                    .as_deref()
                    .and_then(|s| RunStatus::parse(s).ok()),
                persona_id: filter.persona_id,
                ..RunFilter::default()
            };
            // A further page after `cursor`, or (a refresh) every page loaded so far.
            let limit = match cursor {
                Some(_) => LIST_ROWS,
                None => LIST_ROWS * (page as i64 + 1),
            };
            let page_rows = runs::list(pool, &run_filter, cursor, limit).await?;
            WidgetData::Runs(RunsData {
                rows: page_rows.rows,
                next: page_rows.next,
                page,
            })
        }
        WidgetKind::RecentPosts => {
            WidgetData::RecentPosts(metrics::recent_posts(pool, LIST_ROWS, channel).await?)
        }
        WidgetKind::EngagementChart => WidgetData::Engagement(
            metrics::engagement_per_day(pool, filter.days, channel, filter.persona_id).await?,
        ),
        WidgetKind::ChannelPerformance => {
            WidgetData::Channels(metrics::per_channel(pool, filter.days, filter.persona_id).await?)
        }
        WidgetKind::PersonaOverview => WidgetData::Personas(PersonasData {
            personas: personas::list(pool, LIST_ROWS, 0).await?,
            awaiting_approval: genesis::awaiting_approval(pool, 20).await?,
        }),
        WidgetKind::EidosRecommendations => {
            let latest = recs::latest(pool, filter.persona_id, 10).await?;
            if latest.is_empty() {
                return analyst_suggestions(pool, filter, suggestions).await;
            }
            WidgetData::Recommendations(
                latest
                    .into_iter()
                    .map(|r| Recommendation {
                        persona_id: r.persona_id,
                        computed_at: r.computed_at,
                        status: format!("{} · {}", r.persona_name, r.status),
                        items: recs::texts(&r.recommendations.0)
                            .into_iter()
                            .take(3)
                            .collect(),
                    })
                    .collect(),
            )
        }
        WidgetKind::IngestionJobs => {
            let mut all = jobs::list(pool, 200).await?;
            if let Some(channel) = channel {
                all.retain(|j| j.channel.eq_ignore_ascii_case(channel));
            }
            WidgetData::Jobs(all)
        }
        WidgetKind::Outbox => WidgetData::Outbox(OutboxData {
            counts: outbox::counts(pool).await?,
            unforwarded: outbox::list_unforwarded(pool, LIST_ROWS).await?,
        }),
        WidgetKind::Unsupported(id) => {
            return Err(StoreError::invalid(
                "widget_id",
                format!("{id} is a custom widget this terminal cannot draw"),
            ));
        }
    })
}

/// How many of the analyst's actions stand in for MPIS's recommendations.
pub(super) const ANALYST_ACTIONS: usize = 3;

/// MPIS computed no recommendations for the widget's personas (its table has no row for
/// them): the analyst's top actions for the same personas and the widget's range. A database
/// error is the widget's error as before (the analyst reads the same database).
async fn analyst_suggestions(
    pool: &PgPool,
    filter: &WidgetFilter,
    suggestions: &SuggestionCache,
) -> Result<WidgetData, StoreError> {
    let days = filter.days;
    let key = (filter.persona_id, days);
    if let Some(actions) = suggestions.fresh(key, Instant::now()) {
        return Ok(WidgetData::AnalystSuggestions(AnalystSuggestions {
            persona_id: filter.persona_id,
            days,
            actions,
        }));
    }
    let asked_at = Instant::now();
    let range = TimeRange::preset(&format!("{days}d"), Utc::now())
        .or_else(|| TimeRange::preset("30d", Utc::now()))
        .ok_or_else(|| StoreError::invalid("time_range", "no such range"))?;
    let actions =
        crate::analyst::top_actions(pool, filter.persona_id, range, ANALYST_ACTIONS).await?;
    suggestions.keep(key, asked_at, actions.clone());
    Ok(WidgetData::AnalystSuggestions(AnalystSuggestions {
        persona_id: filter.persona_id,
        days,
        actions,
    }))
}

pub(super) async fn load_run_detail(pool: &PgPool, run_id: Uuid) -> Result<RunDetail, StoreError> {
    let run = runs::get(pool, run_id)
        .await?
        .ok_or_else(|| StoreError::not_found("run", run_id))?;
    let project_name = projects::get(pool, run.project_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let persona_name = personas::get(pool, run.persona_id)
        .await?
        .map(|p| p.name)
        .unwrap_or_default();
    let items = runs::items(pool, run_id).await?;
    let published: Vec<Uuid> = items.iter().filter_map(|i| i.published_item_id).collect();
    let latest_metrics = metrics::latest_for_items(pool, &published).await?;
    Ok(RunDetail {
        latest_metrics,
        run,
        project_name,
        persona_name,
        items,
    })
}

pub(super) async fn load_publish_targets(pool: &PgPool) -> Result<PublishTargets, StoreError> {
    let runs = runs::list(pool, &RunFilter::default(), None, 50)
        .await?
        .rows;
    let projects = projects::list(pool, 200, 0).await?;
    Ok(PublishTargets { runs, projects })
}
