//! The model file: a trained network with what is needed to read new data the same way, as
//! human-readable JSON.
//!
//! ```json
//! {
//!   "format": "mlp-model",
//!   "version": 3,
//!   "loss": "sse",
//!   "layers": [
//!     { "activation": "sigmoid", "weights": [[0.30, 0.25], [0.40, 0.35]], "bias": null },
//!     { "activation": "sigmoid", "weights": [[0.45, 0.40], [0.70, 0.60]], "bias": null }
//!   ],
//!   "inputs": { "names": ["x1", "x2"], "standardizer": null },
//!   "outputs": { "names": ["t1", "t2"], "classes": null },
//!   "provenance": {
//!     "mlp_version": "0.1.0",
//!     "command_line": ["mlp", "train", "data.csv", "--target", "t1,t2", "--init", "model.json",
//!                      "--loss", "sse", "--optimizer", "sgd", "--learning-rate", "0.5",
//!                      "--epochs", "1", "--batch-size", "1", "--validation", "0",
//!                      "--no-standardize", "--save", "trained.json"],
//!     "data": {
//!       "name": "data.csv",
//!       "sha256": "6151f87979dd7d223b78ef8c695505cf3605836f9a1de64012c06fc968dc2394"
//!     },
//!     "settings": {
//!       "task": "regression", "optimizer": { "name": "sgd" }, "learning_rate": 0.5,
//!       "l2": 0.0, "batch_size": 1, "epochs_requested": 1, "epochs_run": 1,
//!       "best_epoch": 1, "stopped_early": false, "patience": null, "seed": 42,
//!       "precision": "f64", "validation_fraction": 0.0, "test_data": null,
//!       "standardize": false, "lr_schedule": "constant", "warmup": 0, "shuffle": true,
//!       "decay_biases": false, "freeze": []
//!     },
//!     "metrics": {
//!       "train": { "samples": 1, "loss": 0.023236338872291772, "mse": 0.023236338872291772,
//!                  "r2": -1.323633887229175 },
//!       "validation": null,
//!       "test": null
//!     }
//!   }
//! }
//! ```
//!
//! - `loss`: `sse` (Σ ½ (t − o)², the tutorial's), `mse` or `cross-entropy`.
//! - `layers`, from the inputs to the outputs. `weights` has **one row per neuron fed** and one
//!   column per input (W1 W2 feed h1 above); `bias` is one number per neuron, or `null` (or
//!   absent) for none. `activation` is `identity`, `sigmoid`, `tanh`, `relu`, `leaky-relu` (with
//!   a `"slope"` field, default 0.01) or `softmax` (output layer only).
//! - `inputs.names`: the feature columns, in input order; `inputs.standardizer`: `{"mean": [..],
//!   "std": [..]}` applied to the inputs as `(x − mean) / std`, or `null`.
//! - Version 2 adds, each absent when unused: `inputs.categories` (`{"island": ["Biscoe",
//!   "Dream", "Torgersen"]}`: a categorical column becomes one 0/1 input per sorted category,
//!   named `island=Biscoe`, in the column's place), `inputs.unknown_category` (`"ignore"`: an
//!   unseen category is all zeros instead of an error), `inputs.na_values` (the texts that mean
//!   missing, when not the default list), `inputs.imputer` (`{"strategy": "median", "values":
//!   [..one per feature column..]}`: what missing cells are filled with; without it a missing
//!   feature is an error) and `outputs.scaler` (`{"mean", "std"}` of regression targets trained
//!   standardized; predictions are mapped back to the file's units).
//! - `outputs.names`: the target columns (one, the label column, for classification);
//!   `outputs.classes`: the class names in output order, or `null` for regression.
//! - `provenance` (version 2, optional): how the model was made, see [`Provenance`]; above,
//!   what the tutorial's one-step command (`datasets/seed/`) records (its saved weights are the
//!   stepped ones, not the ones shown). Version 1 files have none and still load;
//!   [`Model::save`] always writes version 3.
//! - Version 3 adds to `provenance.settings` the training-control settings `lr_schedule`,
//!   `warmup`, `shuffle`, `decay_biases` and `freeze`, and the optimizers `adamw` and
//!   `rmsprop`; a version 2 file reads as if it had their defaults (`constant`, 0, true,
//!   false, none).
//!
//! Numbers are written in their shortest form that reads back to the same `f64`, so a saved
//! model loads bit for bit, and saving it again gives the same bytes.
//!
//! Unknown fields are errors, so that a misspelt field in a hand-written file is not silently
//! ignored. Every error names the file and what is wrong; JSON syntax and type errors also give
//! the line and column.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use mlp_core::{Activation, Dense, Loss, Network, NetworkError};
use nalgebra::{DMatrix, DVector};
use serde::{Deserialize, Serialize};

use crate::data::{ClassEncoding, DataError, Preprocessor, PreprocessorParts};
pub use crate::data::{InputsFile, OutputsFile, PreprocessorFile};
use crate::output_file::{OutputError, OutputFile};

mod provenance;
mod summary;

pub use provenance::{DataFile, EvaluationRecord, FinalMetrics, Provenance, Settings};
pub use summary::LayerSummary;

/// The value of the `format` field.
pub const FORMAT: &str = "mlp-model";
/// The version this code writes; it reads this one and every one before it, back to 1.
pub const VERSION: u64 = 3;

