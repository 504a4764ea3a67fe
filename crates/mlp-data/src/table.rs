//! Reading a CSV file into a [`Table`] of typed columns.
//!
//! Plain lines (no quote, carriage return, NUL byte or blank line) are parsed in chunks on
//! every core by the fast path (`fast`); from the first line that is anything else, parsing is
//! the `csv` crate's, and this module checks what it yields: a header (or generated names), the
//! same number of fields on every row, UTF-8 text, unique column names and at least one data
//! row, records no longer than a bound ([`CsvOptions::max_record_size`]) and no NUL byte in any
//! field. The two paths give the same table, and the same first error. Each field becomes a
//! number straight from its bytes when it is one (no text is kept for it), or an interned text
//! of its column otherwise ([`Cell`]); the numbers of every column are one block, row after row
//! (8 bytes a cell, 4 at [`NumberPrecision::F32`]; one allocation). What a column *is*
//! (numeric, categorical, with missing cells) is decided when columns are chosen
//! ([`Table::select`]), because only then are the missing-value markers and the task known.

use std::io;
use std::path::{Path, PathBuf};

use csv::ByteRecord;

use super::block::{NumberBlock, NumberPrecision};
use super::column::{parse_number, Cell, Column, ColumnBuilder, ColumnTexts};
use super::error::DataError;
use super::fast;
use super::number::DecimalSeparator;
use super::quote::{QuoteCheck, UnterminatedQuote};
use super::sniff::detect_delimiter;
use super::source;

/// The longest record [`CsvOptions`] accepts by default: 64 MiB.
pub const DEFAULT_MAX_RECORD_SIZE: u64 = 64 << 20;

/// The most columns [`CsvOptions`] accepts by default.
pub const DEFAULT_MAX_COLUMNS: usize = 1_000_000;

/// Bytes the `csv` reader asks for at a time (its buffer): how far reading may run ahead of
/// the record being parsed.
const READ_BUFFER_LEN: usize = 64 * 1024;

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
    /// The most bytes one record (a row, with its quoted line breaks and its line break) may
    /// have; a longer one is a [`DataError::RecordTooLong`]. Memory stays bounded however the
    /// input looks: a file without line breaks (binary data, `/dev/zero`) is refused after this
    /// many bytes instead of being read into one record until memory runs out. Default:
    /// [`DEFAULT_MAX_RECORD_SIZE`].
    pub max_record_size: u64,
    /// The most columns (fields of the header, or of the first row without one); more is a
    /// [`DataError::TooManyColumns`]. A table costs a few hundred bytes per column before any
    /// cell, so a line of 60 million commas would otherwise take tens of GB. Default:
    /// [`DEFAULT_MAX_COLUMNS`].
    pub max_columns: usize,
    /// The precision the table holds its numbers in: [`NumberPrecision::F64`] (the default),
    /// or [`NumberPrecision::F32`], which rounds every number to `f32` as it is read (half the
    /// memory; see there).
    pub precision: NumberPrecision,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            has_header: true,
            delimiter: None,
            decimal: DecimalSeparator::Point,
            max_record_size: DEFAULT_MAX_RECORD_SIZE,
            max_columns: DEFAULT_MAX_COLUMNS,
            precision: NumberPrecision::F64,
        }
    }
}

