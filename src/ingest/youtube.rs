//! YouTube Data API v3, `videos.list` with `part=statistics`
//! (<https://developers.google.com/youtube/v3/docs/videos/list>): up to 50 video ids a call,
//! an API key as `key`. The statistics come as decimal strings (`viewCount`, `likeCount`,
//! `commentCount`); `likeCount` is absent when the owner hides likes and `commentCount` when
//! comments are off, which is not an error. A video that is deleted, private or unknown is
//! simply missing from `items`. With `id` there is no paging (`maxResults` does not apply).

use std::collections::{HashMap, HashSet};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use reqwest::{StatusCode, Url};
use serde_json::{Map, Value, json};

use super::http_answer::{by_status, retry_after, short, transport};
use super::{
    FetchError, FetchOutcome, Fetcher, FetcherSettings, ItemFailure, ItemToMeasure, Measured,
};
use crate::config::Secret;
use crate::domain::channel::Channel;

pub const DEFAULT_BASE_URL: &str = "https://www.googleapis.com";
/// `videos.list` accepts at most 50 ids in `id`.
pub const MAX_IDS_PER_CALL: usize = 50;

/// The raw keys `domain::metrics` reads for YouTube, from the API's statistics names.
const STATISTICS: [(&str, &str); 3] = [
    ("viewCount", "views"),
    ("likeCount", "likes"),
    ("commentCount", "comments"),
];

pub struct YoutubeFetcher {
    http: reqwest::Client,
    /// `{base}/youtube/v3/videos`, checked once.
    videos_url: Url,
    key: Secret,
}

impl YoutubeFetcher {
    pub fn new(settings: FetcherSettings) -> Result<Self, String> {
        let key = settings
            .credential
            .filter(|key| !key.expose().trim().is_empty())
            .ok_or_else(|| {
                "youtube: no API key; the job's credential reference must name where the \
                 YouTube Data API key lives"
                    .to_owned()
            })?;
        let base_url = settings
            .base_url
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let videos_url = format!("{}/youtube/v3/videos", base_url.trim_end_matches('/'));
        let videos_url =
            Url::parse(&videos_url).map_err(|e| format!("youtube: base URL {base_url:?}: {e}"))?;
        Ok(YoutubeFetcher {
            http: settings.http,
            videos_url,
            key,
        })
    }

    async fn fetch_batch(&self, items: &[ItemToMeasure]) -> Result<FetchOutcome, FetchError> {
        let mut outcome = FetchOutcome::default();
        let mut wanted = Vec::with_capacity(items.len());
        for item in items {
            match video_id(item) {
                Some(id) => wanted.push((item.published_item_id, id)),
                None => outcome.failures.push(ItemFailure {
                    published_item_id: item.published_item_id,
                    error: "no YouTube video id: no channel_item_id and no youtu.be, watch?v= \
                            or shorts/ URL"
                        .to_owned(),
                }),
            }
        }
        if wanted.is_empty() {
            return Ok(outcome);
        }
        // Two items may point at one video: ask for it once.
        let mut seen = HashSet::new();
        let ids: Vec<&str> = wanted
            .iter()
            .map(|(_, id)| id.as_str())
            .filter(|id| seen.insert(*id))
            .collect();
        // reqwest's `query` needs a feature this crate leaves off; `Url` encodes the same.
        let mut url = self.videos_url.clone();
        url.query_pairs_mut()
            .append_pair("part", "statistics")
            .append_pair("id", &ids.join(","))
            .append_pair("key", self.key.expose());
        let answer = self.http.get(url).send().await.map_err(transport)?;
        let status = answer.status();
        let wait = retry_after(answer.headers(), chrono::Utc::now());
        let body = answer.text().await.map_err(transport)?;
        if !status.is_success() {
            return Err(classify_error(status, wait, &body));
        }
        let statistics = parse_videos(&body)?;
        for (published_item_id, id) in wanted {
            match statistics.get(&id) {
                Some(stats) => outcome.measured.push(Measured {
                    published_item_id,
                    raw: raw_metrics(stats)?,
                }),
                None => outcome.failures.push(ItemFailure {
                    published_item_id,
                    error: format!(
                        "YouTube returned no video {id} (deleted, private or a wrong id)"
                    ),
                }),
            }
        }
        Ok(outcome)
    }
}