/// The JSON document, field for field. Convert it with [`Model::from_file_contents`] and
/// [`Model::to_file`], which check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`VERSION`] when written; 1 or 2 when read.
    pub version: u64,
    /// `sse`, `mse` or `cross-entropy`.
    pub loss: String,
    /// The layers, input side first.
    pub layers: Vec<LayerFile>,
    /// The input columns and their preparation: the `inputs` of the preprocessor's one
    /// serialized form, [`PreprocessorFile`].
    pub inputs: InputsFile,
    /// The output columns and classes: the `outputs` of [`PreprocessorFile`].
    pub outputs: OutputsFile,
    /// How the model was made (version 2 only; optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

/// One dense layer of a [`ModelFile`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LayerFile {
    /// `identity`, `sigmoid`, `tanh`, `relu`, `leaky-relu` or `softmax`.
    pub activation: String,
    /// The leaky-ReLU slope (only with `leaky-relu`; default 0.01).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slope: Option<f64>,
    /// One row per neuron fed, one column per input.
    pub weights: Vec<Vec<f64>>,
    /// One bias per neuron, or `null`.
    #[serde(default)]
    pub bias: Option<Vec<f64>>,
}

/// Just enough of a file to check its format and version before reading the rest.
#[derive(Deserialize)]
struct Header {
    format: Option<serde_json::Value>,
    version: Option<serde_json::Value>,
}

/// A network and a preprocessor that do not make a [`Model`] ([`Model::new`] and the
/// `with_…` methods).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// The preprocessor makes another number of inputs than the network takes.
    #[error("the network takes {network} inputs but the preprocessor makes {preprocessor}")]
    Inputs {
        /// The network's inputs.
        network: usize,
        /// The preprocessor's inputs (one per numeric feature, one per category).
        preprocessor: usize,
    },
    /// The preprocessor has another number of outputs (classes, or target columns) than the
    /// network.
    #[error("the network has {network} outputs but the preprocessor has {preprocessor}")]
    Outputs {
        /// The network's outputs.
        network: usize,
        /// The preprocessor's classes (classification) or target columns (regression).
        preprocessor: usize,
    },
    /// A classifier with other than one target (label) column.
    #[error("a classifier has one target column (the label), not {found}")]
    ClassifierTargets {
        /// The target columns given.
        found: usize,
    },
    /// Another number of feature names than the model has feature columns.
    #[error("{found} feature names for {expected} feature columns")]
    FeatureNames {
        /// The model's feature columns.
        expected: usize,
        /// The names given.
        found: usize,
    },
    /// The preprocessor cannot be built (a repeated name, a repeated class, …); boxed, as a
    /// [`DataError`] is large.
    #[error(transparent)]
    Preprocessor(Box<DataError>),
}

impl From<DataError> for ModelError {
    fn from(err: DataError) -> Self {
        ModelError::Preprocessor(Box::new(err))
    }
}

/// A model file that cannot be read, checked or written. Every message names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelFileError {
    /// The file could not be read. The message ends with the OS's reason, so the cause is said
    /// once and is not also the [`source`](std::error::Error::source).
    #[error("{}: cannot read the model file: {cause}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// Not JSON, or JSON of the wrong shape (a missing field, a string for a number, …).
    #[error("{}: line {line}, column {column}: malformed model file: {message}", .path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// serde_json's description, without its position.
        message: String,
    },
    /// The `format` field is missing or not [`FORMAT`].
    #[error("{}: not an mlp model file: \"format\" is {found}, expected \"mlp-model\"", .path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// The value found, as JSON (`missing` when absent).
        found: String,
    },
    /// The `version` field is missing or not one this code reads.
    #[error("{}: model file version {found} is not supported; this mlp reads versions 1 to {VERSION}", .path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// The value found, as JSON (`missing` when absent).
        found: String,
    },
    /// An unknown `loss`.
    #[error("{}: unknown loss {found:?}; expected \"sse\", \"mse\" or \"cross-entropy\"", .path.display())]
    UnknownLoss {
        /// The file.
        path: PathBuf,
        /// The name found.
        found: String,
    },
    /// An unknown `activation`, or a `slope` on an activation that has none.
    #[error("{}: layer {layer}: {problem}", .path.display())]
    Activation {
        /// The file.
        path: PathBuf,
        /// 1-based layer.
        layer: usize,
        /// What is wrong.
        problem: String,
    },
    /// A layer without weights, or weight rows of different lengths.
    #[error("{}: layer {layer}: {problem}", .path.display())]
    Weights {
        /// The file.
        path: PathBuf,
        /// 1-based layer.
        layer: usize,
        /// What is wrong.
        problem: String,
    },
    /// The layers do not make a network: shapes that do not chain, a bias of the wrong length,
    /// softmax before the output, a loss that does not fit the output, a non-finite number.
    #[error("{}: {problem}", .path.display())]
    Network {
        /// The file.
        path: PathBuf,
        /// What is wrong (in the message itself, not a `source`, so that it is said once).
        problem: NetworkError,
    },
    /// `inputs` or `outputs` disagree with the network, or an invalid standardizer or class
    /// list.
    #[error("{}: {problem}", .path.display())]
    Columns {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// A version 1 file with a `provenance` object, which only version 2 has.
    #[error("{}: \"provenance\" needs model file version 2, but the file says version 1", .path.display())]
    ProvenanceInVersion1 {
        /// The file.
        path: PathBuf,
    },
    /// Writing the file failed; nothing was replaced. The [`OutputError`] names the file and
    /// keeps the OS error as its source.
    #[error(transparent)]
    Write(#[from] OutputError),
}

/// A network with the column names, standardizer and classes it was trained with, and how it
/// was made when that is known.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The network, in f64.
    pub network: Network<f64>,
    /// Feature and target names, class encoding and standardizer.
    pub preprocessor: Preprocessor,
    /// How the model was made; `None` for a version 1 file or a model built in code.
    pub provenance: Option<Provenance>,
}

