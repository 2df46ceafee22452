//! Content drafts (MPIS's tables, read only): the approved ones a publish record can name, and
//! any one by id (the publish form warns about a typed draft that is not approved), each with
//! the channels it was already published on.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::StoreResult;

#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct DraftChoice {
    pub id: Uuid,
    pub draft_no: i32,
    /// MPIS's status of the draft (`approved` for the picker's).
    pub status: String,
    pub plan_title: String,
    pub channel: String,
    pub persona_name: String,
    pub created_at: DateTime<Utc>,
    /// Channels it is published on (MPIS's `published_items`) or queued to be (our outbox),
    /// sorted.
    pub published_on: Vec<String>,
    /// Those publishes one by one, newest first (what a confirm names before another one).
    #[sqlx(json)]
    pub publishes: Vec<EarlierPublish>,
}

/// One earlier publish of a draft: MPIS's published item, or our outbox record still queued.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EarlierPublish {
    /// Lowercase.
    pub channel: String,
    pub channel_item_id: Option<String>,
    pub published_at: DateTime<Utc>,
    /// Still in our outbox, not yet in MPIS.
    pub queued: bool,
}

impl DraftChoice {
    /// Published on its own plan's channel.
    pub fn published_on_its_channel(&self) -> bool {
        self.published_on
            .iter()
            .any(|c| c.eq_ignore_ascii_case(&self.channel))
    }

    /// The newest earlier publish on `channel` (any case), if any.
    pub fn published_on_channel(&self, channel: &str) -> Option<&EarlierPublish> {
        let channel = channel.trim();
        self.publishes
            .iter()
            .find(|p| p.channel.eq_ignore_ascii_case(channel))
    }
}

// Forwarded records are MPIS's published items; only queued ones (a partial index) are not yet.
const SELECT: &str = "SELECT d.id, d.draft_no, d.status, cp.title AS plan_title, cp.channel,
            p.name AS persona_name, d.created_at,
            ARRAY(SELECT DISTINCT lower(c.channel) FROM (
                    SELECT pi.channel FROM published_items pi WHERE pi.draft_id = d.id
                    UNION ALL
                    SELECT pr.channel FROM publish_records pr
                    WHERE pr.state = 'queued' AND pr.draft_id = d.id
                  ) c ORDER BY 1) AS published_on,
            COALESCE((SELECT json_agg(json_build_object(
                        'channel', lower(e.channel), 'channel_item_id', e.item,
                        'published_at', e.at, 'queued', e.queued) ORDER BY e.at DESC)
                      FROM (
                        SELECT pi.channel, pi.channel_item_id AS item, pi.published_at AS at,
                               false AS queued
                        FROM published_items pi WHERE pi.draft_id = d.id
                        UNION ALL
                        SELECT pr.channel, pr.channel_item_id, pr.published_at, true
                        FROM publish_records pr
                        WHERE pr.state = 'queued' AND pr.draft_id = d.id
                      ) e), '[]'::json) AS publishes
     FROM content_drafts d
     JOIN content_plans cp ON cp.id = d.plan_id
     JOIN personas p ON p.id = cp.persona_id";

/// Approved drafts, newest first.
pub async fn approved(pool: &PgPool, limit: i64) -> StoreResult<Vec<DraftChoice>> {
    // Constant SQL only: the values are bound.
    let rows = sqlx::query_as::<_, DraftChoice>(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE d.status = 'approved' ORDER BY d.created_at DESC, d.id LIMIT $1"
    )))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// One draft whatever its status; `None` when this database has no such draft.
pub async fn get(pool: &PgPool, id: Uuid) -> StoreResult<Option<DraftChoice>> {
    let row =
        sqlx::query_as::<_, DraftChoice>(sqlx::AssertSqlSafe(format!("{SELECT} WHERE d.id = $1")))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row)
}
