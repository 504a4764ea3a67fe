//! Reading a CSV file into a [`Table`] of typed columns.
//!
//! Parsing is the `csv` crate's; this module checks what it yields: a header (or generated
//! names), the same number of fields on every row, UTF-8 text, unique column names and at least
//! one data row. Each field becomes a number straight from its bytes when it is one (no text is
//! kept for it), or an interned text of its column otherwise ([`Cell`]). What a column *is*
//! (numeric, categorical, with missing cells) is decided when columns are chosen
//! ([`Table::select`]), because only then are the missing-value markers and the task known.

use std::io;
use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::column::{parse_number, Cell, Column, ColumnBuilder};
use super::error::DataError;
use super::number::DecimalSeparator;
use super::quote::{QuoteCheck, UnterminatedQuote};
use super::sniff::detect_delimiter;
use super::source;

/// How to read a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// The first record is a header of column names. Without a header the columns are named
    /// `"1"`, `"2"`, … (1-based) and the first record is data. Default: `true`.
    pub has_header: bool,
    /// The field delimiter, one byte, or `None` to detect it among `,` `;` tab `|` from the
    /// header and the first rows ([`detect_delimiter`](super::detect_delimiter)). Default:
    /// `None`.
    pub delimiter: Option<u8>,
    /// How numbers write their decimal separator: `1.5` ([`DecimalSeparator::Point`], the
    /// default) or `1,5` ([`DecimalSeparator::Comma`], with `;` between fields).
    pub decimal: DecimalSeparator,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions { has_header: true, delimiter: None, decimal: DecimalSeparator::Point }
    }
}

/// A CSV file read into memory: column names and typed columns, each row with the physical line
/// it starts on.
///
/// Accepts what the `csv` crate accepts: quoted fields (with embedded delimiters, quotes and line
/// breaks), LF or CRLF line endings, a leading UTF-8 byte-order mark; spaces around fields are
/// trimmed; blank lines are skipped. Rejects ragged rows, invalid UTF-8, duplicate header names
/// and files without data rows.
///
/// Each cell is a [`Cell::Number`] (a finite number, parsed from the field's bytes) or a
/// [`Cell::Text`] (interned once per column: a column of repeated words holds each word once).
///
/// Rows are data rows: row 0 is the first record after the header. Its 1-based *sample number*
/// is `row_idx + 1`, which is what [`crate::Dataset::sample_numbers`] holds.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    column_names: Vec<String>,
    columns: Vec<Column>,
    lines: Vec<u64>,
    /// The 1-based line of the header (0 without one).
    header_line: u64,
}

