//! A parser for a Telegram channel's public web preview (`https://t.me/s/<channel>`): the
//! posts on the page, each with its id and the counters the page shows.
//!
//! Hand-written over the page's stable markers rather than a full HTML parser: each post is a
//! `tgme_widget_message` block carrying `data-post="<channel>/<id>"`; its views are the text of
//! `tgme_widget_message_views` (`987`, `1.2K`, `3.4M`), its reactions the `tgme_reaction`
//! spans (an emoji, then a count). Odd or cut-off HTML yields fewer posts or missing counters,
//! never a panic.

use std::collections::BTreeMap;

/// The marker of a preview page (present even when the channel has no posts).
pub const HISTORY_MARKER: &str = "tgme_channel_history";

/// One post as the preview shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewPost {
    /// The channel as `data-post` names it.
    pub channel: String,
    pub message_id: u64,
    /// The views text as shown (`1.2K`), when the post shows one.
    pub views_text: Option<String>,
    /// Reactions per emoji (the emoji, or `paid` / `custom` when it is not plain text).
    pub reactions: BTreeMap<String, u64>,
}

/// Whether `html` is a channel preview page at all (a channel page without a public preview,
/// a login wall or an error page is not).
pub fn is_preview_page(html: &str) -> bool {
    html.contains(HISTORY_MARKER)
}

/// The posts on a preview page, in page order. Blocks whose `data-post` is not
/// `<channel>/<number>` are skipped.
pub fn posts(html: &str) -> Vec<PreviewPost> {
    const POST_ATTR: &str = "data-post=\"";
    let starts: Vec<usize> = html.match_indices(POST_ATTR).map(|(at, _)| at).collect();
    let mut posts = Vec::new();
    for (n, start) in starts.iter().enumerate() {
        let end = starts.get(n + 1).copied().unwrap_or(html.len());
        let block = &html[*start..end];
        let value = &block[POST_ATTR.len()..];
        let Some(close) = value.find('"') else {
            continue;
        };
        let Some((channel, id)) = value[..close].rsplit_once('/') else {
            continue;
        };
        let Ok(message_id) = id.parse::<u64>() else {
            continue;
        };
        if channel.is_empty() {
            continue;
        }
        posts.push(PreviewPost {
            channel: channel.to_owned(),
            message_id,
            views_text: element_text(block, "tgme_widget_message_views")
                .map(|text| text.trim().to_owned())
                .filter(|text| !text.is_empty()),
            reactions: reactions(block),
        });
    }
    posts
}

/// A count as the preview writes it: `987`, `1,234`, `1.2K`, `12K`, `3.4M`, `1B` (a `K`/`M`
/// figure is rounded by Telegram: `1.2K` is read as 1,200). `None` for anything else.
pub fn parse_count(text: &str) -> Option<u64> {
    let text = text.trim();
    let (number, multiplier) = match text.char_indices().last()? {
        (at, 'K' | 'k') => (&text[..at], 1_000u64),
        (at, 'M' | 'm') => (&text[..at], 1_000_000),
        (at, 'B' | 'b') => (&text[..at], 1_000_000_000),
        _ => (text, 1),
    };
    let number: String = number.trim().chars().filter(|c| *c != ',').collect();
    let (whole, fraction) = number.split_once('.').unwrap_or((&number, ""));
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(fraction.is_empty() || digits(fraction)) {
        return None;
    }
    // Exact integer arithmetic: 1.25K is 1,250, never 1,249.99.
    let scale = 10u64.checked_pow(u32::try_from(fraction.len()).ok()?)?;
    let fraction_value: u64 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    if multiplier == 1 && !fraction.is_empty() {
        return None;
    }
    let whole_value: u64 = whole.parse().ok()?;
    whole_value
        .checked_mul(multiplier)?
        .checked_add(fraction_value.checked_mul(multiplier)? / scale)
}

/// The text (tags stripped) of the first element whose class list holds `class`, up to its
/// first closing tag.
fn element_text<'a>(block: &'a str, class: &str) -> Option<&'a str> {
    let at = find_class(block, class)?;
    let rest = &block[at..];
    let open_end = rest.find('>')? + 1;
    let rest = &rest[open_end..];
    let end = rest.find('<').unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Where an element with `class` among its classes starts its class list (`class` followed by
/// a quote or a space, so `_views` does not match `_views_count`).
fn find_class(block: &str, class: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(found) = block[from..].find(class) {
        let at = from + found;
        let after = block[at + class.len()..].chars().next();
        let before = block[..at].chars().next_back();
        if matches!(after, Some('"' | ' ' | '\'')) && matches!(before, Some('"' | ' ' | '\'')) {
            return Some(at);
        }
        from = at + class.len();
    }
    None
}

/// Reactions of one post: each `tgme_reaction` span is an emoji (plain text, an `<i
/// class="emoji">` with its text, or a custom emoji without text) followed by its count.
fn reactions(block: &str) -> BTreeMap<String, u64> {
    let mut found = BTreeMap::new();
    let mut rest = block;
    while let Some(at) = find_class(rest, "tgme_reaction") {
        let span = &rest[at..];
        let body_start = span.find('>').map_or(span.len(), |end| end + 1);
        let body_end = span.find("</span>").unwrap_or(span.len()).max(body_start);
        let inner = &span[body_start..body_end];
        let text = strip_tags(inner);
        let paid = span[..body_start].contains("tgme_reaction_paid");
        let count_len = text
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | 'K' | 'M' | 'B'))
            .map(char::len_utf8)
            .sum::<usize>();
        let (emoji, count) = text.split_at(text.len() - count_len);
        if let Some(count) = parse_count(count) {
            let emoji = emoji.trim();
            let key = if paid {
                "paid".to_owned()
            } else if emoji.is_empty() {
                "custom".to_owned()
            } else {
                emoji.to_owned()
            };
            *found.entry(key).or_insert(0) += count;
        }
        rest = &span[body_end.min(span.len())..];
        if rest.len() == span.len() {
            break;
        }
    }
    found
}

