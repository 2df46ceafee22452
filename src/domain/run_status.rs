//! Run lifecycle status and the aggregation of per-item publish results.
//!
//! The old code let n8n's reported status override the items (`failed` + mixed items stayed
//! `failed`, MPIS_REFERENCE.md §3.1 and §8 #24). The documents say the items decide: all success
//! -> success, all failed -> failed, a mix -> partial. We follow the documents, so an operator
//! sees `partial` whenever some posts did go out.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Status of a publisher run: `pending -> running -> success | failed | partial`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum RunStatus {
    Pending,
    Running,
    Success,
    Failed,
    Partial,
}

/// Why a status string was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RunStatusError {
    #[error("invalid run status {value:?}: expected one of {allowed}")]
    Invalid {
        value: String,
        allowed: &'static str,
    },
    #[error(
        "run status {value:?} is not a completion status: a run can only be completed as success, failed or partial"
    )]
    NotACompletionStatus { value: String },
}

const ALL_NAMES: &str = "pending, running, success, failed, partial";
const COMPLETION_NAMES: &str = "success, failed, partial";

impl RunStatus {
    /// Every status, in lifecycle order.
    pub const ALL: &[RunStatus] = <RunStatus as strum::VariantArray>::VARIANTS;

    /// Parses a stored or submitted status; trimmed and case-insensitive.
    pub fn parse(value: &str) -> Result<RunStatus, RunStatusError> {
        value.trim().parse().map_err(|_| RunStatusError::Invalid {
            value: value.to_string(),
            allowed: ALL_NAMES,
        })
    }

    /// The lowercase name used in the database and JSON.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// True once the run has completed (nothing will change it but a re-completion).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            RunStatus::Success | RunStatus::Failed | RunStatus::Partial
        )
    }
}

/// Parses the status n8n reports when completing a run: only a final status is accepted.
///
/// Unlike the old API, `partial` is accepted, as the contract table lists it.
pub fn parse_reported(value: &str) -> Result<RunStatus, RunStatusError> {
    match RunStatus::parse(value) {
        Ok(status) if status.is_final() => Ok(status),
        Ok(_) => Err(RunStatusError::NotACompletionStatus {
            value: value.to_string(),
        }),
        Err(_) => Err(RunStatusError::Invalid {
            value: value.to_string(),
            allowed: COMPLETION_NAMES,
        }),
    }
}

/// Whether one published item failed: only a status of exactly `failed` (any case) does.
pub fn item_failed(status: Option<&str>) -> bool {
    status.is_some_and(|s| s.eq_ignore_ascii_case("failed"))
}

