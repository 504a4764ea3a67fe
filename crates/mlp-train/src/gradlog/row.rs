//! One CSV row assembled from an event's fields and the enclosing training spans.
//!
//! A row is first sorted into cells ([`Cell`]), the values as the event delivered them, which
//! the row filters read; then written as text. Writing reuses what a gradient log repeats: the
//! leading fields a row shares with the row written before it are kept as they are, and floats
//! already formatted are looked up in [`FloatTexts`].

use std::fmt;
use std::io::Write;

use tracing::callsite;
use tracing::field::{Field, Visit};
use tracing::{Event, Metadata};

use super::float_text::FloatTexts;
use super::format::IntegerBuffer;
use super::spans::{Counter, CurrentCounters};
use crate::events::Precision;

/// One column of a CSV log: its header and where its values come from.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    /// The header, and the name of the event field the column takes its value from.
    pub(super) name: &'static str,
    /// The training span whose number fills the column when the event has no such field.
    pub(super) span_counter: Option<Counter>,
}

impl Column {
    /// A column filled from the event field `name`.
    pub(super) const fn field(name: &'static str) -> Column {
        Column { name, span_counter: None }
    }

    /// A column filled from the event field named as `counter`'s span field, or else from the
    /// enclosing span's `counter`.
    pub(super) const fn span(counter: Counter) -> Column {
        Column { name: counter.field_name(), span_counter: Some(counter) }
    }

    /// The columns `span_columns` and then one per event field of `names`: the columns of a
    /// log, built from the event schema in a constant.
    pub(super) const fn from_schema<const N: usize>(
        span_columns: &[Column],
        names: &[&'static str],
    ) -> [Column; N] {
        assert!(span_columns.len() + names.len() == N, "N is the number of columns");
        let mut columns = [Column::field(""); N];
        let mut idx = 0;
        while idx < span_columns.len() {
            columns[idx] = span_columns[idx];
            idx += 1;
        }
        while idx < N {
            columns[idx] = Column::field(names[idx - span_columns.len()]);
            idx += 1;
        }
        columns
    }
}

/// The value of one cell, as the event delivered it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) enum Cell {
    /// The field is absent (a `None`) or the event has no such field: an empty cell.
    #[default]
    Empty,
    Unsigned(u64),
    Signed(i64),
    Float(f64),
    Bool(bool),
    /// A string or `Debug` value, at `start..end` of the row's text buffer (`u32`s keep a cell
    /// at 16 bytes).
    Text {
        start: u32,
        end: u32,
    },
}

/// For one callsite, the column of each of its fields (by field index), or [`NO_COLUMN`].
#[derive(Debug)]
struct FieldColumns {
    callsite: callsite::Identifier,
    columns: Box<[u8]>,
}

const NO_COLUMN: u8 = u8::MAX;

/// The row being assembled, with every buffer needed to write it; reused from row to row, so
/// that writing a row allocates nothing once the buffers have grown to size.
pub struct RowBuffer {
    columns: &'static [Column],
    /// The columns that fall back to a span's number, with the span's counter.
    span_columns: Vec<(usize, Counter)>,
    cells: Vec<Cell>,
    /// The bytes of the row's text cells.
    text: Vec<u8>,
    /// Field-to-column maps of the callsites seen so far (usually one).
    field_columns: Vec<FieldColumns>,
    /// The text of the row written last, whose fields the next row keeps where they repeat.
    record: csv::ByteRecord,
    /// The cells `record` was written from.
    written_cells: Vec<Cell>,
    /// The precision `record`'s floats were written at.
    written_precision: Precision,
    /// Per column, the text of the floats formatted in it lately.
    float_texts: Vec<FloatTexts>,
    float: ryu::Buffer,
    integer: IntegerBuffer,
    /// A writer with `csv`'s default settings, asked which text cells need quotes.
    quoting: csv_core::Writer,
    /// The quoted text of a text cell that needs quotes.
    quoted: Vec<u8>,
}

