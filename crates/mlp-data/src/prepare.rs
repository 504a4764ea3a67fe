//! From selected columns to [`Dataset`]s: missing values, class encoding, split, categories,
//! imputation, standardization, and the [`Preprocessor`] that repeats them on other files.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::collections::BTreeMap;

use mlp_core::Scalar;
use nalgebra::DMatrix;

use super::block::NumberBlock;
use super::classes::ClassEncoding;
use super::error::{DataError, MissingColumn, MissingHint};
use super::labeled::{FeatureValues, LabeledData, Targets};
use super::missing::{Imputer, MissingPolicy};
use super::notice::DataNotice;
use super::preprocessor::{to_scalar, Preprocessor, PreprocessorParts, UnknownCategory};
use super::select::ColumnSelection;
use super::split::{shuffle_split, stratified_split, Split, SplitOptions};
use super::standardize::{overflow_error, Standardizer};
use super::table::Table;
use super::task::Task;
use crate::Dataset;

/// Options of [`prepare_training`] (kept as they were; [`TrainingOptions`] has every option).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrepareOptions {
    /// How to hold out validation samples. Default: none held out.
    pub split: SplitOptions,
    /// Standardize the features with a [`Standardizer`] fitted on the training samples.
    /// Default: `true`.
    pub standardize: bool,
}

impl Default for PrepareOptions {
    fn default() -> Self {
        PrepareOptions { split: SplitOptions::default(), standardize: true }
    }
}

/// Options of [`prepare_training_with`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainingOptions {
    /// How to hold out validation samples. Default: none held out.
    pub split: SplitOptions,
    /// Standardize the numeric inputs with a [`Standardizer`] fitted on the training samples
    /// (one-hot inputs stay 0/1). Default: `true`.
    pub standardize: bool,
    /// Standardize regression targets on the training samples (`--standardize-target`); the
    /// scaler is saved in the preprocessor. Default: `false`.
    pub standardize_target: bool,
    /// What to do with missing cells (`--missing`). Default: [`MissingPolicy::Error`].
    pub missing: MissingPolicy,
    /// What an unseen category in another file becomes (`--unknown-category`), saved in the
    /// preprocessor. Default: [`UnknownCategory::Error`].
    pub unknown_category: UnknownCategory,
}

impl Default for TrainingOptions {
    fn default() -> Self {
        TrainingOptions::from(PrepareOptions::default())
    }
}

impl From<PrepareOptions> for TrainingOptions {
    fn from(options: PrepareOptions) -> Self {
        TrainingOptions {
            split: options.split,
            standardize: options.standardize,
            standardize_target: false,
            missing: MissingPolicy::Error,
            unknown_category: UnknownCategory::Error,
        }
    }
}

/// The training file made ready for the trainer.
#[derive(Debug, Clone)]
pub struct Prepared<T: Scalar> {
    /// What was fitted; save it with the model.
    pub preprocessor: Preprocessor,
    /// Which samples (0-based data rows, in file order) went where; rows dropped for missing
    /// values are in neither set.
    pub split: Split,
    /// The training samples: inputs (n_inputs × n_train), targets (n_outputs × n_train).
    pub train: Dataset<T>,
    /// The validation samples, `None` when none were held out.
    pub validation: Option<Dataset<T>>,
    /// What the preparation did on its own (the selection's notices first), for the user.
    pub notices: Vec<DataNotice>,
}

/// [`prepare_training_with`] with the options of a file without missing values or categories
/// in mind: missing cells are errors, unknown categories too, targets are not standardized.
/// On a clean numeric file it gives the same split and standardizer, bit for bit, as before
/// missing values and categories were handled.
pub fn prepare_training<T: Scalar>(
    data: &LabeledData,
    options: &PrepareOptions,
) -> Result<Prepared<T>, DataError> {
    prepare_training_with(data, &TrainingOptions::from(*options))
}

/// Prepares a training file, in this order:
///
/// 1. Missing cells, by `options.missing`: an error, or rows dropped, or rows without a target
///    dropped (features are imputed in step 4); each drop gives a [`DataNotice`].
/// 2. Class labels encoded (classes learned from the kept rows); validation samples split off
///    (stratified by class for labels, a plain shuffle otherwise).
/// 3. Categorical features: their categories, sorted, from the kept rows; one input per category.
/// 4. The imputer, when imputing, fitted on the training samples only.
/// 5. The inputs built (numeric features, one-hot categories, missing cells filled); the
///    standardizer fitted on the training samples for the numeric inputs (one-hot inputs get
///    mean 0 and std 1, so they stay 0/1) and applied to both sets; regression targets
///    standardized likewise when `options.standardize_target`.
///
/// Every sample keeps its 1-based data-row number (row 1 is the first row after the header).
/// Targets are one-hot vectors (n_classes × n) for labels, the numbers as read (or standardized)
/// otherwise.
pub fn prepare_training_with<T: Scalar>(
    data: &LabeledData,
    options: &TrainingOptions,
) -> Result<Prepared<T>, DataError> {
    prepare(Cow::Borrowed(data), options)
}

