//! Telegram: view counts of PUBLIC channel posts, read from the channel's public web preview.
//!
//! What is really available, and what this fetcher does (for the README):
//! - The Telegram Bot API has no view counts (no method returns a post's views), so this
//!   fetcher reads the public web preview `https://t.me/s/<channel>?before=<id>` (no
//!   credential), the page Telegram serves for public channels: about 20 posts before
//!   `<id>`, each a `tgme_widget_message` block with `data-post="<channel>/<id>"` and its
//!   views as shown (`987`, `1.2K`, `3.4M`: K/M figures are Telegram's rounding, so `1.2K` is
//!   stored as 1,200), plus the reactions the page shows (per emoji). The preview shows no
//!   forward counts, so none are reported.
//! - A post is named by its message id (`channel_item_id`) with the job config's
//!   `channel_username` (`{"channel_username": "durov"}`), or `channel_item_id` as
//!   `<channel>/<id>`, or its link `https://t.me/<channel>/<id>` as `channel_url`.
//! - Private channels (`t.me/c/...`, or a channel without a public preview), deleted posts
//!   and service messages fail one by one, with a message saying to push their counters to
//!   `POST /api/publisher/metrics/ingest` instead: n8n's Telegram node can read what a bot
//!   admin of the channel sees and post it there.
//! - Not done here: reactions through the Bot API's `message_reaction_count` updates (they
//!   need a bot that is an admin of the channel and a long-running update consumer); the
//!   push route covers them.
//!
//! Paging: one call measures up to [`MAX_POSTS_PER_CALL`] posts, grouped by channel; for each
//! channel it asks for the page just before the highest post still wanted, takes every wanted
//! post on it, and counts that highest post as not found when the page lacks it; so posts
//! close together cost one page per ~20 and each call makes at most one page per post.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use futures_util::future::BoxFuture;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

use super::http_answer::{retry_after, send_failed};
use super::telegram_preview::{self, PreviewPost};
use super::{
    FetchError, FetchOutcome, Fetcher, FetcherSettings, ItemFailure, ItemToMeasure, Measured,
};
use crate::domain::channel::Channel;

/// Telegram's public web root.
pub const DEFAULT_BASE_URL: &str = "https://t.me";
/// Most posts one call measures (it may take one preview page per post in the worst case).
pub const MAX_POSTS_PER_CALL: usize = 100;
/// What to do about a post the preview cannot measure.
pub const PUSH_INSTEAD: &str = "push its counters to POST /api/publisher/metrics/ingest instead \
                                (n8n can post what its Telegram node reads)";
/// The hosts a post link may name (besides the base URL's own).
const TELEGRAM_HOSTS: [&str; 4] = ["t.me", "www.t.me", "telegram.me", "www.telegram.me"];

pub struct TelegramFetcher {
    http: reqwest::Client,
    /// The base URL without its trailing `/`.
    base: String,
    /// The path prefix of preview pages under the base (`/s/`, or `/prefix/s/` behind a proxy).
    preview_prefix: String,
    base_host: Option<String>,
    channel_username: Option<String>,
}

