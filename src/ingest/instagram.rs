//! Instagram Graph API media insights
//! (<https://developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights>),
//! version `v21.0` by default (job config `api_version`, e.g. `"v22.0"`): one
//! `GET {base}/{version}/{media_id}/insights?metric=reach,likes,comments,shares,saved,views`
//! per media with the access token, each answer `{"data": [{"name", "values": [{"value"}]}]}`
//! (newer metrics may carry `total_value.value` instead). The metric list can be changed with
//! job config `metrics` (e.g. adding `impressions` on versions before v22.0).
//!
//! Errors come as `{"error": {"message", "type", "code", "error_subcode"}}`: code 190 is an
//! expired or invalid token, codes 4/17/32/613 (and 80002, Instagram's business-use-case
//! limit) or HTTP 429 are rate limits, code 100 naming a metric is a metric this version no
//! longer (or does not yet) offer: that media is asked again once without it, the payload says
//! so, and the fetcher leaves it out of later requests.

use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, StreamExt, stream};
use reqwest::{StatusCode, Url};
use serde_json::{Map, Value, json};

use super::http_answer::{retry_after, short, transport};
use super::{
    FetchError, FetchOutcome, Fetcher, FetcherSettings, ItemFailure, ItemToMeasure, Measured,
};
use crate::config::Secret;
use crate::domain::channel::Channel;

pub const DEFAULT_BASE_URL: &str = "https://graph.facebook.com";
pub const DEFAULT_API_VERSION: &str = "v21.0";
pub const DEFAULT_METRICS: [&str; 6] = ["reach", "likes", "comments", "shares", "saved", "views"];
/// One request per media: a batch is a unit of scheduling, not of HTTP. 50 is the Graph API's
/// own limit for a batch request, so a later move to `?batch=` keeps the same unit.
pub const MAX_BATCH: usize = 50;
/// Media asked for at once: enough to hide latency, few enough not to burst the rate limit.
pub const CONCURRENCY: usize = 8;

/// Graph API error codes that mean "slow down".
const RATE_CODES: [i64; 5] = [4, 17, 32, 613, 80002];
/// Expired, revoked or invalid token.
const TOKEN_CODE: i64 = 190;
/// Invalid parameter; with a metric in the message, a metric the version refuses.
const PARAMETER_CODE: i64 = 100;

pub struct InstagramFetcher {
    http: reqwest::Client,
    base_url: String,
    version: String,
    token: Secret,
    metrics: Vec<String>,
    /// Metrics the API refused during this fetcher's life: not asked for again.
    refused: Mutex<BTreeSet<String>>,
}

/// What became of one media.
enum MediaResult {
    Measured(Value),
    Failed(String),
    /// No answer or a 5xx: the item failed, and if every item did, the platform is down.
    Unreachable(String),
}

/// A Graph API error answer.
#[derive(Debug, Clone, PartialEq)]
struct GraphError {
    status: StatusCode,
    code: Option<i64>,
    subcode: Option<i64>,
    kind: Option<String>,
    message: String,
}

impl InstagramFetcher {
    pub fn new(settings: FetcherSettings) -> Result<Self, String> {
        let token = settings
            .credential
            .filter(|token| !token.expose().trim().is_empty())
            .ok_or_else(|| {
                "instagram: no access token; the job's credential reference must name where \
                 the Instagram Graph API token lives"
                    .to_owned()
            })?;
        let version = match settings.config.get("api_version") {
            None | Some(Value::Null) => DEFAULT_API_VERSION.to_owned(),
            Some(Value::String(v)) if is_version(v.trim()) => v.trim().to_owned(),
            Some(other) => {
                return Err(format!(
                    "instagram: config api_version must look like \"v21.0\", not {other}"
                ));
            }
        };
        let metrics = match settings.config.get("metrics") {
            None | Some(Value::Null) => DEFAULT_METRICS.map(str::to_owned).to_vec(),
            Some(list) => metric_list(list).ok_or_else(|| {
                format!(
                    "instagram: config metrics must be a non-empty list of metric names \
                     (letters and _), not {list}"
                )
            })?,
        };
        let base_url = settings
            .base_url
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        Url::parse(&base_url).map_err(|e| format!("instagram: base URL {base_url:?}: {e}"))?;
        Ok(InstagramFetcher {
            http: settings.http,
            base_url: base_url.trim_end_matches('/').to_owned(),
            version,
            token,
            metrics,
            refused: Mutex::new(BTreeSet::new()),
        })
    }

