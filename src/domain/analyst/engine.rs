//! Answers: one function per intent, each from the [`Aggregates`] alone. Numbers in the text
//! are the aggregates' (engagement rates with four decimals, as stored); citations are the
//! aggregates' items unchanged; actions are derived from the same numbers.

use serde::Serialize;

use super::aggregates::{Aggregates, Bucket, CitedItem};
use super::confidence::{confidence, list_confidence};
use super::question::{CAN_ANSWER, Intent};

/// How many items an answer cites at most.
const MAX_CITATIONS: usize = 5;
/// A change smaller than this (relative) is "steady".
const STEADY: f64 = 0.1;
const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Answer {
    /// What the question was taken to ask; `None`: not a question the engine answers.
    pub understood_as: Option<Intent>,
    pub answer: String,
    pub citations: Vec<CitedItem>,
    pub suggested_actions: Vec<String>,
    /// 0.0..=1.0, by the formula of the module doc.
    pub confidence: f64,
}

/// The answer to `intent` (from [`super::recognize`]) over `data`.
pub fn answer(intent: Option<Intent>, data: &Aggregates) -> Answer {
    let Some(intent) = intent else {
        return cannot_answer();
    };
    let mut answer = match intent {
        Intent::BestChannel => channel(data, true),
        Intent::WorstChannel => channel(data, false),
        Intent::BestHour => timing(data, &data.by_hour, true),
        Intent::BestWeekday => timing(data, &data.by_weekday, false),
        Intent::TopPosts => posts(data, true),
        Intent::UnderperformingPosts => posts(data, false),
        Intent::Trend => trend(data),
        Intent::FailedRuns => failures(data),
        Intent::MissingMetrics => missing(data),
    };
    answer.understood_as = Some(intent);
    answer
}

fn reply(text: String, citations: Vec<CitedItem>, actions: Vec<String>, conf: f64) -> Answer {
    Answer {
        understood_as: None,
        answer: text,
        citations,
        suggested_actions: actions,
        confidence: conf,
    }
}

/// The honest answer to a question outside [`CAN_ANSWER`].
fn cannot_answer() -> Answer {
    let list: Vec<&str> = CAN_ANSWER.iter().map(|(_, example)| *example).collect();
    reply(
        format!(
            "I can only answer questions about the dashboard's own data, and I did not \
             recognize this one. I can answer: {}.",
            list.join("; ")
        ),
        Vec::new(),
        vec!["Ask one of the questions listed in the answer.".to_string()],
        0.0,
    )
}

fn rate(x: f64) -> String {
    format!("{x:.4}")
}

/// `(a - b) / b` as a whole percentage ("+35%").
fn percent_change(from: f64, to: f64) -> String {
    if from == 0.0 {
        return "n/a".to_string();
    }
    format!("{:+.0}%", (to - from) / from * 100.0)
}

fn no_rated_data() -> Answer {
    reply(
        "There are no measurements with an engagement rate in this range, so there is \
         nothing to compare."
            .to_string(),
        Vec::new(),
        vec!["Check that ingestion jobs are enabled and succeeding for your channels.".to_string()],
        0.0,
    )
}

fn channel(data: &Aggregates, best: bool) -> Answer {
    let mut ranked: Vec<_> = data
        .channels
        .iter()
        .filter_map(|c| c.avg_engagement.map(|avg| (c, avg)))
        .filter(|(c, _)| c.rated > 0)
        .collect();
    ranked.sort_by(|(a, x), (b, y)| y.total_cmp(x).then(a.channel.cmp(&b.channel)));
    if !best {
        ranked.reverse();
    }
    let Some(&(first, first_avg)) = ranked.first() else {
        return no_rated_data();
    };
    let cited = |from: &[CitedItem]| -> Vec<CitedItem> {
        from.iter()
            .filter(|i| i.channel == first.channel)
            .take(3)
            .cloned()
            .collect()
    };
    let citations = if best {
        cited(&data.top_items)
    } else {
        cited(&data.bottom_items)
    };
    let Some(&(second, second_avg)) = ranked.get(1) else {
        return reply(
            format!(
                "Only {} has rated measurements in this range (average engagement rate {} over \
                 {} measurements); there is no other channel to compare it with.",
                first.channel,
                rate(first_avg),
                first.rated
            ),
            citations,
            vec!["Measure the other channels you publish on before comparing them.".to_string()],
            0.0,
        );
    };
    let all: Vec<String> = ranked
        .iter()
        .map(|(c, avg)| format!("{} {} ({} measurements)", c.channel, rate(*avg), c.rated))
        .collect();
    let n = first.rated.min(second.rated);
    let conf = confidence(n, first_avg.max(second_avg), first_avg.min(second_avg));
    let text = if best {
        format!(
            "{} works best: average engagement rate {} over {} measurements, {} against {}, \
             the next best ({}). All channels: {}.",
            first.channel,
            rate(first_avg),
            first.rated,
            percent_change(second_avg, first_avg),
            second.channel,
            rate(second_avg),
            all.join(", ")
        )
    } else {
        format!(
            "{} performs worst: average engagement rate {} over {} measurements, {} against {}, \
             the next weakest ({}). All channels: {}.",
            first.channel,
            rate(first_avg),
            first.rated,
            percent_change(second_avg, first_avg),
            second.channel,
            rate(second_avg),
            all.join(", ")
        )
    };
    let mut actions = Vec::new();
    if n < 20 {
        actions.push(format!(
            "Collect more measurements before acting: the comparison rests on {n} measurements \
             of the smaller channel."
        ));
    }
    if best {
        actions.push(format!(
            "Give {} a larger share of new posts, and reuse the formats of its top posts.",
            first.channel
        ));
    } else {
        actions.push(format!(
            "Review what is posted on {}: compare its weakest posts with the top posts of {}.",
            first.channel,
            ranked[ranked.len() - 1].0.channel
        ));
    }
    reply(text, citations, actions, conf)
}

