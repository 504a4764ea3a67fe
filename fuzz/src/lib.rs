//! What the fuzz targets check, one function per target. Each takes the fuzzer's bytes and
//! panics only when the library breaks a promise: a panic inside `mlp-train` or `mlp-core`, or
//! a broken invariant asserted here. Errors are expected answers to bad input, never findings.
//!
//! The targets in `fuzz_targets/` are one-line calls to these functions. The root package's
//! integration tests include this file as a module (`tests/fuzz_regressions.rs`) to replay
//! every saved finding through the same checks on stable Rust, so `cargo test` also keeps this
//! file compiling against the current API. Nothing here writes a file.

use std::io;
use std::path::Path;

use mlp_core::{Activation, Architecture, BatchError, Network};
use mlp_train::data::{
    prepare_training_with, Cell, ColumnSelection, CsvOptions, DataError, DecimalSeparator,
    ImputeStrategy, MissingPolicy, SplitOptions, Table, Task, TrainingOptions, UnknownCategory,
    DEFAULT_MAX_COLUMNS, DEFAULT_MAX_RECORD_SIZE,
};
use mlp_train::model_file::Model;
use mlp_train::{train, Optimizer, TrainConfig, TrainError};
use nalgebra::DMatrix;

/// The name the inputs have in error messages.
pub const CSV_NAME: &str = "fuzz.csv";
/// The name a model file has in error messages.
pub const MODEL_NAME: &str = "fuzz.json";

/// `csv_table`: the bytes as a CSV file, read with the default options, then the bytes after
/// the first read with the options that byte chooses ([`csv_options`]). Each read is done
/// twice, from a slice and from a reader that hands out a few bytes per call, and must give
/// the same table or the same error (buffer boundaries must not change the parse or a line
/// number). A table must keep the promises of [`Table`]; an error must name the file and a
/// line that exists. Returns whether the default read gave a table.
pub fn csv_table(data: &[u8]) -> bool {
    let table = read_both_ways(data, &CsvOptions::default());
    if let Some((&options_byte, rest)) = data.split_first() {
        read_both_ways(rest, &csv_options(options_byte));
    }
    table.is_some()
}

/// The CSV options one byte chooses. Bits 0–2: the delimiter (detected, `,` `;` tab `|`
/// space, or with bit 7 set any ASCII byte: the byte without bit 7); bit 3: decimal comma;
/// bit 4: no header; bit 5: records bounded to 256 bytes; bit 6: at most 4 columns (the bounds
/// are otherwise the defaults: the fuzzer's inputs stay far below them).
pub fn csv_options(byte: u8) -> CsvOptions {
    let delimiter = if byte & 0x80 != 0 {
        Some(byte & 0x7f)
    } else {
        [None, Some(b','), Some(b';'), Some(b'\t'), Some(b'|'), Some(b' '), Some(b';'), Some(b',')]
            [usize::from(byte & 0b111)]
    };
    CsvOptions {
        has_header: byte & 0x10 == 0,
        delimiter,
        decimal: if byte & 0x08 != 0 { DecimalSeparator::Comma } else { DecimalSeparator::Point },
        max_record_size: if byte & 0x20 != 0 { 256 } else { DEFAULT_MAX_RECORD_SIZE },
        max_columns: if byte & 0x40 != 0 { 4 } else { DEFAULT_MAX_COLUMNS },
        ..CsvOptions::default()
    }
}

fn read_both_ways(data: &[u8], options: &CsvOptions) -> Option<Table> {
    let whole = Table::from_reader(data, CSV_NAME, options);
    let chunk_len = 1 + data.len() % 7;
    let chunked = Table::from_reader(Chunked { data, chunk_len }, CSV_NAME, options);
    match (&whole, &chunked) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.column_names(), b.column_names(), "{chunk_len}-byte reads: names");
            assert_eq!(a.lines(), b.lines(), "{chunk_len}-byte reads: lines");
            for row_idx in 0..a.n_rows() {
                for column_idx in 0..a.n_columns() {
                    let (x, y) = (a.cell(row_idx, column_idx), b.cell(row_idx, column_idx));
                    assert_eq!(x, y, "{chunk_len}-byte reads: cell {row_idx}, {column_idx}");
                }
            }
        }
        (Err(a), Err(b)) => {
            assert_eq!(a.to_string(), b.to_string(), "{chunk_len}-byte reads: error");
        }
        _ => panic!("{chunk_len}-byte reads disagree: {whole:?} vs {chunked:?}"),
    }
    match whole {
        Ok(table) => {
            check_table(&table, options);
            Some(table)
        }
        Err(err) => {
            check_data_error(&err, data);
            None
        }
    }
}

