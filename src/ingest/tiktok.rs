//! TikTok: the Display API v2 video query (`POST /v2/video/query/`), which answers for videos
//! of the account the access token belongs to (scope `video.list`).
//!
//! One call carries at most 20 video ids (the documented limit of `filters.video_ids`) and
//! asks for `id,view_count,like_count,comment_count,share_count`, mapped to the raw counters
//! `views`, `likes`, `comments`, `shares` (the video's own object kept under `tiktok`). Ids
//! the answer leaves out of `data.videos` (another account's, deleted, private) fail one by
//! one. The API's error envelope `{"error": {"code", "message", "log_id"}}` is read whatever
//! the status: `access_token_invalid`, `scope_not_authorized` (401) -> credentials refused;
//! `rate_limit_exceeded` (429) -> rate limited, with `Retry-After` when sent; 5xx ->
//! unavailable; anything else -> unexpected answer.
//!
//! The video id comes from the item's `channel_item_id`, or else from a channel URL like
//! `https://www.tiktok.com/@user/video/<id>`.

use std::collections::HashMap;

use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

use super::http_answer::{by_status, retry_after, send_failed};
use super::{
    FetchError, FetchOutcome, Fetcher, FetcherSettings, ItemFailure, ItemToMeasure, Measured,
};
use crate::config::Secret;
use crate::domain::channel::Channel;

/// TikTok's public API root.
pub const DEFAULT_BASE_URL: &str = "https://open.tiktokapis.com";
/// Most video ids one video query accepts.
pub const MAX_IDS_PER_CALL: usize = 20;
/// The video query's path and the fields asked for.
pub const VIDEO_QUERY_PATH: &str = "/v2/video/query/";
pub const FIELDS: &str = "id,view_count,like_count,comment_count,share_count";

/// The API's field names and the raw counter keys they become.
const COUNTERS: [(&str, &str); 4] = [
    ("view_count", "views"),
    ("like_count", "likes"),
    ("comment_count", "comments"),
    ("share_count", "shares"),
];

pub struct TiktokFetcher {
    http: reqwest::Client,
    query_url: String,
    token: Secret,
}

impl TiktokFetcher {
    /// Needs the job's access token; the base URL defaults to TikTok's.
    pub fn new(settings: FetcherSettings) -> Result<Self, String> {
        let token = settings
            .credential
            .filter(|token| !token.expose().trim().is_empty())
            .ok_or("TikTok needs a user access token (scope video.list) as the job's credential")?;
        let base = settings
            .base_url
            .as_deref()
            .map(str::trim)
            .filter(|base| !base.is_empty())
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/');
        if !(base.starts_with("http://") || base.starts_with("https://")) {
            return Err(format!(
                "base_url must start with http:// or https://, got {base:?}"
            ));
        }
        Ok(Self {
            http: settings.http,
            // FIELDS is plain ASCII with commas: a valid query as it is.
            query_url: format!("{base}{VIDEO_QUERY_PATH}?fields={FIELDS}"),
            token,
        })
    }

    /// One video query for at most [`MAX_IDS_PER_CALL`] distinct ids: the videos by id.
    async fn query(&self, ids: &[&str]) -> Result<HashMap<String, Map<String, Value>>, FetchError> {
        let response = self
            .http
            .post(&self.query_url)
            .bearer_auth(self.token.expose())
            .json(&json!({ "filters": { "video_ids": ids } }))
            .send()
            .await
            .map_err(|error| send_failed("TikTok", &error))?;
        let status = response.status();
        let wait = retry_after(response.headers(), chrono::Utc::now());
        let body = response
            .text()
            .await
            .map_err(|error| send_failed("TikTok", &error))?;
        let answer: Option<Value> = serde_json::from_str(&body).ok();
        let error = answer.as_ref().and_then(ApiError::of);
        if !status.is_success() || error.is_some() {
            return Err(classify(status, error, wait, &body));
        }
        let Some(videos) = answer
            .as_ref()
            .and_then(|answer| answer.pointer("/data/videos"))
            .and_then(Value::as_array)
        else {
            return Err(FetchError::Malformed(format!(
                "TikTok video query: HTTP {status} without data.videos: {}",
                excerpt(&body)
            )));
        };
        let mut by_id = HashMap::new();
        for video in videos {
            let Some(video) = video.as_object() else {
                continue;
            };
            // Ids are strings in the documentation; take a number too rather than lose a row.
            let id = match video.get("id") {
                Some(Value::String(id)) => id.clone(),
                Some(Value::Number(id)) => id.to_string(),
                _ => continue,
            };
            by_id.insert(id, video.clone());
        }
        Ok(by_id)
    }
}