fn timing(data: &Aggregates, buckets: &[Bucket], hours: bool) -> Answer {
    let name = |key: u32| -> String {
        if hours {
            format!("{key:02}:00-{key:02}:59 UTC")
        } else {
            WEEKDAYS
                .get(key as usize)
                .map_or_else(|| format!("day {key}"), |d| (*d).to_string())
        }
    };
    let mut ranked: Vec<&Bucket> = buckets.iter().filter(|b| b.items > 0).collect();
    ranked.sort_by(|a, b| {
        b.avg_engagement
            .total_cmp(&a.avg_engagement)
            .then(a.key.cmp(&b.key))
    });
    let Some(best) = ranked.first() else {
        return no_rated_data();
    };
    let others_items: u64 = ranked[1..].iter().map(|b| b.items).sum();
    if others_items == 0 {
        return reply(
            format!(
                "All {} rated posts in this range were published in one slot ({}); there is \
                 nothing to compare it with.",
                best.items,
                name(best.key)
            ),
            Vec::new(),
            vec!["Publish at other times too, so the times can be compared.".to_string()],
            0.0,
        );
    }
    let others_avg = ranked[1..]
        .iter()
        .map(|b| b.avg_engagement * b.items as f64)
        .sum::<f64>()
        / others_items as f64;
    let worst = ranked[ranked.len() - 1];
    let what = if hours { "hour" } else { "weekday" };
    let text = format!(
        "The best {what} to post is {}: average engagement rate {} over {} posts, {} against \
         the other {what}s together ({} over {} posts). The weakest is {} ({} over {} posts). \
         Computed over the latest measurement of {} posts, by publication time.",
        name(best.key),
        rate(best.avg_engagement),
        best.items,
        percent_change(others_avg, best.avg_engagement),
        rate(others_avg),
        others_items,
        name(worst.key),
        rate(worst.avg_engagement),
        worst.items,
        data.items_sampled
    );
    let conf = confidence(
        best.items.min(others_items),
        best.avg_engagement.max(others_avg),
        best.avg_engagement.min(others_avg),
    );
    let citations: Vec<CitedItem> = data
        .top_items
        .iter()
        .filter(|item| {
            let at = item.published_at;
            let key = if hours {
                chrono::Timelike::hour(&at)
            } else {
                chrono::Datelike::weekday(&at).num_days_from_monday()
            };
            key == best.key
        })
        .take(3)
        .cloned()
        .collect();
    let mut actions = vec![format!(
        "Schedule the next posts for {} rather than {}.",
        name(best.key),
        name(worst.key)
    )];
    if best.items < 20 {
        actions.push(format!(
            "Treat this as a hint: {} has only {} posts.",
            name(best.key),
            best.items
        ));
    }
    reply(text, citations, actions, conf)
}

fn posts(data: &Aggregates, top: bool) -> Answer {
    let mut items: Vec<CitedItem> = if top {
        data.top_items.clone()
    } else {
        data.bottom_items.clone()
    };
    items.retain(|i| i.engagement().is_some());
    items.sort_by(|a, b| {
        let (x, y) = (
            a.engagement().unwrap_or_default(),
            b.engagement().unwrap_or_default(),
        );
        let order = if top {
            y.total_cmp(&x)
        } else {
            x.total_cmp(&y)
        };
        order.then(b.published_at.cmp(&a.published_at))
    });
    items.truncate(MAX_CITATIONS);
    if items.is_empty() {
        return no_rated_data();
    }
    let lines: Vec<String> = items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            format!(
                "{}. {} on {} (published {}): engagement rate {}",
                i + 1,
                item.published_item_id,
                item.channel,
                item.published_at.format("%Y-%m-%d %H:%M UTC"),
                rate(item.engagement().unwrap_or_default())
            )
        })
        .collect();
    let (title, action) = if top {
        (
            "Top posts by engagement rate",
            format!(
                "Reuse the topic and format of the best post on {} ({}).",
                items[0].channel, items[0].published_item_id
            ),
        )
    } else {
        (
            "Underperforming posts (lowest engagement rate)",
            format!(
                "Review the {} posts listed: compare them with the top posts of the same channel \
                 before planning similar ones.",
                items.len()
            ),
        )
    };
    let text = format!(
        "{title}, among {} measured posts: {}.",
        data.items_sampled,
        lines.join("; ")
    );
    let conf = list_confidence(data.items_sampled);
    reply(text, items, vec![action], conf)
}

