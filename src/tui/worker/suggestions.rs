//! The analyst's actions the recommendations widget shows when MPIS has none, kept for a
//! while: working them out asks five questions (about half a second of database time at 1 M
//! items), and the widget reloads at every refresh and every change to the metrics.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::analyst::Suggestion;

/// How long a persona's actions are reused: they summarize days of data, so minutes old is
/// fresh enough, and a dashboard left open costs the database one computation per interval.
pub const KEEP_FOR: Duration = Duration::from_secs(300);

/// Which actions: the widget's persona (`None`: every persona) and its range in days.
type Key = (Option<Uuid>, i32);

#[derive(Default)]
pub struct SuggestionCache {
    kept: Mutex<HashMap<Key, (Instant, Vec<Suggestion>)>>,
}

impl SuggestionCache {
    /// The actions worked out for `key` less than [`KEEP_FOR`] before `now`.
    pub fn fresh(&self, key: Key, now: Instant) -> Option<Vec<Suggestion>> {
        let kept = self
            .kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.get(&key)
            .filter(|(at, _)| now.saturating_duration_since(*at) < KEEP_FOR)
            .map(|(_, actions)| actions.clone())
    }

    /// Keeps `actions` worked out at `at`; entries past [`KEEP_FOR`] are dropped on the way
    /// (a dashboard cycling through personas does not grow it without end).
    pub fn keep(&self, key: Key, at: Instant, actions: Vec<Suggestion>) {
        let mut kept = self
            .kept
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        kept.retain(|_, (then, _)| at.saturating_duration_since(*then) < KEEP_FOR);
        kept.insert(key, (at, actions));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::analyst::Intent;

    fn action(text: &str) -> Vec<Suggestion> {
        vec![Suggestion {
            action: text.to_string(),
            confidence: 0.5,
            from: Intent::BestChannel,
        }]
    }

    #[test]
    fn actions_are_reused_until_they_are_too_old_per_persona_and_range() {
        let cache = SuggestionCache::default();
        let start = Instant::now();
        let persona = Some(Uuid::from_u128(1));
        assert_eq!(cache.fresh((persona, 30), start), None);
        cache.keep((persona, 30), start, action("post more on telegram"));
        let later = start + KEEP_FOR - Duration::from_secs(1);
        assert_eq!(
            cache.fresh((persona, 30), later),
            Some(action("post more on telegram"))
        );
        assert_eq!(cache.fresh((persona, 7), later), None, "another range");
        assert_eq!(cache.fresh((None, 30), later), None, "every persona");
        assert_eq!(cache.fresh((persona, 30), start + KEEP_FOR), None);
    }

    #[test]
    fn keeping_drops_what_is_too_old() {
        let cache = SuggestionCache::default();
        let start = Instant::now();
        cache.keep((None, 30), start, action("a"));
        cache.keep((None, 7), start + KEEP_FOR, action("b"));
        let kept = cache.kept.lock().unwrap();
        assert_eq!(kept.len(), 1);
        assert!(kept.contains_key(&(None, 7)));
    }
}
