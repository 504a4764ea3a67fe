//! The [`Preprocessor`]: everything fitted on the training file that other files need to be
//! prepared the same way, with its constructor, accessors, serialized form and the methods that
//! prepare another file.

use std::collections::{BTreeMap, HashMap, HashSet};

use mlp_core::Scalar;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::cells::default_na_values;
use super::classes::ClassEncoding;
use super::error::{DataError, Expected, MissingHint};
use super::labeled::{FeatureValues, Features};
use super::missing::{FillValue, Imputer};
use super::split::{shuffle_split, stratified_split, SplitOptions};
use super::standardize::{overflow_error, Standardizer};
use super::table::Table;
use super::task::Task;
use crate::Dataset;

/// What to do with a category the training data did not have (`--unknown-category`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownCategory {
    /// An error naming the file, line, column and the known categories.
    #[default]
    Error,
    /// Encoded as all zeros (no category's input is 1), as scikit-learn's
    /// `OneHotEncoder(handle_unknown="ignore")`.
    Ignore,
}

/// The parts of a [`Preprocessor`], public: what [`Preprocessor::new`] checks and builds from.
///
/// Build them with [`PreprocessorParts::new`] and the `with_…` methods, or as a struct literal
/// over `PreprocessorParts::default()`, which has no columns, the default missing-value
/// markers and nothing fitted. (A preprocessor is serialized as [`PreprocessorFile`], the
/// model file's `inputs` and `outputs`.)
#[derive(Debug, Clone, PartialEq)]
pub struct PreprocessorParts {
    /// Feature column names, in input order.
    pub feature_names: Vec<String>,
    /// Target column names, in output order (one for classification).
    pub target_names: Vec<String>,
    /// The classes, for classification.
    pub class_encoding: Option<ClassEncoding>,
    /// Per-input standardization.
    pub standardizer: Option<Standardizer>,
    /// Sorted categories of each categorical feature, by column name.
    pub categories: BTreeMap<String, Vec<String>>,
    /// What an unseen category becomes.
    pub unknown_category: UnknownCategory,
    /// Missing-value markers besides the empty cell.
    pub na_values: Vec<String>,
    /// Fill values for missing features.
    pub imputer: Option<Imputer>,
    /// Standardization of regression targets.
    pub target_scaler: Option<Standardizer>,
}

impl Default for PreprocessorParts {
    fn default() -> Self {
        PreprocessorParts {
            feature_names: Vec::new(),
            target_names: Vec::new(),
            class_encoding: None,
            standardizer: None,
            categories: BTreeMap::new(),
            unknown_category: UnknownCategory::default(),
            na_values: default_na_values(),
            imputer: None,
            target_scaler: None,
        }
    }
}

impl PreprocessorParts {
    /// Parts with these feature and target columns and nothing else: numeric features used as
    /// they are, regression targets, the default missing-value markers. Add the rest with the
    /// `with_…` methods, then build with [`Preprocessor::new`].
    ///
    /// # Example
    ///
    /// ```
    /// use mlp_data::{ClassEncoding, Preprocessor, PreprocessorParts, Standardizer};
    ///
    /// let parts = PreprocessorParts::new(["sepal_length", "sepal_width"], ["species"])
    ///     .with_standardizer(Standardizer::new(vec![5.8, 3.1], vec![0.8, 0.4])?)
    ///     .with_class_encoding(ClassEncoding::from_class_names(vec!["setosa".into(), "virginica".into()])?);
    /// let preprocessor = Preprocessor::new(parts)?;
    /// assert_eq!(preprocessor.n_inputs(), 2);
    /// assert_eq!(preprocessor.n_outputs(), 2);
    /// # Ok::<(), mlp_data::DataError>(())
    /// ```
    #[must_use]
    pub fn new<F: Into<String>, T: Into<String>>(
        features: impl IntoIterator<Item = F>,
        targets: impl IntoIterator<Item = T>,
    ) -> Self {
        PreprocessorParts {
            feature_names: features.into_iter().map(Into::into).collect(),
            target_names: targets.into_iter().map(Into::into).collect(),
            ..PreprocessorParts::default()
        }
    }

    /// With these classes: a classifier (the targets are then one label column).
    #[must_use = "returns the changed parts"]
    pub fn with_class_encoding(mut self, class_encoding: ClassEncoding) -> Self {
        self.class_encoding = Some(class_encoding);
        self
    }