impl Fetcher for YoutubeFetcher {
    fn channel(&self) -> Channel {
        Channel::Youtube
    }

    fn max_batch(&self) -> usize {
        MAX_IDS_PER_CALL
    }

    fn fetch<'a>(
        &'a self,
        items: &'a [ItemToMeasure],
    ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>> {
        self.fetch_batch(items).boxed()
    }
}

/// The item's video id: its `channel_item_id`, else one read from its URL.
fn video_id(item: &ItemToMeasure) -> Option<String> {
    match item.channel_item_id.as_deref().map(str::trim) {
        Some(id) if is_video_id(id) => Some(id.to_owned()),
        Some(id) if !id.is_empty() => None,
        _ => item.channel_url.as_deref().and_then(video_id_from_url),
    }
}

/// Video ids are 11 characters of the URL-safe base64 alphabet; checking keeps a stray URL
/// or comma from reaching the request.
fn is_video_id(id: &str) -> bool {
    id.len() == 11
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The id in `https://youtu.be/ID`, `https://www.youtube.com/watch?v=ID`, `.../shorts/ID`
/// (also `m.` and `music.` hosts, `/live/ID` and `/embed/ID`).
pub fn video_id_from_url(url: &str) -> Option<String> {
    let url = Url::parse(url.trim()).ok()?;
    let host = url.host_str()?.trim_start_matches("www.");
    let mut segments = url.path_segments()?.filter(|s| !s.is_empty());
    let candidate = match host {
        "youtu.be" => segments.next().map(str::to_owned),
        "youtube.com" | "m.youtube.com" | "music.youtube.com" => match segments.next() {
            Some("watch") => url
                .query_pairs()
                .find(|(name, _)| name == "v")
                .map(|(_, value)| value.into_owned()),
            Some("shorts" | "live" | "embed") => segments.next().map(str::to_owned),
            _ => None,
        },
        _ => None,
    }?;
    is_video_id(&candidate).then_some(candidate)
}

/// `items[].id -> items[].statistics` of a `videos.list` answer.
fn parse_videos(body: &str) -> Result<HashMap<String, Map<String, Value>>, FetchError> {
    let malformed = |what: &str| FetchError::Malformed(format!("videos.list answer: {what}"));
    let answer: Value = serde_json::from_str(body).map_err(|_| malformed("not JSON"))?;
    // `items` is left out when no id matched.
    let items = match answer.get("items") {
        None if answer.is_object() => return Ok(HashMap::new()),
        None => return Err(malformed("not an object")),
        Some(items) => items
            .as_array()
            .ok_or_else(|| malformed("items is not a list"))?,
    };
    items
        .iter()
        .map(|item| {
            let id = item
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| malformed("an item without an id"))?;
            let statistics = item
                .get("statistics")
                .and_then(Value::as_object)
                .ok_or_else(|| malformed(&format!("video {id} without statistics")))?;
            Ok((id.to_owned(), statistics.clone()))
        })
        .collect()
}

/// The raw payload stored for a video: `views`, `likes`, `comments` as numbers (each only when
/// YouTube sent it) and the statistics object whole under `youtube`.
fn raw_metrics(statistics: &Map<String, Value>) -> Result<Value, FetchError> {
    let mut raw = Map::new();
    for (api_name, key) in STATISTICS {
        let Some(value) = statistics.get(api_name) else {
            continue; // hidden likes, comments turned off
        };
        let count = match value {
            Value::String(text) => text.trim().parse::<u64>().ok(),
            Value::Number(number) => number.as_u64(),
            _ => None,
        }
        .ok_or_else(|| FetchError::Malformed(format!("statistics.{api_name} is {value}")))?;
        raw.insert(key.to_owned(), json!(count));
    }
    raw.insert("youtube".to_owned(), Value::Object(statistics.clone()));
    Ok(Value::Object(raw))
}

