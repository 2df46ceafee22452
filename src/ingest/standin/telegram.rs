//! A local stand-in for Telegram's public channel previews (`GET /s/<channel>?before=<id>`),
//! answering with the page t.me serves: a `tgme_channel_history` section of
//! `tgme_widget_message` blocks (`data-post="<channel>/<id>"`, views as `987` / `1.2K` /
//! `3.4M`, a reaction), the 20 posts before `before`, oldest first. A channel it does not
//! know is answered as t.me answers a private or missing one: a redirect to its plain page
//! `/<channel>`, which has no posts.
//!
//! Views are deterministic per post and grow with the time since the stand-in started
//! ([`post_views`]); a channel may pin the text a post shows ([`StandInChannel::views_shown`]).
//! Knobs ([`TelegramKnobs`]) inject 429s with `Retry-After` and pages that are not previews.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

use super::{Server, lock};

/// Posts on one preview page, as on t.me.
pub const PAGE_SIZE: u64 = 20;

/// A public channel the stand-in serves: posts `1..=last_post` but the deleted ones.
#[derive(Debug, Clone, Default)]
pub struct StandInChannel {
    pub username: String,
    pub last_post: u64,
    pub deleted: HashSet<u64>,
    /// The views text a post shows instead of its counter (e.g. `"1.2K"`, or a broken one).
    pub views_shown: HashMap<u64, String>,
}

impl StandInChannel {
    pub fn new(username: &str, last_post: u64) -> Self {
        Self {
            username: username.to_owned(),
            last_post,
            ..Self::default()
        }
    }
}

/// The channels and the errors to inject, changeable while it runs.
#[derive(Debug, Clone, Default)]
pub struct TelegramKnobs {
    pub channels: Vec<StandInChannel>,
    /// The next this many page requests answer 429.
    pub rate_limited: u32,
    /// The `Retry-After` of those 429s, in seconds (`None`: no header).
    pub retry_after_secs: Option<u64>,
    /// Preview pages answer 200 with a page that is not a preview.
    pub malformed: bool,
}

/// A post's views at `elapsed` since the stand-in started: per post, some in the hundreds,
/// some in the thousands, some in the millions, each growing by a per-post rate per second.
pub fn post_views(channel: &str, message_id: u64, elapsed: Duration) -> u64 {
    let seed = fnv1a(format!("{}/{message_id}", channel.to_ascii_lowercase()).as_bytes());
    let base = match seed % 3 {
        0 => 100 + seed % 800,
        1 => 2_000 + seed % 900_000,
        _ => 1_500_000 + seed % 5_000_000,
    };
    base + elapsed.as_secs() * (1 + seed % 5)
}

/// A count as t.me shows it: `987`, `1.2K`, `12.3K`, `3.4M` (truncated to one decimal).
pub fn shown_count(count: u64) -> String {
    let scaled = |unit: u64, suffix: &str| {
        let tenths = count / (unit / 10);
        if tenths.is_multiple_of(10) {
            format!("{}{suffix}", tenths / 10)
        } else {
            format!("{}.{}{suffix}", tenths / 10, tenths % 10)
        }
    };
    match count {
        0..1_000 => count.to_string(),
        1_000..1_000_000 => scaled(1_000, "K"),
        _ => scaled(1_000_000, "M"),
    }
}

/// The running stand-in; dropping it stops the server.
pub struct TelegramStandIn {
    server: Server,
    shared: Arc<Shared>,
}

/// A preview page request: the channel and its `before`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub channel: String,
    pub before: Option<u64>,
}

struct Shared {
    started: Instant,
    knobs: Mutex<TelegramKnobs>,
    pages: Mutex<Vec<PageRequest>>,
}

/// Starts the stand-in on 127.0.0.1 (a free port).
pub async fn start(knobs: TelegramKnobs) -> io::Result<TelegramStandIn> {
    let shared = Arc::new(Shared {
        started: Instant::now(),
        knobs: Mutex::new(knobs),
        pages: Mutex::new(Vec::new()),
    });
    let app = Router::new()
        .route("/s/{channel}", get(preview))
        .route("/{channel}", get(plain_page))
        .with_state(Arc::clone(&shared));
    let server = Server::start(app).await?;
    Ok(TelegramStandIn { server, shared })
}

impl TelegramStandIn {
    /// `http://ADDR`, the `base_url` for the fetcher.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    pub fn set_knobs(&self, knobs: TelegramKnobs) {
        *lock(&self.shared.knobs) = knobs;
    }

    /// The preview pages requested so far, in order.
    pub fn pages(&self) -> Vec<PageRequest> {
        lock(&self.shared.pages).clone()
    }

    /// Time since the stand-in started (the views' clock).
    pub fn elapsed(&self) -> Duration {
        self.shared.started.elapsed()
    }
}

