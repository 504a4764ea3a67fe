//! Helpers for the tests of the CSV layers: an in-memory writer and a small training run.

use std::fs::File;
use std::io::{self, Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use calamine::{open_workbook, Data, Reader, Xlsx};
use tracing_subscriber::layer::{Layer, SubscriberExt};
use tracing_subscriber::Registry;

use crate::events::{
    emit_gradient, epoch_span, step_span, GradientRecord, ParamName, Precision, SPAN_TARGET,
};

/// A writer into a byte buffer that the test keeps a handle on.
#[derive(Debug, Clone, Default)]
pub(super) struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl SharedBuffer {
    pub(super) fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8(bytes.clone()).unwrap()
    }
}

impl Write for SharedBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Runs `train` with `layer` as the only layer of a new registry, with no global state.
pub(super) fn run<L>(layer: L, train: impl FnOnce())
where
    L: Layer<Registry> + Send + Sync + 'static,
{
    tracing::subscriber::with_default(tracing_subscriber::registry().with(layer), train);
}

/// Two epochs of two steps of a batch of two samples through a 1-1-1 network: 32 gradient
/// events. Samples 1 and 2 are in steps 1 and 3, samples 3 and 4 in steps 2 and 4.
pub(super) fn train_fixture() {
    let mut step = 0;
    for epoch in 1..=2 {
        let _epoch = epoch_span(epoch).entered();
        for batch in [[1, 2], [3, 4]] {
            step += 1;
            let _step = step_span(step).entered();
            for sample in batch {
                for (layer, param, from) in
                    [(1, "W1", Some(1)), (1, "b1", None), (2, "W2", Some(1)), (2, "b2", None)]
                {
                    let elementwise = layer == 1;
                    emit_gradient(&GradientRecord {
                        sample,
                        layer,
                        param: name(param),
                        to: 1,
                        from,
                        weight: 0.5,
                        dE_da: elementwise.then_some(-0.25),
                        da_dz: elementwise.then_some(0.25),
                        dE_dz: -0.0625,
                        dz_dw: if from.is_some() { 0.75 } else { 1.0 },
                        dE_dw: -0.046875,
                        weight_new: 0.5046875,
                    });
                }
            }
        }
    }
}

/// A `train` span of a run at `precision`, as the trainer opens it (with fewer fields).
pub(super) fn train_span(precision: Precision) -> tracing::Span {
    tracing::info_span!(target: SPAN_TARGET, "train", precision = precision.name())
}

/// `text` as a parameter name.
pub(super) fn name(text: &str) -> ParamName {
    ParamName::new(text).unwrap()
}

/// The first `n_columns` cells of each data row of `csv`, joined by commas.
pub(super) fn key_columns(csv: &str, n_columns: usize) -> Vec<String> {
    csv.lines()
        .skip(1)
        .map(|line| line.split(',').take(n_columns).collect::<Vec<_>>().join(","))
        .collect()
}

/// Every sheet of the workbook at `path`: its name and its cells.
pub(super) fn read_sheets(path: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut workbook: Xlsx<_> = open_workbook(path).unwrap();
    let names = workbook.sheet_names();
    names
        .into_iter()
        .map(|name| {
            let range = workbook.worksheet_range(&name).unwrap();
            assert_eq!(range.start(), Some((0, 0)), "sheet {name} starts at A1");
            let rows = range.rows().map(<[Data]>::to_vec).collect();
            (name, rows)
        })
        .collect()
}

/// The XML of worksheet `number` (1-based) of the workbook at `path`.
pub(super) fn sheet_xml(path: &Path, number: usize) -> String {
    let mut archive = zip::ZipArchive::new(File::open(path).unwrap()).unwrap();
    let mut entry = archive.by_name(&format!("xl/worksheets/sheet{number}.xml")).unwrap();
    let mut xml = String::new();
    entry.read_to_string(&mut xml).unwrap();
    xml
}

/// Checks that each cell of `rows` (a workbook's, header included) holds the value of the
/// CSV `text`'s cell as parsed from its text, bit for bit; the float columns' texts of
/// f32 runs (`f32_rows`, data-row indices) are parsed as `f32` and widened.
pub(super) fn assert_cells_equal_csv(rows: &[Vec<Data>], csv_text: &str, f32_rows: &[bool]) {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(csv_text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), records.len(), "row count");
    for (row_idx, (row, record)) in rows.iter().zip(&records).enumerate() {
        let n_columns = record.len();
        assert!(row.len() <= n_columns, "row {row_idx}: {} cells", row.len());
        for column_idx in 0..n_columns {
            let text = &record[column_idx];
            let cell = row.get(column_idx).unwrap_or(&Data::Empty);
            let at = format!("row {row_idx}, column {column_idx}: {cell:?} vs {text:?}");
            match cell {
                Data::Empty => assert_eq!(text, "", "{at}"),
                Data::String(string) => {
                    assert_eq!(string, text, "{at}");
                    assert!(
                        text.parse::<f64>().is_err() || ["NaN", "inf", "-inf"].contains(&text),
                        "{at}"
                    );
                }
                Data::Float(value) => {
                    let is_f32 = row_idx > 0 && f32_rows[row_idx - 1];
                    // The CSV writes a float of an f32 run as the shortest text of its f32
                    // when it is one, else as an f64's.
                    let as_f32 = text.parse::<f32>().unwrap_or(f32::NAN);
                    let expected = if is_f32 && ryu::Buffer::new().format(as_f32) == text {
                        f64::from(as_f32)
                    } else {
                        text.parse::<f64>().unwrap()
                    };
                    assert_eq!(value.to_bits(), expected.to_bits(), "{at}");
                }
                Data::Int(value) => assert_eq!(value.to_string(), text, "{at}"),
                other => panic!("{at}: unexpected cell {other:?}"),
            }
        }
    }
}
