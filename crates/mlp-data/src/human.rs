//! Text for people: numbers with significant digits, counts with thousands separators, and
//! singular or plural nouns. Machine outputs (CSV logs, JSON, model files) keep shortest
//! round-trip numbers instead.

use std::fmt;

/// Formats a number for reading with 4 significant digits: fixed notation for magnitudes from
/// 0.0001 up to 1,000,000 (whole numbers of 1000 or more keep all their integer digits),
/// scientific notation outside that range; trailing zeros are dropped.
///
/// `0` → `0`, `-0.5` → `-0.5`, `0.98` → `0.98`, `1234.5` → `1234` (ties go to the even digit,
/// as `format!` rounds), `3.0936e-16` → `3.094e-16`, `1e9` → `1e9`, NaN → `NaN`,
/// ∞ → `inf`. Honours width and alignment: `format!("{:>8}", Significant(x))`.
///
/// # Example
///
/// ```
/// use mlp_data::human::Significant;
///
/// assert_eq!(Significant(0.000_000_000_000_000_309_36).to_string(), "3.094e-16");
/// assert_eq!(Significant(0.95).to_string(), "0.95");
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Significant(pub f64);

/// Significant digits of [`Significant`].
const SIGNIFICANT_DIGITS: i32 = 4;

impl fmt::Display for Significant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        let text = if x.is_nan() {
            "NaN".to_owned()
        } else if x.is_infinite() {
            if x > 0.0 { "inf" } else { "-inf" }.to_owned()
        } else if x == 0.0 {
            "0".to_owned()
        } else if (1e-4..1e6).contains(&x.abs()) {
            let exponent = x.abs().log10().floor() as i32;
            let decimals = (SIGNIFICANT_DIGITS - 1 - exponent).max(0) as usize;
            without_trailing_zeros(&format!("{x:.decimals$}")).to_owned()
        } else {
            let decimals = (SIGNIFICANT_DIGITS - 1) as usize;
            let text = format!("{x:.decimals$e}");
            let (mantissa, exponent) = text.split_once('e').expect("`{:e}` writes an exponent");
            format!("{}e{exponent}", without_trailing_zeros(mantissa))
        };
        f.pad(&text)
    }
}

/// `1.2300` → `1.23`, `2.000` → `2`; text without a decimal point is kept.
fn without_trailing_zeros(text: &str) -> &str {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        text
    }
}

/// A count with thousands separators: `411136` → `411,136`.
pub fn thousands(count: u64) -> String {
    let digits = count.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (digit_idx, digit) in digits.chars().enumerate() {
        if digit_idx > 0 && (digits.len() - digit_idx) % 3 == 0 {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// A count and a noun, singular for exactly one: `1 sample`, `0 samples`, `1,000 steps`.
/// The plural adds an `s`, which is right for every noun mlp counts.
pub fn plural(count: u64, noun: &str) -> String {
    let s = if count == 1 { "" } else { "s" };
    format!("{} {noun}{s}", thousands(count))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn significant(x: f64) -> String {
        Significant(x).to_string()
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(0.0), "0");
        assert_eq!(significant(-0.0), "0");
        assert_eq!(significant(-0.5), "-0.5");
        assert_eq!(significant(-1234.5678), "-1235");
        assert_eq!(significant(0.98), "0.98");
        assert_eq!(significant(0.123456), "0.1235");
        assert_eq!(significant(1.0), "1");
        // 1234.5 is exact in binary; the tie goes to the even digit.
        assert_eq!(significant(1234.5), "1234");
        assert_eq!(significant(21438.526883), "21439");
        assert_eq!(significant(0.00012345), "0.0001234");
        assert_eq!(significant(0.99996), "1");
    }

    #[test]
    fn scientific_for_very_small_and_large_magnitudes() {
        assert_eq!(significant(1e-16), "1e-16");
        // The tutorial's loss after 1,000 steps.
        assert_eq!(significant(3.0936e-16), "3.094e-16");
        assert_eq!(significant(0.00001), "1e-5");
        assert_eq!(significant(-0.000012345), "-1.234e-5");
        assert_eq!(significant(1e9), "1e9");
        assert_eq!(significant(4_990_899_658_458_503_168.0), "4.991e18");
        assert_eq!(significant(1_000_000.0), "1e6");
        assert_eq!(significant(999_999.0), "999999");
    }

    #[test]
    fn non_finite() {
        assert_eq!(significant(f64::NAN), "NaN");
        assert_eq!(significant(f64::INFINITY), "inf");
        assert_eq!(significant(f64::NEG_INFINITY), "-inf");
    }

    #[test]
    fn width_and_alignment() {
        assert_eq!(format!("{:>6}", Significant(0.5)), "   0.5");
        assert_eq!(format!("{:<6}|", Significant(1e9)), "1e9   |");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(411_136), "411,136");
        assert_eq!(thousands(1_048_575), "1,048,575");
        assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
    }

    #[test]
    fn singular_and_plural() {
        assert_eq!(plural(0, "sample"), "0 samples");
        assert_eq!(plural(1, "sample"), "1 sample");
        assert_eq!(plural(2, "epoch"), "2 epochs");
        assert_eq!(plural(1500, "row"), "1,500 rows");
    }
}