/// [`prepare_training_with`], taking the data: its cells are freed as soon as the inputs are
/// built (and standardized), so that a large file is not held twice while the datasets are
/// made. Gives the same result, bit for bit.
pub fn prepare_training_owned<T: Scalar>(
    data: LabeledData,
    options: &TrainingOptions,
) -> Result<Prepared<T>, DataError> {
    prepare(Cow::Owned(data), options)
}

fn prepare<T: Scalar>(
    data: Cow<'_, LabeledData>,
    options: &TrainingOptions,
) -> Result<Prepared<T>, DataError> {
    let features = data.features();
    let n_samples = data.n_samples();
    let mut notices = data.notices().to_vec();
    let row_is_incomplete = |j: usize| {
        data.targets().is_missing(j) || features.columns().iter().any(|c| c.is_missing(j))
    };
    let kept: Vec<usize> = match options.missing {
        MissingPolicy::Error => {
            if let Some(mut err) = data.missing_values_error(MissingHint::Training) {
                // Only targets missing: filling features in would not help.
                if let DataError::MissingValues { columns, hint, .. } = &mut err {
                    let is_feature = |missing: &MissingColumn| {
                        features.columns().iter().any(|feature| feature.column == missing.column)
                    };
                    if !columns.iter().any(is_feature) {
                        *hint = MissingHint::TrainingTargets;
                    }
                }
                return Err(err);
            }
            (0..n_samples).collect()
        }
        MissingPolicy::Drop => {
            let kept: Vec<usize> = (0..n_samples).filter(|&j| !row_is_incomplete(j)).collect();
            if kept.len() < n_samples {
                notices.push(DataNotice::RowsDropped {
                    n_dropped: n_samples - kept.len(),
                    n_rows: n_samples,
                });
            }
            kept
        }
        MissingPolicy::Impute(_) => {
            let kept: Vec<usize> =
                (0..n_samples).filter(|&j| !data.targets().is_missing(j)).collect();
            if kept.len() < n_samples {
                let column = data
                    .missing_columns()
                    .into_iter()
                    .filter(|missing| !features.names().contains(&missing.column.name))
                    .max_by_key(|missing| missing.count)
                    .map(|missing| missing.column);
                if let Some(column) = column {
                    notices.push(DataNotice::MissingTargetsDropped {
                        column,
                        n_dropped: n_samples - kept.len(),
                    });
                }
            }
            kept
        }
    };
    if kept.is_empty() {
        return Err(DataError::NoRowsLeft { path: features.path().to_owned() });
    }

    let (mut targets, target_names, class_encoding, split) =
        encode_targets(data.targets(), &kept, n_samples, options)?;
    // `split` holds positions in `kept`; the training rows as data rows, for fitting.
    let train_rows: Vec<usize> = split.train.iter().map(|&position| kept[position]).collect();

    let mut categories = BTreeMap::new();
    for column in features.columns() {
        if let FeatureValues::Categorical { categories: names, codes } = column.values() {
            let mut present = vec![false; names.len()];
            for code in kept.iter().filter_map(|&j| codes[j]) {
                present[code as usize] = true;
            }
            let mut sorted: Vec<String> =
                names.iter().zip(&present).filter(|(_, &p)| p).map(|(n, _)| n.clone()).collect();
            sorted.sort_unstable();
            if sorted.is_empty() {
                return Err(DataError::NothingToImpute {
                    path: features.path().to_owned(),
                    column: column.column().clone(),
                });
            }
            categories.insert(column.column().name.clone(), sorted);
        }
    }
    let imputer = match options.missing {
        MissingPolicy::Impute(strategy) => {
            let imputer = Imputer::fit(features, &train_rows, strategy)?;
            let n_cells: usize = features
                .columns()
                .iter()
                .map(|column| kept.iter().filter(|&&j| column.is_missing(j)).count())
                .sum();
            if n_cells > 0 {
                notices.push(DataNotice::ValuesImputed { n_cells, strategy: strategy.name() });
            }
            Some(imputer)
        }
        MissingPolicy::Error | MissingPolicy::Drop => None,
    };
    let mut parts = PreprocessorParts {
        feature_names: features.names().to_vec(),
        target_names,
        class_encoding,
        standardizer: None,
        categories,
        unknown_category: options.unknown_category,
        na_values: data.na_values().to_vec(),
        imputer,
        target_scaler: None,
    };
    let unstandardized = Preprocessor::new(parts.clone())?;
    let mut inputs = unstandardized.encode(features, &kept)?;

    if options.standardize {
        let fitted = Standardizer::fit_samples(&inputs, &split.train);
        let standardizer = numeric_only(&fitted, &unstandardized)?;
        standardizer.apply(&mut inputs)?;
        if let Some(found) = Standardizer::first_overflow(&inputs) {
            let names = unstandardized.input_names();
            return Err(overflow_error(features, &names, found, &kept));
        }
        parts.standardizer = Some(standardizer);
    }
    if options.standardize_target && parts.class_encoding.is_none() {
        let scaler = Standardizer::fit_samples(&targets, &split.train);
        scaler.apply(&mut targets)?;
        parts.target_scaler = Some(scaler);
    }
    let preprocessor = Preprocessor::new(parts)?;
    let sample_numbers: Vec<usize> = kept.iter().map(|&j| features.sample_numbers()[j]).collect();
    // The cells of owned data are no longer needed: freed before the datasets are made.
    drop(data);
    let validation = match split.validation.is_empty() {
        true => None,
        false => Some(Dataset::new(
            select_scalar(&inputs, &split.validation),
            select_scalar(&targets, &split.validation),
            split.validation.iter().map(|&position| sample_numbers[position]).collect(),
        )?),
    };
    // The training samples in place: no second copy of the inputs (none at all in f64).
    let train = Dataset::new(
        into_scalar(keep_columns(inputs, &split.train)),
        into_scalar(keep_columns(targets, &split.train)),
        split.train.iter().map(|&position| sample_numbers[position]).collect(),
    )?;
    let split = Split {
        train: train_rows,
        validation: split.validation.iter().map(|&position| kept[position]).collect(),
    };
    Ok(Prepared { preprocessor, split, train, validation, notices })
}

