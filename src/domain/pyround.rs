//! CPython's `round(x, ndigits)` for floats, bit for bit.
//!
//! MPIS computes engagement rates and red-flag percentages with Python's `round`, which rounds
//! the *exact* binary value of the double half-to-even and converts the decimal result back to the
//! nearest double (`double_round` in `Objects/floatobject.c`). `(x * 10^n).round() / 10^n`
//! disagrees with it on many inputs (e.g. `round(2.675, 2) == 2.67`, `round(0.125, 2) == 0.12`),
//! so the dashboard would show numbers that differ from the ones MPIS stored. Rust's fixed
//! precision formatting does exactly what CPython does (the exact value, rounded half to even),
//! and parsing is correctly rounded, so the two together are CPython's `round`.

/// Past this many digits every double is already exact, so CPython returns `x` unchanged.
const NDIGITS_MAX: u32 = 323; // (DBL_MANT_DIG - DBL_MIN_EXP) * 0.30103

/// Rounds `x` to `ndigits` decimal places exactly like CPython's `round(x, ndigits)` on a float
/// (MPIS rounds to 1 and 4 places; negative `ndigits` are not needed). NaN and infinities come
/// back unchanged, as in Python, and the sign of zero is kept (`round(-0.001, 2) == -0.0`).
pub fn python_round(x: f64, ndigits: u32) -> f64 {
    if !x.is_finite() || ndigits > NDIGITS_MAX {
        return x;
    }
    // "-0.00" parses to -0.0, keeping the sign; the digits always parse.
    format!("{x:.precision$}", precision = ndigits as usize)
        .parse()
        .unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(x, ndigits, python's round(x, ndigits))`, produced by CPython 3.11 (`repr` of each value,
    /// which Rust parses to the same double). Picked from a few hundred random and tie values that
    /// were all checked against `python3 -c 'print(round(x, n))'` when this table was made.
    const CPYTHON_TABLE: &[(f64, u32, f64)] = &[
        (-638449.5168404321, 3, -638449.517),
        (79578.42820875232, 6, 79578.428209),
        (-5034776.257630386, 3, -5034776.258),
        (-4596865.773910279, 1, -4596865.8),
        (7.349983732599503, 1, 7.3),
        (0.1831155890685452, 4, 0.1831),
        (1487233.5042411145, 0, 1487234.0),
        (-8.428514559955841e-08, 8, -8e-08),
        (-9.844032891233388e-07, 2, -0.0),
        (79.17693214577528, 0, 79.0),
        (-0.13064269317900545, 0, -0.0),
        (2883598.4833534, 10, 2883598.4833534),
        (-0.206298828125, 9, -0.206298828),
        (0.66796875, 3, 0.668),
        (35.25, 0, 35.0),
        (11.625, 4, 11.625),
        (269.125, 4, 269.125),
        (4.1494140625, 5, 4.14941),
        (-264.75, 2, -264.75),
        (-4.3369140625, 0, -4.0),
        (133.09375, 0, 133.0),
        (-1.197265625, 4, -1.1973),
        (0.94189453125, 11, 0.94189453125),
        (84.59375, 1, 84.6),
        (11.09375, 8, 11.09375),
        (-14.125, 1, -14.1),
        (72.75, 2, 72.75),
        (0.138671875, 7, 0.1386719),
        (47.3645, 3, 47.364),
        (169.595, 2, 169.59),
        (0.936585, 5, 0.93659),
        (3958.35, 1, 3958.3),
        (0.0015, 3, 0.002),
        (25.9105, 3, 25.91),
        (6.31175, 4, 6.3117),
        (0.0689995, 6, 0.069),
        (91271.5, 0, 91272.0),
        (8608.85, 1, 8608.9),
        (0.54005, 4, 0.5401),
        (4.05695, 4, 4.0569),
        (278.925, 2, 278.93),
        (41750.5, 0, 41750.0),
        (4.14995, 4, 4.1499),
        (0.0834265, 6, 0.083427),
        (0.14197646179712312, 4, 0.142),
        (0.5066115702479339, 4, 0.5066),
        (0.1280998613037448, 4, 0.1281),
        (0.12305242806778119, 4, 0.1231),
        (0.21285465405674464, 4, 0.2129),
        (0.42191171015209594, 4, 0.4219),
        (0.3383736559139785, 4, 0.3384),
        (0.36741144414168936, 4, 0.3674),
        (0.5845995364408962, 4, 0.5846),
        (0.1006362058993638, 4, 0.1006),
        (4.026845637583892, 1, 4.0),
        (96.29629629629629, 1, 96.3),
        (34.46969696969697, 1, 34.5),
        (53.07377049180327, 1, 53.1),
        (9.433962264150944, 1, 9.4),
        (32.28346456692913, 1, 32.3),
        (93.0379746835443, 1, 93.0),
        (6.763285024154589, 1, 6.8),
        (82.4390243902439, 1, 82.4),
        (0.6666666666666667, 1, 0.7),
        (0.000125, 4, 0.0001),
        (0.0001875, 4, 0.0002),
        (0.125, 2, 0.12),
        (2.675, 2, 2.67),
        (0.5, 0, 0.0),
        (1.5, 0, 2.0),
        (2.5, 0, 2.0),
        (-2.5, 0, -2.0),
        (5e-324, 323, 0.0),
        (0.045, 2, 0.04),
        (1.005, 2, 1.0),
        (-0.001, 2, -0.0),
    ];

    #[test]
    fn matches_the_cpython_table_bit_for_bit() {
        assert!(CPYTHON_TABLE.len() >= 50);
        for &(x, n, expected) in CPYTHON_TABLE {
            let got = python_round(x, n);
            assert_eq!(
                got.to_bits(),
                expected.to_bits(),
                "round({x:?}, {n}) = {got:?}, CPython says {expected:?}"
            );
        }
    }

    #[test]
    fn reference_examples() {
        assert_eq!(python_round(1.0 / 8000.0, 4), 0.0001);
        assert_eq!(python_round(3.0 / 16000.0, 4), 0.0002);
        assert_eq!(python_round(0.125, 2), 0.12);
        assert_eq!(python_round(0.375, 2), 0.38);
        assert_eq!(python_round(2.675, 2), 2.67);
        assert_eq!(python_round(118.0 / 1500.0, 4), 0.0787);
        assert_eq!(python_round(219.0 / 2100.0, 4), 0.1043);
        assert_eq!(python_round(12.0 / 140.0 * 100.0, 1), 8.6);
    }

    #[test]
    fn halves_go_to_even_at_every_scale() {
        assert_eq!(python_round(0.5, 0), 0.0);
        assert_eq!(python_round(1.5, 0), 2.0);
        assert_eq!(python_round(2.5, 0), 2.0);
        assert_eq!(python_round(-2.5, 0), -2.0);
        assert_eq!(python_round(0.0625, 3), 0.062);
    }

    #[test]
    fn keeps_sign_of_zero_and_special_values() {
        assert!(python_round(-0.001, 2).is_sign_negative());
        assert_eq!(python_round(-0.001, 2), 0.0);
        assert!(python_round(0.001, 2).is_sign_positive());
        assert!(python_round(-0.0, 3).is_sign_negative());
        assert!(python_round(f64::NAN, 2).is_nan());
        assert_eq!(python_round(f64::INFINITY, 2), f64::INFINITY);
        assert_eq!(python_round(f64::NEG_INFINITY, 2), f64::NEG_INFINITY);
    }

    #[test]
    fn extreme_ndigits() {
        assert_eq!(python_round(0.1, 400), 0.1);
        assert_eq!(python_round(5e-324, 323), 0.0);
        assert_eq!(python_round(5e-324, 324), 5e-324);
        assert_eq!(python_round(f64::MAX, 2), f64::MAX);
        assert_eq!(python_round(123.456, 0), 123.0);
    }
}