    /// With `(x − mean) / std` per input.
    #[must_use = "returns the changed parts"]
    pub fn with_standardizer(mut self, standardizer: Standardizer) -> Self {
        self.standardizer = Some(standardizer);
        self
    }

    /// With feature column `column` categorical: one 0/1 input per category (sorted).
    #[must_use = "returns the changed parts"]
    pub fn with_categories<C: Into<String>>(
        mut self,
        column: impl Into<String>,
        categories: impl IntoIterator<Item = C>,
    ) -> Self {
        self.categories.insert(column.into(), categories.into_iter().map(Into::into).collect());
        self
    }

    /// With this policy for a category the training data did not have.
    #[must_use = "returns the changed parts"]
    pub fn with_unknown_category(mut self, policy: UnknownCategory) -> Self {
        self.unknown_category = policy;
        self
    }

    /// With these missing-value markers (besides the empty cell) instead of the defaults.
    #[must_use = "returns the changed parts"]
    pub fn with_na_values<S: Into<String>>(
        mut self,
        na_values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.na_values = na_values.into_iter().map(Into::into).collect();
        self
    }

    /// With missing features filled in by `imputer` (one value per feature column).
    #[must_use = "returns the changed parts"]
    pub fn with_imputer(mut self, imputer: Imputer) -> Self {
        self.imputer = Some(imputer);
        self
    }

    /// With regression targets standardized: the network's outputs are `(t − mean) / std`.
    #[must_use = "returns the changed parts"]
    pub fn with_target_scaler(mut self, target_scaler: Standardizer) -> Self {
        self.target_scaler = Some(target_scaler);
        self
    }
}

fn is_default_unknown_category(policy: &UnknownCategory) -> bool {
    *policy == UnknownCategory::default()
}

/// A [`Preprocessor`] serialized: the `inputs` and `outputs` objects of the model file, one
/// schema for both (the model file writes the preprocessor's serde form, and reads it back
/// through [`Preprocessor::new`]'s checks).
///
/// ```json
/// {
///   "inputs": {
///     "names": ["island", "bill_length_mm", "sex"],
///     "standardizer": {"mean": [0, 0, 0, 43.9, 0, 0], "std": [1, 1, 1, 5.4, 1, 1]},
///     "categories": {"island": ["Biscoe", "Dream", "Torgersen"], "sex": ["female", "male"]},
///     "unknown_category": "ignore",
///     "na_values": ["NA", "-"],
///     "imputer": {"strategy": "median", "values": ["Biscoe", 44.45, "male"]}
///   },
///   "outputs": { "names": ["species"], "classes": ["Adelie", "Chinstrap", "Gentoo"] }
/// }
/// ```
///
/// Keys in this order; `standardizer` and `classes` are `null` when unused, the others absent.
/// Unknown keys are an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreprocessorFile {
    /// How a file's columns become the network's inputs.
    pub inputs: InputsFile,
    /// The target columns and classes.
    pub outputs: OutputsFile,
}

/// The `inputs` object of a [`PreprocessorFile`] (and of the model file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputsFile {
    /// Feature column names, in the order their inputs have.
    pub names: Vec<String>,
    /// `(x − mean) / std` per *input* (a one-hot input has mean 0 and std 1), or `null`.
    #[serde(default)]
    pub standardizer: Option<Standardizer>,
    /// The sorted categories of each categorical feature, by column name: one input per
    /// category, named `column=category`. Absent when every feature is numeric.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub categories: BTreeMap<String, Vec<String>>,
    /// What a category the training data did not have becomes: `"error"` (absent) or
    /// `"ignore"` (all zeros).
    #[serde(default, skip_serializing_if = "is_default_unknown_category")]
    pub unknown_category: UnknownCategory,
    /// The texts that mean a missing value besides the empty cell; absent for the default
    /// list (`NA`, `N/A`, `NaN`, `nan`, `null`, `?`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub na_values: Option<Vec<String>>,
    /// The value each feature's missing cells are filled with (`{"strategy": "median",
    /// "values": [..one per feature..]}`), or absent: a missing feature is then an error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imputer: Option<Imputer>,
}

