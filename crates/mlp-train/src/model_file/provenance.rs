//! How a model was made: the optional `provenance` object of a model file (version 2 on).
//!
//! Everything here is a record, written once when the model is saved and never used to compute
//! anything: the `mlp` version, the command line, the training settings, the final metrics and
//! the training data's file name and SHA-256, so that a model file says how to make it again
//! and on which data.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::{Evaluation, Freeze, Optimizer};

/// How a model was made. Every field is written; `null` marks what did not apply (no
/// validation data, no early stopping).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    /// The version of `mlp` that trained the model, e.g. `0.1.0`.
    pub mlp_version: String,
    /// The command line, program name first. The `mlp` binary records
    /// `std::env::args_os()`, with any argument that is not valid Unicode converted lossily
    /// (U+FFFD in place of the invalid bytes).
    pub command_line: Vec<String>,
    /// The training data file.
    pub data: DataFile,
    /// The settings of the run.
    pub settings: Settings,
    /// The loss and metrics of the saved network at the end of the run.
    pub metrics: FinalMetrics,
}

/// A data file: its name and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataFile {
    /// The file name, without its directory (lossy if not valid Unicode).
    pub name: String,
    /// The SHA-256 of the file's bytes, 64 lowercase hexadecimal digits; `null` for standard
    /// input (`-`), which cannot be read a second time.
    pub sha256: Option<String>,
}

impl DataFile {
    /// The name and SHA-256 of the file at `path`, read in chunks of 64 KiB so that the file
    /// is never held in memory whole.
    ///
    /// Standard input (`-`) is named `<stdin>`, without a hash.
    ///
    /// Errors: the file cannot be opened or read.
    pub fn hash(path: impl AsRef<Path>) -> io::Result<DataFile> {
        let path = path.as_ref();
        if path == Path::new(crate::data::STDIN_PATH) {
            return Ok(DataFile { name: crate::data::STDIN_NAME.to_owned(), sha256: None });
        }
        let mut file = File::open(path)?;
        let mut hasher = Sha256::new();
        let mut buffer = vec![0_u8; 64 * 1024];
        loop {
            let n_read = match file.read(&mut buffer) {
                Ok(0) => break,
                Ok(n_read) => n_read,
                Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
                Err(err) => return Err(err),
            };
            hasher.update(&buffer[..n_read]);
        }
        let name = path
            .file_name()
            .map_or_else(|| path.to_string_lossy(), |name| name.to_string_lossy())
            .into_owned();
        Ok(DataFile { name, sha256: Some(hex(&hasher.finalize())) })
    }
}

/// Lowercase hexadecimal, two digits a byte.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// What a training run was asked to do, and what it did (epochs run, best epoch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// `classification` or `regression`.
    pub task: String,
    /// The update rule and its parameters: `{"name": "sgd"}`, `{"name": "momentum",
    /// "momentum": 0.9}`, `{"name": "nesterov", "momentum": 0.9}`, `{"name": "adam",
    /// "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}`, `{"name": "adamw", "beta1": 0.9,
    /// "beta2": 0.999, "epsilon": 1e-8, "weight_decay": 0.01}` or `{"name": "rmsprop",
    /// "alpha": 0.99, "epsilon": 1e-8}`.
    pub optimizer: Optimizer,
    /// Base learning rate η.
    pub learning_rate: f64,
    /// L2 weight decay λ.
    pub l2: f64,
    /// Samples per optimizer step.
    pub batch_size: usize,
    /// Epochs asked for.
    pub epochs_requested: usize,
    /// Epochs run (fewer than asked when the run stopped early).
    pub epochs_run: usize,
    /// The epoch whose weights were saved (the last, or the best with early stopping).
    pub best_epoch: usize,
    /// Whether early stopping ended the run.
    pub stopped_early: bool,
    /// Epochs without improvement before stopping, or `null` for no early stopping.
    pub patience: Option<usize>,
    /// Seed of the initial weights, the validation split and the shuffling.
    pub seed: u64,
    /// Precision of the training computations: `f64` or `f32`.
    pub precision: String,
    /// Share of the training file's rows held out for validation; `null` with a test file.
    pub validation_fraction: Option<f64>,
    /// The test file validated on instead of held-out rows, or `null`.
    pub test_data: Option<DataFile>,
    /// Whether the inputs were standardized (their mean and std are `inputs.standardizer`).
    pub standardize: bool,
    /// The learning-rate schedule as `--lr-schedule` writes it: `constant`,
    /// `step:EVERY:FACTOR`, `exponential:GAMMA`, `cosine:T_MAX`, `plateau:PATIENCE:FACTOR`
    /// (version 3; `constant` when absent).
    #[serde(default = "constant_schedule")]
    pub lr_schedule: String,
    /// Epochs of linear warm-up (version 3; 0 when absent).
    #[serde(default)]
    pub warmup: usize,
    /// Whether the batches were shuffled each epoch (version 3; `true` when absent, as every
    /// earlier run did).
    #[serde(default = "shuffled")]
    pub shuffle: bool,
    /// Whether the L2 (and decoupled) decay applied to biases too (version 3; `false` when
    /// absent).
    #[serde(default)]
    pub decay_biases: bool,
    /// The parameters kept fixed, as [`Freeze`] writes them: `[{"layer": null, "kind":
    /// "biases"}]` (version 3; none when absent).
    #[serde(default)]
    pub freeze: Freeze,
}