impl Model {
    /// A model from its parts, without provenance.
    ///
    /// # Errors
    ///
    /// [`ModelError`] unless the preprocessor has the network's number of inputs and outputs
    /// (and, for a classifier, one target column).
    pub fn new(network: Network<f64>, preprocessor: Preprocessor) -> Result<Model, ModelError> {
        check_counts(&network, &preprocessor)?;
        Ok(Model { network, preprocessor, provenance: None })
    }

    /// A model of a network made in code, with no preparation: inputs are used as they are
    /// (no standardizer, categories or imputer), the outputs are regression outputs, and the
    /// columns are named `x1`, `x2`, … and `y1`, `y2`, … Name them with
    /// [`Model::with_feature_names`] and [`Model::with_target_names`], make it a classifier
    /// with [`Model::with_classes`], or give a whole [`Preprocessor`] with [`Model::new`].
    ///
    /// # Example
    ///
    /// ```
    /// use mlp_core::{Activation, Dense, Loss, Network};
    /// use mlp_train::model_file::Model;
    /// use nalgebra::dmatrix;
    ///
    /// let dense = Dense::new(dmatrix![0.5, -1.0], None, Activation::Identity);
    /// let network = Network::new(vec![dense], Loss::MeanSquared)?;
    /// let model = Model::from_network(network.clone());
    /// assert_eq!(model.preprocessor.feature_names(), ["x1", "x2"]);
    /// assert_eq!(model.preprocessor.target_names(), ["y1"]);
    ///
    /// let named = model.with_feature_names(["height", "width"])?.with_target_names(["area"])?;
    /// let loaded = Model::from_file_contents(&named.to_json(), "model.json".as_ref())?;
    /// assert_eq!(loaded.network, network);
    /// assert_eq!(loaded.preprocessor.feature_names(), ["height", "width"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn from_network(network: Network<f64>) -> Model {
        let numbered = |prefix: &str, count: usize| -> Vec<String> {
            (1..=count).map(|number| format!("{prefix}{number}")).collect()
        };
        let parts = PreprocessorParts::new(
            numbered("x", network.n_inputs()),
            numbered("y", network.n_outputs()),
        );
        let preprocessor =
            Preprocessor::new(parts).expect("numbered names are distinct and not empty");
        Model { network, preprocessor, provenance: None }
    }

    /// The same model with these feature (input) column names, in input order. A categorical
    /// feature keeps its categories (and an imputer its value) under its new name.
    ///
    /// # Errors
    ///
    /// [`ModelError::FeatureNames`] unless there is one name per feature column;
    /// [`ModelError::Preprocessor`] for a name given twice.
    pub fn with_feature_names<F: Into<String>>(
        self,
        features: impl IntoIterator<Item = F>,
    ) -> Result<Model, ModelError> {
        let mut parts = self.preprocessor.parts().clone();
        let features: Vec<String> = features.into_iter().map(Into::into).collect();
        if features.len() != parts.feature_names.len() {
            return Err(ModelError::FeatureNames {
                expected: parts.feature_names.len(),
                found: features.len(),
            });
        }
        let renamed: Vec<(String, Vec<String>)> = parts
            .feature_names
            .iter()
            .zip(&features)
            .filter_map(|(old, new)| Some((new.clone(), parts.categories.get(old)?.clone())))
            .collect();
        parts.categories = renamed.into_iter().collect();
        parts.feature_names = features;
        let preprocessor = Preprocessor::new(parts)?;
        check_counts(&self.network, &preprocessor)?;
        Ok(Model { preprocessor, ..self })
    }

    /// The same model with these target (output) column names, in output order; for a
    /// classifier, the one label column.
    ///
    /// # Errors
    ///
    /// [`ModelError::Outputs`] or [`ModelError::ClassifierTargets`] for a count that does not
    /// fit; [`ModelError::Preprocessor`] for a name given twice.
    pub fn with_target_names<T: Into<String>>(
        self,
        targets: impl IntoIterator<Item = T>,
    ) -> Result<Model, ModelError> {
        let parts = PreprocessorParts {
            target_names: targets.into_iter().map(Into::into).collect(),
            ..self.preprocessor.parts().clone()
        };
        let preprocessor = Preprocessor::new(parts)?;
        check_counts(&self.network, &preprocessor)?;
        Ok(Model { preprocessor, ..self })
    }

    /// The same model as a classifier: `label` is the target column, `classes` the class
    /// names in output order, one per output. The targets are no longer standardized.
    ///
    /// # Errors
    ///
    /// [`ModelError::Preprocessor`] for a repeated or empty class name,
    /// [`ModelError::Outputs`] unless there is one class per output (two for one output).
    pub fn with_classes<C: Into<String>>(
        self,
        label: impl Into<String>,
        classes: impl IntoIterator<Item = C>,
    ) -> Result<Model, ModelError> {
        let encoding =
            ClassEncoding::from_class_names(classes.into_iter().map(Into::into).collect())?;
        let parts = PreprocessorParts {
            target_names: vec![label.into()],
            target_scaler: None,
            ..self.preprocessor.parts().clone()
        }
        .with_class_encoding(encoding);
        let preprocessor = Preprocessor::new(parts)?;
        check_counts(&self.network, &preprocessor)?;
        Ok(Model { preprocessor, ..self })
    }

    /// The same model with `provenance` recorded.
    #[must_use = "returns the model with the provenance; the original is consumed"]
    pub fn with_provenance(self, provenance: Provenance) -> Model {
        Model { provenance: Some(provenance), ..self }
    }

    /// Reads and checks the model file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<Model, ModelFileError> {
        let path = path.as_ref();
        let text = fs::read_to_string(path)
            .map_err(|cause| ModelFileError::Read { path: path.to_owned(), cause })?;
        Model::from_file_contents(&text, path)
    }

    /// Parses and checks `text`, the contents of a model file; `path` names it in errors.
    pub fn from_file_contents(text: &str, path: &Path) -> Result<Model, ModelFileError> {
        let json_error = |err: serde_json::Error| json_error(path, &err);
        let header: Header = serde_json::from_str(text).map_err(json_error)?;
        let shown = |value: Option<serde_json::Value>| {
            value.map_or_else(|| "missing".to_owned(), |value| value.to_string())
        };
        if header.format.as_ref().and_then(serde_json::Value::as_str) != Some(FORMAT) {
            return Err(ModelFileError::Format {
                path: path.to_owned(),
                found: shown(header.format),
            });
        }
        let version = header.version.as_ref().and_then(serde_json::Value::as_u64);
        if !version.is_some_and(|version| (1..=VERSION).contains(&version)) {
            return Err(ModelFileError::Version {
                path: path.to_owned(),
                found: shown(header.version),
            });
        }
        let file: ModelFile = serde_json::from_str(text).map_err(json_error)?;
        file.into_model(path)
    }

    /// The file form of this model.
    #[must_use]
    pub fn to_file(&self) -> ModelFile {
        let layers = self
            .network
            .layers()
            .iter()
            .map(|dense| {
                let weights = dense.weights();
                LayerFile {
                    activation: dense.activation().name().to_owned(),
                    slope: match dense.activation() {
                        Activation::LeakyRelu { slope } => Some(slope),
                        _ => None,
                    },
                    weights: (0..weights.nrows())
                        .map(|row| weights.row(row).iter().copied().collect())
                        .collect(),
                    bias: dense.bias().map(|bias| bias.iter().copied().collect()),
                }
            })
            .collect();
        let PreprocessorFile { inputs, outputs } = PreprocessorFile::from(&self.preprocessor);
        ModelFile {
            format: FORMAT.to_owned(),
            version: VERSION,
            loss: self.network.loss().name().to_owned(),
            layers,
            inputs,
            outputs,
            provenance: self.provenance.clone(),
        }
    }

    /// The model as pretty-printed JSON with a final line break.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut text =
            serde_json::to_string_pretty(&self.to_file()).expect("a model file serializes");
        text.push('\n');
        text
    }

    /// Writes the model to `path` atomically: to a temporary file in the same directory, then
    /// renamed over `path`, so a failure leaves any earlier file whole (see
    /// [`crate::output_file`] for links and devices).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), ModelFileError> {
        self.save_to(OutputFile::create(path)?)
    }

    /// Writes the model to an output created earlier, and commits it. Create the output before
    /// training (that checks the place can be written) and save into it at the end.
    pub fn save_to(&self, output: OutputFile) -> Result<(), ModelFileError> {
        Ok(output.write_all_and_commit(self.to_json().as_bytes())?)
    }
}