/// A Google API error answer (`{"error": {"code", "message", "errors": [{"reason"}],
/// "status", "details": [{"reason"}]}}`) as the fetch error it means.
fn classify_error(
    status: StatusCode,
    retry_after: Option<std::time::Duration>,
    body: &str,
) -> FetchError {
    let error = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("error").cloned())
        .unwrap_or(Value::Null);
    let message = error
        .get("message")
        .and_then(Value::as_str)
        .map(short)
        .unwrap_or_else(|| format!("HTTP {status}"));
    let reasons: Vec<&str> = ["errors", "details"]
        .iter()
        .filter_map(|list| error.get(list).and_then(Value::as_array))
        .flatten()
        .filter_map(|entry| entry.get("reason").and_then(Value::as_str))
        .collect();
    let has = |names: &[&str]| reasons.iter().any(|r| names.contains(r));
    let detail = match reasons.first() {
        Some(reason) => format!("YouTube {status} {reason}: {message}"),
        None => format!("YouTube {status}: {message}"),
    };
    const RATE: &[&str] = &[
        "quotaExceeded",
        "rateLimitExceeded",
        "userRateLimitExceeded",
        "dailyLimitExceeded",
        "RATE_LIMIT_EXCEEDED",
    ];
    const KEY: &[&str] = &[
        "keyInvalid",
        "keyExpired",
        "API_KEY_INVALID",
        "API_KEY_EXPIRED",
    ];
    // YouTube's own reasons first: its quota answer is a 403, a bad key a 400.
    match status.as_u16() {
        403 if has(RATE) => FetchError::RateLimited {
            retry_after,
            detail,
        },
        400 if has(KEY) => FetchError::Unauthorized(detail),
        _ => by_status(status, retry_after, detail),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use uuid::Uuid;

    #[test]
    fn ids_come_from_the_usual_url_shapes() {
        for url in [
            "https://youtu.be/dQw4w9WgXcQ",
            "https://youtu.be/dQw4w9WgXcQ?t=42",
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PL1",
            "https://m.youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
            "https://youtube.com/shorts/dQw4w9WgXcQ",
            "https://www.youtube.com/live/dQw4w9WgXcQ",
        ] {
            assert_eq!(
                video_id_from_url(url).as_deref(),
                Some("dQw4w9WgXcQ"),
                "{url}"
            );
        }
        for url in [
            "https://vimeo.com/dQw4w9WgXcQ",
            "https://www.youtube.com/channel/UC123",
            "https://www.youtube.com/watch?v=short",
            "https://youtu.be/dQw4w9WgXcQ,x",
            "not a url",
        ] {
            assert_eq!(video_id_from_url(url), None, "{url}");
        }
    }

    #[test]
    fn a_channel_item_id_wins_and_a_bad_one_is_not_guessed_around() {
        let item = |id: Option<&str>, url: Option<&str>| ItemToMeasure {
            published_item_id: Uuid::nil(),
            channel_item_id: id.map(str::to_owned),
            channel_url: url.map(str::to_owned),
            published_at: chrono::Utc::now(),
        };
        let url = Some("https://youtu.be/aaaaaaaaaaa");
        assert_eq!(
            video_id(&item(Some("bbbbbbbbbbb"), url)).as_deref(),
            Some("bbbbbbbbbbb")
        );
        assert_eq!(video_id(&item(None, url)).as_deref(), Some("aaaaaaaaaaa"));
        assert_eq!(
            video_id(&item(Some(" "), url)).as_deref(),
            Some("aaaaaaaaaaa")
        );
        assert_eq!(video_id(&item(Some("a,b"), url)), None);
    }

    #[test]
    fn statistics_strings_become_numbers_and_hidden_likes_are_left_out() {
        let stats = json!({"viewCount": "1234", "commentCount": "5", "favoriteCount": "0"});
        let raw = raw_metrics(stats.as_object().unwrap()).unwrap();
        assert_eq!(
            raw,
            json!({"views": 1234, "comments": 5, "youtube": stats}),
            "no likes key when likeCount is hidden"
        );
        let bad = json!({"viewCount": "many"});
        assert!(matches!(
            raw_metrics(bad.as_object().unwrap()),
            Err(FetchError::Malformed(m)) if m.contains("viewCount")
        ));
    }

    #[test]
    fn videos_answers_that_are_not_the_documented_shape_are_malformed() {
        assert!(
            parse_videos(r#"{"kind": "youtube#videoListResponse"}"#)
                .unwrap()
                .is_empty()
        );
        for body in [
            "<html>",
            "[]",
            r#"{"items": {}}"#,
            r#"{"items": [{"statistics": {}}]}"#,
            r#"{"items": [{"id": "x"}]}"#,
        ] {
            assert!(
                matches!(parse_videos(body), Err(FetchError::Malformed(_))),
                "{body}"
            );
        }
    }

    fn google_error(code: u16, reason: &str) -> String {
        json!({"error": {"code": code, "message": "the message",
            "errors": [{"message": "the message", "domain": "global", "reason": reason}]}})
        .to_string()
    }

    #[test]
    fn error_answers_map_to_what_the_caller_should_do() {
        let wait = Some(Duration::from_secs(9));
        let class = |status: u16, body: &str| {
            classify_error(StatusCode::from_u16(status).unwrap(), wait, body)
        };
        assert_eq!(
            class(403, &google_error(403, "quotaExceeded")),
            FetchError::RateLimited {
                retry_after: wait,
                detail: "YouTube 403 Forbidden quotaExceeded: the message".into()
            }
        );
        assert!(matches!(
            class(403, &google_error(403, "rateLimitExceeded")),
            FetchError::RateLimited { .. }
        ));
        assert!(
            matches!(class(429, ""), FetchError::RateLimited { retry_after, .. } if retry_after == wait)
        );
        assert!(matches!(
            class(400, &google_error(400, "keyInvalid")),
            FetchError::Unauthorized(_)
        ));
        let details = r#"{"error": {"code": 400, "message": "API key not valid.",
            "errors": [{"reason": "badRequest"}],
            "details": [{"reason": "API_KEY_INVALID"}]}}"#;
        assert!(matches!(class(400, details), FetchError::Unauthorized(_)));
        assert!(matches!(
            class(403, &google_error(403, "forbidden")),
            FetchError::Unauthorized(_)
        ));
        assert!(matches!(class(401, "{}"), FetchError::Unauthorized(_)));
        assert!(matches!(class(503, "<html>"), FetchError::Unavailable(_)));
        assert!(matches!(
            class(400, &google_error(400, "badRequest")),
            FetchError::Malformed(_)
        ));
    }

    #[test]
    fn new_refuses_a_missing_or_blank_key() {
        let settings = |credential: Option<&str>| FetcherSettings {
            http: crate::tls::http_client(),
            base_url: None,
            credential: credential.map(Secret::new),
            config: Value::Null,
        };
        for credential in [None, Some("  ")] {
            let error = YoutubeFetcher::new(settings(credential)).err().unwrap();
            assert!(error.contains("no API key"), "{error}");
        }
        let fetcher = YoutubeFetcher::new(settings(Some("k"))).unwrap();
        assert_eq!(
            fetcher.videos_url.as_str(),
            "https://www.googleapis.com/youtube/v3/videos"
        );
        let mut bad = settings(Some("k"));
        bad.base_url = Some("not a url".into());
        assert!(YoutubeFetcher::new(bad).err().unwrap().contains("base URL"));
        assert_eq!(fetcher.max_batch(), 50);
    }
}