/// The `outputs` object of a [`PreprocessorFile`] (and of the model file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputsFile {
    /// Target column names (the one label column for classification).
    pub names: Vec<String>,
    /// Class names in output order, or `null` for regression.
    #[serde(default)]
    pub classes: Option<Vec<String>>,
    /// Regression targets standardized for training: the network's outputs are
    /// `(t − mean) / std`, and predictions are mapped back to `o · std + mean`. Absent
    /// otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scaler: Option<Standardizer>,
}

impl From<&Preprocessor> for PreprocessorFile {
    fn from(preprocessor: &Preprocessor) -> Self {
        let parts = &preprocessor.parts;
        PreprocessorFile {
            inputs: InputsFile {
                names: parts.feature_names.clone(),
                standardizer: parts.standardizer.clone(),
                categories: parts.categories.clone(),
                unknown_category: parts.unknown_category,
                na_values: (parts.na_values != default_na_values())
                    .then(|| parts.na_values.clone()),
                imputer: parts.imputer.clone(),
            },
            outputs: OutputsFile {
                names: parts.target_names.clone(),
                classes: parts
                    .class_encoding
                    .as_ref()
                    .map(|encoding| encoding.class_names().to_vec()),
                scaler: parts.target_scaler.clone(),
            },
        }
    }
}

impl From<Preprocessor> for PreprocessorFile {
    fn from(preprocessor: Preprocessor) -> Self {
        PreprocessorFile::from(&preprocessor)
    }
}

impl TryFrom<PreprocessorFile> for Preprocessor {
    type Error = DataError;

    /// Checked as [`Preprocessor::new`] checks its parts; the classes as
    /// [`ClassEncoding::from_class_names`].
    fn try_from(file: PreprocessorFile) -> Result<Self, DataError> {
        let PreprocessorFile { inputs, outputs } = file;
        Preprocessor::new(PreprocessorParts {
            feature_names: inputs.names,
            target_names: outputs.names,
            class_encoding: outputs.classes.map(ClassEncoding::from_class_names).transpose()?,
            standardizer: inputs.standardizer,
            categories: inputs.categories,
            unknown_category: inputs.unknown_category,
            na_values: inputs.na_values.unwrap_or_else(default_na_values),
            imputer: inputs.imputer,
            target_scaler: outputs.scaler,
        })
    }
}

/// Everything fitted on the training file that other files need to be read the same way:
/// feature and target columns, categories and the unknown-category policy, missing-value
/// markers and imputer, class encoding, input standardizer, target scaler.
///
/// Built by [`prepare_training_with`](super::prepare_training_with), from its parts with
/// [`Preprocessor::new`], or with [`Preprocessor::identity`]; serialized as a
/// [`PreprocessorFile`] (the model file's `inputs` and `outputs`).
///
/// # Example
///
/// ```
/// use std::collections::BTreeMap;
/// use mlp_data::{CsvOptions, Preprocessor, PreprocessorParts, Table};
///
/// let preprocessor = Preprocessor::new(PreprocessorParts {
///     feature_names: vec!["island".into(), "mass".into()],
///     target_names: vec!["y".into()],
///     categories: BTreeMap::from([("island".into(), vec!["Biscoe".into(), "Dream".into()])]),
///     ..PreprocessorParts::default()
/// })?;
/// assert_eq!(preprocessor.input_names(), ["island=Biscoe", "island=Dream", "mass"]);
///
/// let table = Table::from_reader(&b"mass,island\n3.5,Dream\n"[..], "new.csv", &CsvOptions::default())?;
/// let inputs = preprocessor.inputs::<f64>(&table)?;
/// assert_eq!(inputs.as_slice(), [0.0, 1.0, 3.5]);
/// # Ok::<(), mlp_data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PreprocessorFile", into = "PreprocessorFile")]
pub struct Preprocessor {
    parts: PreprocessorParts,
    /// Per feature column: its sorted categories, or `None` when numeric.
    categories: Vec<Option<Vec<String>>>,
}

impl From<Preprocessor> for PreprocessorParts {
    fn from(preprocessor: Preprocessor) -> Self {
        preprocessor.parts
    }
}

/// A file prepared by [`Preprocessor::prepare_file`]: inputs, and targets when the file has
/// the target columns.
#[derive(Debug, Clone, PartialEq)]
pub struct PreparedFile<T: Scalar> {
    /// (n_inputs × n_samples), encoded, imputed and standardized.
    pub inputs: DMatrix<T>,
    /// (n_outputs × n_samples) in the network's units (one-hot classes; standardized when the
    /// preprocessor has a target scaler), or `None` when a target column is absent.
    pub targets: Option<DMatrix<T>>,
    /// The 1-based data-row number of each sample.
    pub sample_numbers: Vec<usize>,
}