/// `inner` without its tags.
fn strip_tags(inner: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in inner.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two posts as t.me writes them (trimmed), the second with reactions.
    const PAGE: &str = r#"<section class="tgme_channel_history js-message_history">
<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="durov/41" data-view="x">
<div class="tgme_widget_message_text js-message_text" dir="auto">Hello</div>
<div class="tgme_widget_message_footer compact js-message_footer"><div class="tgme_widget_message_info short js-message_info"><span class="tgme_widget_message_views">1.2K</span><span class="copyonly"> views</span><span class="tgme_widget_message_meta"><a class="tgme_widget_message_date" href="https://t.me/durov/41"><time datetime="2024-05-01T10:00:00+00:00" class="time">10:00</time></a></span></div></div>
</div></div>
<div class="tgme_widget_message_wrap js-widget_message_wrap"><div class="tgme_widget_message js-widget_message" data-post="durov/42">
<div class="tgme_widget_message_reactions js-message_reactions"><span class="tgme_reaction"><i class="emoji" style="background-image:url('x')"><b>👍</b></i>3.4K</span><span class="tgme_reaction">❤️12</span><span class="tgme_reaction tgme_reaction_paid"><i class="emoji"></i>7</span></div>
<span class="tgme_widget_message_views">3.4M</span>
</div></div>
</section>"#;

    #[test]
    fn posts_with_views_and_reactions() {
        assert!(is_preview_page(PAGE));
        let posts = posts(PAGE);
        assert_eq!(posts.len(), 2);
        assert_eq!(posts[0].channel, "durov");
        assert_eq!(posts[0].message_id, 41);
        assert_eq!(posts[0].views_text.as_deref(), Some("1.2K"));
        assert!(posts[0].reactions.is_empty());
        assert_eq!(posts[1].message_id, 42);
        assert_eq!(posts[1].views_text.as_deref(), Some("3.4M"));
        let reactions: Vec<(&str, u64)> = posts[1]
            .reactions
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(reactions, vec![("paid", 7), ("❤️", 12), ("👍", 3400)]);
    }

    #[test]
    fn counts_as_telegram_writes_them() {
        assert_eq!(parse_count("987"), Some(987));
        assert_eq!(parse_count("0"), Some(0));
        assert_eq!(parse_count("1,234"), Some(1234));
        assert_eq!(parse_count("1.2K"), Some(1200));
        assert_eq!(parse_count(" 12K "), Some(12_000));
        assert_eq!(parse_count("1.25K"), Some(1250));
        assert_eq!(parse_count("3.4M"), Some(3_400_000));
        assert_eq!(parse_count("1B"), Some(1_000_000_000));
        for bad in ["", "K", "1.2", ".5K", "1..2K", "-3", "lots", "1.2X", "١٢"] {
            assert_eq!(parse_count(bad), None, "{bad:?}");
        }
        assert_eq!(
            parse_count("99999999999999999999M"),
            None,
            "overflow is no count"
        );
    }

    #[test]
    fn odd_html_never_panics() {
        for html in [
            "",
            "data-post=\"",
            "data-post=\"durov/",
            "data-post=\"durov/12",
            "data-post=\"/12\"",
            "data-post=\"durov/x\" data-post=\"durov/9\"><span class=\"tgme_widget_message_views\">",
            "<span class=\"tgme_reaction\">",
            "data-post=\"a/1\"><span class=\"tgme_reaction\">👍",
            "data-post=\"a/1\"><span class=\"tgme_reaction\"></span><span class=\"tgme_reaction\">5</span>",
            "data-post=\"é/1\"><span class=\"tgme_widget_message_views\">ü",
        ] {
            let _ = posts(html);
        }
        let posts = posts(
            "data-post=\"durov/x\" data-post=\"durov/9\"><span class=\"tgme_widget_message_views\">5",
        );
        assert_eq!(posts.len(), 1);
        assert_eq!(posts[0].message_id, 9);
        assert_eq!(posts[0].views_text.as_deref(), Some("5"));
    }

    #[test]
    fn a_similar_class_is_not_the_views() {
        let html = r#"data-post="a/1"><span class="tgme_widget_message_views_extra">9</span>"#;
        assert_eq!(posts(html)[0].views_text, None);
    }
}