/// A reader that hands out at most `chunk_len` bytes per call, as a pipe may.
struct Chunked<'a> {
    data: &'a [u8],
    chunk_len: usize,
}

impl io::Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.chunk_len.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// What [`Table`] promises: at least one row and one column, unique names when read from a
/// header (empty names aside), rows on increasing physical lines, every cell present, numbers finite, text trimmed.
fn check_table(table: &Table, options: &CsvOptions) {
    assert!(table.n_rows() >= 1, "a table without data rows");
    assert!(table.n_columns() >= 1, "a table without columns");
    assert_eq!(table.column_names().len(), table.n_columns());
    assert_eq!(table.lines().len(), table.n_rows());
    if options.has_header {
        // Empty names may repeat (pandas writes one per level of an unnamed index); no other.
        for (column_idx, name) in table.column_names().iter().enumerate() {
            if !name.is_empty() {
                assert_eq!(table.column_index(name), Some(column_idx), "column {name:?} twice");
            }
        }
    }
    assert!(table.lines()[0] >= 1, "line numbers start at 1");
    assert!(table.lines().windows(2).all(|pair| pair[0] < pair[1]), "lines not increasing");
    for row_idx in 0..table.n_rows() {
        for column_idx in 0..table.n_columns() {
            match table.cell(row_idx, column_idx) {
                Some(Cell::Number(value)) => assert!(value.is_finite(), "number cell {value}"),
                Some(Cell::Text(text)) => assert_eq!(
                    text,
                    text.trim_matches(|c: char| c.is_ascii_whitespace()),
                    "text cell not trimmed"
                ),
                None => panic!("no cell at row {row_idx}, column {column_idx}"),
            }
        }
        assert_eq!(table.cell(row_idx, table.n_columns()), None);
    }
}

/// An error about the file names it, and a line it gives exists (counted in the raw bytes, a
/// lone `\r` ending a line as for the reader; gzip input is decompressed, so its lines are not
/// checked).
fn check_data_error(err: &DataError, data: &[u8]) {
    let message = err.to_string();
    assert!(!message.is_empty(), "an empty error message");
    if let Some(path) = err.path() {
        assert_eq!(path, Path::new(CSV_NAME), "{message}");
    }
    if let Some(line) = err.line() {
        assert!(line >= 1, "line 0 in {message:?}");
        if !data.starts_with(&[0x1f, 0x8b]) {
            // Lines end at `\n`, or at a `\r` not followed by `\n`, as the reader counts them.
            let n_line_ends = data
                .iter()
                .enumerate()
                .filter(|&(idx, &byte)| {
                    byte == b'\n' || (byte == b'\r' && data.get(idx + 1) != Some(&b'\n'))
                })
                .count();
            let n_lines = n_line_ends as u64 + 1;
            assert!(line <= n_lines, "line {line} of {n_lines} in {message:?}");
        }
    }
    if let Some(column) = err.column() {
        assert!(column >= 1, "column 0 in {message:?}");
    }
}

