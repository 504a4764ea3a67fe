//! The layer log's gradient norms turned to one row per step and one column per layer: the
//! range a chart needs to draw each layer as a series (a series is a range of adjacent cells;
//! the layer log holds a layer's rows every few rows).

use rust_xlsxwriter::{Workbook, Worksheet, XlsxError};

use super::row::{Cell, RowBuffer};
use super::xlsx_sheet::header_format;
use super::SHEET_ROWS;

/// Writes sheet `grad norms` from the layer log's rows as they come: `epoch`, `step`, then
/// `layer 1`, `layer 2`, … with each layer's `grad_norm` in the step's row.
///
/// A step's row is written when the next step begins (rows must be written in order), the
/// last at [`GradNormPivot::finish`]. The layers are those of the first step, which the header
/// names. A norm a log axis cannot show (zero, negative, not finite) is left empty: the
/// `layers` sheet has every value. One sheet only: steps past [`SHEET_ROWS`] are left out.
#[derive(Debug)]
pub(super) struct GradNormPivot {
    sheet_idx: usize,
    /// The layer log's columns: epoch, step, layer, grad_norm.
    columns: [usize; 4],
    /// The step being gathered: epoch, step, each layer's norm.
    pending: Option<(Cell, Cell, Vec<Option<f64>>)>,
    /// The layers of the first step, once its row is written.
    n_layers: Option<usize>,
    n_rows: u32,
    /// The first and the last step written.
    steps: Option<(f64, f64)>,
}

/// The sheet's name.
pub(super) const PIVOT_SHEET: &str = "grad norms";

impl GradNormPivot {
    /// Adds the sheet (constant memory) for a layer log whose epoch, step, layer and grad_norm
    /// are `columns`.
    pub(super) fn new(
        workbook: &mut Workbook,
        columns: [usize; 4],
    ) -> Result<GradNormPivot, XlsxError> {
        let sheet_idx = workbook.worksheets_mut().len();
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(PIVOT_SHEET)?;
        sheet.set_freeze_panes(1, 0)?;
        Ok(GradNormPivot {
            sheet_idx,
            columns,
            pending: None,
            n_layers: None,
            n_rows: 0,
            steps: None,
        })
    }

    /// Takes the layer log's row `row`.
    pub(super) fn push(
        &mut self,
        workbook: &mut Workbook,
        row: &RowBuffer,
    ) -> Result<(), XlsxError> {
        let cells = row.cells();
        let [epoch, step, layer, norm] = self.columns.map(|column_idx| cells[column_idx]);
        if self.pending.as_ref().is_some_and(|pending| (pending.0, pending.1) != (epoch, step)) {
            self.write_pending(workbook)?;
        }
        let (_, _, norms) = self.pending.get_or_insert_with(|| (epoch, step, Vec::new()));
        let Cell::Unsigned(layer) = layer else { return Ok(()) };
        let Some(layer_idx) = (layer as usize).checked_sub(1) else { return Ok(()) };
        let norm = match norm {
            Cell::Float(norm) if norm > 0.0 && norm.is_finite() => Some(norm),
            _ => None,
        };
        if norms.len() <= layer_idx {
            norms.resize(layer_idx + 1, None);
        }
        norms[layer_idx] = norm;
        Ok(())
    }

    /// The sheet's data rows (steps) and layers.
    pub(super) fn shape(&self) -> (u32, usize) {
        (self.n_rows, self.n_layers.unwrap_or(0))
    }

    /// The first and the last step written.
    pub(super) fn steps(&self) -> Option<(f64, f64)> {
        self.steps
    }

    fn write_pending(&mut self, workbook: &mut Workbook) -> Result<(), XlsxError> {
        let Some((epoch, step, norms)) = self.pending.take() else { return Ok(()) };
        if u64::from(self.n_rows) >= SHEET_ROWS {
            return Ok(());
        }
        let sheet = workbook.worksheet_from_index(self.sheet_idx)?;
        let n_layers = *self.n_layers.get_or_insert(norms.len());
        if self.n_rows == 0 {
            write_header(sheet, n_layers)?;
        }
        self.n_rows += 1;
        let row_idx = self.n_rows;
        for (column_idx, cell) in [(0, epoch), (1, step)] {
            if let Cell::Unsigned(value) = cell {
                sheet.write_number(row_idx, column_idx, value as f64)?;
            }
        }
        if let Cell::Unsigned(step) = step {
            let step = step as f64;
            self.steps = Some(self.steps.map_or((step, step), |(first, _)| (first, step)));
        }
        for (layer_idx, norm) in norms.iter().take(n_layers).enumerate() {
            if let Some(norm) = norm {
                sheet.write_number(row_idx, 2 + layer_idx as u16, *norm)?;
            }
        }
        Ok(())
    }

    /// Writes the last step's row and sets the autofilter. Call once, before saving.
    pub(super) fn finish(&mut self, workbook: &mut Workbook) -> Result<(), XlsxError> {
        self.write_pending(workbook)?;
        let sheet = workbook.worksheet_from_index(self.sheet_idx)?;
        match self.n_layers {
            Some(n_layers) => {
                sheet.autofilter(0, 0, self.n_rows, 1 + n_layers as u16)?;
            }
            None => write_header(sheet, 0)?,
        }
        Ok(())
    }
}

fn write_header(sheet: &mut Worksheet, n_layers: usize) -> Result<(), XlsxError> {
    let bold = header_format();
    sheet.write_string_with_format(0, 0, "epoch", &bold)?;
    sheet.write_string_with_format(0, 1, "step", &bold)?;
    sheet.set_column_width(0, 8.0)?;
    sheet.set_column_width(1, 8.0)?;
    for layer_idx in 0..n_layers {
        let column_idx = 2 + layer_idx as u16;
        sheet.write_string_with_format(0, column_idx, format!("layer {}", layer_idx + 1), &bold)?;
        sheet.set_column_width(column_idx, 14.0)?;
    }
    Ok(())
}