impl Fetcher for TiktokFetcher {
    fn channel(&self) -> Channel {
        Channel::Tiktok
    }

    fn max_batch(&self) -> usize {
        MAX_IDS_PER_CALL
    }

    /// More than [`MAX_IDS_PER_CALL`] items are split into several queries, one after the
    /// other (a failed query fails the whole call).
    fn fetch<'a>(
        &'a self,
        items: &'a [ItemToMeasure],
    ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>> {
        Box::pin(async move {
            let mut outcome = FetchOutcome::default();
            // Items by video id, in first-seen order (two items may name one video).
            let mut ids: Vec<String> = Vec::new();
            let mut items_of: HashMap<String, Vec<&ItemToMeasure>> = HashMap::new();
            for item in items {
                match video_id(item) {
                    Some(id) => {
                        let slot = items_of.entry(id.clone()).or_default();
                        if slot.is_empty() {
                            ids.push(id);
                        }
                        slot.push(item);
                    }
                    None => outcome.failures.push(ItemFailure {
                        published_item_id: item.published_item_id,
                        error: "no TikTok video id: channel_item_id is empty and channel_url is \
                                not a https://www.tiktok.com/@user/video/<id> link"
                            .into(),
                    }),
                }
            }
            for chunk in ids.chunks(MAX_IDS_PER_CALL) {
                let asked: Vec<&str> = chunk.iter().map(String::as_str).collect();
                let mut found = self.query(&asked).await?;
                for id in chunk {
                    let video = found.remove(id);
                    for item in items_of.get(id).into_iter().flatten() {
                        match &video {
                            Some(video) => outcome.measured.push(Measured {
                                published_item_id: item.published_item_id,
                                raw: raw_counters(video),
                            }),
                            None => outcome.failures.push(ItemFailure {
                                published_item_id: item.published_item_id,
                                error: format!(
                                    "TikTok did not return video {id}: not a video of the token's \
                                     account, deleted, or private"
                                ),
                            }),
                        }
                    }
                }
            }
            Ok(outcome)
        })
    }
}

/// The item's video id: `channel_item_id`, else the last path segment after `/video/` of its
/// channel URL.
fn video_id(item: &ItemToMeasure) -> Option<String> {
    if let Some(id) = item.channel_item_id.as_deref().map(str::trim)
        && !id.is_empty()
    {
        return Some(id.to_owned());
    }
    let url = reqwest::Url::parse(item.channel_url.as_deref()?.trim()).ok()?;
    let mut segments = url.path_segments()?;
    segments.find(|segment| *segment == "video")?;
    let id = segments.next()?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then(|| id.to_owned())
}

/// The raw counters the metric rules read, plus the video's own object.
fn raw_counters(video: &Map<String, Value>) -> Value {
    let mut raw = Map::new();
    for (field, key) in COUNTERS {
        raw.insert(key.into(), video.get(field).cloned().unwrap_or(Value::Null));
    }
    raw.insert("tiktok".into(), Value::Object(video.clone()));
    Value::Object(raw)
}

/// The API's error envelope; `code: "ok"` (sent with every success) is no error.
#[derive(Debug)]
struct ApiError {
    code: String,
    message: String,
    log_id: String,
}

impl ApiError {
    fn of(answer: &Value) -> Option<ApiError> {
        let error = answer.get("error")?;
        let text = |key: &str| {
            error
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let code = text("code");
        (!code.is_empty() && code != "ok").then(|| ApiError {
            code,
            message: text("message"),
            log_id: text("log_id"),
        })
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TikTok {}: {}", self.code, self.message)?;
        if !self.log_id.is_empty() {
            write!(f, " (log_id {})", self.log_id)?;
        }
        Ok(())
    }
}

/// A failed video query as a [`FetchError`], from the error code when there is one, else the
/// HTTP status.
fn classify(
    status: StatusCode,
    error: Option<ApiError>,
    retry_after: Option<std::time::Duration>,
    body: &str,
) -> FetchError {
    let detail = match &error {
        Some(error) => error.to_string(),
        None => format!("TikTok answered HTTP {status}: {}", excerpt(body)),
    };
    let code = error
        .as_ref()
        .map(|error| error.code.as_str())
        .unwrap_or("");
    match code {
        "access_token_invalid" | "scope_not_authorized" | "scope_permission_missed" => {
            return FetchError::Unauthorized(detail);
        }
        "rate_limit_exceeded" => {
            return FetchError::RateLimited {
                retry_after,
                detail,
            };
        }
        "internal_error" => return FetchError::Unavailable(detail),
        _ => {}
    }
    by_status(status, retry_after, detail)
}

/// The start of a body, for an error message (never the whole page).
fn excerpt(body: &str) -> String {
    let flat: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &flat[..cut]),
        None => flat,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;