/// A CSV file read into memory: column names and typed columns, each row with the physical line
/// it starts on.
///
/// Accepts what the `csv` crate accepts: quoted fields (with embedded delimiters, quotes and line
/// breaks), LF or CRLF line endings, a leading UTF-8 byte-order mark; spaces around fields are
/// trimmed; blank lines are skipped, and so are lines of only spaces and tabs, anywhere in the
/// file, as pandas' `read_csv` skips them (a quoted `""` is an empty cell, not a blank line;
/// quoted spaces alone on a line are taken for the blank line they look like).
/// Rejects ragged rows, invalid UTF-8, a NUL byte in a field (binary data), a record longer
/// than [`CsvOptions::max_record_size`], more than [`CsvOptions::max_columns`] columns,
/// duplicate header names and files without data rows.
///
/// Column lookup by name ([`Table::column_index`]) is a binary search in a sorted index built
/// once: selecting columns costs O(log n) per name, and reading a header of n names
/// O(n log n), never O(n²).
///
/// Each cell is a [`Cell::Number`] (a finite number, parsed from the field's bytes; rounded to
/// the nearest `f32` when [`CsvOptions::precision`] is [`NumberPrecision::F32`], unless too large
/// for one) or a [`Cell::Text`] (interned once per column: a column of repeated words holds
/// each word once).
///
/// Rows are data rows: row 0 is the first record after the header. Its 1-based *sample number*
/// is `row_idx + 1`, which is what [`crate::Dataset::sample_numbers`] holds.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    column_names: Vec<String>,
    /// Column indices ordered by name, then by index: the index of lookups by name.
    sorted_by_name: Vec<usize>,
    /// The texts of each column.
    columns: Vec<ColumnTexts>,
    /// Every cell's number (0 for a text cell), row after row: one block, read in file order.
    numbers: NumberBlock,
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
    /// the input is an error naming the line where it opened; a record longer than
    /// [`CsvOptions::max_record_size`] is an error naming the line where it starts, raised
    /// before much more than that is read.
    ///
    /// This is the entry point to fuzz: any byte sequence gives a table or a [`DataError`],
    /// never a panic.
    pub fn from_reader(
        reader: impl io::Read,
        path: impl Into<PathBuf>,
        options: &CsvOptions,
    ) -> Result<Table, DataError> {
        Table::from_reader_in_chunks(reader, path.into(), options, Some(fast::DEFAULT_CHUNK_LEN))
    }

    /// [`Table::from_reader`], the fast path reading `chunk_len` bytes at a time (`None`: the
    /// `csv` crate's path alone). The two give the same table or the same error.
    pub(crate) fn from_reader_in_chunks(
        reader: impl io::Read,
        path: PathBuf,
        options: &CsvOptions,
        chunk_len: Option<usize>,
    ) -> Result<Table, DataError> {
        let input = source::decoded(reader, &path)?;
        let delimiter = options
            .delimiter
            .unwrap_or_else(|| detect_delimiter(input.head(), input.head_is_everything()));
        let mut rows = Rows { numbers: NumberBlock::new(options.precision), ..Rows::default() };
        match chunk_len {
            Some(chunk_len) if fast::handles_delimiter(delimiter) => {
                let spec = fast::Spec { delimiter, chunk_len, options, path: &path };
                if let Some(rest) = fast::read(input, &spec, &mut rows)? {
                    read_records(
                        rest.text,
                        &path,
                        options,
                        delimiter,
                        rest.n_lines_before,
                        &mut rows,
                    )?;
                }
            }
            _ => read_records(input, &path, options, delimiter, 0, &mut rows)?,
        }
        let Rows { column_names, sorted_by_name, builders, mut numbers, lines, header_line } = rows;
        let Some(column_names) = column_names else {
            return Err(DataError::EmptyFile { path });
        };
        if lines.is_empty() {
            return Err(DataError::NoDataRows { path });
        }
        let columns = builders.into_iter().map(ColumnBuilder::finish).collect();
        numbers.shrink_to_fit();
        Ok(Table { path, column_names, sorted_by_name, columns, numbers, lines, header_line })
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

    /// The 0-based index of the column named `name` (the first one, for the empty name that
    /// index columns may share). A binary search: O(log n) in the number of columns.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns_named(name).first().copied()
    }

    /// The 0-based indices of every column named `name`, in file order: none, one, or several
    /// for the empty name (header names are otherwise unique).
    pub(crate) fn columns_named(&self, name: &str) -> &[usize] {
        let names = &self.column_names;
        let first = self.sorted_by_name.partition_point(|&idx| names[idx].as_str() < name);
        let n_named =
            self.sorted_by_name[first..].iter().take_while(|&&idx| names[idx] == name).count();
        &self.sorted_by_name[first..first + n_named]
    }

    /// The cell at 0-based `row_idx` and `column_idx`: a finite number, or trimmed text.
    pub fn cell(&self, row_idx: usize, column_idx: usize) -> Option<Cell<'_>> {
        self.column(column_idx)?.cell(row_idx)
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

    /// Every cell's number (0 for a text cell), row after row.
    pub(crate) fn numbers(&self) -> &NumberBlock {
        &self.numbers
    }

    /// The table's block of numbers, taken: the table is gone.
    pub(crate) fn into_numbers(self) -> NumberBlock {
        self.numbers
    }

    /// The cells of column `column_idx`.
    pub(crate) fn column(&self, column_idx: usize) -> Option<Column<'_>> {
        let texts = self.columns.get(column_idx)?;
        Some(Column::new(texts, &self.numbers, self.columns.len(), column_idx))
    }
}

