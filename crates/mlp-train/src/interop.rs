//! A [`Model`] as a [safetensors](https://github.com/huggingface/safetensors) file, which
//! PyTorch (`safetensors.torch.load_file`) and candle load, and back.
//!
//! The file holds, for each dense layer i (0-based, input side first):
//!
//! - `layers.{i}.weight`: **F64**, shape **`[out, in]`** (one row per neuron fed, one column per
//!   input: the model file's `weights`, and the layout of PyTorch's `nn.Linear.weight`), row
//!   major, little-endian as the format requires; `load_file` gives float64 tensors.
//! - `layers.{i}.bias`: F64, shape `[out]`; absent for a layer without bias (`nn.Linear(…,
//!   bias=False)`).
//!
//! and in its `__metadata__` (a string → string map) everything else:
//!
//! - `mlp.format_version`: [`LAYOUT_VERSION`], the version of this layout;
//! - `mlp.model`: the model file ([`crate::model_file`]) as JSON, with each layer's `weights`
//!   emptied (`[]`) and its `bias` emptied (`[]`, the layer has one, in the tensor) or `null`
//!   (none): the loss, the activations (and leaky-ReLU slopes), the whole input preparation
//!   (feature names, standardizer, categories, imputer, missing-value markers, the unknown
//!   category policy), the target names, classes and target scaler, and the provenance. This
//!   is what [`from_safetensors`] reads: lossless, as the model file is.
//! - `mlp.sizes` (`4,8,3`), `mlp.activations` (`relu,softmax`) and `mlp.loss`
//!   (`cross-entropy`): the same facts, readable at a glance; written, not read back.
//!
//! The `__metadata__` keys are written sorted, so one model always makes the same bytes.
//!
//! ```
//! use mlp_core::nalgebra::{self, dmatrix, dvector};
//! use mlp_core::{Activation, Dense, Loss, Network};
//! use mlp_train::interop::{from_safetensors, to_safetensors};
//! use mlp_train::model_file::Model;
//!
//! let hidden = Dense::new(dmatrix![0.5, -1.0; 0.25, 2.0], Some(dvector![0.1, 0.2]), Activation::Tanh);
//! let output = Dense::new(dmatrix![1.5, -0.5], None, Activation::Identity);
//! let network = Network::new(vec![hidden, output], Loss::MeanSquared)?;
//! let model = Model::from_network(network).with_feature_names(["height", "width"])?;
//!
//! let bytes = to_safetensors(&model)?;
//! let back = from_safetensors(&bytes, "model.safetensors".as_ref())?;
//! assert_eq!(back.to_json(), model.to_json());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, TensorView};

use crate::model_file::{self, Model, ModelFile, ModelFileError};
use crate::output_file::{OutputError, OutputFile};

/// The value of `mlp.format_version`: the version of this layout of tensors and metadata.
pub const LAYOUT_VERSION: &str = "1";
/// The metadata key of [`LAYOUT_VERSION`].
pub const VERSION_KEY: &str = "mlp.format_version";
/// The metadata key of the model file without its weights.
pub const MODEL_KEY: &str = "mlp.model";
/// The metadata key of the layer sizes, inputs first, comma-separated (informative).
pub const SIZES_KEY: &str = "mlp.sizes";
/// The metadata key of the layers' activations, comma-separated (informative).
pub const ACTIVATIONS_KEY: &str = "mlp.activations";
/// The metadata key of the loss (informative).
pub const LOSS_KEY: &str = "mlp.loss";

/// The name of 0-based `layer`'s weight tensor: `layers.{layer}.weight`.
#[must_use]
pub fn weight_name(layer: usize) -> String {
    format!("layers.{layer}.weight")
}

/// The name of 0-based `layer`'s bias tensor: `layers.{layer}.bias`.
#[must_use]
pub fn bias_name(layer: usize) -> String {
    format!("layers.{layer}.bias")
}