    /// The Graph API version asked for.
    pub fn api_version(&self) -> &str {
        &self.version
    }

    async fn fetch_batch(&self, items: &[ItemToMeasure]) -> Result<FetchOutcome, FetchError> {
        let mut outcome = FetchOutcome::default();
        let mut wanted = Vec::with_capacity(items.len());
        for item in items {
            match item.channel_item_id.as_deref().map(str::trim) {
                Some(id) if is_media_id(id) => wanted.push((item.published_item_id, id.to_owned())),
                other => outcome.failures.push(ItemFailure {
                    published_item_id: item.published_item_id,
                    error: match other {
                        Some(id) if !id.is_empty() => {
                            format!("{id:?} is not an Instagram media id (digits expected)")
                        }
                        // A permalink holds a shortcode, which is not the media id.
                        _ => "no Instagram media id (channel_item_id is empty)".to_owned(),
                    },
                }),
            }
        }
        let asked = wanted.len();
        let mut unreachable = 0;
        let mut first_unreachable = None;
        let mut answers = stream::iter(wanted)
            .map(|(published_item_id, id)| async move {
                (published_item_id, self.fetch_media(&id).await)
            })
            .buffered(CONCURRENCY);
        // A fatal error returns at once; dropping the stream cancels the requests in flight.
        while let Some((published_item_id, result)) = answers.next().await {
            match result? {
                MediaResult::Measured(raw) => outcome.measured.push(Measured {
                    published_item_id,
                    raw,
                }),
                MediaResult::Failed(error) => outcome.failures.push(ItemFailure {
                    published_item_id,
                    error,
                }),
                MediaResult::Unreachable(error) => {
                    unreachable += 1;
                    first_unreachable.get_or_insert_with(|| error.clone());
                    outcome.failures.push(ItemFailure {
                        published_item_id,
                        error,
                    });
                }
            }
        }
        if asked > 0 && unreachable == asked {
            return Err(FetchError::Unavailable(
                first_unreachable.unwrap_or_default(),
            ));
        }
        Ok(outcome)
    }

    /// One media's insights, asked again once without the metrics the API refuses.
    async fn fetch_media(&self, media_id: &str) -> Result<MediaResult, FetchError> {
        let refused = self
            .refused
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut dropped: BTreeSet<String> = self
            .metrics
            .iter()
            .filter(|m| refused.contains(*m))
            .cloned()
            .collect();
        let mut metrics: Vec<&str> = self
            .metrics
            .iter()
            .filter(|m| !dropped.contains(*m))
            .map(String::as_str)
            .collect();
        for attempt in 0..2 {
            if metrics.is_empty() {
                return Ok(MediaResult::Failed(format!(
                    "Instagram {} refuses every metric asked for ({})",
                    self.version,
                    join(&dropped)
                )));
            }
            let error = match self.request(media_id, &metrics).await {
                Ok(Ok(body)) => {
                    return raw_metrics(&body, &self.version, &dropped).map(MediaResult::Measured);
                }
                Ok(Err(error)) => error,
                Err(FetchError::Unavailable(why)) => {
                    return Ok(MediaResult::Unreachable(format!("media {media_id}: {why}")));
                }
                Err(other) => return Err(other),
            };
            let described = describe(&error);
            if error.status.is_server_error() {
                return Ok(MediaResult::Unreachable(format!(
                    "media {media_id}: {described}"
                )));
            }
            let refused_now = refused_metrics(&error, &metrics);
            if attempt == 0 && !refused_now.is_empty() {
                self.refused
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .extend(refused_now.iter().map(|m| m.to_string()));
                metrics.retain(|m| !refused_now.contains(m));
                dropped.extend(refused_now.into_iter().map(str::to_owned));
                continue;
            }
            return Ok(MediaResult::Failed(format!(
                "media {media_id}: {described}"
            )));
        }
        Ok(MediaResult::Failed(format!(
            "media {media_id}: Instagram still refused the metrics after leaving out {}",
            join(&dropped)
        )))
    }

