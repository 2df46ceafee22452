//! Red flags: thresholds, and the evaluation of counts into flags with a severity.
//!
//! The counts come from the store; this module only decides. The summary keeps the exact shape
//! of MPIS's `GET /api/red-flags` (MPIS_REFERENCE.md §1.6.13) so existing clients keep working,
//! and adds severities, samples and an overall status for the TUI and `mpis-dash check`.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use thiserror::Error;

use super::pyround::python_round;

pub mod ingestion;

/// When a count becomes a flag. Defaults reproduce MPIS (failed runs > 10 %, missing metrics
/// > 5) and the spec's "any missing publish record is critical".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Failed runs strictly above this percentage raise a warning.
    pub failed_runs_warning_pct: f64,
    /// Failed runs strictly above this percentage are critical.
    pub failed_runs_critical_pct: f64,
    /// More published items without metrics than this raise a warning.
    pub missing_metrics_warning: i64,
    /// More published items without metrics than this are critical.
    pub missing_metrics_critical: i64,
    /// More runs missing publish records than this raise a warning.
    pub missing_publish_records_warning: i64,
    /// More runs missing publish records than this are critical.
    pub missing_publish_records_critical: i64,
    /// A run `running` for longer than this is stuck (config `run_timeout = "6h"`).
    pub run_timeout: RunTimeout,
    /// More stuck runs than this raise a warning (default 0: any stuck run).
    pub stuck_runs_warning: i64,
    /// More stuck runs than this are critical. Default 2: one or two stuck runs are usually a
    /// slow or crashed workflow execution; three or more at once mean runs are not coming back
    /// at all (n8n down, its callback to us failing), so every new run will hang as well.
    pub stuck_runs_critical: i64,
    /// An ingestion job whose last runs failed this many times in a row is failing (it also
    /// is after 3 of its intervals without a successful run). At least 1.
    pub ingestion_failures_in_a_row: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            failed_runs_warning_pct: 10.0,
            failed_runs_critical_pct: 25.0,
            missing_metrics_warning: 5,
            missing_metrics_critical: 50,
            missing_publish_records_warning: 0,
            missing_publish_records_critical: 0,
            run_timeout: RunTimeout::default(),
            stuck_runs_warning: 0,
            stuck_runs_critical: 2,
            ingestion_failures_in_a_row: 3,
        }
    }
}

/// How long a run may stay `running` before it counts as stuck; whole seconds, at least one.
/// Written in the config as text with units (`"6h"`, `"90m"`, `"1h30m"`, `"45s"`, `"2d"`) or
/// as a number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RunTimeout {
    secs: i64,
}

impl Default for RunTimeout {
    /// Six hours (the default): longer than any publishing workflow should take.
    fn default() -> Self {
        RunTimeout { secs: 6 * 3600 }
    }
}

impl RunTimeout {
    /// A timeout of `secs` seconds; `None` unless positive.
    pub fn from_secs(secs: i64) -> Option<RunTimeout> {
        (secs > 0).then_some(RunTimeout { secs })
    }

    pub fn secs(self) -> i64 {
        self.secs
    }

    pub fn duration(self) -> chrono::Duration {
        chrono::Duration::seconds(self.secs)
    }

    /// Reads `"6h"`, `"90m"`, `"1h30m"`, `"45s"`, `"2d"` or plain seconds (`"3600"`).
    pub fn parse(text: &str) -> Result<RunTimeout, String> {
        let t = text.trim();
        let bad = || {
            format!(
                "{t:?} is not a duration: use a number with a unit, e.g. \"6h\", \"90m\", \"1h30m\""
            )
        };
        if t.is_empty() {
            return Err(bad());
        }
        if let Ok(secs) = t.parse::<i64>() {
            return RunTimeout::from_secs(secs).ok_or_else(|| "must be longer than 0".to_string());
        }
        let mut secs: i64 = 0;
        let mut digits = String::new();
        for c in t.chars() {
            if c.is_ascii_digit() {
                digits.push(c);
                continue;
            }
            let unit = match c.to_ascii_lowercase() {
                's' => 1,
                'm' => 60,
                'h' => 3600,
                'd' => 86_400,
                _ => return Err(bad()),
            };
            let n: i64 = digits.parse().map_err(|_| bad())?;
            digits.clear();
            secs = n
                .checked_mul(unit)
                .and_then(|x| secs.checked_add(x))
                .ok_or_else(bad)?;
        }
        if !digits.is_empty() {
            return Err(bad());
        }
        RunTimeout::from_secs(secs).ok_or_else(|| "must be longer than 0".to_string())
    }
}

impl fmt::Display for RunTimeout {
    /// The shortest exact form: `6h`, `1h30m`, `45s`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.secs / 3600, self.secs % 3600 / 60, self.secs % 60);
        let mut out = String::new();
        if h > 0 {
            out.push_str(&format!("{h}h"));
        }
        if m > 0 {
            out.push_str(&format!("{m}m"));
        }
        if s > 0 || out.is_empty() {
            out.push_str(&format!("{s}s"));
        }
        f.write_str(&out)
    }
}

impl Serialize for RunTimeout {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

/// In the config's JSON Schema: text with units, or whole seconds above 0.
impl schemars::JsonSchema for RunTimeout {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "RunTimeout".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A duration: \"6h\", \"90m\", \"1h30m\", \"45s\", \"2d\", or whole seconds.",
            "anyOf": [
                {"type": "string", "pattern": "^\\s*([0-9]+|([0-9]+[smhdSMHD])+)\\s*$"},
                {"type": "integer", "minimum": 1}
            ]
        })
    }
}

impl<'de> Deserialize<'de> for RunTimeout {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Secs(i64),
            Text(String),
        }
        let parsed = match Raw::deserialize(deserializer)? {
            Raw::Secs(secs) => {
                RunTimeout::from_secs(secs).ok_or_else(|| "must be longer than 0".into())
            }
            Raw::Text(text) => RunTimeout::parse(&text),
        };
        parsed.map_err(|e| serde::de::Error::custom(format!("run_timeout: {e}")))
    }
}

/// A threshold setting that cannot work; names the setting and what to change.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ThresholdError {
    #[error("{field} = {value}: must be a percentage between 0 and 100")]
    PercentOutOfRange { field: &'static str, value: f64 },
    #[error("{field} = {value}: must not be negative")]
    Negative { field: &'static str, value: i64 },
    #[error("{field} = {value}: must be at least {min}")]
    BelowMinimum {
        field: &'static str,
        value: i64,
        min: i64,
    },
    #[error(
        "{warning_field} ({warning}) is above {critical_field} ({critical}): the warning threshold must not exceed the critical one"
    )]
    WarningAboveCritical {
        warning_field: &'static str,
        warning: String,
        critical_field: &'static str,
        critical: String,
    },
}

