//! What the dashboard shows: the data each widget loads, and its loading/error/stale state.
//! Plain structs filled by the worker and read by the renderers.

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::Value;
use uuid::Uuid;

use crate::store::genesis::PendingGenesisJob;
use crate::store::jobs::IngestionJob;
use crate::store::metrics::{ChannelAggregate, DailyEngagement, ItemPerformance};
use crate::store::outbox::{OutboxCounts, PublishRecord};
use crate::store::personas::PersonaSummary;
use crate::store::red_flags::RedFlag;
use crate::store::runs::{RunCursor, RunListRow};

/// The built-in widgets a layout can place.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WidgetKind {
    RedFlags,
    Runs,
    RecentPosts,
    EngagementChart,
    ChannelPerformance,
    PersonaOverview,
    EidosRecommendations,
    IngestionJobs,
    Outbox,
    /// A registered widget this terminal cannot draw (a custom web widget).
    Unsupported(String),
}

impl WidgetKind {
    pub fn from_id(id: &str) -> WidgetKind {
        match id {
            "red-flags" => WidgetKind::RedFlags,
            "runs" => WidgetKind::Runs,
            "recent-posts" => WidgetKind::RecentPosts,
            "engagement-chart" => WidgetKind::EngagementChart,
            "channel-performance" => WidgetKind::ChannelPerformance,
            "persona-overview" => WidgetKind::PersonaOverview,
            "eidos-recommendations" => WidgetKind::EidosRecommendations,
            "ingestion-jobs" => WidgetKind::IngestionJobs,
            "outbox" => WidgetKind::Outbox,
            other => WidgetKind::Unsupported(other.to_string()),
        }
    }

    /// The widget's id in a layout (`from_id`'s inverse).
    pub fn id(&self) -> &str {
        match self {
            WidgetKind::RedFlags => "red-flags",
            WidgetKind::Runs => "runs",
            WidgetKind::RecentPosts => "recent-posts",
            WidgetKind::EngagementChart => "engagement-chart",
            WidgetKind::ChannelPerformance => "channel-performance",
            WidgetKind::PersonaOverview => "persona-overview",
            WidgetKind::EidosRecommendations => "eidos-recommendations",
            WidgetKind::IngestionJobs => "ingestion-jobs",
            WidgetKind::Outbox => "outbox",
            WidgetKind::Unsupported(id) => id,
        }
    }

    /// A list of rows the `/` filter narrows and the selection moves in.
    pub fn is_list(&self) -> bool {
        matches!(
            self,
            WidgetKind::Runs
                | WidgetKind::RecentPosts
                | WidgetKind::PersonaOverview
                | WidgetKind::IngestionJobs
                | WidgetKind::Outbox
        )
    }

    pub fn title(&self) -> &str {
        match self {
            WidgetKind::RedFlags => "Red Flags",
            WidgetKind::Runs => "Recent Runs",
            WidgetKind::RecentPosts => "Recent Posts",
            WidgetKind::EngagementChart => "Engagement",
            WidgetKind::ChannelPerformance => "Channel Performance",
            WidgetKind::PersonaOverview => "Personas",
            WidgetKind::EidosRecommendations => "EIDOS Recommendations",
            WidgetKind::IngestionJobs => "Ingestion Jobs",
            WidgetKind::Outbox => "Publish Outbox",
            WidgetKind::Unsupported(id) => id,
        }
    }
}

/// A widget's filters from its layout `config` (`persona_id`, `time_range`, `channel`, `status`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct WidgetFilter {
    pub persona_id: Option<Uuid>,
    /// 7, 30 or 90.
    pub days: i32,
    pub channel: Option<String>,
    pub status: Option<String>,
    /// `config.sort` / `config.sort_desc`: the rows' order (sorted here, on the rows loaded;
    /// an invalid value, which the layout's validation names, leaves the list unsorted).
    pub sort: Option<crate::domain::sort::SortOrder>,
}

impl WidgetFilter {
    pub fn from_config(widget_id: &str, config: &serde_json::Map<String, Value>) -> WidgetFilter {
        let text = |key: &str| {
            config
                .get(key)
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string)
        };
        WidgetFilter {
            persona_id: text("persona_id").and_then(|s| Uuid::parse_str(&s).ok()),
            days: match text("time_range").as_deref() {
                Some("7d") => 7,
                Some("90d") => 90,
                _ => 30,
            },
            channel: text("channel").map(|c| c.to_lowercase()),
            status: text("status"),
            sort: crate::domain::sort::from_config(
                widget_id,
                config.get("sort"),
                config.get("sort_desc"),
            )
            .ok()
            .flatten(),
        }
    }
}

/// The red-flags widget: the summary counts and the open flags.
#[derive(Debug, Clone, PartialEq)]
pub struct RedFlagsData {
    pub summary: Value,
    pub overall: String,
    pub open_flags: Vec<RedFlag>,
}