/// The targets of the rows `kept` (of `n_samples`): encoded (one-hot for labels), with their
/// names, the class encoding, and the split of `kept`'s positions.
type EncodedTargets = (DMatrix<f64>, Vec<String>, Option<ClassEncoding>, Split);

fn encode_targets(
    targets: &Targets,
    kept: &[usize],
    n_samples: usize,
    options: &TrainingOptions,
) -> Result<EncodedTargets, DataError> {
    Ok(match targets {
        Targets::Labels(labels) => {
            let labels = labels.select(kept);
            let encoding = ClassEncoding::fit(&labels)?;
            let class_indices = encoding.indices(&labels)?;
            let split = stratified_split(&class_indices, &options.split)?;
            let targets = encoding.one_hot_from_indices(&class_indices);
            (targets, vec![labels.column().name.clone()], Some(encoding), split)
        }
        Targets::Numeric(numeric) => {
            let split = shuffle_split(kept.len(), &options.split)?;
            let values = if kept.len() == n_samples {
                numeric.values().clone()
            } else {
                numeric.values().select_columns(kept)
            };
            (values, numeric.names().to_vec(), None, split)
        }
    })
}

/// Selects the columns of `table` ([`Table::select`]) and prepares them
/// ([`prepare_training_owned`]), taking the table: the same result, bit for bit, in less
/// memory.
///
/// When every feature column holds numbers alone (no text, no missing cell), the targets no
/// missing cell, and nothing so large that standardizing it could overflow, the inputs are
/// the table's own block of numbers with the other columns cut out of each row in place (in
/// the features' order): no copy of the features is made, and in `T` = the table's precision
/// ([`CsvOptions::precision`](super::CsvOptions::precision)) none at all; standardization
/// (statistics in `f64`) and the split happen in that block too. Otherwise (categorical
/// features, missing cells, …) it selects and prepares as those two functions do.
pub fn prepare_training_table<T: Scalar>(
    table: Table,
    selection: &ColumnSelection,
    task: Task,
    options: &TrainingOptions,
) -> Result<Prepared<T>, DataError> {
    let (data, in_block) = table.select_leaving_block(selection, task, true)?;
    let Some(columns) = in_block else {
        drop(table);
        return prepare_training_owned(data, options);
    };
    let n_samples = data.n_samples();
    let targets_missing = (0..n_samples).any(|j| data.targets().is_missing(j));
    // Standardizing |x| near f64::MAX may overflow: that error names the cell, from the
    // general path's copy of the features. (An f32 block holds nothing that large but its
    // wide numbers.)
    let may_overflow = match table.numbers() {
        block @ NumberBlock::F64(_) => options.standardize && block.largest_magnitude() > 1e300,
        block => block.has_wide(),
    };
    if targets_missing || may_overflow {
        drop(data);
        let data = table.select(selection, task)?;
        drop(table);
        return prepare_training_owned(data, options);
    }
    let kept: Vec<usize> = (0..n_samples).collect();
    let (mut targets, target_names, class_encoding, split) =
        encode_targets(data.targets(), &kept, n_samples, options)?;
    let features = data.features();
    let mut parts = PreprocessorParts {
        feature_names: features.names().to_vec(),
        target_names,
        class_encoding,
        standardizer: None,
        categories: BTreeMap::new(),
        unknown_category: options.unknown_category,
        na_values: data.na_values().to_vec(),
        imputer: None,
        target_scaler: None,
    };
    let sample_numbers = features.sample_numbers().to_vec();
    let notices = data.notices().to_vec();
    drop(data);
    let n_columns = table.n_columns();
    let block = table.into_numbers();
    // Worked on in f64 unless both the block and `T` are f32, so that every value is rounded
    // once, as the general path rounds it.
    let in_f64 = matches!(block, NumberBlock::F64(_)) || TypeId::of::<T>() == TypeId::of::<f64>();
    let (standardizer, train_inputs, validation_inputs) = match in_f64 {
        true => block_inputs::<f64, T>(block, n_columns, &columns, &split, options.standardize)?,
        false => block_inputs::<T, T>(block, n_columns, &columns, &split, options.standardize)?,
    };
    parts.standardizer = standardizer;
    if options.standardize_target && parts.class_encoding.is_none() {
        let scaler = Standardizer::fit_samples(&targets, &split.train);
        scaler.apply(&mut targets)?;
        parts.target_scaler = Some(scaler);
    }
    let preprocessor = Preprocessor::new(parts)?;
    let validation = match validation_inputs {
        None => None,
        Some(inputs) => Some(Dataset::new(
            inputs,
            select_scalar(&targets, &split.validation),
            split.validation.iter().map(|&position| sample_numbers[position]).collect(),
        )?),
    };
    let train = Dataset::new(
        train_inputs,
        into_scalar(keep_columns(targets, &split.train)),
        split.train.iter().map(|&position| sample_numbers[position]).collect(),
    )?;
    Ok(Prepared { preprocessor, split, train, validation, notices })
}

