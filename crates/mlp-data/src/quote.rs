//! Catching a quoted field that is never closed.
//!
//! The `csv` crate reads an unterminated quote silently: the field runs to the end of the file,
//! and whatever text it holds becomes a cell (a class label, say). [`QuoteCheck`] follows the
//! quoting state of the bytes read through it, as `csv-core` follows it, and fails the read at
//! the end of the input when a quoted field is still open, carrying the offset of its opening
//! quote (see [`UnterminatedQuote`]). It looks only at the quotes (found with `memchr`) and
//! the byte before each, so it reads several GB/s: nothing next to parsing.

use std::fmt;
use std::io::{self, Read};

/// The UTF-8 byte-order mark, which `csv-core` skips at the start of the input.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The error payload of a [`QuoteCheck`] read at the end of an input whose last quoted field
/// is open: `offset` is the 0-based byte offset of its opening quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UnterminatedQuote {
    pub(crate) offset: u64,
}

impl fmt::Display for UnterminatedQuote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a quoted field opened at byte {} is never closed", self.offset)
    }
}

impl std::error::Error for UnterminatedQuote {}

impl UnterminatedQuote {
    /// The payload of an I/O error from [`QuoteCheck`], if it is one.
    pub(crate) fn from_io_error(err: &io::Error) -> Option<UnterminatedQuote> {
        err.get_ref()?.downcast_ref::<UnterminatedQuote>().copied()
    }

    /// The payload of a `csv` reader's error, if it comes from a [`QuoteCheck`].
    pub(crate) fn from_csv_error(err: &csv::Error) -> Option<UnterminatedQuote> {
        match err.kind() {
            csv::ErrorKind::Io(io_error) => UnterminatedQuote::from_io_error(io_error),
            _ => None,
        }
    }
}

/// Where the parser stands, as far as quotes are concerned (a subset of `csv-core`'s states,
/// with its defaults: `"` quotes, doubled inside quotes, no escape character, no comments, and
/// `\r` or `\n` ending records).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    /// At the start of a field (or of a record): a quote here opens a quoted field.
    FieldStart,
    /// Inside an unquoted field: quotes are ordinary bytes.
    Unquoted,
    /// Inside a quoted field that opened at this offset.
    Quoted { opened_at: u64 },
    /// Just after a quote inside a quoted field: another quote is an escaped quote, anything
    /// else closes the field.
    QuoteInQuoted { opened_at: u64 },
}

/// A reader that passes bytes through and fails at the end of the input when a quoted field
/// is open there, with an [`io::Error`] carrying [`UnterminatedQuote`].
pub(crate) struct QuoteCheck<R> {
    inner: R,
    delimiter: u8,
    state: QuoteState,
    /// Bytes read so far.
    n_bytes: u64,
    /// How many bytes of a leading UTF-8 BOM have been seen, while the input may still start
    /// with one.
    n_bom_bytes_matched: Option<usize>,
}

impl<R> QuoteCheck<R> {
    /// Checks the CSV text read from `inner`, with fields separated by `delimiter`.
    pub(crate) fn new(inner: R, delimiter: u8) -> Self {
        QuoteCheck {
            inner,
            delimiter,
            state: QuoteState::FieldStart,
            n_bytes: 0,
            n_bom_bytes_matched: Some(0),
        }
    }

    fn follow(&mut self, bytes: &[u8]) {
        let mut bytes_offset = self.n_bytes;
        let mut bytes = bytes;
        if let Some(n_matched) = self.n_bom_bytes_matched {
            // Skip a leading BOM, as csv-core does, even if it comes in several reads.
            let n_matching =
                bytes.iter().zip(&UTF8_BOM[n_matched..]).take_while(|(a, b)| a == b).count();
            if n_matched + n_matching == UTF8_BOM.len() || n_matching == bytes.len() {
                bytes = &bytes[n_matching..];
                bytes_offset += n_matching as u64;
                self.n_bom_bytes_matched =
                    Some(n_matched + n_matching).filter(|&n_matched| n_matched < UTF8_BOM.len());
            } else {
                // Not a BOM after all: the bytes skipped so far were field text.
                self.n_bom_bytes_matched = None;
                if n_matched > 0 {
                    self.state = QuoteState::Unquoted;
                }
            }
        }
        let mut state = self.state;
        let mut byte_idx = 0;
        // Only quotes can open or close a quoted field; between them, the state is decided by
        // the last byte before the next quote (or the end of the bytes).
        while byte_idx < bytes.len() {
            let rest = &bytes[byte_idx..];
            let next_quote = memchr::memchr(b'"', rest);
            if let QuoteState::Quoted { opened_at } = state {
                match next_quote {
                    Some(quote_idx) => {
                        state = QuoteState::QuoteInQuoted { opened_at };
                        byte_idx += quote_idx + 1;
                        continue;
                    }
                    None => break,
                }
            }
            let before_quote = &rest[..next_quote.unwrap_or(rest.len())];
            if let Some(&last) = before_quote.last() {
                state = self.state_after(last);
            }
            let Some(quote_idx) = next_quote else { break };
            state = match state {
                QuoteState::FieldStart => {
                    QuoteState::Quoted { opened_at: bytes_offset + (byte_idx + quote_idx) as u64 }
                }
                QuoteState::QuoteInQuoted { opened_at } => QuoteState::Quoted { opened_at },
                QuoteState::Unquoted | QuoteState::Quoted { .. } => QuoteState::Unquoted,
            };
            byte_idx += quote_idx + 1;
        }
        self.state = state;
    }