/// A safetensors file that cannot be written or read as a model. Every message but
/// [`SafetensorsError::Encode`]'s names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SafetensorsError {
    /// The file could not be read.
    #[error("{}: cannot read the safetensors file: {cause}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: io::Error,
    },
    /// Not a safetensors file (a header that is not one), or a damaged one.
    #[error("{}: not a safetensors file: {cause}", .path.display())]
    NotSafetensors {
        /// The file.
        path: PathBuf,
        /// What the safetensors reader found.
        cause: SafeTensorError,
    },
    /// A safetensors file without the metadata `mlp export` writes (one from elsewhere).
    #[error(
        "{}: the safetensors metadata has no {key:?}; \
         only files written by `mlp export` can be imported",
        .path.display()
    )]
    MissingMetadata {
        /// The file.
        path: PathBuf,
        /// The key missing.
        key: &'static str,
    },
    /// A layout version this code does not read.
    #[error("{}: \"mlp.format_version\" is {found:?}; this mlp reads version {LAYOUT_VERSION}", .path.display())]
    LayoutVersion {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: String,
    },
    /// `mlp.model` is not a model file's JSON.
    #[error("{}: \"mlp.model\" in the metadata: line {line}, column {column}: {message}", .path.display())]
    ModelJson {
        /// The file.
        path: PathBuf,
        /// 1-based line in the JSON.
        line: usize,
        /// 1-based column in the JSON.
        column: usize,
        /// serde_json's description.
        message: String,
    },
    /// A tensor the metadata's layers need is not in the file.
    #[error("{}: tensor {name:?} is missing", .path.display())]
    MissingTensor {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
    },
    /// A tensor no layer has (a bias for a layer without one, a layer too many).
    #[error("{}: tensor {name:?} is not part of the model in the metadata", .path.display())]
    UnexpectedTensor {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
    },
    /// A tensor of another shape than its layer.
    #[error("{}: tensor {name:?} has shape {found:?}, expected {expected:?}", .path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// The layer's shape.
        expected: Vec<usize>,
        /// The tensor's.
        found: Vec<usize>,
    },
    /// A tensor in another type than F64.
    #[error("{}: tensor {name:?} is {found}, expected F64", .path.display())]
    Dtype {
        /// The file.
        path: PathBuf,
        /// The tensor's name.
        name: String,
        /// Its type.
        found: String,
    },
    /// The model in the metadata and tensors does not check (an unknown loss, shapes that do
    /// not chain, …); the error names the file.
    #[error(transparent)]
    Model(#[from] ModelFileError),
    /// The safetensors writer refused the tensors.
    #[error("cannot encode the model as safetensors: {0}")]
    Encode(SafeTensorError),
    /// Writing the file failed; nothing was replaced.
    #[error(transparent)]
    Write(#[from] OutputError),
}

/// One tensor to write: F64, little-endian.
struct F64Tensor {
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl F64Tensor {
    fn new(shape: Vec<usize>, values: impl IntoIterator<Item = f64>) -> Self {
        let bytes = values.into_iter().flat_map(f64::to_le_bytes).collect();
        F64Tensor { shape, bytes }
    }
}

impl safetensors::View for &F64Tensor {
    fn dtype(&self) -> Dtype {
        Dtype::F64
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.bytes)
    }

    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// The model as the bytes of a safetensors file (see the module docs for what it holds).
///
/// # Errors
///
/// [`SafetensorsError::Encode`] if the safetensors writer refuses it (metadata over its
/// 100 MB header limit).
pub fn to_safetensors(model: &Model) -> Result<Vec<u8>, SafetensorsError> {
    let mut file = model.to_file();
    let mut tensors: Vec<(String, F64Tensor)> = Vec::new();
    for (index, (layer, dense)) in file.layers.iter_mut().zip(model.network.layers()).enumerate() {
        let weights = dense.weights();
        let (rows, columns) = weights.shape();
        let row_major = (0..rows).flat_map(|row| (0..columns).map(move |col| (row, col)));
        tensors.push((
            weight_name(index),
            F64Tensor::new(vec![rows, columns], row_major.map(|at| weights[at])),
        ));
        if let Some(bias) = dense.bias() {
            tensors.push((bias_name(index), F64Tensor::new(vec![rows], bias.iter().copied())));
        }
        layer.weights = Vec::new();
        layer.bias = layer.bias.as_ref().map(|_| Vec::new());
    }
    let metadata: HashMap<String, String> = [
        (VERSION_KEY, LAYOUT_VERSION.to_owned()),
        (MODEL_KEY, serde_json::to_string(&file).expect("a model file serializes")),
        (SIZES_KEY, join(model.network.sizes())),
        (ACTIVATIONS_KEY, join(model.network.layers().iter().map(|d| d.activation().name()))),
        (LOSS_KEY, model.network.loss().name().to_owned()),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_owned(), value))
    .collect();
    let views = tensors.iter().map(|(name, tensor)| (name.as_str(), tensor));
    let bytes = safetensors::serialize(views, Some(metadata)).map_err(SafetensorsError::Encode)?;
    Ok(with_sorted_metadata(bytes))
}

/// The items as text, comma-separated.
fn join<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|item| item.to_string()).collect::<Vec<_>>().join(",")
}

