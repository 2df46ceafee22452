//! The confidence formula of the module doc: sample size times effect size.

/// Half confidence at this many measurements in the smaller group compared.
pub const HALF_AT: f64 = 20.0;
/// A relative gap of this size counts as a full effect.
pub const FULL_EFFECT_GAP: f64 = 0.2;

/// `n / (n + K)`: how much the sample size alone supports an answer.
pub fn sample_weight(n: u64) -> f64 {
    let n = n as f64;
    n / (n + HALF_AT)
}

/// `min(1, gap / 0.2)` for the relative gap between the winner `a` and the runner-up `b`
/// (both engagement rates, `a >= b`); a winner of 0 has no effect.
pub fn effect_weight(a: f64, b: f64) -> f64 {
    let top = a.abs().max(b.abs());
    if top <= 0.0 || !top.is_finite() {
        return 0.0;
    }
    let gap = (a - b).abs() / top;
    (gap / FULL_EFFECT_GAP).min(1.0)
}

/// The two combined, rounded to two decimals (the API's `confidence`).
pub fn confidence(n: u64, a: f64, b: f64) -> f64 {
    round2(sample_weight(n) * effect_weight(a, b))
}

/// A ranked list of `n` items: sample size only.
pub fn list_confidence(n: u64) -> f64 {
    round2(sample_weight(n))
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_measurements_and_a_full_gap_give_one_half() {
        assert_eq!(confidence(20, 0.10, 0.05), 0.5);
    }

    #[test]
    fn a_small_gap_scales_down_linearly() {
        // 10 % gap = half the full effect; 180 measurements = 0.9.
        assert_eq!(confidence(180, 0.10, 0.09), 0.45);
    }

    #[test]
    fn nothing_measured_or_nothing_to_compare_is_zero() {
        assert_eq!(confidence(0, 0.1, 0.01), 0.0);
        assert_eq!(confidence(100, 0.0, 0.0), 0.0);
        assert_eq!(confidence(100, 0.05, 0.05), 0.0);
    }

    #[test]
    fn confidence_never_exceeds_one() {
        assert!(confidence(u64::MAX / 2, 1.0, 0.0) <= 1.0);
        assert_eq!(list_confidence(0), 0.0);
        assert_eq!(list_confidence(20), 0.5);
    }
}