    /// One insights request: the body of a 2xx, or the Graph error of any other answer.
    /// `Err` only for what fails the call whatever the media: no answer (Unavailable), a rate
    /// limit with its Retry-After, a body that is not the Graph API's.
    async fn request(
        &self,
        media_id: &str,
        metrics: &[&str],
    ) -> Result<Result<Value, GraphError>, FetchError> {
        let mut url = Url::parse(&format!(
            "{}/{}/{}/insights",
            self.base_url, self.version, media_id
        ))
        .map_err(|e| FetchError::Malformed(format!("insights URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("metric", &metrics.join(","))
            .append_pair("access_token", self.token.expose());
        let answer = self.http.get(url).send().await.map_err(transport)?;
        let status = answer.status();
        let wait = retry_after(answer.headers(), chrono::Utc::now());
        let body = answer.text().await.map_err(transport)?;
        let parsed = serde_json::from_str::<Value>(&body).ok();
        if status.is_success() {
            return parsed.map(Ok).ok_or_else(|| {
                FetchError::Malformed(format!("media {media_id}: insights answer is not JSON"))
            });
        }
        let error = graph_error(status, parsed.as_ref());
        match fatal(&error, wait) {
            Some(fatal) => Err(fatal),
            None if error.code.is_none() && !status.is_server_error() => {
                Err(FetchError::Malformed(format!(
                    "media {media_id}: HTTP {status} without a Graph API error"
                )))
            }
            None => Ok(Err(error)),
        }
    }
}

/// The Graph errors that fail the whole call whatever the media: rate limits and refused
/// tokens.
fn fatal(error: &GraphError, retry_after: Option<Duration>) -> Option<FetchError> {
    let code = error.code.unwrap_or_default();
    if error.status == StatusCode::TOO_MANY_REQUESTS || RATE_CODES.contains(&code) {
        Some(FetchError::RateLimited {
            retry_after,
            detail: describe(error),
        })
    } else if code == TOKEN_CODE || error.status == StatusCode::UNAUTHORIZED {
        Some(FetchError::Unauthorized(describe(error)))
    } else {
        None
    }
}

impl Fetcher for InstagramFetcher {
    fn channel(&self) -> Channel {
        Channel::Instagram
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }

    fn fetch<'a>(
        &'a self,
        items: &'a [ItemToMeasure],
    ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>> {
        self.fetch_batch(items).boxed()
    }
}

fn is_version(text: &str) -> bool {
    let Some(rest) = text.strip_prefix('v') else {
        return false;
    };
    let mut parts = rest.split('.');
    let number =
        |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    number(parts.next()) && number(parts.next()) && parts.next().is_none()
}

/// Media ids are numbers; checking keeps anything else out of the request path.
fn is_media_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 40 && id.bytes().all(|b| b.is_ascii_digit())
}

fn metric_list(list: &Value) -> Option<Vec<String>> {
    let names: Vec<String> = list
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::trim).map(str::to_owned))
        .collect::<Option<_>>()?;
    let valid =
        |n: &String| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
    (!names.is_empty() && names.iter().all(valid)).then_some(names)
}

fn join(names: &BTreeSet<String>) -> String {
    names.iter().cloned().collect::<Vec<_>>().join(", ")
}

fn graph_error(status: StatusCode, body: Option<&Value>) -> GraphError {
    let error = body.and_then(|b| b.get("error"));
    let field = |name: &str| error.and_then(|e| e.get(name));
    GraphError {
        status,
        code: field("code").and_then(Value::as_i64),
        subcode: field("error_subcode").and_then(Value::as_i64),
        kind: field("type").and_then(Value::as_str).map(str::to_owned),
        message: field("message")
            .and_then(Value::as_str)
            .map(short)
            .unwrap_or_else(|| format!("HTTP {status}")),
    }
}

fn describe(error: &GraphError) -> String {
    let mut text = format!("Instagram HTTP {}", error.status.as_u16());
    if let Some(kind) = &error.kind {
        text.push_str(&format!(" {kind}"));
    }
    if let Some(code) = error.code {
        text.push_str(&format!(" code {code}"));
    }
    if let Some(subcode) = error.subcode {
        text.push_str(&format!("/{subcode}"));
    }
    format!("{text}: {}", error.message)
}