    fn item(id: Option<&str>, url: Option<&str>) -> ItemToMeasure {
        ItemToMeasure {
            published_item_id: Uuid::nil(),
            channel_item_id: id.map(str::to_owned),
            channel_url: url.map(str::to_owned),
            published_at: Utc::now(),
        }
    }

    #[test]
    fn video_id_from_the_item_id_or_the_url() {
        assert_eq!(
            video_id(&item(Some(" 7312 "), None)).as_deref(),
            Some("7312")
        );
        assert_eq!(
            video_id(&item(
                None,
                Some("https://www.tiktok.com/@someone/video/7401?lang=en")
            ))
            .as_deref(),
            Some("7401")
        );
        assert_eq!(
            video_id(&item(Some(""), Some("https://www.tiktok.com/@someone"))),
            None
        );
        assert_eq!(video_id(&item(None, Some("not a url"))), None);
        assert_eq!(
            video_id(&item(None, Some("https://www.tiktok.com/@a/video/x1"))),
            None
        );
    }

    #[test]
    fn counters_are_mapped_and_missing_ones_are_null() {
        let video = json!({"id": "1", "view_count": 10, "like_count": "2", "share_count": 0});
        let raw = raw_counters(video.as_object().unwrap());
        assert_eq!(raw["views"], 10);
        assert_eq!(raw["likes"], "2");
        assert_eq!(raw["comments"], Value::Null);
        assert_eq!(raw["shares"], 0);
        assert_eq!(raw["tiktok"], video);
    }

    #[test]
    fn errors_follow_the_code_then_the_status() {
        let envelope = |code: &str| {
            ApiError::of(&json!({"error": {"code": code, "message": "m", "log_id": "L1"}}))
        };
        assert!(envelope("ok").is_none());
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, envelope("access_token_invalid"), None, ""),
            FetchError::Unauthorized(detail) if detail.contains("access_token_invalid") && detail.contains("L1")
        ));
        assert!(matches!(
            classify(StatusCode::OK, envelope("scope_not_authorized"), None, ""),
            FetchError::Unauthorized(_)
        ));
        assert!(matches!(
            classify(StatusCode::TOO_MANY_REQUESTS, None, Some(std::time::Duration::from_secs(3)), "x"),
            FetchError::RateLimited { retry_after: Some(wait), .. } if wait.as_secs() == 3
        ));
        assert!(matches!(
            classify(StatusCode::BAD_GATEWAY, None, None, "<html>"),
            FetchError::Unavailable(_)
        ));
        assert!(matches!(
            classify(StatusCode::BAD_REQUEST, envelope("invalid_params"), None, ""),
            FetchError::Malformed(detail) if detail.contains("invalid_params")
        ));
    }

    #[test]
    fn a_token_is_required_and_the_base_must_be_http() {
        let settings = |credential: Option<&str>, base: Option<&str>| FetcherSettings {
            http: crate::tls::http_client(),
            base_url: base.map(str::to_owned),
            credential: credential.map(Secret::new),
            config: Value::Null,
        };
        assert!(TiktokFetcher::new(settings(None, None)).is_err());
        assert!(TiktokFetcher::new(settings(Some("  "), None)).is_err());
        assert!(TiktokFetcher::new(settings(Some("t"), Some("ftp://x"))).is_err());
        let fetcher = TiktokFetcher::new(settings(Some("t"), None)).unwrap();
        assert_eq!(
            fetcher.query_url,
            "https://open.tiktokapis.com/v2/video/query/?fields=id,view_count,like_count,comment_count,share_count"
        );
        let fetcher = TiktokFetcher::new(settings(Some("t"), Some("http://127.0.0.1:9/"))).unwrap();
        assert!(
            fetcher
                .query_url
                .starts_with("http://127.0.0.1:9/v2/video/query/?fields=")
        );
    }
}