impl RowBuffer {
    pub(super) fn new(columns: &'static [Column]) -> RowBuffer {
        assert!(columns.len() < usize::from(NO_COLUMN), "too many columns");
        let span_columns = columns
            .iter()
            .enumerate()
            .filter_map(|(column_idx, column)| Some((column_idx, column.span_counter?)))
            .collect();
        RowBuffer {
            columns,
            span_columns,
            cells: vec![Cell::Empty; columns.len()],
            text: Vec::new(),
            field_columns: Vec::new(),
            record: csv::ByteRecord::with_capacity(256, columns.len()),
            written_cells: vec![Cell::Empty; columns.len()],
            written_precision: Precision::default(),
            float_texts: vec![FloatTexts::new(); columns.len()],
            float: ryu::Buffer::new(),
            integer: IntegerBuffer::new(),
            quoting: csv_core::Writer::new(),
            quoted: Vec::new(),
        }
    }

    /// The header row.
    pub(super) fn header(&self) -> impl Iterator<Item = &'static str> {
        self.columns.iter().map(|column| column.name)
    }

    /// Fills the row from `event`'s fields, and columns the event lacks from `counters`.
    #[inline]
    pub(super) fn fill(&mut self, event: &Event<'_>, counters: CurrentCounters) {
        let RowBuffer { columns, span_columns, cells, text, field_columns, .. } = self;
        cells.fill(Cell::Empty);
        text.clear();
        let columns_of_fields =
            &columns_of_fields(field_columns, columns, event.metadata()).columns;
        event.record(&mut CellVisitor { cells, text, columns_of_fields });
        for &(column_idx, counter) in span_columns.iter() {
            let cell = &mut cells[column_idx];
            if let (Cell::Empty, Some(value)) = (*cell, counters.get(counter)) {
                *cell = Cell::Unsigned(value);
            }
        }
    }

    /// The value of column `column_idx` if it is a non-negative integer.
    #[inline]
    pub(super) fn unsigned(&self, column_idx: usize) -> Option<u64> {
        match self.cells[column_idx] {
            Cell::Unsigned(value) => Some(value),
            Cell::Signed(value) => u64::try_from(value).ok(),
            _ => None,
        }
    }

    /// The cells of the row filled last, in column order (for the workbook layer).
    #[inline]
    pub(super) fn cells(&self) -> &[Cell] {
        &self.cells
    }

    /// The bytes of a [`Cell::Text`] at `start..end`.
    #[inline]
    pub(super) fn text_at(&self, start: u32, end: u32) -> &[u8] {
        &self.text[start as usize..end as usize]
    }

    /// The columns of the log.
    pub(super) fn columns(&self) -> &'static [Column] {
        self.columns
    }

    /// The text of column `column_idx` if it is a string.
    #[inline]
    pub(super) fn text(&self, column_idx: usize) -> Option<&[u8]> {
        match self.cells[column_idx] {
            Cell::Text { start, end } => Some(&self.text[start as usize..end as usize]),
            _ => None,
        }
    }

    /// Writes the row as one CSV record.
    ///
    /// Floats are written by `ryu`, at `precision` (see [`FloatTexts::text_of`]), integers in
    /// decimal. Work is saved where a gradient log
    /// repeats itself: the leading fields the row shares with the row written before (epoch,
    /// step, sample, layer, parameter, neuron) are kept as they are, and a float its column held
    /// when last formatted (∂E/∂a, ∂a/∂z and ∂E/∂z, the same for every input of a neuron) is
    /// copied rather than formatted again.
    ///
    /// The row is appended whole, with its `\n`, to `out`: the log hands the OS only whole
    /// rows.
    #[inline]
    pub(super) fn write_to(&mut self, out: &mut Vec<u8>, precision: Precision) {
        let RowBuffer {
            cells,
            text,
            record,
            written_cells,
            written_precision,
            float_texts,
            float,
            integer,
            quoting,
            quoted,
            ..
        } = self;
        let n_columns = cells.len();
        // Equal lengths, stated once, spare the loops their bounds checks.
        let written = &written_cells[..n_columns];
        let float_texts = &mut float_texts[..n_columns];
        // A float's text depends on the precision: rows of another run share nothing.
        let n_comparable = if precision == *written_precision { record.len() } else { 0 };
        *written_precision = precision;
        let mut n_shared = 0;
        while n_shared < n_comparable.min(n_columns) {
            let same = match (cells[n_shared], written[n_shared]) {
                (Cell::Empty, Cell::Empty) => true,
                (Cell::Unsigned(value), Cell::Unsigned(written)) => value == written,
                (Cell::Signed(value), Cell::Signed(written)) => value == written,
                (Cell::Float(value), Cell::Float(written)) => value.to_bits() == written.to_bits(),
                (Cell::Bool(value), Cell::Bool(written)) => value == written,
                // A text written as it is, not quoted: a text needing no quotes cannot equal
                // the quoted form of another.
                (Cell::Text { start, end }, _) => {
                    let text = &text[start as usize..end as usize];
                    text == &record[n_shared] && !quoting.should_quote(text)
                }
                _ => false,
            };
            if !same {
                break;
            }
            n_shared += 1;
        }
        record.truncate(n_shared);
        for column_idx in n_shared..n_columns {
            let field: &[u8] = match cells[column_idx] {
                Cell::Empty => b"",
                Cell::Unsigned(value) => integer.format_u64(value),
                Cell::Signed(value) => integer.format_i64(value),
                Cell::Float(value) => float_texts[column_idx].text_of(value, precision, float),
                Cell::Bool(value) => {
                    if value {
                        b"true"
                    } else {
                        b"false"
                    }
                }
                Cell::Text { start, end } => {
                    let text = &text[start as usize..end as usize];
                    if quoting.should_quote(text) {
                        quote(text, quoted);
                        quoted
                    } else {
                        text
                    }
                }
            };
            record.push_field(field);
        }
        // `fill` clears the cells before the next row.
        std::mem::swap(cells, written_cells);
        let mut fields = record.iter();
        if let Some(first) = fields.next() {
            out.extend_from_slice(first);
        }
        for field in fields {
            out.push(b',');
            out.extend_from_slice(field);
        }
        out.push(b'\n');
    }
}