impl TelegramFetcher {
    /// Needs no credential; the job config may name the channel (`channel_username`).
    pub fn new(settings: FetcherSettings) -> Result<Self, String> {
        let base = settings
            .base_url
            .as_deref()
            .map(str::trim)
            .filter(|base| !base.is_empty())
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/')
            .to_owned();
        let url = reqwest::Url::parse(&base)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or_else(|| format!("base_url must be an http:// or https:// URL, got {base:?}"))?;
        let channel_username = match settings.config.get("channel_username") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => Some(
                channel_name(name.trim().trim_start_matches('@')).ok_or_else(|| {
                    format!(
                        "channel_username must be a public channel's username (letters, digits, \
                         _), got {name:?}"
                    )
                })?,
            ),
            Some(other) => {
                return Err(format!(
                    "channel_username must be a text (the channel's username), got {other}"
                ));
            }
        };
        Ok(Self {
            http: settings.http,
            preview_prefix: format!("{}/s/", url.path().trim_end_matches('/')),
            base_host: url.host_str().map(str::to_ascii_lowercase),
            base,
            channel_username,
        })
    }

    /// The channel and message id an item names, or why it names none.
    fn post_of(&self, item: &ItemToMeasure) -> Result<(String, u64), String> {
        let item_id = item.channel_item_id.as_deref().map(str::trim).unwrap_or("");
        if let Some((channel, id)) = item_id.split_once('/')
            && let (Some(channel), Ok(id)) = (channel_name(channel), id.parse::<u64>())
        {
            return Ok((channel, id));
        }
        let message_id = item_id.parse::<u64>().ok();
        if let (Some(id), Some(channel)) = (message_id, &self.channel_username) {
            return Ok((channel.clone(), id));
        }
        if let Some(url) = item
            .channel_url
            .as_deref()
            .filter(|url| !url.trim().is_empty())
        {
            return self.post_of_url(url.trim());
        }
        Err(match message_id {
            Some(id) => format!(
                "message id {id} but no channel: set channel_username in the job's config, or \
                 give the item its https://t.me/<channel>/<id> link"
            ),
            None => "no Telegram post: channel_item_id is not a message id and there is no \
                     https://t.me/<channel>/<id> link"
                .into(),
        })
    }

    /// `https://t.me/<channel>/<id>` (or `/s/<channel>/<id>`) as a post.
    fn post_of_url(&self, link: &str) -> Result<(String, u64), String> {
        let not_a_post = || format!("{link:?} is not a https://t.me/<channel>/<id> post link");
        let url = reqwest::Url::parse(link).map_err(|_| not_a_post())?;
        let host = url
            .host_str()
            .map(str::to_ascii_lowercase)
            .unwrap_or_default();
        if !TELEGRAM_HOSTS.contains(&host.as_str()) && self.base_host.as_deref() != Some(&host) {
            return Err(not_a_post());
        }
        let mut segments: Vec<&str> = url
            .path_segments()
            .map(|segments| segments.filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        if segments.first() == Some(&"s") {
            segments.remove(0);
        }
        match segments.as_slice() {
            ["c", ..] => Err(format!(
                "{link} is a post of a private channel, which has no public preview: {PUSH_INSTEAD}"
            )),
            [channel, id] => match (channel_name(channel), id.parse::<u64>()) {
                (Some(channel), Ok(id)) => Ok((channel, id)),
                _ => Err(not_a_post()),
            },
            _ => Err(not_a_post()),
        }
    }

    /// The wanted posts of one channel: each one's raw counters, or why it has none.
    async fn measure_channel(
        &self,
        channel: &str,
        wanted: impl IntoIterator<Item = u64>,
    ) -> Result<HashMap<u64, Result<Value, String>>, FetchError> {
        let mut remaining: BTreeSet<u64> = wanted.into_iter().collect();
        let mut results = HashMap::new();
        while let Some(&highest) = remaining.last() {
            let Some(posts) = self.page(channel, highest.checked_add(1)).await? else {
                for id in std::mem::take(&mut remaining) {
                    results.insert(
                        id,
                        Err(format!(
                            "the channel @{channel} has no public preview (private, renamed or \
                             not found), so post {id} cannot be read: {PUSH_INSTEAD}"
                        )),
                    );
                }
                break;
            };
            for post in posts {
                if post.channel.eq_ignore_ascii_case(channel) && remaining.remove(&post.message_id)
                {
                    results.insert(post.message_id, counters(&post));
                }
            }
            if remaining.remove(&highest) {
                results.insert(
                    highest,
                    Err(format!(
                        "post {channel}/{highest} is not on the channel's public preview \
                         (deleted, or not a post): {PUSH_INSTEAD}"
                    )),
                );
            }
        }
        Ok(results)
    }

    /// The posts of the preview page before `before`; `None` when the channel has no public
    /// preview (Telegram redirects to the channel's plain page, or answers 404).
    async fn page(
        &self,
        channel: &str,
        before: Option<u64>,
    ) -> Result<Option<Vec<PreviewPost>>, FetchError> {
        // `channel` is letters, digits and `_` only (`channel_name`): safe in a path as is.
        let url = match before {
            Some(before) => format!("{}/s/{channel}?before={before}", self.base),
            None => format!("{}/s/{channel}", self.base),
        };
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|error| send_failed("Telegram", &error))?;
        let status = response.status();
        if status.is_redirection() || status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Err(FetchError::RateLimited {
                retry_after: retry_after(response.headers(), chrono::Utc::now()),
                detail: format!("Telegram's preview of @{channel} answered 429"),
            });
        }
        if status.is_server_error() {
            return Err(FetchError::Unavailable(format!(
                "Telegram's preview of @{channel} answered HTTP {status}"
            )));
        }
        if !status.is_success() {
            return Err(FetchError::Malformed(format!(
                "Telegram's preview of @{channel} answered HTTP {status}"
            )));
        }
        let followed_away = !response.url().path().starts_with(&self.preview_prefix);
        let html = response
            .text()
            .await
            .map_err(|error| send_failed("Telegram", &error))?;
        if followed_away {
            return Ok(None);
        }
        if !telegram_preview::is_preview_page(&html) {
            return Err(FetchError::Malformed(format!(
                "Telegram's preview of @{channel} is not a channel preview page (no {})",
                telegram_preview::HISTORY_MARKER
            )));
        }
        Ok(Some(telegram_preview::posts(&html)))
    }
}