/// The file with its `__metadata__` keys sorted (the writer takes them from a `HashMap`, in an
/// order that changes from run to run). The same keys in another order make a header of the
/// same length, so the header is rewritten in place.
fn with_sorted_metadata(mut bytes: Vec<u8>) -> Vec<u8> {
    let length = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
    let header = &bytes[8..8 + length];
    let Ok(serde_json::Value::Object(mut object)) = serde_json::from_slice(header) else {
        return bytes;
    };
    if let Some(serde_json::Value::Object(metadata)) = object.get_mut("__metadata__") {
        let mut entries: Vec<_> = std::mem::take(metadata).into_iter().collect();
        entries.sort_by(|(a, _), (b, _)| a.cmp(b));
        metadata.extend(entries);
    }
    let mut sorted = serde_json::to_vec(&object).expect("a JSON value serializes");
    if sorted.len() <= length {
        sorted.resize(length, b' ');
        bytes[8..8 + length].copy_from_slice(&sorted);
    }
    bytes
}

/// Reads a model from the bytes of a safetensors file written by [`to_safetensors`]; `path`
/// names the file in errors.
///
/// # Errors
///
/// [`SafetensorsError`]: not a safetensors file, metadata missing or of another version, a
/// tensor missing, unexpected, of another shape or type, or a model that does not check.
pub fn from_safetensors(bytes: &[u8], path: &Path) -> Result<Model, SafetensorsError> {
    let path_buf = || path.to_owned();
    let (_, metadata) = SafeTensors::read_metadata(bytes)
        .map_err(|cause| SafetensorsError::NotSafetensors { path: path_buf(), cause })?;
    let tensors = SafeTensors::deserialize(bytes)
        .map_err(|cause| SafetensorsError::NotSafetensors { path: path_buf(), cause })?;
    let metadata = metadata.metadata().clone().unwrap_or_default();
    let get = |key: &'static str| {
        metadata.get(key).ok_or(SafetensorsError::MissingMetadata { path: path_buf(), key })
    };
    let version = get(VERSION_KEY)?;
    if version != LAYOUT_VERSION {
        return Err(SafetensorsError::LayoutVersion { path: path_buf(), found: version.clone() });
    }
    let mut file: ModelFile = serde_json::from_str(get(MODEL_KEY)?).map_err(|err| {
        let message = err.to_string();
        let message = match message.rfind(" at line ") {
            Some(index) if err.line() > 0 => message[..index].to_owned(),
            _ => message,
        };
        SafetensorsError::ModelJson {
            path: path_buf(),
            line: err.line(),
            column: err.column(),
            message,
        }
    })?;
    if file.format != model_file::FORMAT {
        return Err(ModelFileError::Format {
            path: path_buf(),
            found: serde_json::Value::from(file.format).to_string(),
        }
        .into());
    }
    if !(1..=model_file::VERSION).contains(&file.version) {
        return Err(
            ModelFileError::Version { path: path_buf(), found: file.version.to_string() }.into()
        );
    }
    let mut expected_names = Vec::new();
    let mut previous_rows: Option<usize> = None;
    for (index, layer) in file.layers.iter_mut().enumerate() {
        let name = weight_name(index);
        let weights = tensor(&tensors, &name, path)?;
        let [rows, columns] = weights.shape() else {
            return Err(SafetensorsError::Shape {
                path: path_buf(),
                name,
                expected: vec![0, 0],
                found: weights.shape().to_vec(),
            });
        };
        if let Some(&previous_rows) = previous_rows.as_ref() {
            if *columns != previous_rows {
                return Err(SafetensorsError::Shape {
                    path: path_buf(),
                    name,
                    expected: vec![*rows, previous_rows],
                    found: weights.shape().to_vec(),
                });
            }
        }
        previous_rows = Some(*rows);
        layer.weights = match (*rows, *columns) {
            // An empty weight tensor: the model file's own check says what is wrong.
            (0, _) | (_, 0) => vec![Vec::new()],
            _ => f64_values(&weights).chunks(*columns).map(<[f64]>::to_vec).collect(),
        };
        expected_names.push(name);
        if layer.bias.is_some() {
            let name = bias_name(index);
            let bias = tensor(&tensors, &name, path)?;
            if bias.shape() != [*rows] {
                return Err(SafetensorsError::Shape {
                    path: path_buf(),
                    name,
                    expected: vec![*rows],
                    found: bias.shape().to_vec(),
                });
            }
            layer.bias = Some(f64_values(&bias));
            expected_names.push(name);
        }
    }
    let mut names = tensors.names();
    names.sort_unstable();
    if let Some(extra) = names.into_iter().find(|name| !expected_names.iter().any(|e| e == name)) {
        return Err(SafetensorsError::UnexpectedTensor {
            path: path_buf(),
            name: extra.to_owned(),
        });
    }
    // Shapes that do not chain (a weight tensor of [3, 5] after a layer of 4 neurons) are the
    // model file's own checks, which name the layer.
    Ok(file.into_model(path)?)
}

