//! The text of floats already formatted, kept so that a value that comes back is copied rather
//! than formatted again.
//!
//! A gradient log repeats its floats: ∂E/∂a, ∂a/∂z and ∂E/∂z are the same for every input of a
//! neuron, ∂z/∂w, the input activation, for every neuron a sample's input feeds, and a weight
//! for every sample of the batch (in a network small enough for the table). Formatting
//! with `ryu` is the largest cost of writing a row, and a cache hit costs a hash and a compare.

use crate::events::Precision;

/// Slots per column: a power of two. 256 slots of 40 bytes: 10 KiB for a column of floats.
const N_SLOTS: usize = 256;

/// Recently formatted floats of one column and their shortest round-trip text, in a
/// direct-mapped table keyed by the float's bits and whether it was written as an `f32`.
#[derive(Debug, Clone)]
pub(super) struct FloatTexts {
    /// Empty until the column's first float.
    slots: Vec<Slot>,
}

#[derive(Debug, Clone, Copy)]
struct Slot {
    /// The bits of the float whose text the slot holds.
    bits: u64,
    /// The length of the text; 0 for an empty slot (no float's text is empty).
    len: u8,
    /// Whether the text is the `f32`'s.
    single: bool,
    /// Room for the longest `ryu` output, `-2.2250738585072014e-308` (24 bytes).
    text: [u8; 24],
}

impl Slot {
    const EMPTY: Slot = Slot { bits: 0, len: 0, single: false, text: [0; 24] };
}

impl FloatTexts {
    pub(super) const fn new() -> FloatTexts {
        FloatTexts { slots: Vec::new() }
    }

    /// The shortest text that reads back as `value`, bit for bit (by `ryu`; NaN and ±inf as
    /// `NaN`, `inf` and `-inf`): copied from the table, or formatted by `float` and kept.
    ///
    /// At [`Precision::F32`], a `value` that is an `f32` widened gets the `f32`'s shortest
    /// text, which reads back as that `f32` (`0.8641406`, not `0.8641406297683716`); any other
    /// value its `f64` text, so that nothing is lost.
    #[inline]
    pub(super) fn text_of(
        &mut self,
        value: f64,
        precision: Precision,
        float: &mut ryu::Buffer,
    ) -> &[u8] {
        if self.slots.is_empty() {
            self.slots = vec![Slot::EMPTY; N_SLOTS];
        }
        let bits = value.to_bits();
        let single = precision == Precision::F32 && is_f32(value);
        // Fibonacci hashing: the top bits of the product mix every bit of the float.
        let slot_idx =
            (bits.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - N_SLOTS.trailing_zeros())) as usize;
        let slot = &mut self.slots[slot_idx];
        if slot.len == 0 || slot.bits != bits || slot.single != single {
            // The f32 text out of line, so that the f64 path stays as short as it was.
            let text = if single { format_f32(value, float) } else { float.format(value) };
            let text = text.as_bytes();
            copy_short(&mut slot.text, text);
            slot.len = text.len() as u8;
            slot.bits = bits;
            slot.single = single;
        }
        &slot.text[..usize::from(slot.len)]
    }
}

/// The shortest text of `value`, an `f32` widened, as that `f32`.
#[inline(never)]
fn format_f32(value: f64, float: &mut ryu::Buffer) -> &str {
    float.format(value as f32)
}

/// Whether `value` is an `f32` widened to `f64` (NaN is not: its text is the same either way).
#[inline]
pub(super) fn is_f32(value: f64) -> bool {
    f64::from(value as f32) == value
}

/// The text [`FloatTexts::text_of`] gives `value` at `precision`, formatted afresh: the
/// reference the cached texts are tested against.
#[cfg(test)]
pub(super) fn reference_text(value: f64, precision: Precision) -> String {
    let mut buffer = ryu::Buffer::new();
    if precision == Precision::F32 && is_f32(value) {
        buffer.format(value as f32).to_owned()
    } else {
        buffer.format(value).to_owned()
    }
}