/// A table being read: its columns once the header (or the first row) is known, and the rows
/// so far. The fast path and the `csv` crate's path fill it in turn.
#[derive(Debug, Default)]
pub(super) struct Rows {
    /// `None` until the header (or the first row, without one) has been read.
    pub(super) column_names: Option<Vec<String>>,
    pub(super) sorted_by_name: Vec<usize>,
    pub(super) builders: Vec<ColumnBuilder>,
    /// Every cell's number (0 for a text cell), row after row, at the options' precision
    /// (`Rows::default()` has an f64 block: set it from the options).
    pub(super) numbers: NumberBlock,
    /// The 1-based line of every data row.
    pub(super) lines: Vec<u64>,
    pub(super) header_line: u64,
}

impl Rows {
    /// Takes the column names of the first record (on `line`, with `n_fields` fields): the
    /// header's `names`, or `"1"`, `"2"`, … without a header. Fails on a repeated header name.
    pub(super) fn set_columns(
        &mut self,
        names: Option<Vec<String>>,
        n_fields: usize,
        path: &Path,
        line: u64,
    ) -> Result<(), DataError> {
        let has_header = names.is_some();
        let names =
            names.unwrap_or_else(|| (1..=n_fields).map(|index| index.to_string()).collect());
        self.sorted_by_name = sorted_by_name_of(&names);
        if has_header {
            check_unique(&names, &self.sorted_by_name, path, line)?;
            self.header_line = line;
        }
        self.builders = (0..names.len()).map(|_| ColumnBuilder::default()).collect();
        self.column_names = Some(names);
        Ok(())
    }
}

/// Reads the records of `input` with the `csv` crate into `rows`, the first of them on line
/// `n_lines_before + 1`: the header first when `rows` has no columns yet.
fn read_records(
    input: impl io::Read,
    path: &Path,
    options: &CsvOptions,
    delimiter: u8,
    n_lines_before: u64,
    rows: &mut Rows,
) -> Result<(), DataError> {
    let mut csv_reader = csv::ReaderBuilder::new()
        // The header is read as an ordinary record so that it gets the same checks.
        .has_headers(false)
        .flexible(true)
        // Fields are trimmed here (`header_names`, `push_row`), after a line of spaces is
        // told from a quoted `""`, which trimming would make look the same.
        .trim(csv::Trim::None)
        .delimiter(delimiter)
        .buffer_capacity(READ_BUFFER_LEN)
        .from_reader(LineIndex::new(
            QuoteCheck::new(input, delimiter),
            options.max_record_size,
            n_lines_before,
        ));
    let mut record = ByteRecord::new();
    let too_long = |line| DataError::RecordTooLong {
        path: path.to_owned(),
        line,
        max: options.max_record_size,
    };
    loop {
        match csv_reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Ok(()),
            Err(err) => {
                let index = csv_reader.get_ref();
                return Err(if let Some(quote) = UnterminatedQuote::from_csv_error(&err) {
                    DataError::UnterminatedQuote {
                        path: path.to_owned(),
                        line: index.line_of_byte(quote.offset),
                    }
                } else if let Some(record) = RecordTooLong::from_csv_error(&err) {
                    too_long(index.line_of_record_at(record.start))
                } else {
                    csv_error(path.to_owned(), err)
                });
            }
        }
        let line = record
            .position()
            .map_or(0, |position| csv_reader.get_ref().line_of_record_at(position.byte()));
        let end = csv_reader.position().byte();
        if let Err(record) = csv_reader.get_mut().end_record(end) {
            return Err(too_long(csv_reader.get_ref().line_of_record_at(record.start)));
        }
        if is_blank(&record) {
            continue;
        }
        match &rows.column_names {
            Some(names) => {
                if record.len() != names.len() {
                    return Err(DataError::RaggedRow {
                        path: path.to_owned(),
                        line,
                        expected: names.len(),
                        found: record.len(),
                    });
                }
            }
            None => {
                if record.len() > options.max_columns {
                    return Err(DataError::TooManyColumns {
                        path: path.to_owned(),
                        line,
                        found: record.len(),
                        max: options.max_columns,
                    });
                }
                let names = match options.has_header {
                    true => Some(header_names(record.iter(), path, line)?),
                    false => None,
                };
                rows.set_columns(names, record.len(), path, line)?;
                if options.has_header {
                    continue;
                }
            }
        }
        push_row(rows, record.iter(), path, line, options.decimal)?;
        rows.lines.push(line);
    }
}