/// The metrics of `asked` that a code-100 answer refuses. The API says it two ways: it names
/// the metric it no longer supports, or it lists the values it accepts ("metric[0] must be one
/// of the following values: reach, likes, ...").
fn refused_metrics<'m>(error: &GraphError, asked: &[&'m str]) -> Vec<&'m str> {
    if error.code != Some(PARAMETER_CODE) || !error.message.contains("metric") {
        return Vec::new();
    }
    let message = error.message.to_lowercase();
    if let Some((_, accepted)) = message.split_once("one of the following values:") {
        let accepted: Vec<&str> = accepted
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect();
        return asked
            .iter()
            .copied()
            .filter(|m| !accepted.contains(m))
            .collect();
    }
    let words: Vec<&str> = message
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    asked
        .iter()
        .copied()
        .filter(|m| words.contains(m))
        .collect()
}

/// The raw payload stored for a media: `reach`, `likes`, `comments`, `shares`, `saves`,
/// `impressions` (from `views`, or `impressions` where the version still has it), as
/// `domain::metrics` reads Instagram, and under `instagram` the version, every metric as sent,
/// and the metrics left out because the API refused them.
fn raw_metrics(
    body: &Value,
    version: &str,
    dropped: &BTreeSet<String>,
) -> Result<Value, FetchError> {
    let malformed = |what: String| FetchError::Malformed(format!("insights answer: {what}"));
    let data = body
        .get("data")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("no data list".into()))?;
    let mut insights = Map::new();
    for entry in data {
        let name = entry
            .get("name")
            .and_then(Value::as_str)
            .ok_or_else(|| malformed("an entry without a name".into()))?;
        let value = entry
            .pointer("/values/0/value")
            .or_else(|| entry.pointer("/total_value/value"))
            .ok_or_else(|| malformed(format!("{name} without a value")))?;
        let count = match value {
            Value::Number(n) => n.as_u64(),
            Value::String(s) => s.trim().parse::<u64>().ok(),
            _ => None,
        }
        .ok_or_else(|| malformed(format!("{name} is {value}")))?;
        insights.insert(name.to_owned(), json!(count));
    }
    let mut raw = Map::new();
    // `views` replaces `impressions` from v22.0; where both come, `views` is the newer count.
    for (api_name, key) in [
        ("reach", "reach"),
        ("likes", "likes"),
        ("comments", "comments"),
        ("shares", "shares"),
        ("saved", "saves"),
        ("impressions", "impressions"),
        ("views", "impressions"),
    ] {
        if let Some(count) = insights.get(api_name) {
            raw.insert(key.to_owned(), count.clone());
        }
    }
    let mut about = json!({"api_version": version, "insights": insights});
    if !dropped.is_empty() {
        about["dropped_metrics"] = json!(dropped);
        about["note"] = json!(format!(
            "asked without {} ({version} refuses them)",
            join(dropped)
        ));
    }
    raw.insert("instagram".to_owned(), about);
    Ok(Value::Object(raw))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: u16, code: Option<i64>, message: &str) -> GraphError {
        GraphError {
            status: StatusCode::from_u16(status).unwrap(),
            code,
            subcode: None,
            kind: Some("OAuthException".into()),
            message: message.into(),
        }
    }

    #[test]
    fn insights_map_to_the_keys_domain_metrics_reads() {
        let body = json!({"data": [
            {"name": "reach", "period": "lifetime", "values": [{"value": 900}]},
            {"name": "likes", "values": [{"value": "40"}]},
            {"name": "comments", "values": [{"value": 3}]},
            {"name": "shares", "values": [{"value": 2}]},
            {"name": "saved", "values": [{"value": 7}]},
            {"name": "views", "total_value": {"value": 1500}},
        ]});
        let raw = raw_metrics(&body, "v21.0", &BTreeSet::new()).unwrap();
        assert_eq!(
            raw,
            json!({"reach": 900, "likes": 40, "comments": 3, "shares": 2, "saves": 7,
                "impressions": 1500,
                "instagram": {"api_version": "v21.0", "insights": {"reach": 900, "likes": 40,
                    "comments": 3, "shares": 2, "saved": 7, "views": 1500}}})
        );
        let normalized = crate::domain::metrics::normalize(&Channel::Instagram, &raw);
        assert_eq!(normalized.impressions, Some(1500));
        assert_eq!(normalized.saves, Some(7));
    }

    #[test]
    fn dropped_metrics_are_said_in_the_payload() {
        let body = json!({"data": [{"name": "reach", "values": [{"value": 1}]}]});
        let dropped = BTreeSet::from(["views".to_owned()]);
        let raw = raw_metrics(&body, "v23.0", &dropped).unwrap();
        assert_eq!(raw["instagram"]["dropped_metrics"], json!(["views"]));
        assert!(raw["instagram"]["note"].as_str().unwrap().contains("views"));
        assert!(raw.get("impressions").is_none());
    }

    #[test]
    fn insights_answers_not_in_the_documented_shape_are_malformed() {
        for body in [
            json!({}),
            json!({"data": {}}),
            json!({"data": [{"values": [{"value": 1}]}]}),
            json!({"data": [{"name": "reach"}]}),
            json!({"data": [{"name": "reach", "values": []}]}),
            json!({"data": [{"name": "reach", "values": [{"value": {"a": 1}}]}]}),
        ] {
            assert!(
                matches!(
                    raw_metrics(&body, "v21.0", &BTreeSet::new()),
                    Err(FetchError::Malformed(_))
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn refused_metrics_are_read_from_both_message_forms() {
        let asked = ["reach", "impressions", "views", "saved"];
        let named = error(
            400,
            Some(100),
            "(#100) Starting from version v22.0 and above, the impressions metric is no longer \
             supported for media insights.",
        );
        assert_eq!(refused_metrics(&named, &asked), ["impressions"]);
        let listed = error(
            400,
            Some(100),
            "(#100) metric[2] must be one of the following values: reach, likes, comments, \
             saved, shares, impressions",
        );
        assert_eq!(refused_metrics(&listed, &asked), ["views"]);
        let unknown_media = error(
            400,
            Some(100),
            "Unsupported get request. Object with ID '17' does not exist",
        );
        assert!(refused_metrics(&unknown_media, &asked).is_empty());
        let other_code = error(400, Some(10), "the reach metric needs a permission");
        assert!(refused_metrics(&other_code, &asked).is_empty());
    }

    #[test]
    fn rate_and_token_errors_fail_the_whole_call() {
        let wait = Some(Duration::from_secs(3));
        for code in [4, 17, 32, 613, 80002] {
            assert!(matches!(
                fatal(&error(400, Some(code), "slow down"), None),
                Some(FetchError::RateLimited {
                    retry_after: None,
                    ..
                })
            ));
        }
        assert!(matches!(
            fatal(&error(429, None, "x"), wait),
            Some(FetchError::RateLimited { retry_after, .. }) if retry_after == wait
        ));
        let expired = error(400, Some(190), "Session has expired");
        assert_eq!(
            fatal(&expired, None),
            Some(FetchError::Unauthorized(
                "Instagram HTTP 400 OAuthException code 190: Session has expired".into()
            ))
        );
        assert!(fatal(&error(400, Some(100), "no such object"), None).is_none());
        assert!(fatal(&error(500, Some(1), "unknown error"), None).is_none());
    }

    fn settings(credential: Option<&str>, config: Value) -> FetcherSettings {
        FetcherSettings {
            http: crate::tls::http_client(),
            base_url: None,
            credential: credential.map(Secret::new),
            config,
        }
    }

    #[test]
    fn new_reads_the_token_version_and_metrics() {
        let error = InstagramFetcher::new(settings(None, Value::Null))
            .err()
            .unwrap();
        assert!(error.contains("no access token"), "{error}");
        let fetcher = InstagramFetcher::new(settings(Some("t"), json!({}))).unwrap();
        assert_eq!(fetcher.api_version(), DEFAULT_API_VERSION);
        assert_eq!(fetcher.metrics, DEFAULT_METRICS);
        let fetcher = InstagramFetcher::new(settings(
            Some("t"),
            json!({"api_version": " v22.0 ", "metrics": ["reach", "impressions"]}),
        ))
        .unwrap();
        assert_eq!(fetcher.api_version(), "v22.0");
        assert_eq!(fetcher.metrics, ["reach", "impressions"]);
        for (config, field) in [
            (json!({"api_version": "22"}), "api_version"),
            (json!({"api_version": "v22.0/../x"}), "api_version"),
            (json!({"metrics": []}), "metrics"),
            (json!({"metrics": ["reach,likes"]}), "metrics"),
        ] {
            let error = InstagramFetcher::new(settings(Some("t"), config))
                .err()
                .unwrap();
            assert!(error.contains(field), "{error}");
        }
    }

    #[test]
    fn media_ids_are_digits_only() {
        assert!(is_media_id("17895695668004550"));
        assert!(!is_media_id(""));
        assert!(!is_media_id("../me"));
        assert!(!is_media_id("CxYz123"));
    }
}