impl Fetcher for TelegramFetcher {
    fn channel(&self) -> Channel {
        Channel::Telegram
    }

    fn max_batch(&self) -> usize {
        MAX_POSTS_PER_CALL
    }

    fn fetch<'a>(
        &'a self,
        items: &'a [ItemToMeasure],
    ) -> BoxFuture<'a, Result<FetchOutcome, FetchError>> {
        Box::pin(async move {
            let mut outcome = FetchOutcome::default();
            // channel (lower case, as usernames compare) -> message id -> the items naming it.
            let mut wanted: BTreeMap<String, BTreeMap<u64, Vec<&ItemToMeasure>>> = BTreeMap::new();
            for item in items {
                match self.post_of(item) {
                    Ok((channel, id)) => wanted
                        .entry(channel.to_ascii_lowercase())
                        .or_default()
                        .entry(id)
                        .or_default()
                        .push(item),
                    Err(error) => outcome.failures.push(ItemFailure {
                        published_item_id: item.published_item_id,
                        error,
                    }),
                }
            }
            for (channel, posts) in &wanted {
                let mut results = self.measure_channel(channel, posts.keys().copied()).await?;
                for (id, items) in posts {
                    let result = results
                        .remove(id)
                        .unwrap_or_else(|| Err(format!("post {channel}/{id} was not looked up")));
                    for item in items {
                        match &result {
                            Ok(raw) => outcome.measured.push(Measured {
                                published_item_id: item.published_item_id,
                                raw: raw.clone(),
                            }),
                            Err(error) => outcome.failures.push(ItemFailure {
                                published_item_id: item.published_item_id,
                                error: error.clone(),
                            }),
                        }
                    }
                }
            }
            Ok(outcome)
        })
    }
}

/// A public username as Telegram allows it (letters, digits, `_`), or `None`.
fn channel_name(name: &str) -> Option<String> {
    let valid = (1..=64).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    valid.then(|| name.to_owned())
}