impl Thresholds {
    /// Checks the settings (e.g. from a config file); reports the first problem found.
    pub fn validate(&self) -> Result<(), ThresholdError> {
        for (field, value) in [
            ("failed_runs_warning_pct", self.failed_runs_warning_pct),
            ("failed_runs_critical_pct", self.failed_runs_critical_pct),
        ] {
            if !(0.0..=100.0).contains(&value) {
                return Err(ThresholdError::PercentOutOfRange { field, value });
            }
        }
        for (field, value) in [
            ("missing_metrics_warning", self.missing_metrics_warning),
            ("missing_metrics_critical", self.missing_metrics_critical),
            (
                "missing_publish_records_warning",
                self.missing_publish_records_warning,
            ),
            (
                "missing_publish_records_critical",
                self.missing_publish_records_critical,
            ),
            ("stuck_runs_warning", self.stuck_runs_warning),
            ("stuck_runs_critical", self.stuck_runs_critical),
        ] {
            if value < 0 {
                return Err(ThresholdError::Negative { field, value });
            }
        }
        if self.ingestion_failures_in_a_row < 1 {
            return Err(ThresholdError::BelowMinimum {
                field: "ingestion_failures_in_a_row",
                value: self.ingestion_failures_in_a_row,
                min: 1,
            });
        }
        if self.failed_runs_warning_pct > self.failed_runs_critical_pct {
            return Err(ThresholdError::WarningAboveCritical {
                warning_field: "failed_runs_warning_pct",
                warning: fmt_num(self.failed_runs_warning_pct),
                critical_field: "failed_runs_critical_pct",
                critical: fmt_num(self.failed_runs_critical_pct),
            });
        }
        for (warning_field, warning, critical_field, critical) in [
            (
                "missing_metrics_warning",
                self.missing_metrics_warning,
                "missing_metrics_critical",
                self.missing_metrics_critical,
            ),
            (
                "missing_publish_records_warning",
                self.missing_publish_records_warning,
                "missing_publish_records_critical",
                self.missing_publish_records_critical,
            ),
            (
                "stuck_runs_warning",
                self.stuck_runs_warning,
                "stuck_runs_critical",
                self.stuck_runs_critical,
            ),
        ] {
            if warning > critical {
                return Err(ThresholdError::WarningAboveCritical {
                    warning_field,
                    warning: warning.to_string(),
                    critical_field,
                    critical: critical.to_string(),
                });
            }
        }
        Ok(())
    }
}

/// Runs started in a window, and how many of them failed (`partial` is not failed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunCounts {
    pub total: i64,
    pub failed: i64,
}

/// Failed share in percent, rounded like Python's `round(x, 1)`; 0.0 when there were no runs.
pub fn failed_percentage(c: RunCounts) -> f64 {
    if c.total <= 0 {
        return 0.0;
    }
    python_round(c.failed as f64 / c.total as f64 * 100.0, 1)
}

/// The counts a red-flag evaluation needs, gathered by the store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RedFlagInputs {
    pub runs_24h: RunCounts,
    pub runs_7d: RunCounts,
    /// Published items with no normalized metrics.
    pub missing_metrics: i64,
    /// Runs whose publishes have no publish record.
    pub missing_publish_records: i64,
    /// Optional sample (`{published_item_id, published_at, channel}`), shown as `items`.
    pub missing_metrics_items: Vec<Value>,
    /// Optional sample (`{run_id, started_at}`), shown as `runs`.
    pub missing_publish_record_runs: Vec<Value>,
    /// Runs `running` for longer than the run timeout.
    pub stuck_runs: i64,
    /// Optional sample (`{run_id, started_at}`, oldest first), shown as the entry's `runs`.
    pub stuck_run_samples: Vec<Value>,
    /// Enabled ingestion jobs failing by [`ingestion::failing`].
    pub ingestion_failing: i64,
    /// Enabled ingestion jobs in all (when all of them fail, no metrics arrive at all).
    pub ingestion_jobs_enabled: i64,
    /// Optional sample (`{job_id, job_name, channel, consecutive_failures, last_success_at,
    /// reason, last_error}`), shown as the entry's `jobs`.
    pub ingestion_failing_jobs: Vec<Value>,
}

/// How bad a flag is; `Critical > Warning`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    strum::Display,
    strum::IntoStaticStr,
    strum::EnumString,
)]
#[serde(rename_all = "lowercase")]
#[strum(serialize_all = "lowercase", ascii_case_insensitive)]
pub enum Severity {
    Warning,
    Critical,
}

impl Severity {
    /// Lowercase name, as in the `red_flags.severity` column.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Parses a stored severity (trimmed, case-insensitive).
    pub fn parse(value: &str) -> Option<Severity> {
        value.trim().parse().ok()
    }
}

/// What a flag is about; `key()` is the stable id stored in `red_flags.flag_type`.
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
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum FlagKind {
    #[serde(rename = "failed_runs_24h")]
    #[strum(serialize = "failed_runs_24h")]
    FailedRuns24h,
    #[serde(rename = "failed_runs_7d")]
    #[strum(serialize = "failed_runs_7d")]
    FailedRuns7d,
    MissingMetrics,
    MissingPublishRecords,
    /// Runs `running` longer than the run timeout (n8n never called back).
    StuckRuns,
    /// Ingestion jobs failing N times in a row, or without success for 3 intervals.
    IngestionFailing,
}

impl FlagKind {
    /// Every kind, in the order flags are reported.
    pub const ALL: &[FlagKind] = <FlagKind as strum::VariantArray>::VARIANTS;

    /// Stable id, safe to store and to use in URLs.
    pub fn key(self) -> &'static str {
        self.into()
    }

    /// The kind for a stored id; `None` for ids this version does not know.
    pub fn from_key(key: &str) -> Option<FlagKind> {
        key.parse().ok()
    }
}

/// One raised flag, ready to show or to store as a `red_flags` row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub severity: Severity,
    /// For a person, with the numbers and the threshold crossed.
    pub description: String,
    /// The numbers behind the flag (counts, percentage, thresholds, samples).
    pub metadata: Value,
}

/// The worst state, Nagios style, for `mpis-dash check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "UPPERCASE")]
#[strum(serialize_all = "UPPERCASE")]
pub enum Overall {
    Ok,
    Warning,
    Critical,
    /// The evaluation could not be made (e.g. the database is unreachable).
    Unknown,
}