/// What a field holds, as a table keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Field<'a> {
    /// A finite number.
    Number(f64),
    /// Any other cell, trimmed of Unicode whitespace.
    Text(&'a str),
}

/// Why a field cannot be a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BadField {
    /// A NUL byte (binary data).
    Nul,
    /// Not UTF-8.
    InvalidUtf8,
}

/// A field's bytes as a cell: a number when it is one (once trimmed of Unicode whitespace; the
/// `csv` crate trims nothing here), the trimmed UTF-8 text otherwise.
pub(super) fn classify(field: &[u8], decimal: DecimalSeparator) -> Result<Field<'_>, BadField> {
    if let Some(value) = parse_number(field, decimal) {
        return Ok(Field::Number(value));
    }
    if memchr::memchr(0, field).is_some() {
        return Err(BadField::Nul);
    }
    let text = std::str::from_utf8(field).map_err(|_| BadField::InvalidUtf8)?.trim();
    if text.len() != field.len() {
        if let Some(value) = parse_number(text.as_bytes(), decimal) {
            return Ok(Field::Number(value));
        }
    }
    Ok(Field::Text(text))
}

/// The error of a column that has more distinct texts than a `u32` code numbers.
pub(super) fn too_many_texts(path: &Path, column_idx: usize) -> DataError {
    DataError::Csv {
        path: path.to_owned(),
        message: format!("column {} has more distinct texts than can be held", column_idx + 1),
    }
}

/// Appends one data record's fields to the columns: numbers as numbers, the rest as UTF-8 text
/// trimmed of Unicode whitespace (the `csv` crate trims ASCII whitespace only).
fn push_row<'a>(
    rows: &mut Rows,
    fields: impl Iterator<Item = &'a [u8]>,
    path: &Path,
    line: u64,
    decimal: DecimalSeparator,
) -> Result<(), DataError> {
    for (column_idx, (builder, field)) in rows.builders.iter_mut().zip(fields).enumerate() {
        let column = column_idx + 1;
        match classify(field, decimal) {
            Ok(Field::Number(value)) => {
                builder.push_number();
                rows.numbers.push(value);
            }
            Ok(Field::Text(text)) => {
                builder.push_text(text).map_err(|_| too_many_texts(path, column_idx))?;
                rows.numbers.push(0.0);
            }
            Err(BadField::Nul) => {
                return Err(DataError::NulByte { path: path.to_owned(), line, column })
            }
            Err(BadField::InvalidUtf8) => {
                return Err(DataError::InvalidUtf8 { path: path.to_owned(), line, column })
            }
        }
    }
    Ok(())
}

/// A reader that notes where the line breaks are in the bytes read through it, to give each
/// record the physical line it starts on, and that bounds the bytes of one record.
///
/// `csv`'s own `Position::line()` is the line where the parser started looking for the record,
/// which is the previous line after a CRLF or a blank line (rust-csv issues #395 and #208).
/// Its `Position::byte()` is that same starting point, so the record really starts after any
/// line-break bytes there.
///
/// The reader is told where each record ends ([`LineIndex::end_record`]); a read that would go
/// on past `max_record_size` bytes of one record (plus what the parser may hold unparsed, at
/// most [`READ_BUFFER_LEN`]) fails with [`RecordTooLong`], so the parser's record never grows
/// much beyond the bound.
struct LineIndex<R> {
    inner: R,
    /// Where the record being read starts (after any blank lines before it).
    record_start: u64,
    /// The most bytes of one record.
    max_record_size: u64,
    /// Bytes read so far.
    n_bytes: u64,
    /// Offset of every byte ending a line: `\n`, or `\r` not followed by `\n`.
    line_ends: Vec<u64>,
    /// Runs of consecutive `\r`/`\n` bytes as `[start, end)` offsets.
    break_runs: Vec<(u64, u64)>,
    /// Lines before the first byte (a text handed over by the fast path mid-file).
    n_lines_before: u64,
    /// Offset of a `\r` whose next byte is not read yet.
    pending_cr: Option<u64>,
}

