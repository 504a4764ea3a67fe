//! The rows of one log in the worksheets of a workbook: `name`, then `name 2`, `name 3`, …
//! once a sheet is full. A workbook can hold several of these, one per log, each with its own
//! sheets.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::row::{Cell, RowBuffer};

/// Writes a log's rows, each with the header above it, into worksheets of a constant-memory
/// workbook, starting a new sheet when one holds `sheet_rows` data rows.
///
/// Every sheet has the header in row 1, frozen, the autofilter on its columns over all of its
/// rows (set by [`SheetWriter::finish`], when the last row is known) and column widths from its
/// first data row: a float column is wide enough to show ten digits, another column its header
/// and the filter's button.
#[derive(Debug)]
pub(super) struct SheetWriter {
    name: &'static str,
    headers: Vec<&'static str>,
    sheet_rows: u32,
    /// The workbook index of each sheet of this log, with its data-row count.
    sheets: Vec<(usize, u32)>,
}

/// The width of a float column, in characters: `-0.123456789` and the filter button.
const FLOAT_WIDTH: f64 = 14.0;
/// Room for the filter button of a header.
const BUTTON_WIDTH: f64 = 3.0;

impl SheetWriter {
    /// Adds the first sheet, `name`, with the header row; later sheets are added as rows come.
    pub(super) fn new(
        workbook: &mut Workbook,
        name: &'static str,
        headers: Vec<&'static str>,
        sheet_rows: u32,
    ) -> Result<SheetWriter, XlsxError> {
        let mut writer =
            SheetWriter { name, headers, sheet_rows: sheet_rows.max(1), sheets: vec![] };
        writer.add_sheet(workbook)?;
        Ok(writer)
    }

    /// Starts a new sheet every `sheet_rows` data rows from now on.
    pub(super) fn set_sheet_rows(&mut self, sheet_rows: u32) {
        self.sheet_rows = sheet_rows.max(1);
    }

    fn sheet_name(&self, number: usize) -> String {
        if number == 1 {
            self.name.to_owned()
        } else {
            format!("{} {number}", self.name)
        }
    }

    fn add_sheet(&mut self, workbook: &mut Workbook) -> Result<(), XlsxError> {
        let name = self.sheet_name(self.sheets.len() + 1);
        let index = workbook.worksheets_mut().len();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(name)?;
        // As the CSV log writes them.
        sheet.set_nan_value("NaN");
        sheet.set_infinity_value("inf");
        sheet.set_neg_infinity_value("-inf");
        sheet.set_freeze_panes(1, 0)?;
        for (column_idx, header) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, column_idx as u16, *header, &header_format())?;
            sheet.set_column_width(column_idx as u16, header.len() as f64 + BUTTON_WIDTH)?;
        }
        self.sheets.push((index, 0));
        Ok(())
    }

    /// Appends the row `row` was last filled with (see [`RowBuffer::fill`]).
    ///
    /// A float is stored as the `f64` the event gave; an integer as the `f64` of its value
    /// (exact below 2^53); a bool as a boolean; a text as an inline string; an empty cell is
    /// left out.
    #[inline]
    pub(super) fn write_row(
        &mut self,
        workbook: &mut Workbook,
        row: &RowBuffer,
    ) -> Result<(), XlsxError> {
        if self.sheets.last().is_none_or(|&(_, n_rows)| n_rows >= self.sheet_rows) {
            self.add_sheet(workbook)?;
        }
        let Some((sheet_idx, n_rows)) = self.sheets.last_mut() else { return Ok(()) };
        *n_rows += 1;
        let row_idx = *n_rows;
        let sheet = workbook.worksheet_from_index(*sheet_idx)?;
        if row_idx == 1 {
            set_widths(sheet, &self.headers, row.cells())?;
        }
        for (column_idx, cell) in row.cells().iter().enumerate() {
            let column_idx = column_idx as u16;
            match *cell {
                Cell::Empty => {}
                Cell::Unsigned(value) => {
                    sheet.write_number(row_idx, column_idx, value as f64)?;
                }
                Cell::Signed(value) => {
                    sheet.write_number(row_idx, column_idx, value as f64)?;
                }
                Cell::Float(value) => {
                    sheet.write_number(row_idx, column_idx, value)?;
                }
                Cell::Bool(value) => {
                    sheet.write_boolean(row_idx, column_idx, value)?;
                }
                Cell::Text { start, end } => {
                    let text = String::from_utf8_lossy(row.text_at(start, end));
                    sheet.write_string(row_idx, column_idx, text)?;
                }
            }
        }
        Ok(())
    }

    /// The first sheet's name and data rows.
    pub(super) fn first_sheet(&self) -> (String, u32) {
        (self.sheet_name(1), self.sheets.first().map_or(0, |&(_, n_rows)| n_rows))
    }

    /// Sets each sheet's autofilter over its header and rows. Call once, before saving.
    pub(super) fn finish(&mut self, workbook: &mut Workbook) -> Result<(), XlsxError> {
        let last_column = self.headers.len().saturating_sub(1) as u16;
        for &(sheet_idx, n_rows) in &self.sheets {
            workbook.worksheet_from_index(sheet_idx)?.autofilter(0, 0, n_rows, last_column)?;
        }
        Ok(())
    }
}

/// The format of a header cell: bold.
pub(super) fn header_format() -> Format {
    Format::new().set_bold()
}

/// Widens the float columns of `cells` to [`FLOAT_WIDTH`].
fn set_widths(sheet: &mut Worksheet, headers: &[&str], cells: &[Cell]) -> Result<(), XlsxError> {
    for (column_idx, (header, cell)) in headers.iter().zip(cells).enumerate() {
        if matches!(cell, Cell::Float(_)) {
            let width = (header.len() as f64 + BUTTON_WIDTH).max(FLOAT_WIDTH);
            sheet.set_column_width(column_idx as u16, width)?;
        }
    }
    Ok(())
}