impl Preprocessor {
    /// A preprocessor from its parts, checked: feature and target names non-empty and distinct,
    /// categories (non-empty, distinct, for feature columns only) sorted here, an imputer with one
    /// fill value of the right kind per feature, a standardizer with one entry per input, a
    /// target scaler only for regression and with one entry per target. (That the network has
    /// as many inputs and outputs is the model file's check.)
    pub fn new(mut parts: PreprocessorParts) -> Result<Preprocessor, DataError> {
        let invalid = |reason: String| Err(DataError::InvalidPreprocessor { reason });
        for (what, names) in [("feature", &parts.feature_names), ("target", &parts.target_names)] {
            if names.is_empty() {
                return invalid(format!("no {what} column"));
            }
            let mut seen = HashSet::new();
            if let Some(name) = names.iter().find(|name| !seen.insert(name.as_str())) {
                return invalid(format!("{what} column {name:?} appears twice"));
            }
        }
        if let Some(name) = parts.categories.keys().find(|name| !parts.feature_names.contains(name))
        {
            return invalid(format!("categories for {name:?}, which is not a feature column"));
        }
        for (name, categories) in &mut parts.categories {
            categories.sort_unstable();
            if categories.is_empty() || categories.iter().any(String::is_empty) {
                return invalid(format!("column {name:?} has no categories or an empty one"));
            }
            if let Some(pair) = categories.windows(2).find(|pair| pair[0] == pair[1]) {
                return invalid(format!("category {:?} of column {name:?} appears twice", pair[0]));
            }
        }
        let categories: Vec<Option<Vec<String>>> =
            parts.feature_names.iter().map(|name| parts.categories.get(name).cloned()).collect();
        if let Some(imputer) = &parts.imputer {
            if imputer.values().len() != parts.feature_names.len() {
                return invalid(format!(
                    "the imputer has {} values for {} feature columns",
                    imputer.values().len(),
                    parts.feature_names.len()
                ));
            }
            for ((name, value), column_categories) in
                parts.feature_names.iter().zip(imputer.values()).zip(&categories)
            {
                let fits = match (value, column_categories) {
                    (FillValue::Number(number), None) => number.is_finite(),
                    (FillValue::Category(category), Some(known)) => known.contains(category),
                    _ => false,
                };
                if !fits {
                    return invalid(format!("the imputer's value for {name:?} does not fit it"));
                }
            }
        }
        let n_inputs: usize =
            categories.iter().map(|categories| categories.as_ref().map_or(1, Vec::len)).sum();
        if let Some(standardizer) = &parts.standardizer {
            if standardizer.n_features() != n_inputs {
                return invalid(format!(
                    "the standardizer has {} entries for {n_inputs} inputs",
                    standardizer.n_features()
                ));
            }
        }
        if let Some(scaler) = &parts.target_scaler {
            if parts.class_encoding.is_some() {
                return invalid("a target scaler with classes".to_owned());
            }
            if scaler.n_features() != parts.target_names.len() {
                return invalid(format!(
                    "the target scaler has {} entries for {} targets",
                    scaler.n_features(),
                    parts.target_names.len()
                ));
            }
        }
        Ok(Preprocessor { parts, categories })
    }

    /// A preprocessor that uses numeric features as they are (nothing standardized, encoded or
    /// filled in) for regression targets: [`PreprocessorParts::new`] built.
    ///
    /// # Errors
    ///
    /// [`DataError::InvalidPreprocessor`] for no feature or target name, or one given twice.
    ///
    /// # Example
    ///
    /// ```
    /// use mlp_data::Preprocessor;
    ///
    /// let preprocessor = Preprocessor::identity(["x1", "x2"], ["t1", "t2"])?;
    /// assert_eq!(preprocessor.input_names(), ["x1", "x2"]);
    /// assert!(preprocessor.standardizer().is_none());
    /// assert!(Preprocessor::identity(["x", "x"], ["t"]).is_err());
    /// # Ok::<(), mlp_data::DataError>(())
    /// ```
    pub fn identity<F: Into<String>, T: Into<String>>(
        features: impl IntoIterator<Item = F>,
        targets: impl IntoIterator<Item = T>,
    ) -> Result<Preprocessor, DataError> {
        Preprocessor::new(PreprocessorParts::new(features, targets))
    }

