//! What a question asks: lowercase words matched against the phrasings operators use ("which
//! channel works best", "best time to post", "why did runs fail", ...). Tolerant on purpose:
//! punctuation and case are ignored, and the most specific topic wins (a question about
//! failures that mentions a channel is about failures).

use serde::Serialize;

/// The questions the engine can answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    BestChannel,
    WorstChannel,
    BestHour,
    BestWeekday,
    TopPosts,
    UnderperformingPosts,
    Trend,
    FailedRuns,
    MissingMetrics,
}

/// Every intent with an example question, for the honest "I cannot answer that" (in order).
pub const CAN_ANSWER: [(Intent, &str); 9] = [
    (Intent::BestChannel, "which channel works best"),
    (Intent::WorstChannel, "which channel is worst"),
    (Intent::BestHour, "best time to post"),
    (Intent::BestWeekday, "best weekday to post"),
    (Intent::TopPosts, "top posts"),
    (Intent::UnderperformingPosts, "underperforming posts"),
    (Intent::Trend, "trend compared to the previous period"),
    (Intent::FailedRuns, "why did runs fail"),
    (Intent::MissingMetrics, "what lacks metrics"),
];

/// What the store must fetch for an intent (nothing else is read).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// Per-channel totals over the range.
    pub channels: bool,
    /// Engagement per hour of day and weekday of publication.
    pub timing: bool,
    /// The best and worst items per channel, with their latest stored metrics.
    pub items: bool,
    /// Totals of the range and of the period before it.
    pub periods: bool,
    /// Failed and partial runs grouped by error.
    pub failures: bool,
    /// Published items without metrics.
    pub missing: bool,
}

impl Intent {
    pub fn needs(self) -> Needs {
        let none = Needs::default();
        match self {
            Intent::BestChannel | Intent::WorstChannel => Needs {
                channels: true,
                items: true,
                ..none
            },
            // The items: the top posts of the best slot are its citations.
            Intent::BestHour | Intent::BestWeekday => Needs {
                timing: true,
                items: true,
                ..none
            },
            Intent::TopPosts | Intent::UnderperformingPosts => Needs {
                items: true,
                ..none
            },
            Intent::Trend => Needs {
                periods: true,
                ..none
            },
            Intent::FailedRuns => Needs {
                failures: true,
                ..none
            },
            Intent::MissingMetrics => Needs {
                missing: true,
                ..none
            },
        }
    }

    /// In words, for answers ("understood as: best posting hour").
    pub fn describe(self) -> &'static str {
        match self {
            Intent::BestChannel => "best channel",
            Intent::WorstChannel => "worst channel",
            Intent::BestHour => "best posting hour",
            Intent::BestWeekday => "best posting weekday",
            Intent::TopPosts => "top posts",
            Intent::UnderperformingPosts => "underperforming posts",
            Intent::Trend => "trend against the previous period",
            Intent::FailedRuns => "why runs failed",
            Intent::MissingMetrics => "items without metrics",
        }
    }
}

/// The intent of `question`, or `None` when it matches none of [`CAN_ANSWER`].
pub fn recognize(question: &str) -> Option<Intent> {
    let text: String = question
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let words: Vec<&str> = text.split_whitespace().collect();
    let has = |stems: &[&str]| words.iter().any(|w| stems.iter().any(|s| w.starts_with(s)));
    let phrase = |p: &str| format!(" {} ", words.join(" ")).contains(&format!(" {p} "));

    let negative = has(&[
        "worst",
        "weakest",
        "least",
        "lowest",
        "underperform",
        "poor",
        "bad",
        "bottom",
    ]) || phrase("not working")
        || phrase("doesn t work");
    if has(&["fail", "error", "broke", "crash"]) {
        return Some(Intent::FailedRuns);
    }
    if has(&["lack", "missing", "unmeasured"])
        || phrase("without metrics")
        || phrase("no metrics")
        || phrase("without data")
    {
        return Some(Intent::MissingMetrics);
    }
    if has(&[
        "trend", "compar", "previous", "declin", "grow", "drop", "chang",
    ]) || phrase("last week")
        || phrase("last month")
        || phrase("going up")
        || phrase("going down")
    {
        return Some(Intent::Trend);
    }
    if has(&["weekday", "monday", "friday", "weekend"])
        || phrase("day of the week")
        || phrase("day of week")
        || phrase("which day")
        || phrase("what day")
    {
        return Some(Intent::BestWeekday);
    }
    if has(&["hour", "time", "when", "o clock"]) {
        return Some(Intent::BestHour);
    }
    if has(&["channel", "platform", "network"])
        || has(&["telegram", "instagram", "tiktok", "youtube"])
    {
        return Some(if negative {
            Intent::WorstChannel
        } else {
            Intent::BestChannel
        });
    }
    if has(&["post", "item", "content", "publication", "video"]) || negative || has(&["top"]) {
        if negative {
            return Some(Intent::UnderperformingPosts);
        }
        if has(&[
            "top", "best", "most", "highest", "perform", "popular", "engag",
        ]) {
            return Some(Intent::TopPosts);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognizes_the_questions_operators_ask() {
        let cases = [
            ("Which channel works best?", Intent::BestChannel),
            ("best channel", Intent::BestChannel),
            ("Worst channel", Intent::WorstChannel),
            ("which platform is underperforming", Intent::WorstChannel),
            ("Best time to post?", Intent::BestHour),
            ("when should I post", Intent::BestHour),
            ("best weekday", Intent::BestWeekday),
            ("Which day of the week is best?", Intent::BestWeekday),
            ("top posts", Intent::TopPosts),
            ("What are my best performing posts", Intent::TopPosts),
            ("underperforming posts", Intent::UnderperformingPosts),
            ("worst posts", Intent::UnderperformingPosts),
            ("trend", Intent::Trend),
            ("How are we doing compared to last week?", Intent::Trend),
            ("Why did runs fail?", Intent::FailedRuns),
            ("which errors broke the runs", Intent::FailedRuns),
            ("what lacks metrics", Intent::MissingMetrics),
            ("items without metrics?", Intent::MissingMetrics),
        ];
        for (question, intent) in cases {
            assert_eq!(recognize(question), Some(intent), "{question}");
        }
    }

    #[test]
    fn questions_outside_the_list_are_not_guessed() {
        for question in ["", "   ", "what is the meaning of life", "hello", "?!"] {
            assert_eq!(recognize(question), None, "{question:?}");
        }
    }

    #[test]
    fn each_intent_fetches_only_what_it_needs() {
        assert_eq!(
            Intent::Trend.needs(),
            Needs {
                periods: true,
                ..Needs::default()
            }
        );
        assert!(Intent::BestChannel.needs().channels && !Intent::BestChannel.needs().timing);
        // Every example question is recognized as its own intent.
        for (intent, example) in CAN_ANSWER {
            assert_eq!(recognize(example), Some(intent), "{example}");
        }
    }
}