/// `model_file`: the bytes as a model file. An error names the file. A model that loads
/// predicts on two samples with the shape it declares, reads a one-row file of its own
/// feature columns, and survives save → load: the same model, and the same bytes when saved
/// again (so every weight reads back bit for bit). Returns whether the model loaded.
pub fn model_file(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else { return false };
    let model = match Model::from_file_contents(text, Path::new(MODEL_NAME)) {
        Ok(model) => model,
        Err(err) => {
            let message = err.to_string();
            assert!(message.contains(MODEL_NAME), "error without the file's name: {message}");
            return false;
        }
    };
    let network = &model.network;
    // Weights as large as f64 allows may overflow: that is an error naming the activation.
    match network.predict(&DMatrix::from_element(network.n_inputs(), 2, 0.5)) {
        Ok(mut outputs) => {
            assert_eq!(outputs.shape(), (network.n_outputs(), 2));
            // The target scaler's width was checked at load: unscaling cannot fail.
            model.preprocessor.unscale_outputs(&mut outputs).expect("outputs of the model's width");
        }
        Err(BatchError::NonFinite(found)) => {
            assert!(!found.value.is_finite() && found.layer >= 1, "{found:?}");
        }
        Err(err) => panic!("a loaded network predicts on inputs of its own width: {err}"),
    }
    if let Some(table) = one_row_table(model.preprocessor.feature_names()) {
        // Errors are allowed (a category column given "1"); panics are not.
        if let Ok(inputs) = model.preprocessor.inputs::<f64>(&table) {
            assert_eq!(inputs.shape(), (network.n_inputs(), 1));
        }
    }
    check_round_trip(&model);
    true
}

/// A table with `names` as its header and one row of `1`s, or `None` when the names do not
/// make a readable file (duplicates, names that are only spaces, …).
fn one_row_table(names: &[String]) -> Option<Table> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(names).ok()?;
    writer.write_record(names.iter().map(|_| "1")).ok()?;
    let bytes = writer.into_inner().ok()?;
    let options = CsvOptions { delimiter: Some(b','), ..CsvOptions::default() };
    Table::from_reader(bytes.as_slice(), CSV_NAME, &options).ok()
}

/// Save → load gives the same model, and saving that gives the same bytes.
pub fn check_round_trip(model: &Model) {
    let json = model.to_json();
    let reloaded = Model::from_file_contents(&json, Path::new(MODEL_NAME))
        .unwrap_or_else(|err| panic!("a saved model does not load: {err}\n{json}"));
    assert_eq!(&reloaded, model, "save → load changed the model");
    assert_eq!(reloaded.to_json(), json, "save → load → save changed the bytes");
}

/// `prepare`: the first byte chooses the preparation ([`training_options`]), the second the
/// network and run ([`train_settings`]), the rest is a CSV file (default options) whose last
/// column is the target. When every step succeeds: the datasets have the preprocessor's
/// widths and finite inputs, the samples are rows of the file, split without overlap; when no
/// row was dropped, the preprocessor prepares the same file again to the same numbers; a small network trains one
/// epoch (diverging is the only error allowed) and the model survives save → load. Returns
/// whether it got as far as training.
pub fn prepare(data: &[u8]) -> bool {
    let [options_byte, settings_byte, csv @ ..] = data else { return false };
    let Ok(table) = Table::from_reader(csv, CSV_NAME, &CsvOptions::default()) else {
        return false;
    };
    let target = table.column_names().last().expect("a table has a column").clone();
    let (task, options) = training_options(*options_byte);
    let Ok(labeled) = table.select(&ColumnSelection::new([target]), task) else { return false };
    let prepared = match prepare_training_with::<f64>(&labeled, &options) {
        Ok(prepared) => prepared,
        Err(err) => {
            check_data_error(&err, csv);
            return false;
        }
    };
    let preprocessor = &prepared.preprocessor;
    let (n_inputs, n_outputs) = (preprocessor.n_inputs(), preprocessor.n_outputs());
    let validation = prepared.validation.as_ref();
    for (which, dataset) in std::iter::once(("training", &prepared.train))
        .chain(validation.map(|dataset| ("validation", dataset)))
    {
        assert_eq!(dataset.n_inputs(), n_inputs, "{which} inputs");
        assert_eq!(dataset.n_outputs(), n_outputs, "{which} outputs");
        assert!(dataset.sample_numbers().iter().all(|&n| (1..=table.n_rows()).contains(&n)));
        if let Some(value) = dataset.inputs().iter().find(|value| !value.is_finite()) {
            panic!("{which} inputs hold {value}");
        }
    }
    assert!(!prepared.train.is_empty(), "no training samples");
    assert!(prepared.split.train.iter().all(|row| !prepared.split.validation.contains(row)));
    assert_eq!(prepared.split.train.len(), prepared.train.len());

    // No row dropped (for a missing feature, or a missing target, which every policy drops):
    // the preprocessor reads the file again to the same numbers.
    if prepared.split.train.len() + prepared.split.validation.len() == table.n_rows() {
        let again = preprocessor
            .dataset::<f64>(&table)
            .unwrap_or_else(|err| panic!("the training file does not prepare again: {err}"));
        for (k, &sample) in prepared.train.sample_numbers().iter().enumerate() {
            let (first, second) =
                (prepared.train.inputs().column(k), again.inputs().column(sample - 1));
            let close = first
                .iter()
                .zip(second.iter())
                .all(|(&a, &b)| a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0));
            assert!(close, "sample {sample} prepared twice: {first:?} vs {second:?}");
            assert_eq!(prepared.train.targets().column(k), again.targets().column(sample - 1));
        }
    }

    let (architecture, config) =
        train_settings(*settings_byte, preprocessor.task(), n_inputs, n_outputs);
    let mut network = Network::<f64>::initialized(&architecture, None, u64::from(*settings_byte))
        .expect("a network of these sizes builds");
    match train(&mut network, &prepared.train, validation, &config) {
        Ok(_) | Err(TrainError::Diverged { .. }) => {}
        Err(err) => panic!("training refused prepared data: {err}"),
    }
    if network.parameter_blocks().flatten().all(|value| value.is_finite()) {
        let model = Model::new(network, preprocessor.clone())
            .expect("the network was built for this preprocessor");
        check_round_trip(&model);
    }
    true
}