    /// The parts (e.g. to change one and build again with [`Preprocessor::new`]).
    pub fn parts(&self) -> &PreprocessorParts {
        &self.parts
    }

    /// Feature column names, in input order.
    pub fn feature_names(&self) -> &[String] {
        &self.parts.feature_names
    }

    /// Target column names, in output order (one name for classification).
    pub fn target_names(&self) -> &[String] {
        &self.parts.target_names
    }

    /// The class encoding, for classification.
    pub fn class_encoding(&self) -> Option<&ClassEncoding> {
        self.parts.class_encoding.as_ref()
    }

    /// The input standardizer, when inputs are standardized (one entry per input).
    pub fn standardizer(&self) -> Option<&Standardizer> {
        self.parts.standardizer.as_ref()
    }

    /// The sorted categories of feature column `feature_idx`, or `None` when it is numeric.
    pub fn categories(&self, feature_idx: usize) -> Option<&[String]> {
        self.categories.get(feature_idx)?.as_deref()
    }

    /// What an unseen category becomes.
    pub fn unknown_category(&self) -> UnknownCategory {
        self.parts.unknown_category
    }

    /// The missing-value markers (besides the empty cell).
    pub fn na_values(&self) -> &[String] {
        &self.parts.na_values
    }

    /// The imputer, when missing features are filled in.
    pub fn imputer(&self) -> Option<&Imputer> {
        self.parts.imputer.as_ref()
    }

    /// The target scaler, when regression targets are standardized.
    pub fn target_scaler(&self) -> Option<&Standardizer> {
        self.parts.target_scaler.as_ref()
    }

    /// The same preprocessor with another unknown-category policy (a caller's override at
    /// prediction time).
    #[must_use = "returns a new preprocessor"]
    pub fn with_unknown_category(mut self, policy: UnknownCategory) -> Self {
        self.parts.unknown_category = policy;
        self
    }

    /// The same preprocessor with another input standardizer (e.g. a model's, for `--init`).
    /// Fails unless it has one entry per input.
    pub fn with_standardizer(
        self,
        standardizer: Option<Standardizer>,
    ) -> Result<Preprocessor, DataError> {
        Preprocessor::new(PreprocessorParts { standardizer, ..self.parts })
    }

    /// [`Task::Classification`] or [`Task::Regression`].
    #[must_use]
    pub fn task(&self) -> Task {
        if self.parts.class_encoding.is_some() {
            Task::Classification
        } else {
            Task::Regression
        }
    }

    /// The network's input names: a numeric feature's name, or `column=category` for each
    /// category of a categorical one (`island=Biscoe`).
    #[must_use]
    pub fn input_names(&self) -> Vec<String> {
        self.parts
            .feature_names
            .iter()
            .zip(&self.categories)
            .flat_map(|(name, categories)| match categories {
                None => vec![name.clone()],
                Some(categories) => {
                    categories.iter().map(|category| format!("{name}={category}")).collect()
                }
            })
            .collect()
    }

    /// Number of network inputs: one per numeric feature, one per category of a categorical one.
    #[must_use]
    pub fn n_inputs(&self) -> usize {
        self.categories.iter().map(|categories| categories.as_ref().map_or(1, Vec::len)).sum()
    }

    /// Number of network outputs: classes for classification, target columns for regression.
    #[must_use]
    pub fn n_outputs(&self) -> usize {
        self.parts
            .class_encoding
            .as_ref()
            .map_or(self.parts.target_names.len(), ClassEncoding::n_classes)
    }

    /// The training file's columns, to select in another file.
    #[must_use]
    pub fn selection(&self) -> super::ColumnSelection {
        super::ColumnSelection::new(self.parts.target_names.iter().cloned())
            .with_features(self.parts.feature_names.iter().cloned())
            .with_na_values(self.parts.na_values.iter().cloned())
    }

    /// Maps outputs in the network's units back to the targets' units, in place: with a target
    /// scaler `y = y' · std + mean` per output row, otherwise nothing changes.
    ///
    /// Shape: (n_outputs × n). Fails when the row count is not the scaler's.
    pub fn unscale_outputs(&self, outputs: &mut DMatrix<f64>) -> Result<(), DataError> {
        match &self.parts.target_scaler {
            Some(scaler) => scaler.invert(outputs),
            None => Ok(()),
        }
    }