impl<R> LineIndex<R> {
    fn new(inner: R, max_record_size: u64, n_lines_before: u64) -> Self {
        LineIndex {
            n_lines_before,
            inner,
            record_start: 0,
            max_record_size,
            n_bytes: 0,
            line_ends: Vec::new(),
            break_runs: Vec::new(),
            pending_cr: None,
        }
    }

    /// The 1-based line holding the byte at offset `byte`.
    fn line_of_byte(&self, byte: u64) -> u64 {
        self.n_lines_before + self.line_ends.partition_point(|&line_end| line_end < byte) as u64 + 1
    }

    /// The 1-based line of a record whose parse started at offset `byte`.
    fn line_of_record_at(&self, byte: u64) -> u64 {
        let run_idx = self.break_runs.partition_point(|&(start, _)| start <= byte);
        let record_start = match run_idx.checked_sub(1).map(|idx| self.break_runs[idx]) {
            Some((_, end)) if byte < end => end,
            _ => byte,
        };
        let n_lines_before = self.line_ends.partition_point(|&line_end| line_end < record_start);
        self.n_lines_before + n_lines_before as u64 + 1
    }

    /// Notes that the parser's record ended at offset `end`, where the next one starts; fails
    /// when that record was longer than the bound.
    fn end_record(&mut self, end: u64) -> Result<(), RecordTooLong> {
        let start = self.record_start;
        self.record_start = end;
        // Line breaks already read after `end` are blank lines, not the next record's bytes.
        let run_idx = self.break_runs.partition_point(|&(run_start, _)| run_start <= end);
        if let Some(&(_, run_end)) = run_idx.checked_sub(1).map(|idx| &self.break_runs[idx]) {
            if end < run_end {
                self.record_start = run_end;
            }
        }
        if end.saturating_sub(start) > self.max_record_size {
            return Err(RecordTooLong { start });
        }
        Ok(())
    }
}

impl<R: io::Read> io::Read for LineIndex<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Everything read before this call is in the parser, parsed into the current record or
        // waiting in its buffer (at most `READ_BUFFER_LEN` bytes).
        let n_record_bytes = self.n_bytes.saturating_sub(self.record_start);
        if n_record_bytes > self.max_record_size.saturating_add(READ_BUFFER_LEN as u64) {
            return Err(io::Error::other(RecordTooLong { start: self.record_start }));
        }
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
            if offset == self.record_start {
                // A blank line before the next record.
                self.record_start += 1;
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

/// The bound of [`LineIndex`] was passed by the record that starts at offset `start` (the
/// payload of its I/O error).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RecordTooLong {
    start: u64,
}

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the record that starts at byte {} is too long", self.start)
    }
}

impl std::error::Error for RecordTooLong {}

impl RecordTooLong {
    /// The payload of a `csv` reader's error, if it comes from a [`LineIndex`].
    fn from_csv_error(err: &csv::Error) -> Option<RecordTooLong> {
        match err.kind() {
            csv::ErrorKind::Io(io_error) => {
                io_error.get_ref()?.downcast_ref::<RecordTooLong>().copied()
            }
            _ => None,
        }
    }
}

/// True for a record that is one line of only spaces and tabs, which pandas' `read_csv` skips
/// as it skips an empty line (a quoted `""` is one empty field: not blank; a quoted field of
/// spaces cannot be told from unquoted spaces here, and is blank too).
fn is_blank(record: &ByteRecord) -> bool {
    match record.iter().next() {
        Some(field) if record.len() == 1 => {
            !field.is_empty() && field.iter().all(|&byte| byte == b' ' || byte == b'\t')
        }
        _ => false,
    }
}

/// The header's names, trimmed of Unicode whitespace and checked to be UTF-8 without a NUL.
pub(super) fn header_names<'a>(
    header: impl Iterator<Item = &'a [u8]>,
    path: &Path,
    line: u64,
) -> Result<Vec<String>, DataError> {
    let mut names: Vec<String> = Vec::with_capacity(header.size_hint().0);
    for (column_idx, field) in header.enumerate() {
        let column = column_idx + 1;
        if memchr::memchr(0, field).is_some() {
            return Err(DataError::NulByte { path: path.to_owned(), line, column });
        }
        let name = std::str::from_utf8(field).map_err(|_| DataError::InvalidUtf8 {
            path: path.to_owned(),
            line,
            column,
        })?;
        names.push(name.trim().to_owned());
    }
    Ok(names)
}