impl Table {
    /// Reads the CSV file at `path`, or standard input when `path` is `-`.
    ///
    /// Errors name `path` as given (`<stdin>` for `-`). See [`Table::from_reader`] for what is
    /// checked.
    pub fn read(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Table, DataError> {
        let (name, reader) = source::open(path.as_ref())?;
        Table::from_reader(reader, name, options)
    }

    /// Reads CSV from any reader; `path` is only used to name the source in errors (e.g.
    /// `"<stdin>"`).
    ///
    /// Input starting with the gzip magic bytes is decompressed. Without a delimiter in
    /// `options`, it is detected from the first lines. A quoted field still open at the end of
    /// the input is an error naming the line where it opened.
    ///
    /// This is the entry point to fuzz: any byte sequence gives a table or a [`DataError`],
    /// never a panic.
    pub fn from_reader(
        reader: impl io::Read,
        path: impl Into<PathBuf>,
        options: &CsvOptions,
    ) -> Result<Table, DataError> {
        let path = path.into();
        let input = source::decoded(reader, &path)?;
        let delimiter = options
            .delimiter
            .unwrap_or_else(|| detect_delimiter(input.head(), input.head_is_everything()));
        let mut csv_reader = csv::ReaderBuilder::new()
            // The header is read as an ordinary record so that it gets the same checks.
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .delimiter(delimiter)
            .from_reader(LineIndex::new(QuoteCheck::new(input, delimiter)));

        let mut column_names: Option<Vec<String>> = None;
        let mut builders: Vec<ColumnBuilder> = Vec::new();
        let mut lines = Vec::new();
        let mut header_line = 0;
        let mut record = ByteRecord::new();
        loop {
            match csv_reader.read_byte_record(&mut record) {
                Ok(true) => {}
                Ok(false) => break,
                Err(err) => {
                    return Err(match UnterminatedQuote::from_csv_error(&err) {
                        Some(quote) => DataError::UnterminatedQuote {
                            path,
                            line: csv_reader.get_ref().line_of_byte(quote.offset),
                        },
                        None => csv_error(path, err),
                    })
                }
            }
            let line = record
                .position()
                .map_or(0, |position| csv_reader.get_ref().line_of_record_at(position.byte()));
            match &column_names {
                Some(names) => {
                    if record.len() != names.len() {
                        return Err(DataError::RaggedRow {
                            path,
                            line,
                            expected: names.len(),
                            found: record.len(),
                        });
                    }
                }
                None => {
                    let names = if options.has_header {
                        header_names(&record, &path, line)?
                    } else {
                        (1..=record.len()).map(|index| index.to_string()).collect()
                    };
                    builders = (0..names.len()).map(|_| ColumnBuilder::default()).collect();
                    column_names = Some(names);
                    if options.has_header {
                        header_line = line;
                        continue;
                    }
                }
            }
            push_row(&mut builders, &record, &path, line, options.decimal)?;
            lines.push(line);
        }

        let Some(column_names) = column_names else {
            return Err(DataError::EmptyFile { path });
        };
        if lines.is_empty() {
            return Err(DataError::NoDataRows { path });
        }
        let columns = builders.into_iter().map(ColumnBuilder::finish).collect();
        Ok(Table { path, column_names, columns, lines, header_line })
    }

    /// The path (or display name) the table was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The column names, in file order.
    pub fn column_names(&self) -> &[String] {
        &self.column_names
    }

    /// Number of columns.
    pub fn n_columns(&self) -> usize {
        self.column_names.len()
    }

    /// Number of data rows (the header excluded).
    pub fn n_rows(&self) -> usize {
        self.lines.len()
    }

    /// The 0-based index of the column named `name`.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.column_names.iter().position(|column_name| column_name == name)
    }

    /// The cell at 0-based `row_idx` and `column_idx`: a finite number, or trimmed text.
    pub fn cell(&self, row_idx: usize, column_idx: usize) -> Option<Cell<'_>> {
        self.columns.get(column_idx)?.cell(row_idx)
    }

    /// The 1-based physical line on which data row `row_idx` (0-based) starts.
    pub fn line(&self, row_idx: usize) -> Option<u64> {
        self.lines.get(row_idx).copied()
    }

    /// The 1-based physical line of every data row, in row order.
    pub fn lines(&self) -> &[u64] {
        &self.lines
    }

    /// The 1-based line of the header, 0 when the file was read without one.
    pub(crate) fn header_line(&self) -> u64 {
        self.header_line
    }

    /// Every cell as text, row by row (a number in its shortest form: `1.0` reads `1`).
    #[cfg(test)]
    pub(crate) fn cell_texts(&self) -> Vec<Vec<String>> {
        (0..self.n_rows())
            .map(|row_idx| {
                (0..self.n_columns())
                    .map(|column_idx| self.cell(row_idx, column_idx).unwrap().to_string())
                    .collect()
            })
            .collect()
    }

    /// The cells of column `column_idx`.
    pub(crate) fn column(&self, column_idx: usize) -> Option<&Column> {
        self.columns.get(column_idx)
    }
}

