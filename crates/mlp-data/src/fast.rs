//! The fast path of [`Table::from_reader`](super::Table::from_reader): plain lines of numbers
//! (and unquoted text), read in chunks of whole lines and parsed on every core.
//!
//! The calling thread reads chunks of about [`DEFAULT_CHUNK_LEN`] bytes, each cut after its last
//! line break, and hands them to parser threads; it then appends their rows to the table in file
//! order. A chunk is parsed line by line: fields split at the delimiter, each one a number
//! straight from its bytes or a trimmed text, exactly as the `csv` crate's path keeps them
//! ([`classify`]). There is no per-record machinery and no text kept for a number.
//!
//! The fast path takes only what it can read exactly as the `csv` crate's path reads it: a
//! header (or first row) and lines of as many fields, without a quote, a carriage return or a
//! NUL byte, not blank, not longer than the record bound, with UTF-8 text. At the first line that
//! is anything else, it stops and hands the rest of the input, from the start of that line, to
//! the `csv` crate's path ([`Handover`]), which reads it as it reads a whole file (quotes,
//! blank lines, CRLF) and reports the first error with its line and column. So every error in a
//! file comes from the same code, and the first one in file order is the one reported.

use std::collections::BTreeMap;
use std::io::{self, Read};
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use super::block::NumberBlock;
use super::error::DataError;
use super::table::{classify, header_names, too_many_texts, CsvOptions, Field, Rows};

/// Bytes read at a time: big enough that threads hand over work rarely, small enough that the
/// chunks in flight cost little memory.
pub(super) const DEFAULT_CHUNK_LEN: usize = 4 << 20;

/// The UTF-8 byte-order mark, which the `csv` crate skips at the start of the input.
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Most parser threads.
const MAX_THREADS: usize = 8;

/// True when the fast path can split fields at `delimiter` (it cannot be a byte that quotes
/// or ends a record).
pub(super) fn handles_delimiter(delimiter: u8) -> bool {
    !matches!(delimiter, b'"' | b'\n' | b'\r' | 0)
}

/// How to read: the options, the delimiter, the chunk length and the name of the source.
pub(super) struct Spec<'a> {
    pub(super) delimiter: u8,
    pub(super) chunk_len: usize,
    pub(super) options: &'a CsvOptions,
    pub(super) path: &'a Path,
}

/// The rest of an input for the `csv` crate's path: its text from the start of a line, and
/// how many lines came before it.
pub(super) struct Handover<'a> {
    pub(super) text: Box<dyn Read + 'a>,
    pub(super) n_lines_before: u64,
}