/// The final status of a run from n8n's reported status and its published items' statuses.
///
/// With items, the items decide: an item is a failure only when its status is exactly `failed`
/// (any case); anything else, including a missing status, is a success. All successes ->
/// `Success`, all failures -> `Failed`, both -> `Partial`. Without items the reported status
/// stands.
pub fn aggregate(reported: RunStatus, item_statuses: &[Option<&str>]) -> RunStatus {
    if item_statuses.is_empty() {
        return reported;
    }
    let failures = item_statuses.iter().filter(|s| item_failed(**s)).count();
    if failures == 0 {
        RunStatus::Success
    } else if failures == item_statuses.len() {
        RunStatus::Failed
    } else {
        RunStatus::Partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RunStatus::*;

    #[test]
    fn parse_accepts_every_status_in_any_case() {
        for &status in RunStatus::ALL {
            assert_eq!(RunStatus::parse(status.as_str()), Ok(status));
            assert_eq!(
                RunStatus::parse(&format!(" {} ", status.as_str().to_uppercase())),
                Ok(status)
            );
        }
    }

    #[test]
    fn parse_error_names_the_value_and_the_allowed_ones() {
        let err = RunStatus::parse("done").unwrap_err();
        assert_eq!(
            err,
            RunStatusError::Invalid {
                value: "done".into(),
                allowed: ALL_NAMES
            }
        );
        let text = err.to_string();
        assert!(text.contains("\"done\""), "{text}");
        for name in ["pending", "running", "success", "failed", "partial"] {
            assert!(text.contains(name), "{text}");
        }
        assert!(RunStatus::parse("").is_err());
    }

    #[test]
    fn is_final_only_for_completed_runs() {
        assert!(!Pending.is_final());
        assert!(!Running.is_final());
        assert!(Success.is_final());
        assert!(Failed.is_final());
        assert!(Partial.is_final());
    }

    #[test]
    fn serde_uses_lowercase_names() {
        assert_eq!(serde_json::to_string(&Partial).unwrap(), "\"partial\"");
        assert_eq!(
            serde_json::from_str::<RunStatus>("\"running\"").unwrap(),
            Running
        );
        assert!(serde_json::from_str::<RunStatus>("\"bogus\"").is_err());
        assert_eq!(Success.to_string(), "success");
    }

    #[test]
    fn parse_reported_accepts_only_completion_statuses() {
        assert_eq!(parse_reported("success"), Ok(Success));
        assert_eq!(parse_reported("FAILED"), Ok(Failed));
        assert_eq!(parse_reported("partial"), Ok(Partial));
        for early in ["pending", "running"] {
            let err = parse_reported(early).unwrap_err();
            assert_eq!(
                err,
                RunStatusError::NotACompletionStatus {
                    value: early.into()
                }
            );
            let text = err.to_string();
            assert!(text.contains(early) && text.contains("not a completion status"));
            assert!(text.contains("success, failed or partial"), "{text}");
        }
        let err = parse_reported("ok").unwrap_err();
        assert_eq!(
            err,
            RunStatusError::Invalid {
                value: "ok".into(),
                allowed: COMPLETION_NAMES
            }
        );
        assert!(!err.to_string().contains("pending"));
    }

    #[test]
    fn no_items_keeps_the_reported_status() {
        for &status in RunStatus::ALL {
            assert_eq!(aggregate(status, &[]), status);
        }
    }

    #[test]
    fn items_decide_for_every_reported_status() {
        let all_success: &[Option<&str>] = &[Some("success"), Some("success")];
        let all_failed: &[Option<&str>] = &[Some("failed"), Some("FAILED"), Some("Failed")];
        let mixed: &[Option<&str>] = &[Some("success"), Some("failed")];
        let lenient_success: &[Option<&str>] = &[
            None,
            Some("pending"),
            Some("skipped"),
            Some(""),
            Some("error"),
        ];
        let lenient_mixed: &[Option<&str>] = &[None, Some("failed")];
        for &reported in RunStatus::ALL {
            assert_eq!(aggregate(reported, all_success), Success, "{reported}");
            assert_eq!(aggregate(reported, all_failed), Failed, "{reported}");
            assert_eq!(aggregate(reported, mixed), Partial, "{reported}");
            assert_eq!(aggregate(reported, lenient_success), Success, "{reported}");
            assert_eq!(aggregate(reported, lenient_mixed), Partial, "{reported}");
        }
    }

    #[test]
    fn documented_cases_that_differ_from_the_old_code() {
        // Old code: reported failed + items -> failed. Documents: items decide.
        assert_eq!(aggregate(Failed, &[Some("success"), None]), Success);
        assert_eq!(
            aggregate(Failed, &[Some("success"), Some("failed")]),
            Partial
        );
        assert_eq!(
            aggregate(Success, &[Some("failed"), Some("success")]),
            Partial
        );
        assert_eq!(aggregate(Success, &[Some("failed")]), Failed);
        assert_eq!(aggregate(Partial, &[]), Partial);
        assert_eq!(aggregate(Failed, &[]), Failed);
    }

    #[test]
    fn only_exactly_failed_counts_as_failure() {
        assert_eq!(aggregate(Success, &[Some(" failed")]), Success);
        assert_eq!(aggregate(Success, &[Some("failure")]), Success);
        assert_eq!(aggregate(Success, &[Some("fail")]), Success);
        assert_eq!(aggregate(Success, &[Some("fAiLeD")]), Failed);
    }
}