/// The indices of `names` ordered by name, equal names in file order: O(n log n).
fn sorted_by_name_of(names: &[String]) -> Vec<usize> {
    let mut sorted: Vec<usize> = (0..names.len()).collect();
    // A stable sort keeps equal names in file order.
    sorted.sort_by(|&a, &b| names[a].cmp(&names[b]));
    sorted
}

/// Fails on a name that appears twice in the header (`sorted` is [`sorted_by_name_of`] the
/// names), naming the repeat that comes first in the file with the name's first column.
///
/// Empty names may repeat: pandas writes one per level of an unnamed MultiIndex. They are index
/// columns, left out unless selected, and selecting one is then ambiguous (`Table::resolve`).
fn check_unique(
    names: &[String],
    sorted: &[usize],
    path: &Path,
    line: u64,
) -> Result<(), DataError> {
    let first_repeat = sorted
        .windows(2)
        .filter(|pair| !names[pair[0]].is_empty() && names[pair[0]] == names[pair[1]])
        .map(|pair| (pair[0], pair[1]))
        // The first column of a name is the one before its first repeat in the sorted order.
        .fold(None, |earliest: Option<(usize, usize)>, (first, second)| match earliest {
            Some((_, earliest_second)) if earliest_second <= second => earliest,
            _ => Some((first, second)),
        });
    match first_repeat {
        Some((first_idx, second_idx)) => Err(DataError::DuplicateColumnName {
            path: path.to_owned(),
            line,
            name: names[first_idx].clone(),
            first: first_idx + 1,
            second: second_idx + 1,
        }),
        None => Ok(()),
    }
}