/// The standardizer (when `standardize`), the training inputs and the validation inputs
/// (`None` when there are none) cut out of `block` (`columns` of its `n_columns`), worked on
/// in precision `W` (standardized in place, statistics in f64), in precision `T`.
type BlockInputs<T> = (Option<Standardizer>, DMatrix<T>, Option<DMatrix<T>>);

fn block_inputs<W: Scalar, T: Scalar>(
    block: NumberBlock,
    n_columns: usize,
    columns: &[usize],
    split: &Split,
    standardize: bool,
) -> Result<BlockInputs<T>, DataError> {
    let n_samples = split.train.len() + split.validation.len();
    let inputs = block.into_columns::<W>(n_columns, columns);
    let mut inputs = DMatrix::from_vec(columns.len(), n_samples, inputs);
    let standardizer = match standardize {
        true => {
            let fitted = Standardizer::fit_samples(&inputs, &split.train);
            // `numeric_only` of a preprocessor without categories: the fitted standardizer.
            let standardizer = Standardizer::new(fitted.mean().to_vec(), fitted.std().to_vec())?;
            standardizer.apply_in(&mut inputs)?;
            Some(standardizer)
        }
        false => None,
    };
    if split.validation.is_empty() {
        return Ok((standardizer, cast_matrix(keep_columns(inputs, &split.train)), None));
    }
    let (train, validation) = split_in_place(inputs, split, SPLIT_STEP_BYTES);
    Ok((standardizer, cast_matrix(train), Some(cast_matrix(validation))))
}

/// Bytes of the block given back at a time while the validation samples are moved out.
const SPLIT_STEP_BYTES: usize = 4 << 20;

/// The samples of `inputs` split into the training ones and the validation ones (in the
/// orders of `split`), with no second copy of the whole: the samples are permuted in place
/// (training first), then the validation samples are moved out from the end a few MB at a
/// time (`step_bytes`), the block given back behind them.
fn split_in_place<W: Scalar>(
    inputs: DMatrix<W>,
    split: &Split,
    step_bytes: usize,
) -> (DMatrix<W>, DMatrix<W>) {
    let n_features = inputs.nrows();
    let (n_train, n_validation) = (split.train.len(), split.validation.len());
    let order: Vec<usize> = split.train.iter().chain(&split.validation).copied().collect();
    let mut data: Vec<W> = inputs.data.into();
    permute_columns(&mut data, n_features, &order);
    // Zeroed: its pages are the system's until written.
    let mut validation = vec![W::zero(); n_features * n_validation];
    let step = (step_bytes / std::mem::size_of::<W>() / n_features.max(1)).max(1);
    let mut end = n_train + n_validation;
    while end > n_train {
        let start = end.saturating_sub(step).max(n_train);
        validation[(start - n_train) * n_features..(end - n_train) * n_features]
            .copy_from_slice(&data[start * n_features..end * n_features]);
        data.truncate(start * n_features);
        data.shrink_to_fit();
        end = start;
    }
    (
        DMatrix::from_vec(n_features, n_train, data),
        DMatrix::from_vec(n_features, n_validation, validation),
    )
}