impl Overall {
    /// Nagios plugin exit code: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
    pub fn exit_code(self) -> i32 {
        match self {
            Overall::Ok => 0,
            Overall::Warning => 1,
            Overall::Critical => 2,
            Overall::Unknown => 3,
        }
    }

    /// Nagios status word.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The overall state for the worst severity raised (`None`: nothing raised).
    pub fn from_worst(worst: Option<Severity>) -> Overall {
        match worst {
            None => Overall::Ok,
            Some(Severity::Warning) => Overall::Warning,
            Some(Severity::Critical) => Overall::Critical,
        }
    }
}

impl fmt::Display for Overall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of one evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// The `GET /api/red-flags` body (shape of MPIS_REFERENCE.md §1.6.13, plus extras).
    pub summary: Value,
    /// Raised flags, in `FlagKind::ALL` order.
    pub flags: Vec<Flag>,
    pub overall: Overall,
}

impl Evaluation {
    /// An evaluation that could not be made, e.g. the database was unreachable; the reason
    /// ends up in the summary's `error` and in `one_line`.
    pub fn unknown(reason: &str) -> Evaluation {
        Evaluation {
            summary: json!({"status": Overall::Unknown.as_str(), "error": reason}),
            flags: Vec::new(),
            overall: Overall::Unknown,
        }
    }
}

/// Severity of a percentage: raised only strictly above the warning threshold.
fn pct_severity(value: f64, warning: f64, critical: f64) -> Option<Severity> {
    if value > critical && value > warning {
        Some(Severity::Critical)
    } else if value > warning {
        Some(Severity::Warning)
    } else {
        None
    }
}

/// Severity of a count: raised only strictly above the warning threshold.
fn count_severity(value: i64, warning: i64, critical: i64) -> Option<Severity> {
    if value <= warning {
        None
    } else if value > critical {
        Some(Severity::Critical)
    } else {
        Some(Severity::Warning)
    }
}

/// Evaluates the counts against the thresholds.
pub fn evaluate(inputs: &RedFlagInputs, t: &Thresholds) -> Evaluation {
    let mut flags = Vec::new();
    let mut windows = Map::new();

    for (kind, window_key, label, counts) in [
        (
            FlagKind::FailedRuns24h,
            "last_24h",
            "the last 24 h",
            inputs.runs_24h,
        ),
        (
            FlagKind::FailedRuns7d,
            "last_7d",
            "the last 7 days",
            inputs.runs_7d,
        ),
    ] {
        let percentage = failed_percentage(counts);
        let severity = pct_severity(
            percentage,
            t.failed_runs_warning_pct,
            t.failed_runs_critical_pct,
        );
        windows.insert(
            window_key.to_string(),
            json!({
                "total_runs": counts.total,
                "failed_runs": counts.failed,
                "percentage": percentage,
                "alert": severity.is_some(),
                "severity": severity.map(Severity::as_str),
            }),
        );
        if let Some(severity) = severity {
            let threshold = match severity {
                Severity::Warning => format!("threshold {} %", fmt_num(t.failed_runs_warning_pct)),
                Severity::Critical => format!(
                    "critical threshold {} %",
                    fmt_num(t.failed_runs_critical_pct)
                ),
            };
            flags.push(Flag {
                kind,
                severity,
                description: format!(
                    "{} of {} runs failed in {label} ({} %, {threshold})",
                    counts.failed,
                    counts.total,
                    fmt_num(percentage)
                ),
                metadata: json!({
                    "window": window_key,
                    "total_runs": counts.total,
                    "failed_runs": counts.failed,
                    "percentage": percentage,
                    "warning_pct": t.failed_runs_warning_pct,
                    "critical_pct": t.failed_runs_critical_pct,
                }),
            });
        }
    }

    let (missing_metrics, metrics_flag) = count_entry(
        FlagKind::MissingMetrics,
        inputs.missing_metrics,
        t.missing_metrics_warning,
        t.missing_metrics_critical,
        ("items", &inputs.missing_metrics_items),
        |n| {
            if n == 1 {
                "1 published item has no metrics".to_string()
            } else {
                format!("{n} published items have no metrics")
            }
        },
    );
    let (missing_records, records_flag) = count_entry(
        FlagKind::MissingPublishRecords,
        inputs.missing_publish_records,
        t.missing_publish_records_warning,
        t.missing_publish_records_critical,
        ("runs", &inputs.missing_publish_record_runs),
        |n| {
            if n == 1 {
                "1 run is missing publish records".to_string()
            } else {
                format!("{n} runs are missing publish records")
            }
        },
    );
    let timeout = t.run_timeout;
    let (mut stuck, stuck_flag) = count_entry(
        FlagKind::StuckRuns,
        inputs.stuck_runs,
        t.stuck_runs_warning,
        t.stuck_runs_critical,
        ("runs", &inputs.stuck_run_samples),
        |n| {
            if n == 1 {
                format!("1 run has been running for more than {timeout}")
            } else {
                format!("{n} runs have been running for more than {timeout}")
            }
        },
    );
    if let Some(entry) = stuck.as_object_mut() {
        entry.insert("run_timeout".into(), json!(timeout.to_string()));
    }
    let stuck_flag = stuck_flag.map(|mut flag| {
        if let Some(metadata) = flag.metadata.as_object_mut() {
            metadata.insert("run_timeout_secs".into(), json!(timeout.secs()));
        }
        flag
    });
    let (ingestion, ingestion_flag) = ingestion_entry(inputs, t);
    flags.extend(metrics_flag);
    flags.extend(records_flag);
    flags.extend(stuck_flag);
    flags.extend(ingestion_flag);

    let overall = Overall::from_worst(flags.iter().map(|f| f.severity).max());
    let summary = json!({
        "status": overall.as_str(),
        "failed_runs": Value::Object(windows),
        "missing_metrics": missing_metrics,
        "missing_publish_records": missing_records,
        "stuck_runs": stuck,
        "ingestion_failing": ingestion,
    });
    Evaluation {
        summary,
        flags,
        overall,
    }
}