/// Appends one data record's fields to the columns: numbers as numbers, the rest as UTF-8 text
/// trimmed of Unicode whitespace (the `csv` crate trims ASCII whitespace only).
fn push_row(
    builders: &mut [ColumnBuilder],
    record: &ByteRecord,
    path: &Path,
    line: u64,
    decimal: DecimalSeparator,
) -> Result<(), DataError> {
    for (column_idx, (builder, field)) in builders.iter_mut().zip(record.iter()).enumerate() {
        if let Some(value) = parse_number(field, decimal) {
            builder.push_number(value);
            continue;
        }
        let text = std::str::from_utf8(field)
            .map_err(|_| DataError::InvalidUtf8 {
                path: path.to_owned(),
                line,
                column: column_idx + 1,
            })?
            .trim();
        if text.len() != field.len() {
            if let Some(value) = parse_number(text.as_bytes(), decimal) {
                builder.push_number(value);
                continue;
            }
        }
        builder.push_text(text).map_err(|_| DataError::Csv {
            path: path.to_owned(),
            message: format!("column {} has more distinct texts than can be held", column_idx + 1),
        })?;
    }
    Ok(())
}

/// A reader that notes where the line breaks are in the bytes read through it, to give each
/// record the physical line it starts on.
///
/// `csv`'s own `Position::line()` is the line where the parser started looking for the record,
/// which is the previous line after a CRLF or a blank line (rust-csv issues #395 and #208).
/// Its `Position::byte()` is that same starting point, so the record really starts after any
/// line-break bytes there.
struct LineIndex<R> {
    inner: R,
    /// Bytes read so far.
    n_bytes: u64,
    /// Offset of every byte ending a line: `\n`, or `\r` not followed by `\n`.
    line_ends: Vec<u64>,
    /// Runs of consecutive `\r`/`\n` bytes as `[start, end)` offsets.
    break_runs: Vec<(u64, u64)>,
    /// Offset of a `\r` whose next byte is not read yet.
    pending_cr: Option<u64>,
}

impl<R> LineIndex<R> {
    fn new(inner: R) -> Self {
        LineIndex {
            inner,
            n_bytes: 0,
            line_ends: Vec::new(),
            break_runs: Vec::new(),
            pending_cr: None,
        }
    }

    /// The 1-based line holding the byte at offset `byte`.
    fn line_of_byte(&self, byte: u64) -> u64 {
        self.line_ends.partition_point(|&line_end| line_end < byte) as u64 + 1
    }

    /// The 1-based line of a record whose parse started at offset `byte`.
    fn line_of_record_at(&self, byte: u64) -> u64 {
        let run_idx = self.break_runs.partition_point(|&(start, _)| start <= byte);
        let record_start = match run_idx.checked_sub(1).map(|idx| self.break_runs[idx]) {
            Some((_, end)) if byte < end => end,
            _ => byte,
        };
        let n_lines_before = self.line_ends.partition_point(|&line_end| line_end < record_start);
        n_lines_before as u64 + 1
    }
}

impl<R: io::Read> io::Read for LineIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n_read = self.inner.read(buf)?;
        let Some(bytes) = buf.get(..n_read) else {
            return Err(io::Error::other("the reader claimed more bytes than the buffer holds"));
        };
        for (byte_idx, &byte) in bytes.iter().enumerate() {
            let offset = self.n_bytes + byte_idx as u64;
            if let Some(cr_offset) = self.pending_cr.take() {
                if byte != b'\n' {
                    self.line_ends.push(cr_offset);
                }
            }
            if byte != b'\n' && byte != b'\r' {
                continue;
            }
            if byte == b'\n' {
                self.line_ends.push(offset);
            } else {
                self.pending_cr = Some(offset);
            }
            match self.break_runs.last_mut() {
                Some((_, end)) if *end == offset => *end = offset + 1,
                _ => self.break_runs.push((offset, offset + 1)),
            }
        }
        self.n_bytes += n_read as u64;
        Ok(n_read)
    }
}