impl fmt::Debug for RowBuffer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RowBuffer").field("columns", &self.columns).finish_non_exhaustive()
    }
}

/// Writes `text` into `quoted` between double quotes, its own double quotes doubled, as `csv`
/// quotes a field by default.
fn quote(text: &[u8], quoted: &mut Vec<u8>) {
    // Room for the worst case: every byte a quote, doubled, and the two around.
    quoted.clear();
    quoted.resize(2 * text.len() + 2, 0);
    quoted[0] = b'"';
    let (_, n_read, n_written) = csv_core::quote(text, &mut quoted[1..], b'"', b'\\', true);
    debug_assert_eq!(n_read, text.len());
    quoted.truncate(1 + n_written);
    quoted.push(b'"');
}

/// The columns of the fields of `metadata`'s callsite, computed by field name on first sight
/// of the callsite and looked up by callsite identity afterwards.
#[inline]
fn columns_of_fields<'a>(
    field_columns: &'a mut Vec<FieldColumns>,
    columns: &[Column],
    metadata: &Metadata<'_>,
) -> &'a FieldColumns {
    let callsite = metadata.callsite();
    let known_idx = field_columns.iter().position(|known| known.callsite == callsite);
    let idx = known_idx.unwrap_or_else(|| {
        let map: Box<[u8]> = metadata
            .fields()
            .iter()
            .map(|field| {
                let column_idx = columns.iter().position(|column| column.name == field.name());
                column_idx.map_or(NO_COLUMN, |column_idx| column_idx as u8)
            })
            .collect();
        field_columns.push(FieldColumns { callsite, columns: map });
        field_columns.len() - 1
    });
    &field_columns[idx]
}

/// Puts each field of an event into the cell of its column.
struct CellVisitor<'a> {
    cells: &'a mut [Cell],
    text: &'a mut Vec<u8>,
    columns_of_fields: &'a [u8],
}