/// Reads `input` into `rows` as long as its lines are plain; returns the rest of it for the
/// `csv` crate's path at the first line that is not (`None` when every line was read).
pub(super) fn read<'a>(
    mut input: impl Read + 'a,
    spec: &Spec<'_>,
    rows: &mut Rows,
) -> Result<Option<Handover<'a>>, DataError> {
    let max_line = spec.options.max_record_size;
    let mut reader = ChunkReader { carry: Vec::new(), at_end: false, failed: None };
    let first = reader.next_chunk(&mut input, spec.chunk_len, max_line);
    let Some(first) = first else {
        // Nothing read before an error: the `csv` crate's path meets it too.
        return Ok(Some(reader.hand_over(Vec::new(), input, 0)));
    };
    let body_start = match read_header(&first, spec, rows)? {
        Some(body_start) => body_start,
        None => return Ok(Some(reader.hand_over(first, input, 0))),
    };
    let format =
        Format { n_columns: rows.builders.len(), delimiter: spec.delimiter, options: spec.options };
    // The line of the next row.
    let mut next_line = rows.header_line + 1;
    if reader.at_end && reader.failed.is_none() {
        // One chunk: no thread is worth starting.
        let parsed = parse_lines(&first[body_start..], &format);
        append(rows, &parsed, &mut next_line, spec.path)?;
        return Ok(parsed.stop.map(|stop| {
            let rest = first[body_start + stop..].to_vec();
            reader.hand_over(rest, input, next_line - 1)
        }));
    }

    let n_threads =
        std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, MAX_THREADS);
    let max_in_flight = 2 * n_threads;
    let (work_sender, work_receiver) = mpsc::sync_channel::<Work>(max_in_flight);
    let work_receiver = Arc::new(Mutex::new(work_receiver));
    let (done_sender, done_receiver) = mpsc::channel::<(usize, Parsed)>();
    std::thread::scope(|scope| -> Result<Option<Handover<'a>>, DataError> {
        for _ in 0..n_threads {
            let work_receiver = Arc::clone(&work_receiver);
            let done_sender = done_sender.clone();
            let format = &format;
            scope.spawn(move || loop {
                let work = match work_receiver.lock() {
                    Ok(receiver) => receiver.recv(),
                    Err(_) => return,
                };
                let Ok(Work { index, text, start }) = work else { return };
                let mut parsed = parse_lines(&text[start..], format);
                parsed.start = start;
                parsed.text = text;
                if done_sender.send((index, parsed)).is_err() {
                    return;
                }
            });
        }
        drop(done_sender);
        let mut work_sender = Some(work_sender);
        let mut n_sent = 0;
        let mut n_appended = 0;
        let mut pending: BTreeMap<usize, Parsed> = BTreeMap::new();
        // The chunk at which the fast path stopped, with the chunks after it.
        let mut stopped: Option<Vec<Parsed>> = None;
        let mut next_text = Some((first, body_start));
        loop {
            while stopped.is_none() && n_sent - n_appended - pending.len() < max_in_flight {
                let Some((text, start)) = next_text.take() else { break };
                let work = Work { index: n_sent, text, start };
                if let Some(sender) = &work_sender {
                    if sender.send(work).is_err() {
                        break;
                    }
                }
                n_sent += 1;
                if !reader.at_end && reader.failed.is_none() {
                    next_text = reader
                        .next_chunk(&mut input, spec.chunk_len, max_line)
                        .map(|text| (text, 0));
                }
            }
            let n_unfinished = n_sent - n_appended - pending.len();
            if n_unfinished == 0 && (stopped.is_some() || next_text.is_none()) {
                break;
            }
            if n_unfinished > 0 {
                let Ok((index, parsed)) = done_receiver.recv() else { break };
                pending.insert(index, parsed);
            }
            while let Some(parsed) = pending.remove(&n_appended) {
                if let Some(chunks) = &mut stopped {
                    chunks.push(parsed);
                    n_appended += 1;
                    continue;
                }
                append(rows, &parsed, &mut next_line, spec.path)?;
                n_appended += 1;
                if parsed.stop.is_some() {
                    // Let the parsers finish what they hold; the rest is the `csv` crate's.
                    work_sender = None;
                    stopped = Some(vec![parsed]);
                }
            }
        }
        drop(work_sender);
        let Some(chunks) = stopped else {
            if next_text.is_none() && reader.failed.is_none() {
                return Ok(None);
            }
            // A read failed: the `csv` crate's path meets the error where it happened.
            let rest = next_text.map(|(text, start)| text[start..].to_vec()).unwrap_or_default();
            return Ok(Some(reader.hand_over(rest, input, next_line - 1)));
        };
        let mut rest = Vec::new();
        for (chunk_idx, parsed) in chunks.iter().enumerate() {
            let from = match chunk_idx {
                0 => parsed.start + parsed.stop.unwrap_or(0),
                _ => parsed.start,
            };
            rest.extend_from_slice(&parsed.text[from..]);
        }
        if let Some((text, start)) = next_text {
            rest.extend_from_slice(&text[start..]);
        }
        Ok(Some(reader.hand_over(rest, input, next_line - 1)))
    })
}

/// A chunk for a parser thread: its place in the file, its text, where its rows start.
struct Work {
    index: usize,
    text: Vec<u8>,
    start: usize,
}

/// Reads chunks of whole lines; the bytes after the last line break wait in `carry`.
struct ChunkReader {
    carry: Vec<u8>,
    at_end: bool,
    /// A read error: the bytes read before it are the last chunk; the error is met again by
    /// the `csv` crate's path after them.
    failed: Option<io::Error>,
}

