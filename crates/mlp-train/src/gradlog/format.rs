//! Allocation-free decimal formatting of integers for CSV cells.
//!
//! `ryu` formats the floats; it does not do integers, and `itoa` is not a dependency.

/// A reusable stack buffer that formats one integer at a time.
#[derive(Debug, Clone, Copy)]
pub(super) struct IntegerBuffer {
    /// Room for the longest `u64` (`18446744073709551615`) or `i64` (`-9223372036854775808`).
    bytes: [u8; 20],
}

impl IntegerBuffer {
    pub(super) fn new() -> IntegerBuffer {
        IntegerBuffer { bytes: [0; 20] }
    }

    /// Writes `value` in decimal digits and returns them.
    #[inline]
    pub(super) fn format_u64(&mut self, value: u64) -> &[u8] {
        let start = self.digits_from_end(value);
        &self.bytes[start..]
    }

    /// Writes `value` in decimal digits, with a leading `-` when negative, and returns them.
    #[inline]
    pub(super) fn format_i64(&mut self, value: i64) -> &[u8] {
        let mut start = self.digits_from_end(value.unsigned_abs());
        if value < 0 {
            start -= 1;
            self.bytes[start] = b'-';
        }
        &self.bytes[start..]
    }

    /// Writes the digits of `value` at the end of the buffer; returns where they start.
    #[inline]
    fn digits_from_end(&mut self, mut value: u64) -> usize {
        let mut start = self.bytes.len();
        loop {
            start -= 1;
            self.bytes[start] = b'0' + (value % 10) as u8;
            value /= 10;
            if value == 0 {
                return start;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_display() {
        let mut buffer = IntegerBuffer::new();
        for value in [0, 1, 9, 10, 99, 100, 1_048_575, u64::MAX] {
            assert_eq!(buffer.format_u64(value), value.to_string().as_bytes());
        }
        for value in [0, -1, 7, -10, 123_456, i64::MAX, i64::MIN] {
            assert_eq!(buffer.format_i64(value), value.to_string().as_bytes());
        }
    }
}