impl ModelFile {
    /// Checks the file and builds the model; `path` names the file in errors.
    pub fn into_model(self, path: &Path) -> Result<Model, ModelFileError> {
        if self.version < 2 && self.provenance.is_some() {
            return Err(ModelFileError::ProvenanceInVersion1 { path: path.to_owned() });
        }
        let loss = match self.loss.as_str() {
            "sse" => Loss::HalfSumSquared,
            "mse" => Loss::MeanSquared,
            "cross-entropy" => Loss::CrossEntropy,
            _ => {
                return Err(ModelFileError::UnknownLoss { path: path.to_owned(), found: self.loss })
            }
        };
        let layers = self
            .layers
            .into_iter()
            .enumerate()
            .map(|(index, layer)| layer.into_dense(index + 1, path))
            .collect::<Result<Vec<_>, _>>()?;
        let network = Network::new(layers, loss)
            .map_err(|problem| ModelFileError::Network { path: path.to_owned(), problem })?;
        let columns_error =
            |problem: String| ModelFileError::Columns { path: path.to_owned(), problem };
        let file = PreprocessorFile { inputs: self.inputs, outputs: self.outputs };
        let preprocessor =
            Preprocessor::try_from(file).map_err(|err| columns_error(err.to_string()))?;
        check_counts(&network, &preprocessor)
            .map_err(|err| columns_error(file_counts_problem(&err, &preprocessor)))?;
        Ok(Model { network, preprocessor, provenance: self.provenance })
    }
}