    /// The state after a byte other than a quote, outside quotes (or right after a closing
    /// quote, where any such byte ends the quoted field).
    fn state_after(&self, byte: u8) -> QuoteState {
        if byte == self.delimiter || byte == b'\n' || byte == b'\r' {
            QuoteState::FieldStart
        } else {
            QuoteState::Unquoted
        }
    }
}

impl<R: Read> Read for QuoteCheck<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n_read = self.inner.read(buf)?;
        if n_read == 0 && !buf.is_empty() {
            if let QuoteState::Quoted { opened_at } = self.state {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    UnterminatedQuote { offset: opened_at },
                ));
            }
            return Ok(0);
        }
        let Some(bytes) = buf.get(..n_read) else {
            return Err(io::Error::other("the reader claimed more bytes than the buffer holds"));
        };
        self.follow(bytes);
        self.n_bytes += n_read as u64;
        Ok(n_read)
    }
}

#[cfg(test)]
mod tests {
    use csv_core::ReadRecordResult;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;

    /// Reads `text` through a `QuoteCheck`, `chunk` bytes at a time; the offset of an open
    /// quote at the end, if any.
    fn open_quote(text: &[u8], delimiter: u8, chunk: usize) -> Option<u64> {
        let mut check = QuoteCheck::new(text, delimiter);
        let mut buf = vec![0; chunk];
        loop {
            match check.read(&mut buf) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(err) => return Some(UnterminatedQuote::from_io_error(&err).unwrap().offset),
            }
        }
    }

    /// csv-core's own answer: after `text`, is the parser inside a quoted field? Appending
    /// `x\n` ends a record unless the parser is inside quotes, where both bytes are field text.
    fn csv_core_is_in_quotes(text: &[u8], delimiter: u8) -> bool {
        let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        let (mut output, mut ends) = (vec![0; 4096], vec![0; 4096]);
        let mut input = text;
        // Not an empty input, which would tell csv-core the text has ended.
        while !input.is_empty() {
            let (_, n_read, _, _) = reader.read_record(input, &mut output, &mut ends);
            input = &input[n_read..];
        }
        let (result, _, _, _) = reader.read_record(b"x\n", &mut output, &mut ends);
        result == ReadRecordResult::InputEmpty
    }

    #[test]
    fn closed_quotes_pass() {
        for text in [
            &b"a,b\n1,2\n"[..],
            b"a,b\n\"1\n2\",3\n",
            b"a,b\n\"x \"\"y\"\"\",3",
            b"a,\"b\"",
            b"a\"b,c\n",
            b"\"\"",
            b"",
        ] {
            assert_eq!(open_quote(text, b',', 4096), None, "{}", String::from_utf8_lossy(text));
        }
    }

    #[test]
    fn open_quote_at_the_end_fails_with_its_offset() {
        assert_eq!(open_quote(b"a,b\n1,\"2\n3,4\n", b',', 4096), Some(6));
        assert_eq!(open_quote(b"\"", b',', 4096), Some(0));
        assert_eq!(open_quote(b"a;\"b;c", b';', 4096), Some(2));
        // With `;` as the delimiter, `,"` does not start a field.
        assert_eq!(open_quote(b"a,\"b\n", b';', 4096), None);
        // A BOM is skipped: the quote after it opens a field.
        assert_eq!(open_quote(b"\xEF\xBB\xBF\"a", b',', 4096), Some(3));
        assert_eq!(open_quote(b"\xEF\xBB\xBF\"a", b',', 1), Some(3));
        // A partial BOM is data.
        assert_eq!(open_quote(b"\xEF\xBB\"a", b',', 4096), None);
    }

    #[test]
    fn agrees_with_csv_core_on_random_texts_in_any_chunks() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        let alphabet = b"\"\"\",;\n\r a";
        for _ in 0..20_000 {
            let len = rng.random_range(0..16);
            let text: Vec<u8> =
                (0..len).map(|_| alphabet[rng.random_range(0..alphabet.len())]).collect();
            for delimiter in [b',', b';'] {
                let expected = csv_core_is_in_quotes(&text, delimiter);
                for chunk in [1, 3, 4096] {
                    let found = open_quote(&text, delimiter, chunk);
                    assert_eq!(
                        found.is_some(),
                        expected,
                        "{:?} {chunk}",
                        String::from_utf8_lossy(&text)
                    );
                    if let Some(offset) = found {
                        assert_eq!(text[offset as usize], b'"');
                    }
                }
            }
        }
    }
}