/// Column `k` of the (`n_rows` × n) column-major `data` becomes its column `order[k]`
/// (`order` a permutation), in place: each cycle of the permutation with one column aside.
fn permute_columns<W: Scalar>(data: &mut [W], n_rows: usize, order: &[usize]) {
    let mut done = vec![false; order.len()];
    let mut aside = vec![W::zero(); n_rows];
    for first in 0..order.len() {
        if done[first] || order[first] == first {
            continue;
        }
        aside.copy_from_slice(&data[first * n_rows..(first + 1) * n_rows]);
        let mut to = first;
        loop {
            done[to] = true;
            let from = order[to];
            if from == first {
                data[to * n_rows..(to + 1) * n_rows].copy_from_slice(&aside);
                break;
            }
            data.copy_within(from * n_rows..(from + 1) * n_rows, to * n_rows);
            to = from;
        }
    }
}

/// `values` in precision `T`: the matrix itself when `T` is `S`, otherwise a converted copy.
fn cast_matrix<S: Scalar, T: Scalar>(values: DMatrix<S>) -> DMatrix<T> {
    let mut values = Some(values);
    // `Some` only when `T` is `S`.
    let same = (&mut values as &mut dyn Any).downcast_mut::<Option<DMatrix<T>>>();
    match (same.and_then(Option::take), values) {
        (Some(same), _) => same,
        (None, Some(values)) => values.map(|x| T::from_f64_value(x.to_f64_value())),
        (None, None) => DMatrix::zeros(0, 0),
    }
}

/// The columns `positions` of `values`, in that order, in precision `T`: `to_scalar` of
/// `values.select_columns(positions)` without the intermediate matrix.
fn select_scalar<S: Scalar, T: Scalar>(values: &DMatrix<S>, positions: &[usize]) -> DMatrix<T> {
    let mut selected = Vec::with_capacity(values.nrows() * positions.len());
    for &position in positions {
        selected
            .extend(values.column(position).iter().map(|&x| T::from_f64_value(x.to_f64_value())));
    }
    DMatrix::from_vec(values.nrows(), positions.len(), selected)
}

/// `values.select_columns(positions)` for increasing `positions`, in place: each kept column
/// moves left over the ones left out, and the matrix is cut to the kept ones.
fn keep_columns<T: Scalar>(values: DMatrix<T>, positions: &[usize]) -> DMatrix<T> {
    let n_rows = values.nrows();
    if positions.iter().copied().eq(0..values.ncols()) {
        return values;
    }
    if !positions.windows(2).all(|pair| pair[0] < pair[1]) {
        return values.select_columns(positions);
    }
    let mut data: Vec<T> = values.data.into();
    for (kept_idx, &position) in positions.iter().enumerate() {
        // Increasing positions: `position ≥ kept_idx`, so no kept column is overwritten.
        let from = position * n_rows;
        data.copy_within(from..from + n_rows, kept_idx * n_rows);
    }
    data.truncate(positions.len() * n_rows);
    data.shrink_to_fit();
    DMatrix::from_vec(n_rows, positions.len(), data)
}

/// `values` in precision `T`: the matrix itself when `T` is `f64`, otherwise a converted copy.
fn into_scalar<T: Scalar>(values: DMatrix<f64>) -> DMatrix<T> {
    let mut values = Some(values);
    // `Some` only when `T` is `f64`.
    let same = (&mut values as &mut dyn Any).downcast_mut::<Option<DMatrix<T>>>();
    match (same.and_then(Option::take), values) {
        (Some(same), _) => same,
        (None, Some(values)) => to_scalar(&values),
        (None, None) => DMatrix::zeros(0, 0),
    }
}

