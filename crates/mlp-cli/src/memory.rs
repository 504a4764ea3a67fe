//! The memory checks of `mlp_train::memory`, wired to `--max-memory` and the files named on
//! the command line: called before a network, its training state or a tape is allocated; and
//! the check that the training inputs do not overflow the network before its first step.

use std::path::Path;

use anyhow::Context;
use mlp_core::{Footprint, Network};
use mlp_train::data::Preprocessor;
use mlp_train::human::Significant;
use mlp_train::memory::{MemoryLimit, MemoryNeed};
use mlp_train::overflow::check_inputs as check_inputs_overflow;
use mlp_train::TrainConfig;

use crate::cli::PrecisionArg;
use crate::common::Samples;

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

/// Fails when running the network of the model file `path` over batches of `batch` samples
/// needs more than `--max-memory` or the memory available.
pub(crate) fn check_inference(
    network: &Network<f64>,
    batch: usize,
    max_memory: Option<u64>,
    path: &Path,
) -> anyhow::Result<()> {
    let batch = batch.max(1);
    MemoryNeed::inference(&Footprint::of(network), batch)
        .check(MemoryLimit::new(max_memory))
        .with_context(|| format!("{}: cannot run this model", path.display()))
}

/// Fails, naming the file, row and column, when a training sample makes the untrained
/// network's activations or loss overflow (which training would report as a divergence at its
/// first step).
pub(crate) fn check_inputs(
    network: &Network<f64>,
    train: &Samples,
    preprocessor: &Preprocessor,
    (data, no_standardize): (&Path, bool),
    init: Option<&Path>,
    precision: PrecisionArg,
) -> anyhow::Result<()> {
    // In the precision training will use: f32 overflows near 3.4e38, far below f64.
    let checked = match precision {
        PrecisionArg::F64 => check_inputs_overflow(network, &train.in_precision::<f64>()),
        // Borrowed when the samples were prepared in f32: no copy of them.
        PrecisionArg::F32 => {
            check_inputs_overflow(&network.cast::<f32>(), &train.in_precision::<f32>())
        }
    };
    let Err(found) = checked else { return Ok(()) };
    if let Some(model) = init {
        // The data was prepared by the model's own preprocessor: its weights are to blame.
        let place = found.layer.map_or("the loss".to_owned(), |layer| format!("layer {layer}"));
        anyhow::bail!(
            "{}: the model's weights make {place} overflow on row {} of {}; it cannot be \
             trained further",
            model.display(),
            found.row,
            data.display()
        );
    }
    let names = preprocessor.input_names();
    let column = names.get(found.input).map_or("?", String::as_str);
    let place = match found.layer {
        Some(layer) => format!("layer {layer}'s activations"),
        None => "the loss".to_owned(),
    };
    anyhow::bail!(
        "{}: row {}: column {column:?} ({} as the network sees it) is too large: it makes {place} \
         overflow before the first training step; rescale the column{}",
        data.display(),
        found.row,
        Significant(found.value),
        if no_standardize { " or leave out --no-standardize" } else { "" }
    )
}