impl CellVisitor<'_> {
    #[inline]
    fn cell(&mut self, field: &Field) -> Option<&mut Cell> {
        let column_idx = *self.columns_of_fields.get(field.index())?;
        self.cells.get_mut(usize::from(column_idx))
    }

    /// Appends a text value, produced by `write`, to the text buffer and points its cell at it.
    fn record_text(&mut self, field: &Field, write: impl FnOnce(&mut Vec<u8>)) {
        let Some(&column_idx) = self.columns_of_fields.get(field.index()) else { return };
        let Some(cell) = self.cells.get_mut(usize::from(column_idx)) else { return };
        let start = self.text.len();
        write(self.text);
        // A row's text longer than 4 GiB is cut to its first 4 GiB.
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(self.text.len()).unwrap_or(u32::MAX);
        *cell = Cell::Text { start, end };
    }
}

impl Visit for CellVisitor<'_> {
    #[inline]
    fn record_f64(&mut self, field: &Field, value: f64) {
        if let Some(cell) = self.cell(field) {
            *cell = Cell::Float(value);
        }
    }

    #[inline]
    fn record_u64(&mut self, field: &Field, value: u64) {
        if let Some(cell) = self.cell(field) {
            *cell = Cell::Unsigned(value);
        }
    }

    #[inline]
    fn record_i64(&mut self, field: &Field, value: i64) {
        if let Some(cell) = self.cell(field) {
            *cell = Cell::Signed(value);
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if let Some(cell) = self.cell(field) {
            *cell = Cell::Bool(value);
        }
    }

    #[inline]
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_text(field, |text| text.extend_from_slice(value.as_bytes()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        // Writing into a Vec cannot fail.
        self.record_text(field, |text| drop(write!(text, "{value:?}")));
    }
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::prelude::*;

    use super::super::kind::sealed::Sealed;
    use super::super::{GradientRows, HistoryRows, LayerSummaryRows};

    use super::super::test_support::SharedBuffer;
    use super::super::GradientCsvLayer;
    use crate::events::{epoch_span, step_span, GRADIENT_TARGET};

    /// Another callsite of the same target may declare the fields in any order, leave some out
    /// and add others: cells are matched to columns by field name.
    #[test]
    fn matches_fields_to_columns_by_name_for_every_callsite() {
        let buffer = SharedBuffer::default();
        let layer = GradientCsvLayer::new(buffer.clone());
        let guard = layer.flush_on_drop();
        tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), || {
            let _epoch = epoch_span(1).entered();
            let _step = step_span(1).entered();
            for _ in 0..2 {
                tracing::trace!(
                    target: GRADIENT_TARGET,
                    weight_new = 0.25,
                    comment = "not a column",
                    param = "b2",
                    layer = 2_i64,
                    enabled = true,
                    to = 3_u64,
                    sample = 4_u64,
                );
                tracing::trace!(
                    target: GRADIENT_TARGET,
                    sample = 5_u64,
                    param = ?"W1",
                    dE_dw = -1.5,
                );
            }
        });
        guard.flush().unwrap();
        let row_b2 = "1,1,4,2,b2,3,,,,,,,,0.25\n";
        let row_w1 = "1,1,5,,\"\"\"W1\"\"\",,,,,,,,-1.5,\n";
        assert_eq!(
            buffer.text(),
            format!(
                "epoch,step,sample,layer,param,to,from,weight,dE_da,da_dz,dE_dz,dz_dw,dE_dw,weight_new\n\
                 {row_b2}{row_w1}{row_b2}{row_w1}"
            )
        );
    }

    /// The writer quotes nothing itself (`RowBuffer::write_to` quotes text cells): the headers
    /// must need no quotes.
    #[test]
    fn headers_need_no_quotes() {
        let quoting = csv_core::Writer::new();
        let columns =
            [GradientRows::COLUMNS, LayerSummaryRows::COLUMNS, HistoryRows::COLUMNS].concat();
        assert!(columns.len() > 30);
        for column in columns {
            assert!(!quoting.should_quote(column.name.as_bytes()), "{}", column.name);
        }
    }
}