impl LayerFile {
    fn into_dense(self, layer: usize, path: &Path) -> Result<Dense<f64>, ModelFileError> {
        let activation_error =
            |problem: String| ModelFileError::Activation { path: path.to_owned(), layer, problem };
        let activation = match (self.activation.as_str(), self.slope) {
            ("identity", None) => Activation::Identity,
            ("sigmoid", None) => Activation::Sigmoid,
            ("tanh", None) => Activation::Tanh,
            ("relu", None) => Activation::Relu,
            ("softmax", None) => Activation::Softmax,
            ("leaky-relu", slope) => match slope {
                Some(slope) => Activation::LeakyRelu { slope },
                None => Activation::LEAKY_RELU,
            },
            ("identity" | "sigmoid" | "tanh" | "relu" | "softmax", Some(_)) => {
                return Err(activation_error(format!(
                    "\"slope\" is only for leaky-relu, not {}",
                    self.activation
                )))
            }
            (other, _) => {
                return Err(activation_error(format!(
                    "unknown activation {other:?}; expected one of \"identity\", \"sigmoid\", \
                     \"tanh\", \"relu\", \"leaky-relu\", \"softmax\""
                )))
            }
        };
        let weights_error =
            |problem: String| ModelFileError::Weights { path: path.to_owned(), layer, problem };
        let n_outputs = self.weights.len();
        let n_inputs = self.weights.first().map_or(0, Vec::len);
        if n_outputs == 0 || n_inputs == 0 {
            return Err(weights_error(
                "\"weights\" is empty; it needs one row per neuron and one column per input"
                    .to_owned(),
            ));
        }
        if let Some((row, found)) = self
            .weights
            .iter()
            .enumerate()
            .find(|(_, row)| row.len() != n_inputs)
            .map(|(row, values)| (row + 1, values.len()))
        {
            return Err(weights_error(format!(
                "weight row {row} has {found} numbers but row 1 has {n_inputs}; every row needs \
                 one number per input"
            )));
        }
        let weights =
            DMatrix::from_row_iterator(n_outputs, n_inputs, self.weights.into_iter().flatten());
        let bias = self.bias.map(DVector::from_vec);
        Ok(Dense::new(weights, bias, activation))
    }
}

/// Fails unless the preprocessor has as many inputs and outputs as the network.
fn check_counts(network: &Network<f64>, preprocessor: &Preprocessor) -> Result<(), ModelError> {
    if preprocessor.n_inputs() != network.n_inputs() {
        return Err(ModelError::Inputs {
            network: network.n_inputs(),
            preprocessor: preprocessor.n_inputs(),
        });
    }
    if preprocessor.n_outputs() != network.n_outputs() {
        return Err(ModelError::Outputs {
            network: network.n_outputs(),
            preprocessor: preprocessor.n_outputs(),
        });
    }
    if preprocessor.class_encoding().is_some() && preprocessor.target_names().len() != 1 {
        return Err(ModelError::ClassifierTargets { found: preprocessor.target_names().len() });
    }
    Ok(())
}

/// [`check_counts`]'s error in the model file's words: which field lists what.
fn file_counts_problem(err: &ModelError, preprocessor: &Preprocessor) -> String {
    match err {
        ModelError::Inputs { network, preprocessor: found } => {
            format!("the network takes {network} inputs but \"inputs.names\" lists {found} columns")
        }
        ModelError::Outputs { network, preprocessor: found } => {
            match preprocessor.class_encoding() {
                Some(_) => format!(
                    "the network has {network} outputs but \"outputs.classes\" lists {found} \
                     classes"
                ),
                None => format!(
                    "the network has {network} outputs but \"outputs.names\" lists {found} \
                     columns"
                ),
            }
        }
        ModelError::ClassifierTargets { found } => format!(
            "a classifier needs one \"outputs.names\" entry (the label column), found {found}"
        ),
        err => err.to_string(),
    }
}