#[derive(Deserialize)]
struct Before {
    before: Option<u64>,
}

async fn preview(
    State(shared): State<Arc<Shared>>,
    Path(channel): Path<String>,
    Query(query): Query<Before>,
) -> Response {
    lock(&shared.pages).push(PageRequest {
        channel: channel.clone(),
        before: query.before,
    });
    let knobs = {
        let mut knobs = lock(&shared.knobs);
        let now = knobs.clone();
        knobs.rate_limited = knobs.rate_limited.saturating_sub(1);
        now
    };
    if knobs.rate_limited > 0 {
        let mut response = (StatusCode::TOO_MANY_REQUESTS, "Too Many Requests").into_response();
        if let Some(seconds) = knobs.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        return response;
    }
    if knobs.malformed {
        return Html("<html><body>Please wait while we check your browser</body></html>")
            .into_response();
    }
    let Some(found) = knobs
        .channels
        .iter()
        .find(|known| known.username.eq_ignore_ascii_case(&channel))
    else {
        return Redirect::to(&format!("/{channel}")).into_response();
    };
    let before = query
        .before
        .unwrap_or(u64::MAX)
        .min(found.last_post.saturating_add(1));
    let first = before.saturating_sub(PAGE_SIZE).max(1);
    let mut html = String::from(
        "<!DOCTYPE html><html><head><title>Telegram</title></head><body>\
         <main class=\"tgme_main\"><section class=\"tgme_channel_history js-message_history\">\n",
    );
    let elapsed = shared.started.elapsed();
    for id in (first..before).filter(|id| !found.deleted.contains(id)) {
        let views = found
            .views_shown
            .get(&id)
            .cloned()
            .unwrap_or_else(|| shown_count(post_views(&found.username, id, elapsed)));
        let likes = shown_count(post_views(&found.username, id, elapsed) / 50);
        let _ = writeln!(
            html,
            "<div class=\"tgme_widget_message_wrap js-widget_message_wrap\">\
             <div class=\"tgme_widget_message text_not_supported_wrap js-widget_message\" \
             data-post=\"{channel}/{id}\" data-view=\"stand-in\">\
             <div class=\"tgme_widget_message_text js-message_text\" dir=\"auto\">Post {id}</div>\
             <div class=\"tgme_widget_message_reactions js-message_reactions\">\
             <span class=\"tgme_reaction\"><i class=\"emoji\"><b>👍</b></i>{likes}</span></div>\
             <div class=\"tgme_widget_message_footer compact js-message_footer\">\
             <div class=\"tgme_widget_message_info short js-message_info\">\
             <span class=\"tgme_widget_message_views\">{views}</span>\
             <span class=\"copyonly\"> views</span></div></div></div></div>",
            channel = found.username,
        );
    }
    html.push_str("</section></main></body></html>");
    Html(html).into_response()
}

/// A channel's plain page (where t.me sends a channel without a public preview): no posts.
async fn plain_page(Path(channel): Path<String>) -> Html<String> {
    Html(format!(
        "<!DOCTYPE html><html><body><div class=\"tgme_page\">\
         <div class=\"tgme_page_title\">@{channel}</div>\
         <div class=\"tgme_page_description\">If you have Telegram, you can contact @{channel} \
         right away.</div></div></body></html>",
        channel = channel.replace(['<', '>', '"', '&'], "")
    ))
}

/// FNV-1a: a stable hash (std's is seeded per process).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::telegram_preview::parse_count;

    #[test]
    fn counts_are_shown_as_telegram_shows_them_and_read_back() {
        assert_eq!(shown_count(987), "987");
        assert_eq!(shown_count(1_000), "1K");
        assert_eq!(shown_count(1_299), "1.2K");
        assert_eq!(shown_count(12_345), "12.3K");
        assert_eq!(shown_count(3_456_789), "3.4M");
        for count in [0, 999, 1_234, 999_999, 3_456_789, 12_000_000] {
            let read = parse_count(&shown_count(count)).unwrap();
            assert!(
                read <= count && count - read < count / 10 + 1,
                "{count} -> {read}"
            );
        }
    }

    #[test]
    fn views_are_stable_per_post_and_grow() {
        let start = post_views("news", 3, Duration::ZERO);
        assert_eq!(start, post_views("NEWS", 3, Duration::ZERO));
        assert!(post_views("news", 3, Duration::from_secs(10)) > start);
        let sizes: HashSet<usize> = (1..60)
            .map(|id| shown_count(post_views("news", id, Duration::ZERO)).len())
            .collect();
        assert!(sizes.len() > 1, "posts of several magnitudes");
    }
}