impl ChunkReader {
    /// The next chunk: at least `chunk_len` bytes (fewer at the end of the input), ending at a
    /// line break unless it is the end of the input or one line longer than `max_line` bytes
    /// (which the fast path does not read). `None` at the end of the input.
    fn next_chunk(
        &mut self,
        input: &mut impl Read,
        chunk_len: usize,
        max_line: u64,
    ) -> Option<Vec<u8>> {
        let mut text = std::mem::take(&mut self.carry);
        let mut searched = 0;
        loop {
            if text.len() >= chunk_len.max(1) {
                if let Some(last) = memchr::memrchr(b'\n', &text[searched..]) {
                    self.carry = text[searched + last + 1..].to_vec();
                    text.truncate(searched + last + 1);
                    return Some(text);
                }
                searched = text.len();
                if searched as u64 > max_line {
                    // One line longer than a record may be: the `csv` crate's path says so.
                    return Some(text);
                }
            }
            let want = chunk_len.max(text.len() / 2).max(1);
            let len = text.len();
            text.resize(len + want, 0);
            match read_some(input, &mut text[len..]) {
                Ok(0) => {
                    text.truncate(len);
                    self.at_end = true;
                    return (!text.is_empty()).then_some(text);
                }
                Ok(n_read) => text.truncate(len + n_read),
                Err(err) => {
                    // The bytes of a line cut by the error wait for the `csv` crate's path,
                    // which meets the error before that line ends.
                    text.truncate(len);
                    self.failed = Some(err);
                    self.at_end = true;
                    let Some(last) = memchr::memrchr(b'\n', &text) else {
                        self.carry = text;
                        return None;
                    };
                    self.carry = text[last + 1..].to_vec();
                    text.truncate(last + 1);
                    return Some(text);
                }
            }
        }
    }

    /// `rest`, then what is left of `input` (or its error), for the `csv` crate's path, after
    /// `n_lines_before` lines.
    fn hand_over<'a>(
        self,
        mut rest: Vec<u8>,
        input: impl Read + 'a,
        mut n_lines_before: u64,
    ) -> Handover<'a> {
        rest.extend_from_slice(&self.carry);
        if n_lines_before > 0 && rest.first() == UTF8_BOM.first() {
            // The `csv` crate skips a byte-order mark at the start of its input only: a line
            // break before it (a blank line, skipped) keeps it text, as it is mid-file.
            rest.insert(0, b'\n');
            n_lines_before -= 1;
        }
        let tail: Box<dyn Read + 'a> = match self.failed {
            Some(err) => Box::new(Failing(Some(err))),
            None if self.at_end => Box::new(io::empty()),
            None => Box::new(input),
        };
        Handover { text: Box::new(io::Cursor::new(rest).chain(tail)), n_lines_before }
    }
}