    /// All rows of another file (validation, test, `evaluate`) prepared as the training file
    /// was. Columns in any order, extra columns ignored; the target columns are required.
    /// Labels the training file did not have and missing targets are errors. Inputs
    /// (n_inputs × n), targets (n_outputs × n) in the network's units, one sample per data row,
    /// in file order, numbered from 1.
    pub fn dataset<T: Scalar>(&self, table: &Table) -> Result<Dataset<T>, DataError> {
        let targets = self.targets_of(table)?;
        let inputs = self.inputs_f64(table)?;
        Ok(Dataset::new(to_scalar(&inputs), to_scalar(&targets), table.sample_numbers())?)
    }

    /// The inputs of every row of a file to predict on, (n_inputs × n), encoded, imputed and
    /// standardized; column j is data row j + 1. Only the feature columns are read: target
    /// columns may be absent.
    pub fn inputs<T: Scalar>(&self, table: &Table) -> Result<DMatrix<T>, DataError> {
        Ok(to_scalar(&self.inputs_f64(table)?))
    }

    /// Inputs of every row, and targets when the file has every target column (validation,
    /// test or prediction files; any column order, extra columns ignored).
    pub fn prepare_file<T: Scalar>(&self, table: &Table) -> Result<PreparedFile<T>, DataError> {
        let has_targets =
            self.parts.target_names.iter().all(|name| table.column_index(name).is_some());
        let targets = has_targets.then(|| self.targets_of(table)).transpose()?;
        Ok(PreparedFile {
            inputs: to_scalar(&self.inputs_f64(table)?),
            targets: targets.as_ref().map(to_scalar),
            sample_numbers: table.sample_numbers(),
        })
    }

    /// A training file for a network trained before (`--init`): prepared with this
    /// preprocessor (its categories, imputer, standardizer, classes), then split as
    /// [`prepare_training_with`](super::prepare_training_with) splits. The target columns are
    /// required; a missing target or an unknown class is an error.
    ///
    /// This is all of preparing a table for an existing model: nothing is fitted again (the
    /// preprocessor comes back unchanged in [`Prepared::preprocessor`](super::Prepared), and
    /// no [`DataNotice`](super::DataNotice) is raised). What `mlp train --init` adds is
    /// argument handling: refusing a `--target` or `--features` other than the model's, and
    /// warning about preparation flags the model's preparation replaces.
    ///
    /// # Example
    ///
    /// ```
    /// use mlp_data::{
    ///     ClassEncoding, CsvOptions, Preprocessor, PreprocessorParts, SplitOptions, Standardizer,
    ///     Table,
    /// };
    ///
    /// // A saved model's preparation: x standardized with mean 10 and std 2, classes a and b.
    /// let preprocessor = Preprocessor::new(
    ///     PreprocessorParts::new(["x"], ["label"])
    ///         .with_standardizer(Standardizer::new(vec![10.0], vec![2.0])?)
    ///         .with_class_encoding(ClassEncoding::from_class_names(vec!["a".into(), "b".into()])?),
    /// )?;
    /// let csv = "label,x\nb,12\na,8\nb,14\na,10\n";
    /// let table = Table::from_reader(csv.as_bytes(), "more.csv", &CsvOptions::default())?;
    /// let split = SplitOptions { validation_fraction: 0.0, seed: 0 };
    /// let prepared = preprocessor.prepare_training_file::<f64>(&table, &split)?;
    /// // The model's standardizer, not one fitted on this file: (12 − 10) / 2 = 1, …
    /// assert_eq!(prepared.train.inputs().as_slice(), [1.0, -1.0, 2.0, 0.0]);
    /// // … and its classes in its order: b is the second output.
    /// assert_eq!(prepared.train.targets().column(0).as_slice(), [0.0, 1.0]);
    /// assert_eq!(prepared.preprocessor, preprocessor);
    /// # Ok::<(), mlp_data::DataError>(())
    /// ```
    pub fn prepare_training_file<T: Scalar>(
        &self,
        table: &Table,
        split: &SplitOptions,
    ) -> Result<super::Prepared<T>, DataError> {
        let dataset = self.dataset::<f64>(table)?;
        let split = match &self.parts.class_encoding {
            Some(_) => {
                let classes: Vec<usize> = dataset
                    .targets()
                    .column_iter()
                    .map(|column| column.iter().position(|&value| value == 1.0).unwrap_or(0))
                    .collect();
                stratified_split(&classes, split)?
            }
            None => shuffle_split(dataset.len(), split)?,
        };
        let all = Dataset::new(
            to_scalar(dataset.inputs()),
            to_scalar(dataset.targets()),
            dataset.sample_numbers().to_vec(),
        )?;
        Ok(super::Prepared {
            preprocessor: self.clone(),
            train: all.select(&split.train),
            validation: (!split.validation.is_empty()).then(|| all.select(&split.validation)),
            split,
            notices: Vec::new(),
        })
    }

