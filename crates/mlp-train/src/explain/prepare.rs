//! A model file's sample, prepared for [`explain`](super::explain) as `mlp explain` prepares
//! it.

use crate::data::{Cell, Preprocessor, Table};
use crate::model_file::Model;

use super::{ExplainError, ExplainOptions, LearningRateSource};

/// The learning rate of the step shown for a model that records none: the tutorial's η.
pub const TUTORIAL_LEARNING_RATE: f64 = 0.5;

/// Which row of a data file to explain, and how.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SampleRequest {
    /// The 1-based data row (`--sample`).
    pub sample: usize,
    /// η of the step shown (`--learning-rate`); `None` for the one the model was trained with,
    /// or [`TUTORIAL_LEARNING_RATE`] when the model file does not record it.
    pub learning_rate: Option<f64>,
    /// The one parameter to derive (`--weight`), `None` for all of them.
    pub weight: Option<String>,
    /// The data file's name as the title shows it: `sample 3 (line 4 of <data_name>)`.
    pub data_name: String,
}

/// One row of a data file, ready for [`explain`](super::explain): the values the network sees
/// and everything the derivation shows about them.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedSample {
    /// The inputs the network sees (standardized, one-hot), in f64.
    pub inputs: Vec<f64>,
    /// The targets (one-hot for classes).
    pub targets: Vec<f64>,
    /// The row's 1-based line in the file, when known.
    pub line: Option<u64>,
    /// The options to explain it with: the file's values beside standardized inputs, a note on
    /// the inputs that were missing and filled in, input and output (class) names, η and
    /// where it comes from, the optimizer the model was trained with, and the title's label.
    pub options: ExplainOptions,
}

/// Prepares data row `request.sample` (1-based) of `table` as `model`'s preprocessor prepares
/// every file, and everything [`explain`](super::explain) shows about it.
///
/// - The learning rate: `request.learning_rate`, else the one the model file records
///   ([`LearningRateSource::Model`]), else [`TUTORIAL_LEARNING_RATE`].
/// - When the model standardizes its inputs, the file's values of the same row before
///   standardization (the same preparation without the standardizer); an input the
///   standardizer leaves as it is (mean 0, std 1: a one-hot input) shows none.
/// - A note naming the row's feature columns that were missing and filled in by the model's
///   imputer.
/// - The outputs' names: the class names for classification, else the target columns.
///
/// Errors: [`ExplainError::Data`] when the preprocessor cannot prepare the table,
/// [`ExplainError::NoSuchSample`] when no data row has that number, [`ExplainError::Overflow`]
/// when the forward pass overflows on the row.
pub fn prepare_sample(
    model: &Model,
    table: &Table,
    request: &SampleRequest,
) -> Result<PreparedSample, ExplainError> {
    let preprocessor = &model.preprocessor;
    let dataset = preprocessor.dataset::<f64>(table)?;
    let sample = request.sample;
    let Some(column) = dataset.sample_numbers().iter().position(|&number| number == sample) else {
        return Err(ExplainError::NoSuchSample { sample, n_rows: dataset.len() });
    };
    let one_column = dataset.inputs().columns(column, 1).into_owned();
    if let Err(mlp_core::BatchError::NonFinite(found)) = model.network.predict(&one_column) {
        return Err(ExplainError::Overflow(found));
    }
    let inputs: Vec<f64> = dataset.inputs().column(column).iter().copied().collect();
    let targets: Vec<f64> = dataset.targets().column(column).iter().copied().collect();
    let raw_inputs = match preprocessor.standardizer() {
        Some(standardizer) => {
            let unstandardized = preprocessor.clone().with_standardizer(None)?;
            let raw = unstandardized.inputs::<f64>(table)?;
            let unchanged =
                |i: usize| standardizer.mean()[i] == 0.0 && standardizer.std()[i] == 1.0;
            let values = raw.column(column);
            Some(
                values
                    .iter()
                    .enumerate()
                    .map(|(i, &value)| (!unchanged(i)).then_some(value))
                    .collect(),
            )
        }
        None => None,
    };
    let notes = filled_in_note(preprocessor, table, column).into_iter().collect();
    let output_names = match preprocessor.class_encoding() {
        Some(encoding) => encoding.class_names().to_vec(),
        None => preprocessor.target_names().to_vec(),
    };
    let settings = model.provenance.as_ref().map(|provenance| &provenance.settings);
    let (learning_rate, learning_rate_source) = match (request.learning_rate, settings) {
        (Some(learning_rate), _) => (learning_rate, LearningRateSource::Given),
        (None, Some(settings)) => (settings.learning_rate, LearningRateSource::Model),
        (None, None) => (TUTORIAL_LEARNING_RATE, LearningRateSource::Tutorial),
    };
    let line = table.line(column);
    let line_text = line.map_or_else(String::new, |line| format!("line {line} of "));
    let options = ExplainOptions {
        weight: request.weight.clone(),
        learning_rate,
        learning_rate_source,
        trained_with: settings.map(|settings| settings.optimizer),
        raw_inputs,
        notes,
        input_names: preprocessor.input_names(),
        output_names,
        sample_label: format!("sample {sample} ({line_text}{})", request.data_name),
    };
    Ok(PreparedSample { inputs, targets, line, options })
}

/// A note naming the row's feature columns that are missing in the file and were filled in
/// by the model's imputer (which the derivation then shows as inputs), or `None`.
fn filled_in_note(preprocessor: &Preprocessor, table: &Table, row_idx: usize) -> Option<String> {
    let imputer = preprocessor.imputer()?;
    let is_missing =
        |text: &str| text.is_empty() || preprocessor.na_values().iter().any(|na| na == text);
    let missing: Vec<&str> = preprocessor
        .feature_names()
        .iter()
        .filter(|name| {
            let cell =
                table.column_index(name).and_then(|column_idx| table.cell(row_idx, column_idx));
            matches!(cell, Some(Cell::Text(text)) if is_missing(text))
        })
        .map(String::as_str)
        .collect();
    (!missing.is_empty()).then(|| {
        format!(
            "{} {} missing in the file and {} filled in with the training rows' {} (text \
             columns: the most frequent category)",
            missing.join(", "),
            if missing.len() == 1 { "is" } else { "are" },
            if missing.len() == 1 { "is" } else { "are" },
            imputer.strategy().name()
        )
    })
}
