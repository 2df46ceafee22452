//! "Did you mean …": the closest of a few known names to what was typed (edit distance in
//! characters), for messages that name the nearest existing channel or draft path.

/// Levenshtein distance in characters (insertions, deletions, substitutions cost 1).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

/// The candidate closest to `typed` (case-insensitive), if it is close enough to be a likely
/// typo: at most a third of the longer name's characters differ (at least 1, at most 4). The
/// first of equally close candidates wins.
pub fn nearest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let typed = typed.trim().to_lowercase();
    if typed.is_empty() {
        return None;
    }
    candidates
        .into_iter()
        .map(|c| (edit_distance(&typed, &c.to_lowercase()), c))
        .filter(|(d, c)| {
            let longest = typed.chars().count().max(c.chars().count());
            *d <= (longest / 3).clamp(1, 4)
        })
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("abc", ""), 3);
        assert_eq!(edit_distance("credo.sumary", "credo.summary"), 1);
        assert_eq!(edit_distance("telegarm", "telegram"), 2);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("жук", "жуки"), 1);
    }

    #[test]
    fn nearest_is_a_likely_typo_or_nothing() {
        let channels = ["telegram", "instagram", "tiktok", "youtube"];
        assert_eq!(nearest("telegarm", channels), Some("telegram"));
        assert_eq!(nearest(" YouTub ", channels), Some("youtube"));
        assert_eq!(nearest("mastodon", channels), None);
        assert_eq!(nearest("", channels), None);
        let paths = ["credo.summary", "credo.statements", "ethos.virtues"];
        assert_eq!(nearest("credo.sumary", paths), Some("credo.summary"));
        assert_eq!(nearest("credo.statement", paths), Some("credo.statements"));
        assert_eq!(nearest("style.voice", paths), None);
    }
}
