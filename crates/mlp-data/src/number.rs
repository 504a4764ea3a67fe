//! One cell's bytes to an `f64`, without allocating: exactly what Rust's `str::parse::<f64>`
//! reads, or the same with a decimal comma.
//!
//! Short decimals (at most 19 digits, a power of ten up to 10^22: every `%.6g` text) are
//! computed here exactly, with one rounding (`parse_short_decimal`); anything else goes to the
//! standard library's parser (an exact Eisel–Lemire parser with a big-number fallback), which
//! also checks the UTF-8. Before the short path, on 200,000 cells (`%.6g` texts, and shortest round-trip texts), in interleaved
//! rounds, the `fast-float2` crate parsed 3–20% and `lexical-core` 19–26% more cells per second,
//! both agreeing with it bit for bit: a modest gain on one part of reading a file, not enough to
//! take on a dependency with a large `unsafe` surface. [`parse_number`] is the one place to
//! change if that balance moves.

/// How a file writes the decimal separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalSeparator {
    /// `1.5`, `-2.5e-3`: what Rust, C, Python and most CSV writers write.
    #[default]
    Point,
    /// `1,5`, `-2,5e-3`: spreadsheets in many European locales (with `;` between fields). A `.`
    /// in a cell is then rejected, not read as a thousands separator: `1.234,5` and `1.234` are
    /// not numbers, so a cell that could mean either 1.234 or 1234 is an error pointing at it
    /// rather than a silent guess.
    Comma,
}

/// Why a cell is not a number, from [`parse_number`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NotANumber {
    /// The cell is empty, or only ASCII whitespace.
    Empty,
    /// A text Rust's parser reads as NaN or ±infinity: `nan`, `NaN`, `inf`, `-Infinity`, …
    /// (case-insensitive, with an optional sign). The caller decides whether it is a missing
    /// value, an error or a non-finite number.
    NonFiniteText,
    /// Anything else that is not a number in this format: `abc`, `1.2.3`, `0x10`, `1 000`, a
    /// `.` with [`DecimalSeparator::Comma`], …
    Text,
}

/// Longest decimal-comma cell rewritten on the stack; a longer one (a number with over a
/// hundred digits) is rewritten in a heap buffer.
const MAX_STACK_CELL: usize = 128;

/// Parses one cell as a number.
///
/// With [`DecimalSeparator::Point`] the result is exactly `str::parse::<f64>` of the cell
/// with leading and trailing ASCII whitespace removed, bit for bit (that is what a randomized
/// test checks), except that texts `str::parse` reads as NaN or infinity (`nan`, `inf`,
/// `infinity`, any case, signed) are [`NotANumber::NonFiniteText`]. A number too large for an
/// `f64` (`1e400`) is `±inf`, as `str::parse` gives it: callers that need finite values check.
///
/// With [`DecimalSeparator::Comma`] a `,` plays the role of the `.` (`1,5` is 1.5), and a `.`
/// makes the cell [`NotANumber::Text`].
///
/// Allocates nothing (except for a decimal-comma cell of more than 128 bytes).
///
/// # Example
///
/// ```
/// use mlp_data::{parse_number, DecimalSeparator, NotANumber};
///
/// assert_eq!(parse_number(b" 2.5e3 ", DecimalSeparator::Point), Ok(2500.0));
/// assert_eq!(parse_number(b"-1,5", DecimalSeparator::Comma), Ok(-1.5));
/// assert_eq!(parse_number(b"1.234,5", DecimalSeparator::Comma), Err(NotANumber::Text));
/// assert_eq!(parse_number(b"NaN", DecimalSeparator::Point), Err(NotANumber::NonFiniteText));
/// assert_eq!(parse_number(b"", DecimalSeparator::Point), Err(NotANumber::Empty));
/// assert_eq!(parse_number(b"Torgersen", DecimalSeparator::Point), Err(NotANumber::Text));
/// ```
pub fn parse_number(cell: &[u8], decimal: DecimalSeparator) -> Result<f64, NotANumber> {
    let text = cell.trim_ascii();
    if text.is_empty() {
        return Err(NotANumber::Empty);
    }
    match decimal {
        DecimalSeparator::Point => parse_point_decimal(text),
        DecimalSeparator::Comma => parse_comma_decimal(text),
    }
}