/// The F64 tensor `name`, or an error naming the file.
fn tensor<'data>(
    tensors: &SafeTensors<'data>,
    name: &str,
    path: &Path,
) -> Result<TensorView<'data>, SafetensorsError> {
    let view = tensors.tensor(name).map_err(|_| SafetensorsError::MissingTensor {
        path: path.to_owned(),
        name: name.to_owned(),
    })?;
    if view.dtype() != Dtype::F64 {
        return Err(SafetensorsError::Dtype {
            path: path.to_owned(),
            name: name.to_owned(),
            found: format!("{:?}", view.dtype()),
        });
    }
    Ok(view)
}

/// The numbers of an F64 tensor, in its (row-major) order.
fn f64_values(view: &TensorView<'_>) -> Vec<f64> {
    view.data()
        .chunks_exact(8)
        .map(|bytes| f64::from_le_bytes(bytes.try_into().expect("8 bytes")))
        .collect()
}

/// Writes the model to `path` as a safetensors file, atomically (a temporary file beside it,
/// renamed at the end).
pub fn save_safetensors(model: &Model, path: impl AsRef<Path>) -> Result<(), SafetensorsError> {
    save_safetensors_to(model, OutputFile::create(path)?)
}

/// Writes the model as a safetensors file to an output created earlier, and commits it.
pub fn save_safetensors_to(model: &Model, output: OutputFile) -> Result<(), SafetensorsError> {
    Ok(output.write_all_and_commit(&to_safetensors(model)?)?)
}

/// Reads a model from the safetensors file at `path`, written by [`save_safetensors`] or
/// `mlp export`.
pub fn load_safetensors(path: impl AsRef<Path>) -> Result<Model, SafetensorsError> {
    let path = path.as_ref();
    let bytes =
        fs::read(path).map_err(|cause| SafetensorsError::Read { path: path.to_owned(), cause })?;
    from_safetensors(&bytes, path)
}

#[cfg(test)]
mod tests;