/// A serde_json error with its position split out.
fn json_error(path: &Path, err: &serde_json::Error) -> ModelFileError {
    let message = err.to_string();
    // serde_json appends " at line L column C"; the position goes first in our message.
    let message = match message.rfind(" at line ") {
        Some(index) if err.line() > 0 => message[..index].to_owned(),
        _ => message,
    };
    ModelFileError::Json { path: path.to_owned(), line: err.line(), column: err.column(), message }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::{ImputeStrategy, Standardizer, UnknownCategory};

    /// The tutorial's 2-2-2 sigmoid network without biases.
    const SEED: &str = r#"{
  "format": "mlp-model",
  "version": 1,
  "loss": "sse",
  "layers": [
    { "activation": "sigmoid", "weights": [[0.30, 0.25], [0.40, 0.35]], "bias": null },
    { "activation": "sigmoid", "weights": [[0.45, 0.40], [0.70, 0.60]] }
  ],
  "inputs": { "names": ["x1", "x2"], "standardizer": null },
  "outputs": { "names": ["t1", "t2"], "classes": null }
}"#;

    fn parse(text: &str) -> Result<Model, ModelFileError> {
        Model::from_file_contents(text, Path::new("model.json"))
    }

    fn error(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_the_tutorial_network_rows_as_neurons_fed() {
        let model = parse(SEED).unwrap();
        let layers = model.network.layers();
        assert_eq!(model.network.sizes(), [2, 2, 2]);
        // W2 feeds h1 from x2; W7 feeds o2 from h1.
        assert_eq!(layers[0].weights()[(0, 1)], 0.25);
        assert_eq!(layers[1].weights()[(1, 0)], 0.70);
        assert!(layers[0].bias().is_none() && layers[1].bias().is_none());
        assert_eq!(model.network.loss(), Loss::HalfSumSquared);
        assert_eq!(model.preprocessor.feature_names(), ["x1", "x2"]);
        assert_eq!(model.preprocessor.target_names(), ["t1", "t2"]);
        assert!(model.preprocessor.standardizer().is_none());
    }

    #[test]
    fn round_trips_through_json_with_classes_bias_and_slope() {
        let text = r#"{"format": "mlp-model", "version": 1, "loss": "cross-entropy",
          "layers": [
            {"activation": "leaky-relu", "slope": 0.2, "weights": [[1.0, -2.5e-3]], "bias": [0.1]},
            {"activation": "softmax", "weights": [[0.5], [-0.5], [0.25]], "bias": [0, 0, 0]}],
          "inputs": {"names": ["a", "b"], "standardizer": {"mean": [1, 2], "std": [3, 4]}},
          "outputs": {"names": ["species"], "classes": ["x", "y", "z"]}}"#;
        let model = parse(text).unwrap();
        assert_eq!(model.network.layers()[0].activation(), Activation::LeakyRelu { slope: 0.2 });
        let json = model.to_json();
        assert!(json.contains("\"slope\": 0.2"), "{json}");
        assert!(json.ends_with("}\n"));
        assert_eq!(parse(&json).unwrap(), model);
    }

    /// Version 2's preparation fields: a categorical column with its categories (two inputs),
    /// the unknown-category policy, other missing-value markers, an imputer and a target
    /// scaler; they come back as they were, and the file reads the same when saved again.
    #[test]
    fn round_trips_categories_imputer_markers_and_target_scaler() {
        let text = r#"{"format": "mlp-model", "version": 2, "loss": "mse",
          "layers": [{"activation": "identity", "weights": [[0.5, -1.5, 0.1]], "bias": [0.3]}],
          "inputs": {"names": ["island", "mass"],
                     "standardizer": {"mean": [0, 0, 4200.5], "std": [1, 1, 801.25]},
                     "categories": {"island": ["Biscoe", "Dream"]},
                     "unknown_category": "ignore",
                     "na_values": ["-", "missing"],
                     "imputer": {"strategy": "median", "values": ["Dream", 4050.0]}},
          "outputs": {"names": ["flipper"], "classes": null,
                      "scaler": {"mean": [200.9], "std": [14.06]}}}"#;
        let model = parse(text).unwrap();
        let preprocessor = &model.preprocessor;
        assert_eq!(preprocessor.input_names(), ["island=Biscoe", "island=Dream", "mass"]);
        assert_eq!(preprocessor.unknown_category(), UnknownCategory::Ignore);
        assert_eq!(preprocessor.na_values(), ["-", "missing"]);
        assert_eq!(preprocessor.imputer().unwrap().strategy(), ImputeStrategy::Median);
        assert_eq!(preprocessor.target_scaler().unwrap().std(), [14.06]);
        let json = model.to_json();
        assert_eq!(parse(&json).unwrap(), model);
        assert_eq!(parse(&json).unwrap().to_json(), json);
        // The defaults are left out of the file.
        let plain = parse(SEED).unwrap().to_json();
        for field in ["categories", "unknown_category", "na_values", "imputer", "scaler"] {
            assert!(json.contains(&format!("\"{field}\"")), "{field} not in {json}");
            assert!(!plain.contains(&format!("\"{field}\"")), "{field} in {plain}");
        }
    }

    /// One schema: the model file's `inputs` and `outputs` are the preprocessor's own serde
    /// form, which reads back to the same preprocessor.
    #[test]
    fn the_model_files_inputs_and_outputs_are_the_preprocessors_serde_form() {
        let text = r#"{"format": "mlp-model", "version": 2, "loss": "mse",
          "layers": [{"activation": "identity", "weights": [[0.5, -1.5, 0.1]], "bias": [0.3]}],
          "inputs": {"names": ["island", "mass"],
                     "standardizer": {"mean": [0, 0, 4200.5], "std": [1, 1, 801.25]},
                     "categories": {"island": ["Biscoe", "Dream"]},
                     "na_values": ["-"],
                     "imputer": {"strategy": "median", "values": ["Dream", 4050.0]}},
          "outputs": {"names": ["flipper"], "classes": null,
                      "scaler": {"mean": [200.9], "std": [14.06]}}}"#;
        let model = parse(text).unwrap();
        let file: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
        let preprocessor = serde_json::to_value(&model.preprocessor).unwrap();
        assert_eq!(preprocessor["inputs"], file["inputs"]);
        assert_eq!(preprocessor["outputs"], file["outputs"]);
        assert_eq!(preprocessor.as_object().unwrap().len(), 2);
        let back: Preprocessor = serde_json::from_value(preprocessor).unwrap();
        assert_eq!(back, model.preprocessor);
    }

    /// An imputer or categories that do not fit the features are refused at load.
    #[test]
    fn preparation_fields_must_fit_the_features() {
        let text = |imputer: &str| {
            format!(
                r#"{{"format": "mlp-model", "version": 2, "loss": "mse",
                  "layers": [{{"activation": "identity", "weights": [[0.5, -1.5, 0.1]]}}],
                  "inputs": {{"names": ["island", "mass"],
                             "categories": {{"island": ["Biscoe", "Dream"]}}{imputer}}},
                  "outputs": {{"names": ["flipper"]}}}}"#
            )
        };
        assert!(parse(&text("")).is_ok());
        let message = error(&text(r#", "imputer": {"strategy": "mean", "values": [1.0]}"#));
        assert!(message.starts_with("model.json: "), "{message}");
    }

    /// A provenance with every field set, numbers that need all 17 digits among them.
    fn provenance() -> Provenance {
        let evaluation = |loss| EvaluationRecord {
            samples: 120,
            loss: Some(loss),
            accuracy: Some(0.9583333333333334),
            mse: None,
            r2: None,
        };
        Provenance {
            mlp_version: "0.1.0".to_owned(),
            command_line: ["mlp", "train", "iris.csv", "--target", "species"]
                .map(str::to_owned)
                .to_vec(),
            data: DataFile { name: "iris.csv".to_owned(), sha256: Some("ab".repeat(32)) },
            settings: Settings {
                task: "classification".to_owned(),
                optimizer: crate::Optimizer::ADAM,
                learning_rate: 0.001,
                l2: 1e-4,
                batch_size: 32,
                epochs_requested: 200,
                epochs_run: 57,
                best_epoch: 52,
                stopped_early: true,
                patience: Some(5),
                seed: 42,
                precision: "f64".to_owned(),
                validation_fraction: Some(0.2),
                test_data: None,
                standardize: true,
                lr_schedule: "cosine:50".to_owned(),
                warmup: 3,
                shuffle: false,
                decay_biases: true,
                freeze: crate::Freeze::all(crate::ParamKind::Biases),
            },
            metrics: FinalMetrics {
                train: evaluation(0.1 + 0.2),
                validation: Some(evaluation(std::f64::consts::PI / 7.0)),
                test: None,
            },
        }
    }

    /// A 3-5-2 network whose parameters are random bit patterns over the whole finite f64
    /// range, from tiny subnormals to 1e308, the numbers most likely to lose a bit in text.
    fn random_model() -> Model {
        use rand::{RngCore, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut random = |rows, columns| {
            DMatrix::from_fn(rows, columns, |_, _| loop {
                let value = f64::from_bits(rng.next_u64());
                if value.is_finite() {
                    break value;
                }
            })
        };
        let hidden =
            Dense::new(random(5, 3), Some(random(5, 1).column(0).into()), Activation::Tanh);
        let output =
            Dense::new(random(2, 5), Some(random(2, 1).column(0).into()), Activation::Identity);
        let network = Network::new(vec![hidden, output], Loss::MeanSquared).unwrap();
        let mut model = parse(SEED).unwrap();
        model.network = network;
        let standardizer =
            Standardizer::new(vec![0.1, 1e-300, -7.5], vec![3.0, 0.7, 1e10]).unwrap();
        let mut file = model.to_file();
        file.inputs.names = vec!["a".into(), "b".into(), "c".into()];
        file.inputs.standardizer = Some(standardizer);
        file.into_model(Path::new("model.json")).unwrap().with_provenance(provenance())
    }

    #[test]
    fn save_load_save_is_byte_identical_and_the_network_bit_identical() {
        let dir = tempfile::tempdir().unwrap();
        let (first, second) = (dir.path().join("first.json"), dir.path().join("second.json"));
        let model = random_model();
        model.save(&first).unwrap();
        let loaded = Model::load(&first).unwrap();
        loaded.save(&second).unwrap();
        assert_eq!(fs::read_to_string(&first).unwrap(), fs::read_to_string(&second).unwrap());

        let bits = |model: &Model| -> Vec<u64> {
            model.network.parameter_blocks().flatten().map(|value| value.to_bits()).collect()
        };
        assert_eq!(bits(&loaded), bits(&model));
        assert_eq!(loaded.provenance, Some(provenance()));
        assert_eq!(loaded, model);
        let text = fs::read_to_string(&first).unwrap();
        assert!(text.contains("\"version\": 3,"), "{text}");
        assert!(text.contains("\"learning_rate\": 0.001,"), "{text}");
        assert!(text.contains("\"name\": \"adam\""), "{text}");
    }

    #[test]
    fn the_module_docs_example_is_a_valid_file() {
        let source = include_str!("model_file.rs");
        let start = source.find("//! ```json\n").unwrap() + "//! ```json\n".len();
        let end = start + source[start..].find("//! ```\n").unwrap();
        let example: String =
            source[start..end].lines().map(|line| &line[3.min(line.len())..]).collect();
        let model = parse(&example).unwrap();
        let provenance = model.provenance.unwrap();
        assert_eq!(provenance.settings.optimizer, crate::Optimizer::Sgd);
        assert_eq!(provenance.data.sha256.as_ref().map(String::len), Some(64));
    }

    #[test]
    fn a_version_1_file_loads_without_provenance_and_saves_as_version_3() {
        let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/seed/model.json");
        let model = Model::load(seed).unwrap();
        assert_eq!(model.provenance, None);
        assert_eq!(model.network.sizes(), [2, 2, 2]);
        let json = model.to_json();
        assert!(json.contains("\"version\": 3,") && !json.contains("provenance"), "{json}");
        assert_eq!(parse(&json).unwrap(), model);
    }

    #[test]
    fn provenance_needs_version_2_and_its_fields_are_checked() {
        let with_provenance = parse(SEED).unwrap().with_provenance(provenance()).to_json();
        assert_eq!(
            error(&with_provenance.replace("\"version\": 3", "\"version\": 1")),
            "model.json: \"provenance\" needs model file version 2, but the file says version 1"
        );
        let misspelt = with_provenance.replace("\"epochs_run\"", "\"epoch_run\"");
        assert!(error(&misspelt).contains("unknown field `epoch_run`"));
        assert!(error(&SEED.replace("\"version\": 1", "\"version\": 0"))
            .contains("model file version 0 is not supported"));
    }

    /// A version 2 file's settings lack version 3's training-control fields: it reads as if it
    /// had their defaults, and saves as version 3 with them.
    #[test]
    fn a_version_2_provenance_reads_with_the_defaults_of_version_3s_settings() {
        let json = parse(SEED).unwrap().with_provenance(provenance()).to_json();
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        value["version"] = 2.into();
        let settings = value["provenance"]["settings"].as_object_mut().unwrap();
        for field in ["lr_schedule", "warmup", "shuffle", "decay_biases", "freeze"] {
            assert!(settings.remove(field).is_some(), "{field}");
        }
        let version_2 = serde_json::to_string_pretty(&value).unwrap();
        let settings = parse(&version_2).unwrap().provenance.unwrap().settings;
        assert_eq!(settings.lr_schedule, "constant");
        assert_eq!(settings.warmup, 0);
        assert!(settings.shuffle);
        assert!(!settings.decay_biases);
        assert!(settings.freeze.is_empty());
        assert_eq!(settings.optimizer, crate::Optimizer::ADAM);
    }

    #[test]
    fn save_is_atomic_and_names_the_path_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        let model = parse(SEED).unwrap();
        model.save(&path).unwrap();
        assert_eq!(Model::load(&path).unwrap(), model);
        // Only the model is left in the directory, no temporary file.
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);

        let missing = dir.path().join("no-such-dir").join("model.json");
        let err = model.save(&missing).unwrap_err();
        assert!(err.to_string().starts_with(&missing.display().to_string()), "{err}");
        assert!(err.to_string().ends_with("does not exist"), "{err}");
    }

    #[test]
    fn missing_file_names_the_path() {
        let err = Model::load("/no/such/model.json").unwrap_err();
        assert_eq!(
            err.to_string(),
            "/no/such/model.json: cannot read the model file: No such file or directory (os \
             error 2)"
        );
        assert!(std::error::Error::source(&err).is_none());
    }

    #[test]
    fn malformed_json_gives_line_and_column() {
        let text = "{\n  \"format\": \"mlp-model\",\n  \"version\": 1,,\n}";
        let expected = format!(
            "model.json: line 3, column 16: malformed model file: {}",
            error_message_of(text)
        );
        assert_eq!(error(text), expected);
        let wrong_type = SEED.replace("[0.45, 0.40]", "[0.45, \"x\"]");
        let message = error(&wrong_type);
        assert!(message.starts_with("model.json: line 7, column "), "{message}");
        assert!(message.contains("invalid type: string \"x\", expected f64"), "{message}");
    }

    /// serde_json's own wording, which this module does not control.
    fn error_message_of(text: &str) -> String {
        let err = serde_json::from_str::<serde_json::Value>(text).unwrap_err().to_string();
        err[..err.rfind(" at line ").unwrap()].to_owned()
    }

    #[test]
    fn wrong_format_or_version() {
        assert_eq!(
            error(&SEED.replace("\"version\": 1", "\"version\": 4")),
            "model.json: model file version 4 is not supported; this mlp reads versions 1 to 3"
        );
        assert_eq!(
            error(&SEED.replace("mlp-model", "keras")),
            "model.json: not an mlp model file: \"format\" is \"keras\", expected \"mlp-model\""
        );
        assert_eq!(
            error("{}"),
            "model.json: not an mlp model file: \"format\" is missing, expected \"mlp-model\""
        );
    }

    #[test]
    fn ragged_weights_and_shapes_that_do_not_chain() {
        assert_eq!(
            error(&SEED.replace("[0.40, 0.35]", "[0.40]")),
            "model.json: layer 1: weight row 2 has 1 numbers but row 1 has 2; every row needs \
             one number per input"
        );
        assert_eq!(
            error(&SEED.replace("[[0.45, 0.40], [0.70, 0.60]]", "[[0.45], [0.70]]")),
            "model.json: layer 2 takes 1 inputs but the layer before it has 2 neurons"
        );
        assert_eq!(
            error(&SEED.replace("\"weights\": [[0.45, 0.40], [0.70, 0.60]]", "\"weights\": []")),
            "model.json: layer 2: \"weights\" is empty; it needs one row per neuron and one \
             column per input"
        );
        assert_eq!(
            error(&SEED.replace("\"bias\": null", "\"bias\": [1]")),
            "model.json: layer 1 has 2 neurons but 1 biases"
        );
    }

    #[test]
    fn unknown_activation_loss_and_field() {
        assert!(error(&SEED.replacen("sigmoid", "sigmoud", 1))
            .starts_with("model.json: layer 1: unknown activation \"sigmoud\"; expected one of"));
        assert_eq!(
            error(&SEED.replace("\"sse\"", "\"l1\"")),
            "model.json: unknown loss \"l1\"; expected \"sse\", \"mse\" or \"cross-entropy\""
        );
        let message = error(&SEED.replace("\"bias\": null", "\"bais\": null"));
        assert!(message.contains("unknown field `bais`"), "{message}");
    }

    #[test]
    fn non_finite_numbers_are_rejected() {
        // JSON has no NaN: serde_json refuses the token, and an overflow is out of range.
        assert!(error(&SEED.replace("0.30", "NaN")).contains("line 6, column"));
        assert!(error(&SEED.replace("0.30", "1e999")).contains("malformed model file"));
        // A network built in code with NaN is refused before it could be saved.
        let nan = Network::new(
            vec![Dense::new(DMatrix::from_element(1, 1, f64::NAN), None, Activation::Identity)],
            Loss::MeanSquared,
        );
        assert!(matches!(nan, Err(NetworkError::NonFiniteParameter { .. })));
    }

    #[test]
    fn column_lists_must_fit_the_network() {
        assert_eq!(
            error(&SEED.replace("[\"x1\", \"x2\"]", "[\"x1\"]")),
            "model.json: the network takes 2 inputs but \"inputs.names\" lists 1 columns"
        );
        assert_eq!(
            error(&SEED.replace("\"classes\": null", "\"classes\": [\"a\", \"b\", \"c\"]")),
            "model.json: the network has 2 outputs but \"outputs.classes\" lists 3 classes"
        );
        // The standardizer is read by its own type, which checks it where it is in the file.
        let message = error(&SEED.replace(
            "\"standardizer\": null",
            "\"standardizer\": {\"mean\": [0, 0], \"std\": [1, 0]}",
        ));
        assert!(message.starts_with("model.json: line 9, column "), "{message}");
        assert!(message.contains(": malformed model file: invalid standardizer"), "{message}");
    }
}