/// The header's names, trimmed of Unicode whitespace and checked to be UTF-8 and unique.
fn header_names(header: &ByteRecord, path: &Path, line: u64) -> Result<Vec<String>, DataError> {
    let mut names: Vec<String> = Vec::with_capacity(header.len());
    for (column_idx, field) in header.iter().enumerate() {
        let name = std::str::from_utf8(field).map_err(|_| DataError::InvalidUtf8 {
            path: path.to_owned(),
            line,
            column: column_idx + 1,
        })?;
        names.push(name.trim().to_owned());
    }
    for (second_idx, name) in names.iter().enumerate() {
        // Empty names may repeat: pandas writes one per level of an unnamed MultiIndex. They are
        // index columns, left out unless selected, and selecting one is then ambiguous
        // (`Table::resolve`).
        if name.is_empty() {
            continue;
        }
        if let Some(first_idx) = names[..second_idx].iter().position(|earlier| earlier == name) {
            return Err(DataError::DuplicateColumnName {
                path: path.to_owned(),
                line,
                name: name.clone(),
                first: first_idx + 1,
                second: second_idx + 1,
            });
        }
    }
    Ok(names)
}

fn csv_error(path: PathBuf, err: csv::Error) -> DataError {
    let message = err.to_string();
    match err.into_kind() {
        csv::ErrorKind::Io(source) => DataError::Io { path, source },
        _ => DataError::Csv { path, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ColumnSelection, Task};

    fn read(text: &[u8]) -> Result<Table, DataError> {
        Table::from_reader(text, "test.csv", &CsvOptions::default())
    }

    fn cells(table: &Table) -> Vec<Vec<String>> {
        table.cell_texts()
    }

    #[test]
    fn reads_header_rows_and_lines() {
        let table = read(b"a,b\n1,2\n3,4\n").unwrap();
        assert_eq!(table.column_names(), ["a", "b"]);
        assert_eq!(cells(&table), [["1", "2"], ["3", "4"]]);
        assert_eq!(table.line(0), Some(2));
        assert_eq!(table.line(1), Some(3));
        assert_eq!(table.line(2), None);
        assert_eq!(table.cell(0, 2), None);
        assert_eq!(table.column_index("b"), Some(1));
        assert_eq!(table.column_index("c"), None);
    }

    #[test]
    fn utf8_bom_is_stripped_from_the_first_header_name() {
        let table = read(b"\xEF\xBB\xBFx1,x2\n1,2\n").unwrap();
        assert_eq!(table.column_names(), ["x1", "x2"]);
        assert_eq!(table.column_index("x1"), Some(0));
    }

    #[test]
    fn utf8_bom_is_stripped_without_header() {
        let options = CsvOptions { has_header: false, ..CsvOptions::default() };
        let table = Table::from_reader(&b"\xEF\xBB\xBF1.5,2\n"[..], "t.csv", &options).unwrap();
        assert_eq!(cells(&table), [["1.5", "2"]]);
    }

    #[test]
    fn crlf_line_endings() {
        let table = read(b"a,b\r\n1,2\r\n3,4\r\n").unwrap();
        assert_eq!(table.column_names(), ["a", "b"]);
        assert_eq!(cells(&table), [["1", "2"], ["3", "4"]]);
        assert_eq!(table.line(1), Some(3));
    }

    #[test]
    fn quoted_fields_keep_delimiters_quotes_and_line_breaks() {
        let table = read(b"name,\"a, b\"\n\"x \"\"y\"\"\",\"1\"\n\"two\nlines\",2\nz,3\n").unwrap();
        assert_eq!(table.column_names(), ["name", "a, b"]);
        assert_eq!(cells(&table), [["x \"y\"", "1"], ["two\nlines", "2"], ["z", "3"]]);
        // A record's line is where it starts; the quoted line break moves the next one down.
        assert_eq!(table.line(1), Some(3));
        assert_eq!(table.line(2), Some(5));
    }

    #[test]
    fn spaces_around_fields_and_names_are_trimmed() {
        let table = read(b" a , b\t\n  1 ,\t2 \n").unwrap();
        assert_eq!(table.column_names(), ["a", "b"]);
        assert_eq!(cells(&table), [["1", "2"]]);
    }

    #[test]
    fn no_header_names_columns_from_one() {
        let options = CsvOptions { has_header: false, ..CsvOptions::default() };
        let table = Table::from_reader(&b"1,2,3\n4,5,6\n"[..], "t.csv", &options).unwrap();
        assert_eq!(table.column_names(), ["1", "2", "3"]);
        assert_eq!(table.n_rows(), 2);
        assert_eq!(table.line(0), Some(1));
    }

    #[test]
    fn semicolon_delimiter() {
        let options = CsvOptions { delimiter: Some(b';'), ..CsvOptions::default() };
        let table = Table::from_reader(&b"a;b\n1,5;2\n"[..], "t.csv", &options).unwrap();
        assert_eq!(table.column_names(), ["a", "b"]);
        assert_eq!(cells(&table), [["1,5", "2"]]);
    }

    #[test]
    fn old_mac_cr_line_endings_count_as_lines() {
        let table = read(b"a,b\r1,2\r\r3,4\r").unwrap();
        assert_eq!(cells(&table), [["1", "2"], ["3", "4"]]);
        assert_eq!(table.line(0), Some(2));
        assert_eq!(table.line(1), Some(4));
    }

    #[test]
    fn crlf_errors_name_the_physical_line() {
        let err = read(b"a,b\r\n1,2\r\n\r\n3\r\n").unwrap_err();
        assert!(matches!(err, DataError::RaggedRow { line: 4, .. }), "{err:?}");
    }

    #[test]
    fn lines_are_right_across_read_buffer_boundaries() {
        // Reading one byte at a time splits every CRLF between two reads.
        struct OneByte<'a>(&'a [u8]);
        impl io::Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((&first, rest)) = self.0.split_first() else { return Ok(0) };
                match buf.first_mut() {
                    Some(slot) => *slot = first,
                    None => return Ok(0),
                }
                self.0 = rest;
                Ok(1)
            }
        }
        let input = b"a\r\n\r\n1\r\n\"x\r\ny\"\r\n3\r\n";
        let table = Table::from_reader(OneByte(input), "t.csv", &CsvOptions::default()).unwrap();
        assert_eq!(cells(&table), [["1"], ["x\r\ny"], ["3"]]);
        assert_eq!((table.line(0), table.line(1), table.line(2)), (Some(3), Some(4), Some(6)));
    }

    #[test]
    fn blank_lines_are_skipped_and_lines_stay_physical() {
        let table = read(b"a\n\n1\n\n\n2\n").unwrap();
        assert_eq!(cells(&table), [["1"], ["2"]]);
        assert_eq!(table.line(0), Some(3));
        assert_eq!(table.line(1), Some(6));
    }

    #[test]
    fn ragged_row_names_line_and_counts() {
        let err = read(b"a,b,c\n1,2,3\n4,5\n").unwrap_err();
        match &err {
            DataError::RaggedRow { path, line, expected, found } => {
                assert_eq!(path, Path::new("test.csv"));
                assert_eq!((*line, *expected, *found), (3, 3, 2));
            }
            other => panic!("unexpected error {other:?}"),
        }
        assert_eq!(err.to_string(), "test.csv: line 3: expected 3 fields, found 2");
    }

    #[test]
    fn ragged_row_without_header_counts_from_first_row() {
        let options = CsvOptions { has_header: false, ..CsvOptions::default() };
        let err = Table::from_reader(&b"1,2\n3,4,5\n"[..], "t.csv", &options).unwrap_err();
        assert!(
            matches!(err, DataError::RaggedRow { line: 2, expected: 2, found: 3, .. }),
            "{err:?}"
        );
    }

    #[test]
    fn empty_file_and_header_only_are_errors() {
        let err = read(b"").unwrap_err();
        assert!(matches!(err, DataError::EmptyFile { .. }), "{err:?}");
        assert_eq!(err.to_string(), "test.csv: the file is empty");

        let err = read(b"a,b\n").unwrap_err();
        assert!(matches!(err, DataError::NoDataRows { .. }), "{err:?}");
        assert_eq!(err.to_string(), "test.csv: no data rows after the header");

        let err = read(b"\n\n").unwrap_err();
        assert!(matches!(err, DataError::EmptyFile { .. }), "{err:?}");
    }

    #[test]
    fn invalid_utf8_names_line_and_column() {
        let err = read(b"a,b\n1,2\n3,\xFF\xFE\n").unwrap_err();
        assert!(matches!(err, DataError::InvalidUtf8 { line: 3, column: 2, .. }), "{err:?}");
        assert_eq!(err.to_string(), "test.csv: line 3, column 2: invalid UTF-8");

        let err = read(b"\xC3(,b\n1,2\n").unwrap_err();
        assert!(matches!(err, DataError::InvalidUtf8 { line: 1, column: 1, .. }), "{err:?}");
    }

    #[test]
    fn duplicate_header_name_is_an_error() {
        let err = read(b"a,b,a\n1,2,3\n").unwrap_err();
        assert!(
            matches!(&err, DataError::DuplicateColumnName { line: 1, name, first: 1, second: 3, .. } if name == "a"),
            "{err:?}"
        );
    }

    #[test]
    fn repeated_empty_header_names_are_index_columns_ambiguous_only_when_selected() {
        // pandas' `to_csv` of a frame with a two-level unnamed index.
        let table = read(b"\n,,x,y\n0,0,0.5,a\n1,1,1.5,b\n0,2,2.5,a\n1,3,3.5,b\n").unwrap();
        assert_eq!(table.column_names(), ["", "", "x", "y"]);
        let data = table.select(&ColumnSelection::new(["y"]), Task::Classification).unwrap();
        assert_eq!(data.features.names, ["x"]);
        assert_eq!(data.notices.len(), 2, "{:?}", data.notices);
        let selection = ColumnSelection::new(["y"]).with_features(["", "x"]);
        let err = table.select(&selection, Task::Classification).unwrap_err();
        assert!(
            matches!(&err, DataError::DuplicateColumnName { line: 2, name, first: 1, second: 2, .. } if name.is_empty()),
            "{err:?}"
        );
    }

    #[test]
    fn read_from_file_and_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data.csv");
        std::fs::write(&path, "x,y\n1,2\n").unwrap();
        let table = Table::read(&path, &CsvOptions::default()).unwrap();
        assert_eq!(table.path(), path);
        assert_eq!(table.n_rows(), 1);

        let missing = dir.path().join("missing.csv");
        let err = Table::read(&missing, &CsvOptions::default()).unwrap_err();
        assert!(matches!(&err, DataError::Io { path, .. } if *path == missing), "{err:?}");
        assert!(err.to_string().starts_with(&missing.display().to_string()));
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn arbitrary_bytes_never_panic() {
        // A poor man's fuzz run: every prefix of a nasty input gives a table or an error.
        let nasty: &[u8] =
            b"\xEF\xBB\xBF\"a\"\"\",b\r\n\"1\n2\",\xFF\r\n,\n\"unterminated,3\n\x00;\"\"\"\n";
        for end in 0..=nasty.len() {
            for has_header in [true, false] {
                let options =
                    CsvOptions { has_header, delimiter: Some(b','), ..CsvOptions::default() };
                if let Ok(table) = Table::from_reader(&nasty[..end], "fuzz.csv", &options) {
                    let last = table.column_names().last().cloned().unwrap_or_default();
                    for task in [Task::Auto, Task::Classification, Task::Regression] {
                        let _ = table.select(&ColumnSelection::new([last.clone()]), task);
                    }
                }
            }
        }
    }
}