/// Summary entry and optional flag for failing ingestion jobs: a warning while some enabled
/// job fails, critical when every enabled job does (no metrics arrive at all).
fn ingestion_entry(inputs: &RedFlagInputs, t: &Thresholds) -> (Value, Option<Flag>) {
    let count = inputs.ingestion_failing;
    let enabled = inputs.ingestion_jobs_enabled;
    let severity = match count {
        n if n <= 0 => None,
        n if n >= enabled => Some(Severity::Critical),
        _ => Some(Severity::Warning),
    };
    let in_a_row = t.ingestion_failures_in_a_row;
    let sample = &inputs.ingestion_failing_jobs;
    let mut entry = Map::new();
    entry.insert("count".into(), json!(count));
    entry.insert("alert".into(), json!(severity.is_some()));
    entry.insert("severity".into(), json!(severity.map(Severity::as_str)));
    entry.insert("enabled_jobs".into(), json!(enabled));
    entry.insert("failures_in_a_row".into(), json!(in_a_row));
    if !sample.is_empty() {
        entry.insert("jobs".into(), Value::Array(sample.clone()));
    }
    let flag = severity.map(|severity| {
        let rule = format!(
            "{in_a_row} failed runs in a row, or no successful run for {} intervals",
            ingestion::MISSED_INTERVALS
        );
        let description = match (severity, count) {
            (Severity::Critical, 1) => {
                format!("the only enabled ingestion job is failing ({rule})")
            }
            (Severity::Critical, n) => {
                format!("all {n} enabled ingestion jobs are failing ({rule})")
            }
            (Severity::Warning, 1) => {
                format!("1 of {enabled} ingestion jobs is failing ({rule})")
            }
            (Severity::Warning, n) => {
                format!("{n} of {enabled} ingestion jobs are failing ({rule})")
            }
        };
        let mut metadata = Map::new();
        metadata.insert("count".into(), json!(count));
        metadata.insert("enabled_jobs".into(), json!(enabled));
        metadata.insert("failures_in_a_row".into(), json!(in_a_row));
        metadata.insert(
            "missed_intervals".into(),
            json!(ingestion::MISSED_INTERVALS),
        );
        if !sample.is_empty() {
            metadata.insert("jobs".into(), Value::Array(sample.clone()));
        }
        Flag {
            kind: FlagKind::IngestionFailing,
            severity,
            description,
            metadata: Value::Object(metadata),
        }
    });
    (Value::Object(entry), flag)
}

/// Summary entry and optional flag for a count-based check.
fn count_entry(
    kind: FlagKind,
    count: i64,
    warning: i64,
    critical: i64,
    (sample_key, sample): (&str, &[Value]),
    what: impl Fn(i64) -> String,
) -> (Value, Option<Flag>) {
    let severity = count_severity(count, warning, critical);
    let mut entry = Map::new();
    entry.insert("count".into(), json!(count));
    entry.insert("alert".into(), json!(severity.is_some()));
    entry.insert("severity".into(), json!(severity.map(Severity::as_str)));
    if !sample.is_empty() {
        entry.insert(sample_key.into(), Value::Array(sample.to_vec()));
    }
    let flag = severity.map(|severity| {
        let threshold = match severity {
            Severity::Warning => format!("threshold {warning}"),
            Severity::Critical => format!("critical threshold {critical}"),
        };
        let mut metadata = Map::new();
        metadata.insert("count".into(), json!(count));
        metadata.insert("warning_threshold".into(), json!(warning));
        metadata.insert("critical_threshold".into(), json!(critical));
        if !sample.is_empty() {
            metadata.insert(sample_key.into(), Value::Array(sample.to_vec()));
        }
        Flag {
            kind,
            severity,
            description: format!("{} ({threshold})", what(count)),
            metadata: Value::Object(metadata),
        }
    });
    (Value::Object(entry), flag)
}

/// The evaluation as an alert sees it while some flags are silenced (their `flag_key`s):
/// silenced flags stay listed but do not count towards the overall state; the summary's
/// `silenced` lists them and its `status` follows the overall state.
pub fn with_silenced(mut e: Evaluation, silenced: &[String]) -> Evaluation {
    if silenced.is_empty() || e.overall == Overall::Unknown {
        return e;
    }
    let counted = e
        .flags
        .iter()
        .filter(|f| !silenced.iter().any(|k| k == f.kind.key()))
        .map(|f| f.severity)
        .max();
    e.overall = Overall::from_worst(counted);
    if let Some(summary) = e.summary.as_object_mut() {
        summary.insert("status".into(), json!(e.overall.as_str()));
        summary.insert("silenced".into(), json!(silenced));
    }
    e
}

/// A Nagios-style status line, e.g.
/// `CRITICAL - failed runs 24h 15.0% (3/20), 7d 8.6% (12/140); missing metrics 8; missing publish records 2`.
pub fn one_line(e: &Evaluation) -> String {
    let s = &e.summary;
    let status = e.overall.as_str();
    let Some(windows) = s.get("failed_runs") else {
        let reason = s
            .get("error")
            .and_then(Value::as_str)
            .unwrap_or("no red-flag data");
        return format!("{status} - {reason}");
    };
    let window = |key: &str| {
        let w = windows.get(key);
        let int = |k: &str| {
            w.and_then(|w| w.get(k))
                .and_then(Value::as_i64)
                .unwrap_or(0)
        };
        let pct = w
            .and_then(|w| w.get("percentage"))
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        format!(
            "{}% ({}/{})",
            fmt_num(pct),
            int("failed_runs"),
            int("total_runs")
        )
    };
    let count = |key: &str| {
        s.get(key)
            .and_then(|v| v.get("count"))
            .and_then(Value::as_i64)
            .unwrap_or(0)
    };
    let mut line = format!(
        "{status} - failed runs 24h {}, 7d {}; missing metrics {}; missing publish records {}",
        window("last_24h"),
        window("last_7d"),
        count("missing_metrics"),
        count("missing_publish_records"),
    );
    // Only when there are some: a line monitoring tools already parse stays as it was.
    let stuck = count("stuck_runs");
    if stuck > 0 {
        line.push_str(&format!("; stuck runs {stuck}"));
    }
    let failing = count("ingestion_failing");
    if failing > 0 {
        line.push_str(&format!("; ingestion failing {failing}"));
    }
    line
}