/// `str::parse::<f64>` of `text` (trimmed, non-empty), non-finite texts set apart.
fn parse_point_decimal(text: &[u8]) -> Result<f64, NotANumber> {
    if let Some(value) = parse_short_decimal(text) {
        return Ok(value);
    }
    // Every text `str::parse::<f64>` accepts is ASCII, so invalid UTF-8 is simply not a number.
    let text = std::str::from_utf8(text).map_err(|_| NotANumber::Text)?;
    match text.parse::<f64>() {
        Ok(value) if value.is_finite() => Ok(value),
        // NaN comes only from a `nan` text; infinity from an `inf` text or from an overflowing
        // number such as `1e400`, whose first byte after the sign is a digit or a `.`.
        Ok(value) if value.is_nan() || names_a_non_finite_value(text) => {
            Err(NotANumber::NonFiniteText)
        }
        Ok(value) => Ok(value),
        Err(_) => Err(NotANumber::Text),
    }
}

/// Exact powers of ten as `f64`: 10^0 to 10^22 (10^23 is not a double).
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The value of a short decimal text (`-1.5`, `0.000123456`, `1.23456e-05`: a sign, at most 19
/// digits around a `.`, an exponent) when it can be computed exactly with one rounding, which
/// is then the correctly rounded value `str::parse::<f64>` gives, bit for bit: the digits as an
/// integer `m ≤ 2^53` (exact in an `f64`) times or divided by `10^k` with `k ≤ 22` (exact too),
/// one IEEE operation, rounded once (Clinger's fast path, as the standard library's parser takes
/// it). `None` for anything else, which the standard library then reads: about 3× faster on the
/// cells of a `%.6g` file than `str::from_utf8` and `str::parse`.
fn parse_short_decimal(text: &[u8]) -> Option<f64> {
    let (negative, rest) = match text.split_first()? {
        (b'-', rest) => (true, rest),
        (b'+', rest) => (false, rest),
        _ => (false, text),
    };
    let mut mantissa: u64 = 0;
    let mut n_digits = 0;
    let mut n_fraction_digits: i32 = 0;
    let mut idx = 0;
    while let Some(&byte) = rest.get(idx).filter(|byte| byte.is_ascii_digit()) {
        // Wraps past 19 digits, which the check below turns away: no overflow panic in a
        // debug build, the same value in a release build.
        mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(byte - b'0'));
        n_digits += 1;
        idx += 1;
    }
    let n_integer_digits = n_digits;
    if rest.get(idx) == Some(&b'.') {
        idx += 1;
        while let Some(&byte) = rest.get(idx).filter(|byte| byte.is_ascii_digit()) {
            mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(byte - b'0'));
            n_digits += 1;
            n_fraction_digits += 1;
            idx += 1;
        }
    }
    // No digit at all (`.`, `-`, `e5`), or more than a u64 surely holds.
    if n_digits == 0 || n_digits > 19 || (n_integer_digits == 0 && n_fraction_digits == 0) {
        return None;
    }
    let mut exponent: i32 = 0;
    if let Some(b'e' | b'E') = rest.get(idx) {
        idx += 1;
        let negative_exponent = match rest.get(idx) {
            Some(b'-') => {
                idx += 1;
                true
            }
            Some(b'+') => {
                idx += 1;
                false
            }
            _ => false,
        };
        let exponent_start = idx;
        while let Some(&byte) = rest.get(idx).filter(|byte| byte.is_ascii_digit()) {
            exponent = exponent * 10 + i32::from(byte - b'0');
            idx += 1;
            if idx - exponent_start > 4 {
                return None;
            }
        }
        if idx == exponent_start {
            return None;
        }
        if negative_exponent {
            exponent = -exponent;
        }
    }
    if idx != rest.len() || mantissa > 1 << 53 {
        return None;
    }
    let power = exponent - n_fraction_digits;
    let magnitude = mantissa as f64;
    let value = match usize::try_from(power.unsigned_abs()).ok()? {
        0 => magnitude,
        k if k < EXACT_POWERS_OF_TEN.len() && power > 0 => magnitude * EXACT_POWERS_OF_TEN[k],
        k if k < EXACT_POWERS_OF_TEN.len() => magnitude / EXACT_POWERS_OF_TEN[k],
        _ => return None,
    };
    Some(if negative { -value } else { value })
}

/// True for `inf`, `-Infinity`, `+nan`, …: the text after the sign starts with a letter.
fn names_a_non_finite_value(text: &str) -> bool {
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    unsigned.starts_with(|first: char| first.is_ascii_alphabetic())
}