fn constant_schedule() -> String {
    "constant".to_owned()
}

fn shuffled() -> bool {
    true
}

/// The final evaluations of the saved network.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalMetrics {
    /// On the training rows.
    pub train: EvaluationRecord,
    /// On the held-out validation rows, or `null`.
    pub validation: Option<EvaluationRecord>,
    /// On the test file, or `null`.
    pub test: Option<EvaluationRecord>,
}

/// One [`Evaluation`] with the number of samples it covers. A number that is not finite (a run
/// that diverged) is written as `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationRecord {
    /// Samples evaluated.
    pub samples: usize,
    /// Mean loss over the samples.
    pub loss: Option<f64>,
    /// Share of samples classified right (classification only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy: Option<f64>,
    /// Mean squared error (regression only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mse: Option<f64>,
    /// R² (regression only; absent where undefined, with fewer than two samples).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r2: Option<f64>,
}

impl EvaluationRecord {
    /// The record of `evaluation` over `samples` samples; non-finite numbers become `None`.
    pub fn new(evaluation: &Evaluation, samples: usize) -> EvaluationRecord {
        let finite = |value: f64| value.is_finite().then_some(value);
        EvaluationRecord {
            samples,
            loss: finite(evaluation.loss),
            accuracy: evaluation.accuracy.and_then(finite),
            mse: evaluation.mse.and_then(finite),
            r2: evaluation.r2.and_then(finite),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_of_a_known_text_and_of_a_file_larger_than_the_buffer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc.csv");
        std::fs::write(&path, "abc").unwrap();
        // FIPS 180-2, appendix B.1: SHA-256("abc").
        assert_eq!(
            DataFile::hash(&path).unwrap(),
            DataFile {
                name: "abc.csv".to_owned(),
                sha256: Some(
                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad".to_owned()
                )
            }
        );
        // FIPS 180-2, appendix B.3: one million times "a", read in several chunks.
        std::fs::write(&path, "a".repeat(1_000_000)).unwrap();
        assert_eq!(
            DataFile::hash(&path).unwrap().sha256.as_deref(),
            Some("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        );
        assert!(DataFile::hash(dir.path().join("missing.csv")).is_err());
    }

    #[test]
    fn optimizers_are_tagged_by_name_and_unknown_fields_are_errors() {
        for optimizer in [
            Optimizer::Sgd,
            Optimizer::MOMENTUM,
            Optimizer::Nesterov { momentum: 0.5 },
            Optimizer::ADAM,
            Optimizer::ADAMW,
            Optimizer::RmsProp { alpha: 0.9, epsilon: 1e-6 },
        ] {
            let json = serde_json::to_string(&optimizer).unwrap();
            assert!(json.starts_with(&format!("{{\"name\":\"{}\"", optimizer.name())), "{json}");
            assert_eq!(serde_json::from_str::<Optimizer>(&json).unwrap(), optimizer);
        }
        assert_eq!(
            serde_json::to_string(&Optimizer::ADAM).unwrap(),
            r#"{"name":"adam","beta1":0.9,"beta2":0.999,"epsilon":1e-8}"#
        );
        assert_eq!(
            serde_json::to_string(&Optimizer::ADAMW).unwrap(),
            r#"{"name":"adamw","beta1":0.9,"beta2":0.999,"epsilon":1e-8,"weight_decay":0.01}"#
        );
        let error = serde_json::from_str::<Optimizer>(r#"{"name":"rmsprop","rho":0.9}"#);
        assert!(error.unwrap_err().to_string().contains("unknown field `rho`"));
        let error = serde_json::from_str::<Optimizer>(r#"{"name":"sgd","momentum":0.9}"#);
        assert!(error.unwrap_err().to_string().contains("unknown field `momentum`"));
    }

    #[test]
    fn non_finite_metrics_become_null() {
        let evaluation = Evaluation {
            loss: f64::INFINITY,
            samples: 3,
            accuracy: None,
            mse: Some(f64::NAN),
            r2: Some(0.5),
            classification: None,
            regression: None,
        };
        let record = EvaluationRecord::new(&evaluation, 3);
        assert_eq!(
            serde_json::to_string(&record).unwrap(),
            r#"{"samples":3,"loss":null,"r2":0.5}"#
        );
    }

    #[test]
    fn standard_input_is_named_without_a_hash() {
        let stdin = DataFile::hash(crate::data::STDIN_PATH).unwrap();
        assert_eq!(stdin, DataFile { name: "<stdin>".to_owned(), sha256: None });
    }
}