/// Reads into `buf`, retrying on interruptions.
fn read_some(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match input.read(buf) {
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

/// A reader that fails once with the error a read of the input gave, then ends.
struct Failing(Option<io::Error>);

impl Read for Failing {
    fn read(&mut self, _buf: &mut [u8]) -> io::Result<usize> {
        match self.0.take() {
            Some(err) => Err(err),
            None => Ok(0),
        }
    }
}

/// Reads the header (or, without one, the first row's field count) from the first line of
/// `first` into `rows`; the offset where the data rows start, or `None` when the first line
/// is not plain (the `csv` crate's path then reads the whole input).
fn read_header(first: &[u8], spec: &Spec<'_>, rows: &mut Rows) -> Result<Option<usize>, DataError> {
    let options = spec.options;
    let start = if first.starts_with(UTF8_BOM) { UTF8_BOM.len() } else { 0 };
    let end = memchr::memchr(b'\n', &first[start..]).map_or(first.len(), |idx| start + idx);
    let line = &first[start..end];
    let record_len = line.len() + usize::from(end < first.len());
    // A second byte-order mark (which a handover before any line could not keep as text)
    // is left to the `csv` crate's path, with the rest of the file.
    if !is_plain(line) || record_len as u64 > options.max_record_size || line.first() == Some(&0xEF)
    {
        return Ok(None);
    }
    let n_fields = memchr::memchr_iter(spec.delimiter, line).count() + 1;
    if n_fields > options.max_columns {
        return Ok(None);
    }
    if options.has_header {
        let Ok(names) = header_names(line.split(|&byte| byte == spec.delimiter), spec.path, 1)
        else {
            return Ok(None);
        };
        let mut header =
            Rows { numbers: NumberBlock::new(spec.options.precision), ..Rows::default() };
        if header.set_columns(Some(names), n_fields, spec.path, 1).is_err() {
            return Ok(None);
        }
        *rows = header;
        Ok(Some((end + 1).min(first.len())))
    } else {
        rows.set_columns(None, n_fields, spec.path, 1)?;
        Ok(Some(start))
    }
}

/// True for a line the fast path reads: no quote, carriage return or NUL byte, and not blank
/// (empty, or only spaces and tabs), which the `csv` crate's path skips.
fn is_plain(line: &[u8]) -> bool {
    memchr::memchr3(b'"', b'\r', 0, line).is_none()
        && !line.iter().all(|&byte| byte == b' ' || byte == b'\t')
}

/// What a parser needs to know of the table.
struct Format<'a> {
    n_columns: usize,
    delimiter: u8,
    options: &'a CsvOptions,
}

/// The rows of a chunk, as parsed.
#[derive(Debug, Default)]
struct Parsed {
    /// Row after row, `n_columns` cells each: the number, or 0 for a text cell.
    values: Vec<f64>,
    /// The text cells, by their index in `values`, in order.
    texts: Vec<(usize, String)>,
    /// Offset (from where parsing started) of the first line that is not plain, if any.
    stop: Option<usize>,
    /// The chunk (for a handover) and where parsing started in it.
    text: Vec<u8>,
    start: usize,
}

/// Parses the lines of `text` until the first one that is not plain.
fn parse_lines(text: &[u8], format: &Format<'_>) -> Parsed {
    let n_columns = format.n_columns;
    let mut parsed = Parsed { values: Vec::with_capacity(text.len() / 4), ..Parsed::default() };
    // Lines from the one holding the first quote, carriage return or NUL are not plain.
    let odd = memchr::memchr3(b'"', b'\r', 0, text).unwrap_or(text.len());
    let mut start = 0;
    while start < text.len() {
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |idx| start + idx);
        let line = &text[start..end];
        let record_len = (line.len() + usize::from(end < text.len())) as u64;
        let plain = odd >= end
            && record_len <= format.options.max_record_size
            && !(n_columns == 1 && line.iter().all(|&byte| byte == b' ' || byte == b'\t'))
            && parse_line(line, format, &mut parsed);
        if !plain {
            parsed.stop = Some(start);
            break;
        }
        start = end + 1;
    }
    debug_assert_eq!(parsed.values.len() % n_columns, 0);
    parsed
}

/// Appends the cells of one line to `parsed`; false (and nothing appended) when it does not
/// have `n_columns` fields or holds a field that is not UTF-8.
fn parse_line(line: &[u8], format: &Format<'_>, parsed: &mut Parsed) -> bool {
    let row_start = parsed.values.len();
    let texts_start = parsed.texts.len();
    let mut n_fields = 0;
    for field in line.split(|&byte| byte == format.delimiter) {
        n_fields += 1;
        let cell = if n_fields <= format.n_columns {
            classify(field, format.options.decimal).ok()
        } else {
            None
        };
        match cell {
            Some(Field::Number(value)) => parsed.values.push(value),
            Some(Field::Text(text)) => {
                parsed.texts.push((parsed.values.len(), text.to_owned()));
                parsed.values.push(0.0);
            }
            None => {
                n_fields = 0;
                break;
            }
        }
    }
    if n_fields != format.n_columns {
        parsed.values.truncate(row_start);
        parsed.texts.truncate(texts_start);
        return false;
    }
    true
}