fn trend(data: &Aggregates) -> Answer {
    let (cur, prev) = (&data.current, &data.previous);
    let (Some(now), Some(before)) = (cur.avg_engagement, prev.avg_engagement) else {
        return reply(
            format!(
                "There is not enough to compare: {} rated measurements in this range and {} in \
                 the period before it.",
                cur.rated, prev.rated
            ),
            Vec::new(),
            vec!["Compare again once both periods have measurements.".to_string()],
            0.0,
        );
    };
    let change = if before == 0.0 {
        0.0
    } else {
        (now - before) / before
    };
    let direction = if change >= STEADY {
        "up"
    } else if change <= -STEADY {
        "down"
    } else {
        "steady"
    };
    let text = format!(
        "Engagement is {direction}: average engagement rate {} over {} measurements in this \
         range against {} over {} in the previous period of the same length ({}). Views: {} \
         against {}.",
        rate(now),
        cur.rated,
        rate(before),
        prev.rated,
        percent_change(before, now),
        cur.views,
        prev.views
    );
    let action = match direction {
        "up" => "Keep the current mix: look at this period's top posts to see what lifted it.",
        "down" => {
            "Compare this period's underperforming posts with the previous period's top posts \
             to find what changed."
        }
        _ => "No change worth acting on; look at channels or posting times for gains.",
    };
    let conf = confidence(cur.rated.min(prev.rated), now.max(before), now.min(before));
    reply(text, Vec::new(), vec![action.to_string()], conf)
}

fn failures(data: &Aggregates) -> Answer {
    if data.runs_failed == 0 || data.failures.is_empty() {
        return reply(
            format!(
                "No run failed in this range ({} runs started).",
                data.runs_total
            ),
            Vec::new(),
            Vec::new(),
            1.0,
        );
    }
    let label = |error: &Option<String>| -> String {
        error
            .as_deref()
            .map_or_else(|| "no error given".to_string(), |e| format!("\"{e}\""))
    };
    let groups: Vec<String> = data
        .failures
        .iter()
        .map(|g| {
            format!(
                "{} ({} runs, {} failed items)",
                label(&g.error),
                g.runs,
                g.items
            )
        })
        .collect();
    // Grouping every failed run of a long range costs seconds at scale; the newest ones say
    // what is failing now, and the answer says when it read only those.
    let among = if data.failed_runs_grouped < data.runs_failed {
        format!(" among the newest {}", data.failed_runs_grouped)
    } else {
        String::new()
    };
    let text = format!(
        "{} of {} runs in this range failed or partly failed. By error, most frequent first{}: \
         {}.",
        data.runs_failed,
        data.runs_total,
        among,
        groups.join("; ")
    );
    let actions = data
        .failures
        .iter()
        .take(3)
        .map(|g| match &g.error {
            Some(error) => format!("Fix \"{error}\": it affected {} runs.", g.runs),
            None => format!(
                "{} runs failed without an error message: check their n8n executions.",
                g.runs
            ),
        })
        .collect();
    reply(text, Vec::new(), actions, 1.0)
}

fn missing(data: &Aggregates) -> Answer {
    if data.missing_total == 0 {
        return reply(
            "Every item published in this range has metrics.".to_string(),
            Vec::new(),
            Vec::new(),
            1.0,
        );
    }
    let citations: Vec<CitedItem> = data
        .missing
        .iter()
        .take(MAX_CITATIONS)
        .map(|m| CitedItem {
            published_item_id: m.published_item_id,
            channel: m.channel.clone().unwrap_or_default(),
            published_at: m.published_at,
            metrics: serde_json::Map::new(),
        })
        .collect();
    let mut channels: Vec<&str> = citations.iter().map(|c| c.channel.as_str()).collect();
    channels.sort_unstable();
    channels.dedup();
    let text = format!(
        "{} items published in this range have no metrics yet; the newest are listed (channels: \
         {}).",
        data.missing_total,
        channels.join(", ")
    );
    let actions = vec![format!(
        "Check the ingestion jobs for {}: run them now, or push metrics through the ingest route.",
        channels.join(", ")
    )];
    reply(text, citations, actions, 1.0)
}

#[cfg(test)]
mod tests;