    /// The feature columns of `table` read as this preprocessor's kinds, then encoded.
    fn inputs_f64(&self, table: &Table) -> Result<DMatrix<f64>, DataError> {
        let features = Features::read_as(
            table,
            &self.parts.feature_names,
            &self.categories,
            self.na_values(),
        )?;
        let rows: Vec<usize> = (0..features.n_samples()).collect();
        self.encode(&features, &rows)
    }

    /// The target columns of `table` in the network's units.
    fn targets_of(&self, table: &Table) -> Result<DMatrix<f64>, DataError> {
        let na_values = self.na_values();
        let columns = table.resolve(&self.parts.target_names, &mut HashSet::new())?;
        let missing_error =
            |column_idx: usize, rows: Vec<usize>, text: Option<String>, expected| {
                let missing = table.missing_column(column_idx, rows.into_iter());
                missing.map(|missing| DataError::MissingValues {
                    path: table.path().to_owned(),
                    line: missing.lines[0],
                    column: missing.column.clone(),
                    expected,
                    text: text.unwrap_or_default(),
                    columns: vec![missing],
                    hint: MissingHint::MissingTargets,
                })
            };
        if let Some(encoding) = &self.parts.class_encoding {
            let labels = table.labels_at(columns[0], na_values)?;
            let missing: Vec<usize> =
                (0..labels.values().len()).filter(|&j| labels.values()[j].is_empty()).collect();
            if let Some(err) = missing_error(
                columns[0],
                missing,
                labels.first_missing_text(),
                Expected::ClassLabel,
            ) {
                return Err(err);
            }
            return encoding.one_hot(&labels);
        }
        let mut targets = DMatrix::zeros(columns.len(), table.n_rows());
        for (target_idx, &column_idx) in columns.iter().enumerate() {
            let cells = table.numeric_cells(column_idx, na_values, Expected::Number)?;
            let missing: Vec<usize> =
                (0..cells.values.len()).filter(|&j| cells.values[j].is_nan()).collect();
            if let Some(err) =
                missing_error(column_idx, missing, cells.first_missing_text, Expected::FiniteNumber)
            {
                return Err(err);
            }
            for (sample_idx, value) in cells.values.into_iter().enumerate() {
                targets[(target_idx, sample_idx)] = value;
            }
        }
        if let Some(scaler) = &self.parts.target_scaler {
            scaler.apply(&mut targets)?;
        }
        Ok(targets)
    }

    /// The inputs of samples `rows` (0-based) of `features`: numeric features as they are,
    /// categorical ones one-hot over this preprocessor's categories, missing cells filled by the
    /// imputer (an error without one), then standardized. (n_inputs × rows.len()).
    pub(crate) fn encode(
        &self,
        features: &Features,
        rows: &[usize],
    ) -> Result<DMatrix<f64>, DataError> {
        let encoders = self.column_encoders(features)?;
        let n_inputs = self.n_inputs();
        let mut inputs = DMatrix::zeros(n_inputs, rows.len());
        let mut missing_rows: Vec<Vec<usize>> = vec![Vec::new(); encoders.len()];
        // One sample (a contiguous matrix column) at a time.
        for (&row, sample) in
            rows.iter().zip(inputs.as_mut_slice().chunks_exact_mut(n_inputs.max(1)))
        {
            for (feature_idx, encoder) in encoders.iter().enumerate() {
                match encoder {
                    ColumnEncoder::Numeric { values, fill, input_idx } => {
                        let value = values[row];
                        sample[*input_idx] = match (value.is_nan(), fill) {
                            (false, _) => value,
                            (true, Some(fill)) => *fill,
                            (true, None) => {
                                missing_rows[feature_idx].push(row);
                                0.0
                            }
                        };
                    }
                    ColumnEncoder::Categorical { codes, positions, fill, input_idx } => {
                        let position = match codes[row] {
                            Some(code) => match positions[code as usize] {
                                Some(position) => Some(position),
                                None if self.unknown_category() == UnknownCategory::Ignore => None,
                                None => {
                                    return Err(self.unknown_category_error(
                                        features,
                                        feature_idx,
                                        row,
                                        code,
                                    ))
                                }
                            },
                            None if fill.is_some() => *fill,
                            None => {
                                missing_rows[feature_idx].push(row);
                                None
                            }
                        };
                        if let Some(position) = position {
                            sample[input_idx + position] = 1.0;
                        }
                    }
                }
            }
        }
        if missing_rows.iter().any(|rows| !rows.is_empty()) {
            return Err(features.missing_error(&missing_rows, MissingHint::NoImputer));
        }
        if let Some(standardizer) = &self.parts.standardizer {
            standardizer.apply(&mut inputs)?;
            if let Some(found) = Standardizer::first_overflow(&inputs) {
                return Err(overflow_error(features, &self.input_names(), found, rows));
            }
        }
        Ok(inputs)
    }