/// The task and preparation one byte chooses. Bits 0–1: task (auto, classification,
/// regression, auto); bits 2–4: missing cells (error, drop, impute mean, median, most
/// frequent); bit 5: no standardization; bit 6: standardized targets; bit 7: a quarter held
/// out for validation.
pub fn training_options(byte: u8) -> (Task, TrainingOptions) {
    let task =
        [Task::Auto, Task::Classification, Task::Regression, Task::Auto][usize::from(byte & 3)];
    let missing = match (byte >> 2) & 0b111 {
        1 | 6 => MissingPolicy::Drop,
        2 => MissingPolicy::Impute(ImputeStrategy::Mean),
        3 | 7 => MissingPolicy::Impute(ImputeStrategy::Median),
        4 => MissingPolicy::Impute(ImputeStrategy::MostFrequent),
        _ => MissingPolicy::Error,
    };
    let options = TrainingOptions {
        split: SplitOptions {
            validation_fraction: if byte & 0x80 != 0 { 0.25 } else { 0.0 },
            seed: u64::from(byte),
        },
        standardize: byte & 0x20 == 0,
        standardize_target: byte & 0x40 != 0,
        missing,
        unknown_category: UnknownCategory::Error,
    };
    (task, options)
}

/// The network and one-epoch run one byte chooses. Bits 0–1: hidden neurons (1–4); bits 2–4:
/// hidden activation; bits 5–6: batch size (1–4); bit 7: SGD instead of Adam. The output
/// activation and loss are the task's defaults, as `mlp train` chooses them.
pub fn train_settings(
    byte: u8,
    task: Task,
    n_inputs: usize,
    n_outputs: usize,
) -> (Architecture, TrainConfig) {
    let hidden_activation = [
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Relu,
        Activation::LEAKY_RELU,
        Activation::Identity,
    ][usize::from((byte >> 2) & 0b111) % 5];
    let output_activation = task.default_output_activation();
    let architecture = Architecture {
        sizes: vec![n_inputs, 1 + usize::from(byte & 3), n_outputs],
        hidden_activation,
        output_activation,
        bias: true,
        loss: task.default_loss(output_activation),
    };
    let config = TrainConfig {
        epochs: 1,
        batch_size: 1 + usize::from((byte >> 5) & 3),
        optimizer: if byte & 0x80 != 0 { Optimizer::Sgd } else { Optimizer::default() },
        learning_rate: if byte & 0x80 != 0 { 0.01 } else { 0.001 },
        ..TrainConfig::default()
    };
    (architecture, config)
}