/// `fitted` with mean 0 and std 1 for the one-hot inputs of `preprocessor`.
fn numeric_only(
    fitted: &Standardizer,
    preprocessor: &Preprocessor,
) -> Result<Standardizer, DataError> {
    let mut mean = fitted.mean().to_vec();
    let mut std = fitted.std().to_vec();
    let mut input_idx = 0;
    for feature_idx in 0..preprocessor.feature_names().len() {
        match preprocessor.categories(feature_idx) {
            None => input_idx += 1,
            Some(categories) => {
                for _ in categories {
                    mean[input_idx] = 0.0;
                    std[input_idx] = 1.0;
                    input_idx += 1;
                }
            }
        }
    }
    Standardizer::new(mean, std)
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;
    use crate::{ColumnSelection, CsvOptions, Table, Task};

    fn table(text: &str, path: &str) -> Table {
        Table::from_reader(text.as_bytes(), path, &CsvOptions::default()).unwrap()
    }

    fn iris() -> Table {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/iris.csv");
        Table::read(path, &CsvOptions::default()).unwrap()
    }

    fn same_prepared<T: Scalar>(a: &Prepared<T>, b: &Prepared<T>, what: &str) {
        assert_eq!(a.split, b.split, "{what}");
        assert_eq!(a.train, b.train, "{what}");
        assert_eq!(a.validation, b.validation, "{what}");
        assert_eq!(a.notices, b.notices, "{what}");
        assert_eq!(
            serde_json::to_string(&a.preprocessor).unwrap(),
            serde_json::to_string(&b.preprocessor).unwrap(),
            "{what}"
        );
    }

    #[test]
    fn the_table_path_gives_the_general_paths_datasets_bit_for_bit() {
        use crate::NumberPrecision;
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for round in 0..60 {
            let (n_rows, n_columns) = (rng.random_range(12..40), rng.random_range(2..7));
            let target_idx = rng.random_range(0..n_columns);
            let names: Vec<String> = (0..n_columns).map(|idx| format!("c{idx}")).collect();
            let mut text = names.join(",") + "\n";
            for row in 0..n_rows {
                let cells: Vec<String> = (0..n_columns)
                    .map(|idx| match idx == target_idx {
                        true => format!("{}", row % 3),
                        false => format!("{:.6e}", rng.random::<f64>() * 1e3 - 300.0),
                    })
                    .collect();
                text += &(cells.join(",") + "\n");
            }
            let mut selection = ColumnSelection::new([names[target_idx].clone()]);
            if round % 2 == 1 {
                // Features in another order than the file's.
                let mut features: Vec<String> =
                    names.iter().filter(|name| **name != names[target_idx]).cloned().collect();
                features.reverse();
                selection = selection.with_features(features);
            }
            let task = if round % 3 == 0 { Task::Regression } else { Task::Classification };
            let options = TrainingOptions {
                split: SplitOptions { validation_fraction: [0.0, 0.25][round % 2], seed: 3 },
                standardize: round % 4 != 2,
                standardize_target: round % 5 == 0,
                ..TrainingOptions::default()
            };
            for precision in [NumberPrecision::F64, NumberPrecision::F32] {
                let read = || {
                    let options = CsvOptions { precision, ..CsvOptions::default() };
                    Table::from_reader(text.as_bytes(), "r.csv", &options).unwrap()
                };
                let what = format!("round {round}, {precision:?}");
                let general: Prepared<f64> =
                    prepare_training_with(&read().select(&selection, task).unwrap(), &options)
                        .unwrap();
                let in_place: Prepared<f64> =
                    prepare_training_table(read(), &selection, task, &options).unwrap();
                same_prepared(&general, &in_place, &what);
                let general: Prepared<f32> =
                    prepare_training_with(&read().select(&selection, task).unwrap(), &options)
                        .unwrap();
                let in_place: Prepared<f32> =
                    prepare_training_table(read(), &selection, task, &options).unwrap();
                same_prepared(&general, &in_place, &what);
            }
        }
    }

    #[test]
    fn numbers_too_large_for_f32_are_read_exactly_in_an_f32_table() {
        use crate::NumberPrecision;
        let text = "a,b,y\n1,2,0\n1e39,3,1\n2,4,0\n3,5,1\n";
        let read = |precision| {
            let options = CsvOptions { precision, ..CsvOptions::default() };
            Table::from_reader(text.as_bytes(), "big.csv", &options).unwrap()
        };
        let selection = ColumnSelection::new(["y".to_owned()]);
        let options = TrainingOptions::default();
        let wide: Prepared<f32> =
            prepare_training_table(read(NumberPrecision::F64), &selection, Task::Auto, &options)
                .unwrap();
        let narrow: Prepared<f32> =
            prepare_training_table(read(NumberPrecision::F32), &selection, Task::Auto, &options)
                .unwrap();
        assert!(narrow.train.inputs().iter().all(|x| x.is_finite()));
        same_prepared(&wide, &narrow, "1e39");
    }

    #[test]
    fn numbers_near_f64_max_take_the_general_path_and_its_results() {
        let selection = ColumnSelection::new(["y".to_owned()]);
        let options = TrainingOptions::default();
        for text in [
            "a,y\n1.7e308,0\n-1.7e308,1\n1.7e308,0\n-1.7e308,1\n",
            "a,b,y\n1e301,1,0\n-1e301,2,1\n3e301,1,0\n1,2,1\n",
        ] {
            let table = || Table::from_reader(text.as_bytes(), "max.csv", &CsvOptions::default());
            let general = prepare_training_with::<f64>(
                &table().unwrap().select(&selection, Task::Auto).unwrap(),
                &options,
            );
            let in_place =
                prepare_training_table::<f64>(table().unwrap(), &selection, Task::Auto, &options);
            match (general, in_place) {
                (Ok(general), Ok(in_place)) => same_prepared(&general, &in_place, text),
                (Err(general), Err(in_place)) => {
                    assert_eq!(general.to_string(), in_place.to_string(), "{text}")
                }
                (general, in_place) => panic!("{text}: {general:?} / {in_place:?}"),
            }
        }
    }

    #[test]
    fn a_split_in_place_is_the_selected_columns() {
        use rand::seq::SliceRandom;
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..200 {
            let (n_rows, n_columns) = (rng.random_range(0..4), rng.random_range(1..40));
            let values = DMatrix::from_fn(n_rows, n_columns, |_, _| rng.random::<f32>());
            let mut positions: Vec<usize> = (0..n_columns).collect();
            positions.shuffle(&mut rng);
            let n_train = rng.random_range(0..n_columns);
            let split = Split {
                train: positions[..n_train].to_vec(),
                validation: positions[n_train..].to_vec(),
            };
            let step_bytes = [1, 4 * n_rows * rng.random_range(1..4), SPLIT_STEP_BYTES];
            let step_bytes = step_bytes[rng.random_range(0..3)];
            let (train, validation) = split_in_place(values.clone(), &split, step_bytes);
            assert_eq!(train, values.select_columns(&split.train), "{split:?}");
            assert_eq!(validation, values.select_columns(&split.validation), "{split:?}");
        }
    }

    #[test]
    fn columns_kept_in_place_are_the_selected_columns() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for _ in 0..200 {
            let (n_rows, n_columns) = (rng.random_range(0..4), rng.random_range(0..20));
            let values = DMatrix::from_fn(n_rows, n_columns, |_, _| rng.random::<f64>());
            let mut positions: Vec<usize> =
                (0..n_columns).filter(|_| rng.random_range(0..3) > 0).collect();
            if rng.random_range(0..4) == 0 {
                positions.reverse();
            }
            let expected = values.select_columns(&positions);
            assert_eq!(keep_columns(values, &positions), expected, "{positions:?}");
        }
    }

    #[test]
    fn iris_loads_with_150_rows_and_3_classes() {
        let table = iris();
        assert_eq!(table.n_rows(), 150);
        let data = table.select(&ColumnSelection::new(["species"]), Task::Auto).unwrap();
        assert_eq!(
            data.features().names(),
            ["sepal_length", "sepal_width", "petal_length", "petal_width"]
        );
        let Targets::Labels(labels) = data.targets() else { panic!("expected labels") };
        let encoding = ClassEncoding::fit(labels).unwrap();
        assert_eq!(encoding.class_names(), ["setosa", "versicolor", "virginica"]);
        // First row of Fisher's data: 5.1, 3.5, 1.4, 0.2, setosa.
        assert_eq!(
            data.features().numeric_matrix().unwrap().column(0).as_slice(),
            [5.1, 3.5, 1.4, 0.2]
        );
    }

    #[test]
    fn wine_and_diabetes_load() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets");
        let wine = Table::read(format!("{dir}/wine.csv"), &CsvOptions::default()).unwrap();
        let data = wine.select(&ColumnSelection::new(["class"]), Task::Classification).unwrap();
        assert_eq!(data.features().names().len(), 13);
        let Targets::Labels(labels) = data.targets() else { panic!("expected labels") };
        assert_eq!(ClassEncoding::fit(labels).unwrap().class_names(), ["1", "2", "3"]);

        let diabetes = Table::read(format!("{dir}/diabetes.csv"), &CsvOptions::default()).unwrap();
        let data = diabetes.select(&ColumnSelection::new(["progression"]), Task::Auto).unwrap();
        assert_eq!(
            (data.features().numeric_matrix().unwrap().nrows(), data.n_samples()),
            (10, 442)
        );
        assert!(matches!(data.targets(), Targets::Numeric(_)));
    }

    #[test]
    fn iris_prepared_with_stratified_validation() {
        let data = iris().select(&ColumnSelection::new(["species"]), Task::Auto).unwrap();
        let options = PrepareOptions {
            split: SplitOptions { validation_fraction: 0.2, seed: 1 },
            standardize: true,
        };
        let prepared = prepare_training::<f32>(&data, &options).unwrap();
        assert_eq!(prepared.train.len(), 120);
        let validation = prepared.validation.as_ref().unwrap();
        assert_eq!(validation.len(), 30);
        assert_eq!((prepared.train.n_inputs(), prepared.train.n_outputs()), (4, 3));
        // 10 of each class are held out: the one-hot rows sum to 10.
        for class_idx in 0..3 {
            assert_eq!(validation.targets().row(class_idx).sum(), 10.0);
        }
        // Sample numbers are data-row numbers: index j is row j + 1.
        let expected: Vec<usize> = prepared.split.train.iter().map(|&j| j + 1).collect();
        assert_eq!(prepared.train.sample_numbers(), expected);
        // The training inputs are standardized: mean 0, population std 1 per feature.
        for feature in prepared.train.inputs().row_iter() {
            let n = feature.len() as f32;
            let mean = feature.sum() / n;
            let variance = feature.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
            assert_relative_eq!(mean, 0.0, epsilon = 1e-5);
            assert_relative_eq!(variance, 1.0, epsilon = 1e-4);
        }
        assert_eq!(prepared.preprocessor.task(), Task::Classification);
        assert_eq!(prepared.preprocessor.n_outputs(), 3);
    }

    #[test]
    fn regression_keeps_numbers_and_row_numbers() {
        let data = table("x1,x2,t1,t2\n0.1,0.2,0.4,0.6\n", "seed.csv")
            .select(&ColumnSelection::new(["t1", "t2"]), Task::Auto)
            .unwrap();
        let options = PrepareOptions { standardize: false, ..PrepareOptions::default() };
        let prepared = prepare_training::<f64>(&data, &options).unwrap();
        assert_eq!(prepared.train.inputs().as_slice(), [0.1, 0.2]);
        assert_eq!(prepared.train.targets().as_slice(), [0.4, 0.6]);
        assert_eq!(prepared.train.sample_numbers(), [1]);
        assert!(prepared.validation.is_none());
        assert_eq!(prepared.preprocessor.task(), Task::Regression);
        assert_eq!(prepared.preprocessor.n_outputs(), 2);
    }

    #[test]
    fn preprocessor_prepares_another_file_the_same_way() {
        let train = table("x,y\n0,a\n2,b\n4,a\n", "train.csv")
            .select(&ColumnSelection::new(["y"]), Task::Auto)
            .unwrap();
        let prepared = prepare_training::<f64>(&train, &PrepareOptions::default()).unwrap();
        let preprocessor = prepared.preprocessor;
        // Mean 2, population std sqrt(8/3).
        let std = (8.0_f64 / 3.0).sqrt();
        // Another file with extra columns in another order.
        let test =
            preprocessor.dataset::<f64>(&table("y,z,x\nb,9,5\na,9,2\n", "test.csv")).unwrap();
        assert_relative_eq!(test.inputs().as_slice()[0], 3.0 / std, epsilon = 1e-12);
        assert_relative_eq!(test.inputs().as_slice()[1], 0.0, epsilon = 1e-12);
        assert_eq!(test.targets().as_slice(), [0.0, 1.0, 1.0, 0.0]);
        assert_eq!(test.sample_numbers(), [1, 2]);

        let err = preprocessor.dataset::<f64>(&table("x,y\n1,c\n", "test.csv")).unwrap_err();
        assert!(
            matches!(&err, DataError::UnknownClass { line: 2, label, .. } if label == "c"),
            "{err:?}"
        );

        // Prediction: no target column needed.
        let inputs = preprocessor.inputs::<f32>(&table("x\n2\n", "new.csv")).unwrap();
        assert_eq!(inputs.shape(), (1, 1));
        assert_relative_eq!(inputs[(0, 0)], 0.0);
    }

    #[test]
    fn preprocessor_serde_round_trip() {
        let train = table("x,y\n0,a\n2,b\n", "train.csv")
            .select(&ColumnSelection::new(["y"]), Task::Auto)
            .unwrap();
        let preprocessor =
            prepare_training::<f64>(&train, &PrepareOptions::default()).unwrap().preprocessor;
        let json = serde_json::to_string(&preprocessor).unwrap();
        assert_eq!(
            json,
            r#"{"inputs":{"names":["x"],"standardizer":{"mean":[1.0],"std":[1.0]}},"outputs":{"names":["y"],"classes":["a","b"]}}"#
        );
        assert_eq!(serde_json::from_str::<Preprocessor>(&json).unwrap(), preprocessor);
    }

    #[test]
    fn a_mismatched_model_file_is_an_error_not_a_panic() {
        let json = r#"{"inputs":{"names":["x","z"],"standardizer":{"mean":[1.0],"std":[1.0]}},"outputs":{"names":["y"]}}"#;
        let err = serde_json::from_str::<Preprocessor>(json).unwrap_err();
        assert!(
            err.to_string()
                .contains("invalid preprocessor: the standardizer has 1 entries for 2 inputs"),
            "{err}"
        );
    }
}