    /// How each feature column of `features` becomes inputs; fails when a column was read as
    /// another kind than this preprocessor's.
    fn column_encoders<'a>(
        &'a self,
        features: &'a Features,
    ) -> Result<Vec<ColumnEncoder<'a>>, DataError> {
        let mut input_idx = 0;
        let mut encoders = Vec::with_capacity(features.columns().len());
        for (feature_idx, column) in features.columns().iter().enumerate() {
            let fill = self.imputer().and_then(|imputer| imputer.values().get(feature_idx));
            let encoder = match (column.values(), self.categories.get(feature_idx)) {
                (FeatureValues::Numeric(values), Some(None)) => {
                    let fill = match fill {
                        Some(FillValue::Number(number)) => Some(*number),
                        _ => None,
                    };
                    ColumnEncoder::Numeric { values, fill, input_idx }
                }
                (FeatureValues::Categorical { categories, codes }, Some(Some(known))) => {
                    let position_of: HashMap<&str, usize> = known
                        .iter()
                        .enumerate()
                        .map(|(position, category)| (category.as_str(), position))
                        .collect();
                    let fill = match fill {
                        Some(FillValue::Category(category)) => {
                            position_of.get(category.as_str()).copied()
                        }
                        _ => None,
                    };
                    let positions = categories
                        .iter()
                        .map(|category| position_of.get(category.as_str()).copied())
                        .collect();
                    ColumnEncoder::Categorical { codes, positions, fill, input_idx }
                }
                _ => {
                    return Err(DataError::InvalidPreprocessor {
                        reason: format!(
                            "column {} is read as another kind than the preprocessor's",
                            column.column()
                        ),
                    })
                }
            };
            input_idx += self.categories[feature_idx].as_ref().map_or(1, Vec::len);
            encoders.push(encoder);
        }
        Ok(encoders)
    }

    fn unknown_category_error(
        &self,
        features: &Features,
        feature_idx: usize,
        row: usize,
        code: u32,
    ) -> DataError {
        let column = &features.columns()[feature_idx];
        let category = match column.values() {
            FeatureValues::Categorical { categories, .. } => categories[code as usize].clone(),
            FeatureValues::Numeric(_) => String::new(),
        };
        DataError::UnknownCategory {
            path: features.path().to_owned(),
            line: features.lines()[row],
            column: column.column().clone(),
            category,
            known: self.categories[feature_idx].clone().unwrap_or_default(),
        }
    }
}

/// How one feature column becomes inputs, for [`Preprocessor::encode`].
enum ColumnEncoder<'a> {
    /// One input: the value, or `fill` when missing.
    Numeric { values: &'a [f64], fill: Option<f64>, input_idx: usize },
    /// One input per known category, from `input_idx`: `positions[code]` is the input of the
    /// column's category `code` (`None`: unknown), `fill` the one of a missing cell.
    Categorical {
        codes: &'a [Option<u32>],
        positions: Vec<Option<usize>>,
        fill: Option<usize>,
        input_idx: usize,
    },
}

pub(crate) fn to_scalar<T: Scalar>(values: &DMatrix<f64>) -> DMatrix<T> {
    values.map(nalgebra::convert::<f64, T>)
}