/// One loaded page of runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RunsData {
    pub rows: Vec<RunListRow>,
    /// Where the next (older) page starts.
    pub next: Option<RunCursor>,
    /// How many pages come before this one (0 on the newest page).
    pub page: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PersonasData {
    pub personas: Vec<PersonaSummary>,
    pub awaiting_approval: Vec<PendingGenesisJob>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub persona_id: Uuid,
    pub computed_at: DateTime<Utc>,
    pub status: String,
    /// Short text of each recommendation, best first.
    pub items: Vec<String>,
}

/// `eidos-recommendations` when MPIS's table holds no recommendations for the widget's
/// personas: the dashboard's analyst's top suggested actions for them instead
/// (`crate::analyst::top_actions`, the function behind `:ask`).
#[derive(Debug, Clone, PartialEq)]
pub struct AnalystSuggestions {
    /// The widget's persona filter (`None`: every persona).
    pub persona_id: Option<Uuid>,
    /// The range asked about, in days (the widget's `time_range`).
    pub days: i32,
    /// Most confident first.
    pub actions: Vec<crate::analyst::Suggestion>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OutboxData {
    pub counts: OutboxCounts,
    pub unforwarded: Vec<PublishRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WidgetData {
    RedFlags(RedFlagsData),
    Runs(RunsData),
    RecentPosts(Vec<ItemPerformance>),
    Engagement(Vec<DailyEngagement>),
    Channels(Vec<ChannelAggregate>),
    Personas(PersonasData),
    Recommendations(Vec<Recommendation>),
    /// The recommendations widget's fallback (MPIS has none).
    AnalystSuggestions(AnalystSuggestions),
    Jobs(Vec<IngestionJob>),
    Outbox(OutboxData),
}

impl WidgetData {
    /// Whether there is nothing to show (the widget's "empty" state).
    pub fn is_empty(&self) -> bool {
        match self {
            WidgetData::RedFlags(_) => false,
            WidgetData::Runs(d) => d.rows.is_empty(),
            WidgetData::RecentPosts(d) => d.is_empty(),
            WidgetData::Engagement(d) => d.is_empty(),
            WidgetData::Channels(d) => d.is_empty(),
            WidgetData::Personas(d) => d.personas.is_empty() && d.awaiting_approval.is_empty(),
            WidgetData::Recommendations(d) => d.is_empty(),
            WidgetData::AnalystSuggestions(d) => d.actions.is_empty(),
            WidgetData::Jobs(d) => d.is_empty(),
            WidgetData::Outbox(d) => d.unforwarded.is_empty(),
        }
    }
}

/// A value that arrives from the worker, with what the renderer needs to show its state.
#[derive(Debug, Clone, PartialEq)]
pub struct Loadable<T> {
    pub value: Option<T>,
    /// When the value arrived (wall clock, for "refreshed at"; monotonic for staleness).
    pub loaded_at: Option<(DateTime<Utc>, Instant)>,
    pub loading: bool,
    /// The last failure; with a value present, the value is shown marked stale.
    pub error: Option<String>,
}

impl<T> Default for Loadable<T> {
    fn default() -> Self {
        Loadable {
            value: None,
            loaded_at: None,
            loading: false,
            error: None,
        }
    }
}

/// What a widget should look like right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadState {
    Loading,
    Error,
    Empty,
    Ready,
    /// Data older than two refresh intervals (or refresh failing): shown with its age.
    Stale,
}

impl<T> Loadable<T> {
    pub fn start(&mut self) {
        self.loading = true;
    }

    pub fn succeed(&mut self, value: T, now: DateTime<Utc>, instant: Instant) {
        self.value = Some(value);
        self.loaded_at = Some((now, instant));
        self.loading = false;
        self.error = None;
    }

    pub fn fail(&mut self, error: String) {
        self.loading = false;
        self.error = Some(error);
    }

    /// Seconds since the value arrived, measured against `now`.
    pub fn age_secs(&self, now: Instant) -> Option<u64> {
        self.loaded_at
            .map(|(_, at)| now.saturating_duration_since(at).as_secs())
    }

    pub fn state(
        &self,
        now: Instant,
        stale_after_secs: u64,
        is_empty: impl Fn(&T) -> bool,
    ) -> LoadState {
        match &self.value {
            None if self.error.is_some() => LoadState::Error,
            None => LoadState::Loading,
            Some(value) => {
                let old = self.age_secs(now).is_some_and(|age| age > stale_after_secs);
                if old || self.error.is_some() {
                    LoadState::Stale
                } else if is_empty(value) {
                    LoadState::Empty
                } else {
                    LoadState::Ready
                }
            }
        }
    }
}