/// `text` (trimmed, non-empty) with its `,` read as the decimal point.
fn parse_comma_decimal(text: &[u8]) -> Result<f64, NotANumber> {
    if text.contains(&b'.') {
        return Err(NotANumber::Text);
    }
    let swap = |byte: &u8| if *byte == b',' { b'.' } else { *byte };
    if text.len() <= MAX_STACK_CELL {
        let mut buffer = [0_u8; MAX_STACK_CELL];
        let rewritten = &mut buffer[..text.len()];
        for (out, byte) in rewritten.iter_mut().zip(text) {
            *out = swap(byte);
        }
        parse_point_decimal(rewritten)
    } else {
        let rewritten: Vec<u8> = text.iter().map(swap).collect();
        parse_point_decimal(&rewritten)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use DecimalSeparator::{Comma, Point};

    #[test]
    fn point_decimals_read_as_rust_reads_them() {
        assert_eq!(parse_number(b"1.5", Point), Ok(1.5));
        assert_eq!(parse_number(b"  -0.25\t", Point), Ok(-0.25));
        assert_eq!(parse_number(b"+3", Point), Ok(3.0));
        assert_eq!(parse_number(b".5", Point), Ok(0.5));
        assert_eq!(parse_number(b"5.", Point), Ok(5.0));
        assert_eq!(parse_number(b"1E-2", Point), Ok(0.01));
        assert_eq!(parse_number(b"1e400", Point), Ok(f64::INFINITY));
        assert_eq!(parse_number(b"-1e400", Point), Ok(f64::NEG_INFINITY));
        assert_eq!(parse_number(b"-0", Point).map(f64::to_bits), Ok((-0.0_f64).to_bits()));
        for text in ["1,5", "1.2.3", "0x10", "1 000", "e5", "1e", ".", "-", "1_000", "١"] {
            assert_eq!(parse_number(text.as_bytes(), Point), Err(NotANumber::Text), "{text}");
        }
        assert_eq!(parse_number(b"\xFF1", Point), Err(NotANumber::Text));
    }

    #[test]
    fn empty_and_non_finite_texts_are_set_apart() {
        for text in ["", " ", "\t \r\n"] {
            assert_eq!(parse_number(text.as_bytes(), Point), Err(NotANumber::Empty), "{text:?}");
            assert_eq!(parse_number(text.as_bytes(), Comma), Err(NotANumber::Empty), "{text:?}");
        }
        for text in ["nan", "NaN", "-nan", "inf", "+inf", "-Infinity", "INFINITY", " iNf "] {
            assert_eq!(parse_number(text.as_bytes(), Point), Err(NotANumber::NonFiniteText));
            assert_eq!(parse_number(text.as_bytes(), Comma), Err(NotANumber::NonFiniteText));
        }
        for text in ["NA", "N/A", "null", "?", "infinite", "nana"] {
            assert_eq!(parse_number(text.as_bytes(), Point), Err(NotANumber::Text), "{text}");
        }
    }

    #[test]
    fn comma_decimals() {
        assert_eq!(parse_number(b"1,5", Comma), Ok(1.5));
        assert_eq!(parse_number(b" -0,125 ", Comma), Ok(-0.125));
        assert_eq!(parse_number(b"2,5e-3", Comma), Ok(0.0025));
        assert_eq!(parse_number(b"42", Comma), Ok(42.0));
        assert_eq!(parse_number(b",5", Comma), Ok(0.5));
        // A point is never a thousands separator, nor a decimal point, in this mode.
        for text in ["1.234,5", "1.234", "1.5", "1,2,3", "abc", ","] {
            assert_eq!(parse_number(text.as_bytes(), Comma), Err(NotANumber::Text), "{text}");
        }
        let long = format!("0,{}1", "0".repeat(300));
        assert_eq!(parse_number(long.as_bytes(), Comma), Ok(1e-301));
    }

    /// A random text close to the float grammar: signs, digits, points, exponents, the letters
    /// of `inf`/`nan`, spaces and a few strangers.
    fn random_text(rng: &mut ChaCha8Rng) -> String {
        const ALPHABET: &[u8] = b"0123456789012345678901234567890123456789..eE+-infatyINFATY ,x_\t";
        let len = rng.random_range(0..12);
        (0..len).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect()
    }

    /// A random number written the ways programs write numbers.
    fn random_number_text(rng: &mut ChaCha8Rng) -> String {
        let value = match rng.random_range(0..4) {
            0 => f64::from_bits(rng.random::<u64>()),
            1 => rng.random_range(-1000.0..1000.0),
            2 => rng.random_range(-1.0..1.0) * 10f64.powi(rng.random_range(-320..309)),
            _ => f64::from(rng.random_range(-100_000..100_000)),
        };
        match rng.random_range(0..4) {
            0 => format!("{value}"),
            1 => format!("{value:e}"),
            2 => format!("{value:.*}", rng.random_range(0..25)),
            _ => format!("{value:.*e}", rng.random_range(0..25)),
        }
    }

    /// Checks `parse_number` against `str::parse::<f64>` on one text.
    fn assert_agrees_with_std(text: &str) {
        let ours = parse_number(text.as_bytes(), Point);
        let trimmed = text.trim_ascii();
        match trimmed.parse::<f64>() {
            Err(_) if trimmed.is_empty() => assert_eq!(ours, Err(NotANumber::Empty), "{text:?}"),
            Err(_) => assert_eq!(ours, Err(NotANumber::Text), "{text:?}"),
            Ok(value) => match ours {
                Ok(our_value) => assert_eq!(our_value.to_bits(), value.to_bits(), "{text:?}"),
                Err(NotANumber::NonFiniteText) => {
                    assert!(!value.is_finite(), "{text:?}");
                    assert!(!trimmed.contains(|c: char| c.is_ascii_digit()), "{text:?}");
                }
                Err(other) => panic!("{text:?}: std reads {value}, we say {other:?}"),
            },
        }
    }

    #[test]
    fn random_texts_agree_with_std_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let mut n_numbers = 0;
        for _ in 0..200_000 {
            let text = random_text(&mut rng);
            assert_agrees_with_std(&text);
            n_numbers += usize::from(parse_number(text.as_bytes(), Point).is_ok());
        }
        // The alphabet is biased towards digits so that many texts are numbers.
        assert!(n_numbers > 20_000, "only {n_numbers} numbers");
    }

    #[test]
    fn random_numbers_agree_with_std_bit_for_bit_in_both_formats() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for _ in 0..100_000 {
            let text = random_number_text(&mut rng);
            assert_agrees_with_std(&text);
            let expected = text.parse::<f64>().unwrap();
            let with_comma = text.replace('.', ",");
            match parse_number(with_comma.as_bytes(), Comma) {
                Ok(value) => assert_eq!(value.to_bits(), expected.to_bits(), "{with_comma}"),
                Err(err) => {
                    assert!(!expected.is_finite(), "{with_comma}: {err:?}");
                }
            }
        }
    }

    /// A short decimal as C's `%.Ng` and `%.Ne` write it, or plain digits around a point:
    /// the texts [`parse_short_decimal`] computes itself, and those just past its limits (20
    /// digits, mantissas around 2^53, powers of ten around 10^22).
    fn random_short_decimal(rng: &mut ChaCha8Rng) -> String {
        let digits: String = (0..rng.random_range(1..=21))
            .map(|_| char::from(b'0' + rng.random_range(0..10)))
            .collect();
        let sign = ["", "-", "+"][rng.random_range(0..3)];
        let point = rng.random_range(0..=digits.len());
        let body = match rng.random_range(0..3) {
            0 => digits.clone(),
            _ => format!("{}.{}", &digits[..point], &digits[point..]),
        };
        let exponent = match rng.random_range(0..3) {
            0 => String::new(),
            1 => format!("e{}", rng.random_range(-30..30)),
            _ => format!("E{:+03}", rng.random_range(-330..330)),
        };
        format!("{sign}{body}{exponent}")
    }

    #[test]
    fn short_decimals_agree_with_std_bit_for_bit() {
        let mut rng = ChaCha8Rng::seed_from_u64(12);
        let mut n_fast = 0;
        for _ in 0..300_000 {
            let text = random_short_decimal(&mut rng);
            assert_agrees_with_std(&text);
            n_fast += usize::from(parse_short_decimal(text.as_bytes()).is_some());
            let value: f64 = rng.random_range(-1.0..1.0) * 10f64.powi(rng.random_range(-12..12));
            for written in [format!("{value:.5e}"), format!("{value}"), format!("{value:.6}")] {
                assert_agrees_with_std(&written);
            }
        }
        // Most of these texts take the short path; the rest fall back to the standard library.
        assert!(n_fast > 100_000, "only {n_fast} short decimals");
        for text in
            ["9007199254740992", "9007199254740993", "1e22", "1e23", "123456789e-22", "0e400"]
        {
            assert_agrees_with_std(text);
        }
        assert_eq!(parse_short_decimal(b"9007199254740993"), None);
        assert_eq!(parse_short_decimal(b"1e23"), None);
        assert_eq!(
            parse_short_decimal(b"-0.000123456").map(f64::to_bits),
            Some((-0.000123456_f64).to_bits())
        );
    }
}