/// A post's raw counters: `views` (and `reactions` per emoji when shown), with what the page
/// showed.
fn counters(post: &PreviewPost) -> Result<Value, String> {
    let label = format!("{}/{}", post.channel, post.message_id);
    let Some(shown) = &post.views_text else {
        return Err(format!(
            "post {label} shows no view count on the preview: {PUSH_INSTEAD}"
        ));
    };
    let views = telegram_preview::parse_count(shown)
        .ok_or_else(|| format!("post {label}: unreadable view count {shown:?} on the preview"))?;
    let mut raw = Map::new();
    raw.insert("views".into(), json!(views));
    if !post.reactions.is_empty() {
        raw.insert("reactions".into(), json!(post.reactions));
    }
    raw.insert("views_shown".into(), json!(shown));
    raw.insert("channel".into(), json!(post.channel));
    raw.insert("message_id".into(), json!(post.message_id));
    raw.insert("source".into(), json!("t.me public preview"));
    Ok(Value::Object(raw))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;
    use uuid::Uuid;

    use super::*;

    fn fetcher(config: Value) -> TelegramFetcher {
        TelegramFetcher::new(FetcherSettings {
            http: crate::tls::http_client(),
            base_url: None,
            credential: None,
            config,
        })
        .unwrap()
    }

    fn item(id: Option<&str>, url: Option<&str>) -> ItemToMeasure {
        ItemToMeasure {
            published_item_id: Uuid::nil(),
            channel_item_id: id.map(str::to_owned),
            channel_url: url.map(str::to_owned),
            published_at: Utc::now(),
        }
    }

    #[test]
    fn posts_are_named_by_id_and_config_or_by_link() {
        let named = fetcher(json!({"channel_username": "@News_Room"}));
        assert_eq!(
            named.post_of(&item(Some("12"), None)),
            Ok(("News_Room".into(), 12))
        );
        assert_eq!(
            named.post_of(&item(Some("other/5"), None)),
            Ok(("other".into(), 5))
        );
        let bare = fetcher(json!({}));
        assert_eq!(
            bare.post_of(&item(None, Some("https://t.me/durov/42"))),
            Ok(("durov".into(), 42))
        );
        assert_eq!(
            bare.post_of(&item(Some("42"), Some("https://t.me/s/durov/42?single"))),
            Ok(("durov".into(), 42))
        );
        let no_channel = bare.post_of(&item(Some("42"), None)).unwrap_err();
        assert!(no_channel.contains("channel_username"), "{no_channel}");
        let private = bare
            .post_of(&item(None, Some("https://t.me/c/1234/5")))
            .unwrap_err();
        assert!(
            private.contains("/api/publisher/metrics/ingest"),
            "{private}"
        );
        for link in [
            "https://example.com/durov/1",
            "https://t.me/durov",
            "https://t.me/a/b/c",
            "t.me/x/1",
            "https://t.me/bad-name/1",
        ] {
            assert!(bare.post_of(&item(None, Some(link))).is_err(), "{link}");
        }
    }

    #[test]
    fn the_config_and_base_are_checked() {
        let settings = |config: Value, base: Option<&str>| FetcherSettings {
            http: crate::tls::http_client(),
            base_url: base.map(str::to_owned),
            credential: None,
            config,
        };
        assert!(TelegramFetcher::new(settings(json!({"channel_username": 5}), None)).is_err());
        assert!(TelegramFetcher::new(settings(json!({"channel_username": "a/b"}), None)).is_err());
        assert!(TelegramFetcher::new(settings(json!({}), Some("file:///x"))).is_err());
        let proxied =
            TelegramFetcher::new(settings(Value::Null, Some("http://127.0.0.1:9/tg/"))).unwrap();
        assert_eq!(proxied.base, "http://127.0.0.1:9/tg");
        assert_eq!(proxied.preview_prefix, "/tg/s/");
        assert_eq!(fetcher(Value::Null).preview_prefix, "/s/");
    }

    #[test]
    fn counters_from_a_post() {
        let mut post = PreviewPost {
            channel: "durov".into(),
            message_id: 7,
            views_text: Some("1.2K".into()),
            reactions: BTreeMap::from([("👍".to_owned(), 3)]),
        };
        let raw = counters(&post).unwrap();
        assert_eq!(raw["views"], 1200);
        assert_eq!(raw["reactions"], json!({"👍": 3}));
        assert_eq!(raw["views_shown"], "1.2K");
        post.views_text = Some("many".into());
        assert!(counters(&post).unwrap_err().contains("many"));
        post.views_text = None;
        assert!(counters(&post).unwrap_err().contains("no view count"));
    }
}