/// Appends the rows of a parsed chunk to the table, the first on line `next_line`.
fn append(
    rows: &mut Rows,
    parsed: &Parsed,
    next_line: &mut u64,
    path: &Path,
) -> Result<(), DataError> {
    let n_columns = rows.builders.len();
    let n_rows = parsed.values.len() / n_columns;
    rows.numbers.extend(&parsed.values);
    if parsed.texts.is_empty() {
        for builder in &mut rows.builders {
            builder.push_numbers(n_rows);
        }
    } else {
        let mut texts = parsed.texts.iter().peekable();
        for cell_idx in 0..parsed.values.len() {
            let column_idx = cell_idx % n_columns;
            let builder = &mut rows.builders[column_idx];
            match texts.next_if(|(text_idx, _)| *text_idx == cell_idx) {
                Some((_, text)) => {
                    builder.push_text(text).map_err(|_| too_many_texts(path, column_idx))?
                }
                None => builder.push_number(),
            }
        }
    }
    rows.lines.extend((0..n_rows as u64).map(|row_idx| *next_line + row_idx));
    *next_line += n_rows as u64;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::{DecimalSeparator, Table};

    /// The table, or the error, as text: everything the two paths must agree on.
    fn outcome(text: &[u8], options: &CsvOptions, chunk_len: Option<usize>) -> String {
        match Table::from_reader_in_chunks(text, PathBuf::from("t.csv"), options, chunk_len) {
            Ok(table) => format!(
                "{:?} {:?} {} {:?}",
                table.column_names(),
                table.lines(),
                table.header_line(),
                (0..table.n_rows())
                    .map(|row_idx| {
                        (0..table.n_columns())
                            .map(|column_idx| match table.cell(row_idx, column_idx) {
                                Some(Cell::Number(value)) => format!("{:x}", value.to_bits()),
                                Some(Cell::Text(text)) => format!("{text:?}"),
                                None => "none".to_owned(),
                            })
                            .collect::<Vec<_>>()
                    })
                    .collect::<Vec<_>>()
            ),
            Err(err) => format!("error {err:?}"),
        }
    }

    use crate::Cell;

    /// A random file: mostly plain rows of numbers, with now and then something the fast path
    /// hands over (quotes, CRLF, blank lines, ragged rows, NUL, invalid UTF-8, a BOM, words, a
    /// long line).
    fn random_file(rng: &mut ChaCha8Rng, n_columns: usize) -> Vec<u8> {
        let mut text = Vec::new();
        if rng.random_range(0..8) == 0 {
            text.extend_from_slice(UTF8_BOM);
        }
        let header: Vec<String> = (0..n_columns).map(|idx| format!("c{idx}")).collect();
        text.extend_from_slice(header.join(",").as_bytes());
        text.push(b'\n');
        let odd = rng.random_range(0..4) == 0;
        for _ in 0..rng.random_range(0..60) {
            let mut fields: Vec<Vec<u8>> = (0..n_columns)
                .map(|_| match rng.random_range(0..12) {
                    0 => b"NA".to_vec(),
                    1 => b" 2.5 ".to_vec(),
                    2 => b"cat".to_vec(),
                    3 => Vec::new(),
                    _ => format!("{:.6}", rng.random_range(-1e3..1e3)).into_bytes(),
                })
                .collect();
            if odd && rng.random_range(0..10) == 0 {
                match rng.random_range(0..9) {
                    0 => fields[0] = b"\"q,1\"".to_vec(),
                    1 => fields[0] = b"a\x00b".to_vec(),
                    2 => fields[0] = b"\xFF".to_vec(),
                    3 => {
                        fields.pop();
                    }
                    4 => fields.push(b"1".to_vec()),
                    5 => fields[0] = b"\xEF\xBB\xBF1".to_vec(),
                    6 => fields[0] = vec![b'7'; 90],
                    7 => fields[0] = b"\"open".to_vec(),
                    _ => fields[0] = b"\xC2\xA01\xC2\xA0".to_vec(),
                }
            }
            text.extend_from_slice(&fields.join(&b","[..]));
            match rng.random_range(0..20) {
                0 if odd => text.extend_from_slice(b"\r\n"),
                1 if odd => text.extend_from_slice(b"\n\n"),
                2 if odd => text.extend_from_slice(b"\n  \n"),
                _ => text.push(b'\n'),
            }
        }
        if rng.random_range(0..3) == 0 {
            text.pop();
        }
        text
    }

    #[test]
    fn chunked_parsing_gives_the_csv_paths_table_or_error() {
        let mut rng = ChaCha8Rng::seed_from_u64(21);
        for case in 0..1500 {
            let n_columns = rng.random_range(1..5);
            let text = random_file(&mut rng, n_columns);
            let options = CsvOptions {
                has_header: rng.random_range(0..4) > 0,
                delimiter: Some(b','),
                max_record_size: [64, 1000, 1 << 20][rng.random_range(0..3)],
                max_columns: [3, 100][rng.random_range(0..2)],
                ..CsvOptions::default()
            };
            let expected = outcome(&text, &options, None);
            for chunk_len in [1, 7, 64, 1 << 20] {
                let found = outcome(&text, &options, Some(chunk_len));
                assert_eq!(found, expected, "case {case}, chunks of {chunk_len}: {:?}", {
                    String::from_utf8_lossy(&text)
                });
            }
        }
    }

    #[test]
    fn a_line_handed_over_keeps_its_byte_order_mark_and_its_line() {
        // The fast path stops at line 3 (a quote), which starts with a BOM: mid-file, it is
        // text, as the `csv` crate's path reads it from the start of the file.
        let text = b"a,b\n1,2\n\xEF\xBB\xBF1,\"2\"\n3,4,5\n";
        let options = CsvOptions::default();
        let expected = outcome(text, &options, None);
        assert!(expected.contains("RaggedRow") && expected.contains("line: 4"), "{expected}");
        assert_eq!(outcome(text, &options, Some(4)), expected);
        let text = b"a,b\n1,2\n\xEF\xBB\xBF1,\"2\"\n";
        let table =
            Table::from_reader_in_chunks(&text[..], "t.csv".into(), &options, Some(4)).unwrap();
        assert_eq!(table.cell(1, 0), Some(Cell::Text("\u{feff}1")));
        assert_eq!(table.lines(), [2, 3]);
        // Two marks at the start of a file without a header: the second is text.
        let text = b"\xEF\xBB\xBF\xEF\xBB\xBF1,\"2\"\n";
        let options = CsvOptions { has_header: false, ..CsvOptions::default() };
        let table =
            Table::from_reader_in_chunks(&text[..], "t.csv".into(), &options, Some(4)).unwrap();
        assert_eq!(table.cell(0, 0), Some(Cell::Text("\u{feff}1")));
        assert_eq!(outcome(text, &options, Some(4)), outcome(text, &options, None));
    }

    #[test]
    fn many_chunks_on_many_threads_give_every_row_in_order() {
        // Thousands of chunks: the parser threads finish out of order.
        let rows: String =
            (0..20_000).map(|idx| format!("{idx},{}.5,x{}\n", idx * 3, idx % 7)).collect();
        let text = format!("a,b,c\n{rows}");
        let options = CsvOptions::default();
        let expected = outcome(text.as_bytes(), &options, None);
        assert_eq!(outcome(text.as_bytes(), &options, Some(100)), expected);
        // An error in the last chunk: reported with its line, after every chunk before it.
        let broken = format!("{text}1,2\n");
        let err =
            Table::from_reader_in_chunks(broken.as_bytes(), "t.csv".into(), &options, Some(64))
                .unwrap_err();
        assert!(matches!(err, DataError::RaggedRow { line: 20_002, found: 2, .. }), "{err:?}");
        // The same with a decimal comma and another delimiter.
        let semicolons = text.replace(',', ";").replace(".5", ",5");
        let options = CsvOptions { decimal: DecimalSeparator::Comma, ..CsvOptions::default() };
        let table =
            Table::from_reader_in_chunks(semicolons.as_bytes(), "t.csv".into(), &options, Some(50))
                .unwrap();
        assert_eq!(table.n_rows(), 20_000);
        assert_eq!(table.cell(19_999, 1), Some(Cell::Number(59_997.5)));
        assert_eq!(table.line(19_999), Some(20_001));
    }

    #[test]
    fn a_read_error_mid_file_is_met_after_the_rows_before_it() {
        /// Gives `text`, then fails.
        struct FailsAfter<'a>(&'a [u8]);
        impl Read for FailsAfter<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() {
                    return Err(io::Error::other("disk on fire"));
                }
                let n_read = self.0.len().min(buf.len()).min(5);
                buf[..n_read].copy_from_slice(&self.0[..n_read]);
                self.0 = &self.0[n_read..];
                Ok(n_read)
            }
        }
        let text: String = std::iter::once("a,b\n".to_owned())
            .chain((0..5_000).map(|idx| format!("{idx},{idx}\n")))
            .collect();
        for cut in [text.len(), text.len() - 3, 30_000, 10] {
            let reader = || FailsAfter(&text.as_bytes()[..cut]);
            let options = CsvOptions::default();
            let expected = Table::from_reader_in_chunks(reader(), "t.csv".into(), &options, None);
            let found = Table::from_reader_in_chunks(reader(), "t.csv".into(), &options, Some(64));
            let describe =
                |result: Result<Table, DataError>| format!("{:?}", result.map(|t| t.n_rows()));
            assert_eq!(describe(found), describe(expected), "cut at {cut}");
        }
    }
}
