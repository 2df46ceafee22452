//! The AI analyst's deterministic engine (issue 12, reference §3.6): a question in plain
//! English -> what it asks ([`question::recognize`]), the [`Aggregates`] the store fetches
//! for it, and an [`Answer`] with the numbers, the items that support it (their metrics as
//! stored), suggested actions derived from the numbers, and a confidence.
//!
//! Pure: no SQL, HTTP or terminal. The store decides *how* to fetch; [`Intent::needs`] says
//! *what* a question needs, so a query fetches only that.
//!
//! ## Confidence
//! `confidence = n / (n + K) * effect`, rounded to two decimals, where
//! - `n` is the sample behind the comparison: the measurements (or items) of the *smaller* of
//!   the two groups compared (the winner and the runner-up; the period with fewer
//!   measurements for a trend). `K = 20`: twenty measurements per group give one half; it
//!   takes ~180 to reach 0.9. Engagement rates of single posts scatter widely, so a handful
//!   of posts should never look certain.
//! - `effect = min(1, relative_gap / 0.2)`, `relative_gap = (a - b) / a` for the winner `a`
//!   and the runner-up `b` (for a trend, `|cur - prev| / max(cur, prev)`): a 20 % gap in
//!   engagement is the size operators act on; smaller gaps scale down linearly, so "A barely
//!   beats B" is said with little confidence however large the sample.
//! - Answers that only report stored facts (lists of top posts, failed runs, items without
//!   metrics) are counts, not inferences: `n / (n + K)` with `effect = 1` for ranked lists
//!   (a top list of 3 posts says little), and 1 for exact counts read from the tables.
//! - No data, or a question the engine cannot answer: 0.

pub mod aggregates;
pub mod confidence;
pub mod engine;
pub mod question;
pub mod range;

pub use aggregates::{
    Aggregates, Bucket, ChannelTotals, CitedItem, FailureGroup, MissingItem, PeriodTotals,
};
pub use engine::{Answer, answer};
pub use question::{Intent, Needs, recognize};
pub use range::TimeRange;