/// A number for people: at least one decimal (`15.0`, `8.6`), more only when it has them.
fn fmt_num(x: f64) -> String {
    if x.is_finite() && x.fract() == 0.0 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs_example() -> RedFlagInputs {
        RedFlagInputs {
            runs_24h: RunCounts {
                total: 20,
                failed: 3,
            },
            runs_7d: RunCounts {
                total: 140,
                failed: 12,
            },
            missing_metrics: 8,
            missing_publish_records: 2,
            ..RedFlagInputs::default()
        }
    }

    fn counts(total: i64, failed: i64) -> RunCounts {
        RunCounts { total, failed }
    }

    #[test]
    fn defaults_match_the_brief_and_validate() {
        let t = Thresholds::default();
        assert_eq!(t.failed_runs_warning_pct, 10.0);
        assert_eq!(t.failed_runs_critical_pct, 25.0);
        assert_eq!(t.missing_metrics_warning, 5);
        assert_eq!(t.missing_metrics_critical, 50);
        assert_eq!(t.missing_publish_records_warning, 0);
        assert_eq!(t.missing_publish_records_critical, 0);
        assert_eq!(t.validate(), Ok(()));
    }

    #[test]
    fn thresholds_from_partial_config_keep_other_defaults() {
        let t: Thresholds = serde_json::from_value(
            json!({"failed_runs_warning_pct": 5.0, "missing_metrics_critical": 20}),
        )
        .unwrap();
        assert_eq!(t.failed_runs_warning_pct, 5.0);
        assert_eq!(t.missing_metrics_critical, 20);
        assert_eq!(t.failed_runs_critical_pct, 25.0);
        assert_eq!(t.missing_metrics_warning, 5);
        let empty: Thresholds = serde_json::from_value(json!({})).unwrap();
        assert_eq!(empty, Thresholds::default());
    }

    #[test]
    fn validate_names_the_offending_field() {
        let base = Thresholds::default();
        let cases = [
            (
                Thresholds {
                    failed_runs_warning_pct: -1.0,
                    ..base.clone()
                },
                "failed_runs_warning_pct",
            ),
            (
                Thresholds {
                    failed_runs_critical_pct: 100.5,
                    ..base.clone()
                },
                "failed_runs_critical_pct",
            ),
            (
                Thresholds {
                    failed_runs_critical_pct: f64::NAN,
                    ..base.clone()
                },
                "failed_runs_critical_pct",
            ),
            (
                Thresholds {
                    missing_metrics_warning: -1,
                    ..base.clone()
                },
                "missing_metrics_warning",
            ),
            (
                Thresholds {
                    missing_publish_records_critical: -3,
                    missing_publish_records_warning: -5,
                    ..base.clone()
                },
                "missing_publish_records_warning",
            ),
            (
                Thresholds {
                    failed_runs_warning_pct: 30.0,
                    ..base.clone()
                },
                "failed_runs_warning_pct (30.0) is above failed_runs_critical_pct (25.0)",
            ),
            (
                Thresholds {
                    missing_metrics_warning: 60,
                    ..base.clone()
                },
                "missing_metrics_warning (60) is above missing_metrics_critical (50)",
            ),
            (
                Thresholds {
                    missing_publish_records_warning: 1,
                    ..base.clone()
                },
                "missing_publish_records_warning (1) is above missing_publish_records_critical (0)",
            ),
        ];
        for (t, needle) in cases {
            let err = t.validate().expect_err(needle);
            assert!(err.to_string().contains(needle), "{err} / {needle}");
        }
        // Boundaries are valid.
        let edges = Thresholds {
            failed_runs_warning_pct: 0.0,
            failed_runs_critical_pct: 100.0,
            missing_metrics_warning: 0,
            missing_metrics_critical: 0,
            ..base
        };
        assert_eq!(edges.validate(), Ok(()));
    }

    #[test]
    fn failed_percentage_rounds_like_python() {
        assert_eq!(failed_percentage(counts(20, 3)), 15.0);
        assert_eq!(failed_percentage(counts(140, 12)), 8.6);
        assert_eq!(failed_percentage(counts(20, 2)), 10.0);
        assert_eq!(failed_percentage(counts(0, 0)), 0.0);
        assert_eq!(failed_percentage(counts(3, 1)), 33.3);
        assert_eq!(failed_percentage(counts(3, 2)), 66.7);
        assert_eq!(failed_percentage(counts(7, 7)), 100.0);
        // 1/16 * 100 = 6.25 exactly: half-even gives 6.2 (Python), not 6.3.
        assert_eq!(failed_percentage(counts(16, 1)), 6.2);
        assert_eq!(failed_percentage(counts(-4, 1)), 0.0);
    }

    #[test]
    fn docs_example_evaluates_as_documented() {
        let e = evaluate(&docs_example(), &Thresholds::default());
        let s = &e.summary;
        assert_eq!(
            s["failed_runs"]["last_24h"],
            json!({"total_runs": 20, "failed_runs": 3, "percentage": 15.0, "alert": true, "severity": "warning"})
        );
        assert_eq!(
            s["failed_runs"]["last_7d"],
            json!({"total_runs": 140, "failed_runs": 12, "percentage": 8.6, "alert": false, "severity": null})
        );
        assert_eq!(
            s["missing_metrics"],
            json!({"count": 8, "alert": true, "severity": "warning"})
        );
        assert_eq!(
            s["missing_publish_records"],
            json!({"count": 2, "alert": true, "severity": "critical"})
        );
        assert_eq!(s["status"], "CRITICAL");
        assert_eq!(e.overall, Overall::Critical);
        let kinds: Vec<_> = e.flags.iter().map(|f| (f.kind, f.severity)).collect();
        assert_eq!(
            kinds,
            vec![
                (FlagKind::FailedRuns24h, Severity::Warning),
                (FlagKind::MissingMetrics, Severity::Warning),
                (FlagKind::MissingPublishRecords, Severity::Critical),
            ]
        );
        assert_eq!(
            e.flags[0].description,
            "3 of 20 runs failed in the last 24 h (15.0 %, threshold 10.0 %)"
        );
        assert_eq!(
            e.flags[0].metadata,
            json!({"window": "last_24h", "total_runs": 20, "failed_runs": 3, "percentage": 15.0,
                   "warning_pct": 10.0, "critical_pct": 25.0})
        );
        assert_eq!(
            e.flags[1].description,
            "8 published items have no metrics (threshold 5)"
        );
        assert_eq!(
            e.flags[2].description,
            "2 runs are missing publish records (critical threshold 0)"
        );
        assert_eq!(
            e.flags[2].metadata,
            json!({"count": 2, "warning_threshold": 0, "critical_threshold": 0})
        );
        assert_eq!(
            one_line(&e),
            "CRITICAL - failed runs 24h 15.0% (3/20), 7d 8.6% (12/140); missing metrics 8; missing publish records 2"
        );
    }

    #[test]
    fn summary_json_has_the_exact_reference_shape() {
        let e = evaluate(&docs_example(), &Thresholds::default());
        let s = e.summary.as_object().unwrap();
        let fr = s["failed_runs"].as_object().unwrap();
        for window in ["last_24h", "last_7d"] {
            let w = fr[window].as_object().unwrap();
            assert!(w["total_runs"].is_i64(), "{window}.total_runs");
            assert!(w["failed_runs"].is_i64(), "{window}.failed_runs");
            assert!(
                w["percentage"].is_f64(),
                "{window}.percentage must be a float"
            );
            assert!(w["alert"].is_boolean(), "{window}.alert");
            assert!(w["severity"].is_string() || w["severity"].is_null());
        }
        for key in ["missing_metrics", "missing_publish_records"] {
            let m = s[key].as_object().unwrap();
            assert!(m["count"].is_i64(), "{key}.count");
            assert!(m["alert"].is_boolean(), "{key}.alert");
            assert!(m.contains_key("severity"), "{key}.severity");
        }
        assert!(s["status"].is_string());
        // 0 % must still serialise as a float, as Python's 0.0 does.
        let quiet = evaluate(&RedFlagInputs::default(), &Thresholds::default());
        let text = serde_json::to_string(&quiet.summary["failed_runs"]["last_24h"]).unwrap();
        assert!(text.contains("\"percentage\":0.0"), "{text}");
        let mut keys: Vec<_> = s.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "failed_runs",
                "ingestion_failing",
                "missing_metrics",
                "missing_publish_records",
                "status",
                "stuck_runs"
            ]
        );
    }

    #[test]
    fn exactly_the_warning_percentage_is_not_an_alert() {
        let inputs = RedFlagInputs {
            runs_24h: counts(20, 2),
            runs_7d: counts(10, 1),
            ..RedFlagInputs::default()
        };
        let e = evaluate(&inputs, &Thresholds::default());
        assert_eq!(e.summary["failed_runs"]["last_24h"]["percentage"], 10.0);
        assert_eq!(e.summary["failed_runs"]["last_24h"]["alert"], false);
        assert_eq!(e.summary["failed_runs"]["last_7d"]["alert"], false);
        assert!(e.flags.is_empty());
        assert_eq!(e.overall, Overall::Ok);
        assert_eq!(e.summary["status"], "OK");
    }

    #[test]
    fn no_runs_is_zero_percent_and_no_alert() {
        let e = evaluate(&RedFlagInputs::default(), &Thresholds::default());
        for window in ["last_24h", "last_7d"] {
            assert_eq!(
                e.summary["failed_runs"][window],
                json!({"total_runs": 0, "failed_runs": 0, "percentage": 0.0, "alert": false, "severity": null})
            );
        }
        assert_eq!(
            e.summary["missing_publish_records"],
            json!({"count": 0, "alert": false, "severity": null})
        );
        assert_eq!(e.overall, Overall::Ok);
        assert_eq!(
            one_line(&e),
            "OK - failed runs 24h 0.0% (0/0), 7d 0.0% (0/0); missing metrics 0; missing publish records 0"
        );
    }

    #[test]
    fn failed_runs_boundaries() {
        let t = Thresholds::default();
        let severity_for = |c: RunCounts| {
            let e = evaluate(
                &RedFlagInputs {
                    runs_7d: c,
                    ..RedFlagInputs::default()
                },
                &t,
            );
            e.flags
                .iter()
                .find(|f| f.kind == FlagKind::FailedRuns7d)
                .map(|f| f.severity)
        };
        assert_eq!(severity_for(counts(1000, 100)), None); // 10.0
        assert_eq!(severity_for(counts(1000, 101)), Some(Severity::Warning)); // 10.1
        assert_eq!(severity_for(counts(1000, 250)), Some(Severity::Warning)); // 25.0
        assert_eq!(severity_for(counts(1000, 251)), Some(Severity::Critical)); // 25.1
        assert_eq!(severity_for(counts(1, 1)), Some(Severity::Critical)); // 100
        // Rounding happens before comparing: 10.04 % rounds to 10.0 -> no alert, like MPIS.
        assert_eq!(severity_for(counts(10000, 1004)), None);
        let e = evaluate(
            &RedFlagInputs {
                runs_7d: counts(4, 2),
                ..RedFlagInputs::default()
            },
            &t,
        );
        assert_eq!(
            e.flags[0].description,
            "2 of 4 runs failed in the last 7 days (50.0 %, critical threshold 25.0 %)"
        );
    }

    #[test]
    fn missing_metrics_boundaries() {
        let t = Thresholds::default();
        let severity_for = |n: i64| {
            evaluate(
                &RedFlagInputs {
                    missing_metrics: n,
                    ..RedFlagInputs::default()
                },
                &t,
            )
            .flags
            .first()
            .map(|f| (f.kind, f.severity))
        };
        assert_eq!(severity_for(0), None);
        assert_eq!(severity_for(5), None);
        assert_eq!(
            severity_for(6),
            Some((FlagKind::MissingMetrics, Severity::Warning))
        );
        assert_eq!(
            severity_for(50),
            Some((FlagKind::MissingMetrics, Severity::Warning))
        );
        assert_eq!(
            severity_for(51),
            Some((FlagKind::MissingMetrics, Severity::Critical))
        );
    }

    #[test]
    fn missing_publish_records_boundaries() {
        let count_flag = |n: i64, t: &Thresholds| {
            evaluate(
                &RedFlagInputs {
                    missing_publish_records: n,
                    ..RedFlagInputs::default()
                },
                t,
            )
            .flags
            .first()
            .map(|f| f.severity)
        };
        let defaults = Thresholds::default();
        assert_eq!(count_flag(0, &defaults), None);
        assert_eq!(count_flag(1, &defaults), Some(Severity::Critical));
        let relaxed = Thresholds {
            missing_publish_records_warning: 2,
            missing_publish_records_critical: 4,
            ..Thresholds::default()
        };
        assert_eq!(count_flag(2, &relaxed), None);
        assert_eq!(count_flag(3, &relaxed), Some(Severity::Warning));
        assert_eq!(count_flag(4, &relaxed), Some(Severity::Warning));
        assert_eq!(count_flag(5, &relaxed), Some(Severity::Critical));
        let e = evaluate(
            &RedFlagInputs {
                missing_publish_records: 1,
                ..RedFlagInputs::default()
            },
            &defaults,
        );
        assert_eq!(
            e.flags[0].description,
            "1 run is missing publish records (critical threshold 0)"
        );
    }

    #[test]
    fn overall_is_the_worst_severity() {
        let t = Thresholds::default();
        let warning_only = RedFlagInputs {
            missing_metrics: 6,
            ..RedFlagInputs::default()
        };
        assert_eq!(evaluate(&warning_only, &t).overall, Overall::Warning);
        let warning_and_critical = RedFlagInputs {
            missing_metrics: 6,
            runs_24h: counts(10, 5),
            ..RedFlagInputs::default()
        };
        let e = evaluate(&warning_and_critical, &t);
        assert_eq!(e.overall, Overall::Critical);
        assert_eq!(e.summary["status"], "CRITICAL");
        assert_eq!(evaluate(&RedFlagInputs::default(), &t).overall, Overall::Ok);
        assert!(Severity::Critical > Severity::Warning);
        assert_eq!(Overall::from_worst(None), Overall::Ok);
    }

    #[test]
    fn silenced_flags_do_not_count_towards_the_overall_state() {
        let t = Thresholds::default();
        let inputs = RedFlagInputs {
            missing_metrics: 6,
            runs_24h: counts(10, 5),
            runs_7d: counts(10, 5),
            ..RedFlagInputs::default()
        };
        let critical = FlagKind::FailedRuns24h.key().to_string();
        let e = with_silenced(evaluate(&inputs, &t), std::slice::from_ref(&critical));
        // The 7-day window holds the same runs: still critical.
        assert_eq!(e.overall, Overall::Critical);
        let both = [critical, FlagKind::FailedRuns7d.key().to_string()];
        let e = with_silenced(evaluate(&inputs, &t), &both);
        assert_eq!(e.overall, Overall::Warning, "the missing metrics remain");
        assert_eq!(e.summary["status"], "WARNING");
        assert_eq!(e.summary["silenced"], json!(both));
        assert_eq!(e.flags.len(), 3, "silenced flags stay listed");
        let untouched = with_silenced(evaluate(&inputs, &t), &[]);
        assert_eq!(untouched, evaluate(&inputs, &t));
    }

    #[test]
    fn samples_are_passed_through_only_when_given() {
        let item = json!({"published_item_id": "990e8400-e29b-41d4-a716-446655440004",
                          "published_at": "2025-12-15T10:00:00Z", "channel": "telegram"});
        let run = json!({"run_id": "550e8400-e29b-41d4-a716-446655440000",
                         "started_at": "2025-12-15T09:00:00Z"});
        let inputs = RedFlagInputs {
            missing_metrics: 8,
            missing_publish_records: 2,
            missing_metrics_items: vec![item.clone()],
            missing_publish_record_runs: vec![run.clone()],
            ..RedFlagInputs::default()
        };
        let e = evaluate(&inputs, &Thresholds::default());
        assert_eq!(e.summary["missing_metrics"]["items"], json!([item]));
        assert_eq!(e.summary["missing_publish_records"]["runs"], json!([run]));
        assert_eq!(e.flags[0].metadata["items"], json!([item]));
        assert_eq!(e.flags[1].metadata["runs"], json!([run]));
        let bare = evaluate(&docs_example(), &Thresholds::default());
        assert!(bare.summary["missing_metrics"].get("items").is_none());
        assert!(
            bare.summary["missing_publish_records"]
                .get("runs")
                .is_none()
        );
    }

    #[test]
    fn custom_thresholds_change_alert_and_description() {
        let t = Thresholds {
            failed_runs_warning_pct: 12.5,
            failed_runs_critical_pct: 40.0,
            ..Thresholds::default()
        };
        let e = evaluate(&docs_example(), &t);
        assert_eq!(
            e.flags[0].description,
            "3 of 20 runs failed in the last 24 h (15.0 %, threshold 12.5 %)"
        );
        let strict = Thresholds {
            failed_runs_warning_pct: 0.0,
            ..Thresholds::default()
        };
        let e = evaluate(&docs_example(), &strict);
        assert_eq!(e.summary["failed_runs"]["last_7d"]["alert"], true);
    }

    #[test]
    fn flag_kind_keys_round_trip() {
        for &kind in FlagKind::ALL {
            assert_eq!(FlagKind::from_key(kind.key()), Some(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.key()));
            assert_eq!(kind.to_string(), kind.key());
        }
        assert_eq!(
            FlagKind::ALL.iter().map(|k| k.key()).collect::<Vec<_>>(),
            [
                "failed_runs_24h",
                "failed_runs_7d",
                "missing_metrics",
                "missing_publish_records",
                "stuck_runs",
                "ingestion_failing"
            ]
        );
        assert_eq!(FlagKind::from_key("failed_runs_30d"), None);
    }

    #[test]
    fn severity_and_overall_names() {
        assert_eq!(
            serde_json::to_value(Severity::Critical).unwrap(),
            json!("critical")
        );
        assert_eq!(Severity::parse(" Warning "), Some(Severity::Warning));
        assert_eq!(Severity::parse("info"), None);
        let codes: Vec<_> = [
            Overall::Ok,
            Overall::Warning,
            Overall::Critical,
            Overall::Unknown,
        ]
        .into_iter()
        .map(|o| (o.as_str(), o.exit_code()))
        .collect();
        assert_eq!(
            codes,
            [("OK", 0), ("WARNING", 1), ("CRITICAL", 2), ("UNKNOWN", 3)]
        );
        assert_eq!(serde_json::to_value(Overall::Ok).unwrap(), json!("OK"));
    }

    #[test]
    fn unknown_evaluation_line() {
        let e = Evaluation::unknown("cannot reach the database: connection refused");
        assert_eq!(e.overall.exit_code(), 3);
        assert_eq!(e.summary["status"], "UNKNOWN");
        assert_eq!(
            one_line(&e),
            "UNKNOWN - cannot reach the database: connection refused"
        );
    }

    #[test]
    fn flag_serialises_for_storage() {
        let e = evaluate(&docs_example(), &Thresholds::default());
        let v = serde_json::to_value(&e.flags[2]).unwrap();
        assert_eq!(v["kind"], "missing_publish_records");
        assert_eq!(v["severity"], "critical");
        let back: Flag = serde_json::from_value(v).unwrap();
        assert_eq!(back, e.flags[2]);
    }

    #[test]
    fn run_timeout_reads_units_and_seconds() {
        assert_eq!(RunTimeout::default().secs(), 6 * 3600);
        assert_eq!(RunTimeout::default().to_string(), "6h");
        for (text, secs) in [
            ("6h", 21_600),
            ("90m", 5_400),
            ("1h30m", 5_400),
            (" 45s ", 45),
            ("2d", 172_800),
            ("3600", 3_600),
            ("1H", 3_600),
        ] {
            assert_eq!(
                RunTimeout::parse(text).map(RunTimeout::secs),
                Ok(secs),
                "{text}"
            );
        }
        assert_eq!(RunTimeout::parse("90m").unwrap().to_string(), "1h30m");
        assert_eq!(RunTimeout::parse("45s").unwrap().to_string(), "45s");
        for bad in [
            "",
            "6",
            "h",
            "6x",
            "6h5",
            "0h",
            "-1",
            "99999999999999999999d",
        ] {
            let parsed = RunTimeout::parse(bad);
            if bad == "6" {
                assert_eq!(parsed.map(RunTimeout::secs), Ok(6), "plain seconds");
            } else {
                assert!(parsed.is_err(), "{bad:?} -> {parsed:?}");
            }
        }
    }

    #[test]
    fn run_timeout_in_the_config_as_text_or_seconds() {
        let t: Thresholds =
            toml::from_str("run_timeout = \"2h\"\nstuck_runs_critical = 5").unwrap();
        assert_eq!(t.run_timeout.secs(), 7_200);
        assert_eq!(t.stuck_runs_critical, 5);
        assert_eq!(t.stuck_runs_warning, 0);
        let t: Thresholds = toml::from_str("run_timeout = 600").unwrap();
        assert_eq!(t.run_timeout.to_string(), "10m");
        let err = toml::from_str::<Thresholds>("run_timeout = \"soon\"").unwrap_err();
        assert!(err.to_string().contains("run_timeout"), "{err}");
        assert!(toml::from_str::<Thresholds>("run_timeout = 0").is_err());
        let bad = Thresholds {
            stuck_runs_warning: 3,
            stuck_runs_critical: 1,
            ..Thresholds::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("stuck_runs_warning (3)")
        );
    }

    #[test]
    fn stuck_runs_raise_a_warning_then_critical_above_two() {
        let t = Thresholds::default();
        let quiet = evaluate(&RedFlagInputs::default(), &t);
        assert_eq!(
            quiet.summary["stuck_runs"],
            json!({"count": 0, "alert": false, "severity": null, "run_timeout": "6h"})
        );
        assert!(!one_line(&quiet).contains("stuck"));

        let sample = vec![json!({"run_id": "550e8400-e29b-41d4-a716-446655440000",
                                 "started_at": "2025-12-15T00:00:00Z"})];
        let one = RedFlagInputs {
            stuck_runs: 1,
            stuck_run_samples: sample.clone(),
            ..RedFlagInputs::default()
        };
        let e = evaluate(&one, &t);
        assert_eq!(e.overall, Overall::Warning);
        let flag = e
            .flags
            .iter()
            .find(|f| f.kind == FlagKind::StuckRuns)
            .unwrap();
        assert_eq!(flag.severity, Severity::Warning);
        assert_eq!(
            flag.description,
            "1 run has been running for more than 6h (threshold 0)"
        );
        assert_eq!(flag.metadata["run_timeout_secs"], json!(21_600));
        assert_eq!(flag.metadata["runs"], json!(sample));
        assert_eq!(e.summary["stuck_runs"]["runs"], json!(sample));
        assert_eq!(e.summary["stuck_runs"]["severity"], json!("warning"));
        assert!(one_line(&e).ends_with("; missing publish records 0; stuck runs 1"));

        for (count, severity) in [(2, Severity::Warning), (3, Severity::Critical)] {
            let inputs = RedFlagInputs {
                stuck_runs: count,
                ..RedFlagInputs::default()
            };
            let e = evaluate(&inputs, &t);
            assert_eq!(e.flags.len(), 1);
            assert_eq!(e.flags[0].severity, severity, "{count}");
        }
        let critical = evaluate(
            &RedFlagInputs {
                stuck_runs: 3,
                ..RedFlagInputs::default()
            },
            &t,
        );
        assert_eq!(
            critical.flags[0].description,
            "3 runs have been running for more than 6h (critical threshold 2)"
        );
        assert_eq!(FlagKind::from_key("stuck_runs"), Some(FlagKind::StuckRuns));
    }

    #[test]
    fn ingestion_failing_is_a_warning_until_every_enabled_job_fails() {
        let t = Thresholds::default();
        let quiet = evaluate(
            &RedFlagInputs {
                ingestion_jobs_enabled: 4,
                ..RedFlagInputs::default()
            },
            &t,
        );
        assert_eq!(
            quiet.summary["ingestion_failing"],
            json!({"count": 0, "alert": false, "severity": null, "enabled_jobs": 4,
                   "failures_in_a_row": 3})
        );
        assert!(!one_line(&quiet).contains("ingestion"));
        assert_eq!(quiet.overall, Overall::Ok);

        let job = json!({"job_name": "yt-hourly", "reason": "in_a_row", "failures": 3});
        let some = RedFlagInputs {
            ingestion_failing: 1,
            ingestion_jobs_enabled: 4,
            ingestion_failing_jobs: vec![job.clone()],
            ..RedFlagInputs::default()
        };
        let e = evaluate(&some, &t);
        assert_eq!(e.overall, Overall::Warning);
        let flag = &e.flags[0];
        assert_eq!(
            (flag.kind, flag.severity),
            (FlagKind::IngestionFailing, Severity::Warning)
        );
        assert_eq!(
            flag.description,
            "1 of 4 ingestion jobs is failing (3 failed runs in a row, or no successful run for 3 intervals)"
        );
        assert_eq!(flag.metadata["jobs"], json!([job]));
        assert_eq!(e.summary["ingestion_failing"]["jobs"], json!([job]));
        assert!(one_line(&e).ends_with("; missing publish records 0; ingestion failing 1"));

        let all = RedFlagInputs {
            ingestion_failing: 2,
            ingestion_jobs_enabled: 2,
            ..RedFlagInputs::default()
        };
        let e = evaluate(&all, &t);
        assert_eq!(e.overall, Overall::Critical);
        assert_eq!(
            e.flags[0].description,
            "all 2 enabled ingestion jobs are failing (3 failed runs in a row, or no successful run for 3 intervals)"
        );
        let custom = Thresholds {
            ingestion_failures_in_a_row: 5,
            ..Thresholds::default()
        };
        let e = evaluate(
            &RedFlagInputs {
                ingestion_failing: 1,
                ingestion_jobs_enabled: 1,
                ..RedFlagInputs::default()
            },
            &custom,
        );
        assert_eq!(
            e.flags[0].description,
            "the only enabled ingestion job is failing (5 failed runs in a row, or no successful run for 3 intervals)"
        );
        assert_eq!(e.summary["ingestion_failing"]["failures_in_a_row"], 5);
    }

    #[test]
    fn ingestion_failures_in_a_row_is_configured_and_at_least_one() {
        assert_eq!(Thresholds::default().ingestion_failures_in_a_row, 3);
        let t: Thresholds = toml::from_str("ingestion_failures_in_a_row = 5").unwrap();
        assert_eq!(t.ingestion_failures_in_a_row, 5);
        assert_eq!(t.validate(), Ok(()));
        for bad in [0, -2] {
            let t = Thresholds {
                ingestion_failures_in_a_row: bad,
                ..Thresholds::default()
            };
            assert_eq!(
                t.validate().unwrap_err().to_string(),
                format!("ingestion_failures_in_a_row = {bad}: must be at least 1")
            );
        }
    }
}
