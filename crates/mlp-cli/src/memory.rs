//! The memory checks of `mlp_train::memory`, wired to `--max-memory` and the files named on
//! the command line: called before a network, its training state or a tape is allocated.

use std::path::Path;

use anyhow::Context;
use mlp_core::{Footprint, Network};
use mlp_train::memory::{MemoryLimit, MemoryNeed, EVALUATION_BATCH};
use mlp_train::TrainConfig;

use crate::cli::PrecisionArg;

/// Fails when training a network of `sizes` (with or without biases) in `precision` with
/// `config` on `n_samples` samples needs more than `--max-memory` or the memory available; `flag` is
/// where the sizes come from (`--hidden`, or the `--init` model).
pub(crate) fn check_training(
    precision: PrecisionArg,
    (sizes, bias): (&[usize], bool),
    config: &TrainConfig,
    n_samples: usize,
    max_memory: Option<u64>,
    flag: &str,
) -> anyhow::Result<()> {
    let footprint = match precision {
        PrecisionArg::F64 => Footprint::new::<f64>(sizes, bias),
        PrecisionArg::F32 => Footprint::new::<f32>(sizes, bias),
    };
    MemoryNeed::training(&footprint, config, n_samples)
        .check(MemoryLimit::new(max_memory))
        .with_context(|| format!("{flag}: cannot train this network"))
}

/// Fails when running the network of the model file `path` over batches of up to `n_samples`
/// samples (the evaluation batch at most) needs more than `--max-memory` or the memory
/// available.
pub(crate) fn check_inference(
    network: &Network<f64>,
    n_samples: usize,
    max_memory: Option<u64>,
    path: &Path,
) -> anyhow::Result<()> {
    let batch = n_samples.clamp(1, EVALUATION_BATCH);
    MemoryNeed::inference(&Footprint::of(network), batch)
        .check(MemoryLimit::new(max_memory))
        .with_context(|| format!("{}: cannot run this model", path.display()))
}