fn csv_error(path: PathBuf, err: csv::Error) -> DataError {
    let message = err.to_string();
    match err.into_kind() {
        csv::ErrorKind::Io(cause) => DataError::Io { path, cause },
        _ => DataError::Csv { path, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ColumnSelection, Task};

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
    fn f32_tables_hold_f32_numbers_on_every_path() {
        let texts: [&[u8]; 4] =
            [b"a,b\n1.1,2\n3,4\n", b"1.1,2\n3,4\n", b"a,b\n\"1.1\",2\n3,4\n", b"a;b\n1.1;x\n3;4\n"];
        for text in texts {
            let has_header = !text.starts_with(b"1");
            let options =
                CsvOptions { precision: NumberPrecision::F32, has_header, ..CsvOptions::default() };
            for chunk_len in [None, Some(1), Some(1 << 20)] {
                let table = Table::from_reader_in_chunks(text, "f.csv".into(), &options, chunk_len)
                    .unwrap();
                let what = format!("{:?} {chunk_len:?}", String::from_utf8_lossy(text));
                assert!(matches!(table.numbers(), NumberBlock::F32 { .. }), "{what}");
                assert_eq!(table.cell(0, 0), Some(Cell::Number(f64::from(1.1_f32))), "{what}");
                assert_eq!(table.cell(1, 1), Some(Cell::Number(4.0)), "{what}");
            }
        }
        // Without the option: f64, as read.
        assert!(matches!(read(b"a\n1.1\n").unwrap().numbers(), NumberBlock::F64(_)));
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
        // The OS's reason is in the message, once, and so not also the source.
        assert!(err.to_string().ends_with(": No such file or directory (os error 2)"), "{err}");
        assert!(std::error::Error::source(&err).is_none());
    }

    #[test]
    fn lines_of_only_spaces_and_tabs_are_blank_anywhere() {
        // Trailing, in the middle, before the header, with CRLF: skipped as pandas skips them,
        // and the lines of the rows after them stay physical.
        let table = read(b"  \n a , b\n1,2\n \t \n3,4\r\n\t\r\n5,6\n   \n\t\n").unwrap();
        assert_eq!(table.column_names(), ["a", "b"]);
        assert_eq!(cells(&table), [["1", "2"], ["3", "4"], ["5", "6"]]);
        assert_eq!(table.lines(), [3, 5, 7]);
        // In a one-column file too.
        let table = read(b"x\n1\n   \n2\n").unwrap();
        assert_eq!(cells(&table), [["1"], ["2"]]);
        // A quoted empty field is a cell (a missing value), not a blank line; quoted spaces
        // alone on a line read as the blank line they look like.
        let table = read(b"x\n1\n\"\"\n\"  \"\n2\n").unwrap();
        assert_eq!(cells(&table), [["1"], [""], ["2"]]);
        assert_eq!(table.lines(), [2, 3, 5]);
        // Spaces between delimiters are empty cells, not a blank line.
        let table = read(b"a,b\n1,2\n , \n").unwrap();
        assert_eq!(cells(&table), [["1", "2"], ["", ""]]);
        // Only blank lines: no header.
        let err = read(b"  \n\t\n").unwrap_err();
        assert!(matches!(err, DataError::EmptyFile { .. }), "{err:?}");
        // Other text on a line is still a ragged row.
        let err = read(b"a,b\n1,2\n x\n").unwrap_err();
        assert!(matches!(err, DataError::RaggedRow { line: 3, found: 1, .. }), "{err:?}");
    }

    #[test]
    fn a_nul_byte_in_any_field_names_line_and_column() {
        let err = read(b"a,b,y\n1,2,cat\n3,4,c\x00t\n").unwrap_err();
        assert!(matches!(err, DataError::NulByte { line: 3, column: 3, .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "test.csv: line 3, column 3: a NUL byte, which CSV text never holds (binary data?)"
        );
        // In a number, in the header, quoted, alone.
        let err = read(b"a,b\n1,2\x00\n").unwrap_err();
        assert!(matches!(err, DataError::NulByte { line: 2, column: 2, .. }), "{err:?}");
        let err = read(b"a,\x00b\n1,2\n").unwrap_err();
        assert!(matches!(err, DataError::NulByte { line: 1, column: 2, .. }), "{err:?}");
        let err = read(b"a,b\n1,\"\x00\"\n").unwrap_err();
        assert!(matches!(err, DataError::NulByte { line: 2, column: 2, .. }), "{err:?}");
        let err = read(b"a\n\x00\n").unwrap_err();
        assert!(matches!(err, DataError::NulByte { line: 2, column: 1, .. }), "{err:?}");
    }

    fn with_max_record_size(max_record_size: u64) -> CsvOptions {
        CsvOptions { max_record_size, ..CsvOptions::default() }
    }

    #[test]
    fn a_record_over_the_bound_names_its_line() {
        let options = with_max_record_size(1000);
        let long_row = format!("{},2\n", "1".repeat(2000));
        let text = format!("a,b\n1,2\n{long_row}3,4\n");
        let err = Table::from_reader(text.as_bytes(), "t.csv", &options).unwrap_err();
        assert!(matches!(err, DataError::RecordTooLong { line: 3, max: 1000, .. }), "{err:?}");
        assert!(err.to_string().starts_with("t.csv: line 3: a record longer than 1,000 bytes"));
        // The same file under the default bound.
        assert_eq!(read(text.as_bytes()).unwrap().n_rows(), 3);
        // A record of exactly the bound (its line break included) is read; one byte more is not.
        let exact = format!("a\n{}\n", "1".repeat(999));
        assert_eq!(Table::from_reader(exact.as_bytes(), "t.csv", &options).unwrap().n_rows(), 1);
        let over = format!("a\n{}\n", "1".repeat(1000));
        let err = Table::from_reader(over.as_bytes(), "t.csv", &options).unwrap_err();
        assert!(matches!(err, DataError::RecordTooLong { line: 2, .. }), "{err:?}");
    }

    #[test]
    fn the_bound_is_per_record_quoted_line_breaks_in_and_blank_lines_out() {
        let options = with_max_record_size(100);
        // Many short records: each is far under the bound.
        let many: String = std::iter::once("a,b\n".to_owned())
            .chain((0..10_000).map(|idx| format!("{idx},{idx}\n")))
            .collect();
        assert_eq!(
            Table::from_reader(many.as_bytes(), "t.csv", &options).unwrap().n_rows(),
            10_000
        );
        // Blank lines between records, however many, belong to no record.
        let blank = format!("a\n1\n{}2\n", "\n".repeat(100_000));
        let table = Table::from_reader(blank.as_bytes(), "t.csv", &options).unwrap();
        assert_eq!(table.lines(), [2, 100_003]);
        let blank_crlf = format!("a\r\n1\r\n{}2\r\n", "\r\n".repeat(100_000));
        assert_eq!(
            Table::from_reader(blank_crlf.as_bytes(), "t.csv", &options).unwrap().n_rows(),
            2
        );
        // A quoted field's line breaks are part of its record, which starts on line 3.
        let quoted = format!("a,b\n1,2\n3,\"{}\"\n", "x\n".repeat(100));
        let err = Table::from_reader(quoted.as_bytes(), "t.csv", &options).unwrap_err();
        assert!(matches!(err, DataError::RecordTooLong { line: 3, .. }), "{err:?}");
    }

    #[test]
    fn endless_input_without_line_breaks_stops_at_the_bound() {
        // `/dev/zero`, or any stream with no line break: refused after about the bound, not
        // read until memory runs out (this test would never end).
        struct Endless(u8);
        impl io::Read for Endless {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                buf.fill(self.0);
                Ok(buf.len())
            }
        }
        for byte in [0, b'x', b','] {
            let options = CsvOptions { max_columns: usize::MAX, ..with_max_record_size(1 << 20) };
            let err = Table::from_reader(Endless(byte), "zero", &options).unwrap_err();
            assert!(matches!(err, DataError::RecordTooLong { line: 1, .. }), "{err:?}");
        }
        // An unterminated quote with an endless file after it.
        let quoted = io::Read::chain(&b"a,b\n1,\"2\n"[..], Endless(b'y'));
        let err = Table::from_reader(quoted, "q.csv", &with_max_record_size(1 << 16)).unwrap_err();
        assert!(matches!(err, DataError::RecordTooLong { line: 2, .. }), "{err:?}");
    }

    #[test]
    fn more_columns_than_the_bound_is_an_error() {
        let options = CsvOptions { max_columns: 3, ..CsvOptions::default() };
        let err = Table::from_reader(&b"\na,b,c,d\n1,2,3,4\n"[..], "t.csv", &options).unwrap_err();
        assert!(
            matches!(err, DataError::TooManyColumns { line: 2, found: 4, max: 3, .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "t.csv: line 2: 4 fields, more than the 3 columns a table may have (is the delimiter \
             right?)"
        );
        assert!(Table::from_reader(&b"a,b,c\n1,2,3\n"[..], "t.csv", &options).is_ok());
        let options = CsvOptions { has_header: false, ..options };
        let err = Table::from_reader(&b"1,2,3,4\n"[..], "t.csv", &options).unwrap_err();
        assert!(matches!(err, DataError::TooManyColumns { line: 1, .. }), "{err:?}");
    }

    #[test]
    fn the_first_repeated_name_in_file_order_is_reported() {
        let err = read(b"b,a,c,a,b\n1,2,3,4,5\n").unwrap_err();
        assert!(
            matches!(&err, DataError::DuplicateColumnName { name, first: 2, second: 4, .. } if name == "a"),
            "{err:?}"
        );
        let err = read(b"x,y,x,x\n1,2,3,4\n").unwrap_err();
        assert!(
            matches!(&err, DataError::DuplicateColumnName { name, first: 1, second: 3, .. } if name == "x"),
            "{err:?}"
        );
    }

    #[test]
    fn lookup_by_name_agrees_with_a_linear_search() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..200 {
            // Short names from a small alphabet: many near misses, unique but for empty names
            // (after a first name, so that the header is not an empty line).
            let mut names: Vec<String> = vec!["z".to_owned()];
            while names.len() < rng.random_range(1..40) {
                let name: String = (0..rng.random_range(0..4))
                    .map(|_| ['a', 'b', 'é'][rng.random_range(0..3)])
                    .collect();
                if name.is_empty() || !names.contains(&name) {
                    names.push(name);
                }
            }
            let header = names.join(",");
            let row = vec!["1"; names.len()].join(",");
            let table = read(format!("{header}\n{row}\n").as_bytes()).unwrap();
            for probe in names.iter().map(String::as_str).chain(["", "a", "ab", "zz", "é"]) {
                let expected: Vec<usize> =
                    (0..names.len()).filter(|&idx| names[idx] == probe).collect();
                assert_eq!(table.columns_named(probe), expected, "{names:?} {probe:?}");
                assert_eq!(table.column_index(probe), expected.first().copied());
            }
        }
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