/// Copies `text` (at most 24 bytes) to the front of `slot` with two fixed-size copies that may
/// overlap, which compile to a few moves, where a copy of unknown length calls `memcpy`.
#[inline]
fn copy_short(slot: &mut [u8; 24], text: &[u8]) {
    let n = text.len();
    if n >= 16 {
        slot[..16].copy_from_slice(&text[..16]);
        slot[n - 16..n].copy_from_slice(&text[n - 16..]);
    } else if n >= 8 {
        slot[..8].copy_from_slice(&text[..8]);
        slot[n - 8..n].copy_from_slice(&text[n - 8..]);
    } else if n >= 4 {
        slot[..4].copy_from_slice(&text[..4]);
        slot[n - 4..n].copy_from_slice(&text[n - 4..]);
    } else {
        slot[..n].copy_from_slice(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every value, first seen or repeated, evicted or not, gets exactly `ryu`'s text.
    #[test]
    fn text_is_ryus_for_new_repeated_and_evicted_values() {
        let mut specials = vec![0.0, -0.0, 1.0, f64::NAN, -f64::NAN, f64::INFINITY];
        specials.extend([f64::NEG_INFINITY, f64::MIN_POSITIVE, 5e-324, f64::MAX, 0.1 + 0.2]);
        // 200 distinct values cycled several times: more than the table holds, so slots are
        // shared and evicted, interleaved with the special values.
        let values: Vec<f64> = (0..5)
            .flat_map(|_| (0..200).map(|i| (f64::from(i) * 0.731).sin() * 10f64.powi(i % 40 - 20)))
            .chain(specials.iter().copied())
            .chain(specials.iter().rev().copied())
            .collect();
        let mut texts = FloatTexts::new();
        let mut cached = ryu::Buffer::new();
        let mut reference = ryu::Buffer::new();
        for value in values {
            let text = texts.text_of(value, Precision::F64, &mut cached).to_vec();
            assert_eq!(text, reference.format(value).as_bytes(), "{value:?}");
        }
    }

    /// At f32 precision an `f32`'s text is the `f32`'s, other values keep their `f64` text,
    /// and the same bits at the two precisions do not share a slot.
    #[test]
    fn f32_values_get_the_f32_text_at_f32_precision() {
        let mut texts = FloatTexts::new();
        let mut float = ryu::Buffer::new();
        // An f32 widened (the example): its f64 text has 16 digits.
        let tape_value = 0.8641406297683716;
        assert_eq!(f64::from(tape_value as f32), tape_value);
        for _ in 0..2 {
            assert_eq!(
                texts.text_of(tape_value, Precision::F64, &mut float),
                b"0.8641406297683716"
            );
            assert_eq!(texts.text_of(tape_value, Precision::F32, &mut float), b"0.8641406");
        }
        // Not an f32: the f64's text, which reads back exactly.
        assert_eq!(texts.text_of(0.1, Precision::F32, &mut float), b"0.1");
        assert_eq!(texts.text_of(0.1 + 0.2, Precision::F32, &mut float), b"0.30000000000000004");
        assert_eq!(texts.text_of(f64::from(0.1_f32), Precision::F32, &mut float), b"0.1");
        for (value, text) in [
            (f64::NAN, "NaN"),
            (f64::INFINITY, "inf"),
            (-0.0, "-0.0"),
            (1.0, "1.0"),
            (f64::from(f32::MIN_POSITIVE), "1.1754944e-38"),
            (f64::from(f32::MAX), "3.4028235e38"),
        ] {
            assert_eq!(texts.text_of(value, Precision::F32, &mut float), text.as_bytes());
        }
        // The shortest text that reads back as that f32 (numpy: `repr(np.float32(0.86414063))`).
        assert_eq!("0.8641406".parse::<f32>().unwrap(), tape_value as f32);
    }

    #[test]
    fn copy_short_copies_every_length() {
        let source: Vec<u8> = (1..=24).collect();
        for n in 0..=24 {
            let mut slot = [0; 24];
            copy_short(&mut slot, &source[..n]);
            assert_eq!(slot[..n], source[..n], "{n}");
            assert!(slot[n..].iter().all(|&byte| byte == 0), "{n}");
        }
    }

    #[test]
    fn a_slot_is_40_bytes() {
        assert_eq!(std::mem::size_of::<Slot>(), 40);
    }

    #[test]
    fn longest_ryu_output_fits_a_slot() {
        let mut buffer = ryu::Buffer::new();
        assert_eq!(buffer.format(-2.2250738585072014e-308).len(), 24);
    }
}
