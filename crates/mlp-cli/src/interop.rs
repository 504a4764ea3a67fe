//! `mlp export` and `mlp import`: a model to a safetensors file and back
//! ([`mlp_train::interop`]).

use mlp_train::interop::{load_safetensors, save_safetensors_to};
use mlp_train::output_file::ShortPath;

use crate::clash::{check_outputs, Named};
use crate::cli::{ExportArgs, ExportFormatArg, ImportArgs};
use crate::common::{create_output, load_model, print_stdout};
use crate::output::Verbosity;

/// Runs `mlp export`.
pub(crate) fn export(args: &ExportArgs, verbosity: Verbosity) -> anyhow::Result<()> {
    check_outputs(
        &[Named::new("the model", &args.model)],
        &[Named::new("the safetensors file", &args.output)],
    )?;
    let model = load_model(&args.model)?;
    match args.format {
        ExportFormatArg::Safetensors => {
            let output = create_output(&args.output, "safetensors file")?;
            save_safetensors_to(&model, output)?;
        }
    }
    if verbosity == Verbosity::Quiet {
        return Ok(());
    }
    let sizes = model.network.sizes();
    print_stdout(&format!(
        "{} → {}: layers {}, {} parameters as F64 tensors layers.{{i}}.weight [out, in] and \
         layers.{{i}}.bias, the rest in the metadata\n",
        ShortPath(&args.model),
        ShortPath(&args.output),
        sizes.iter().map(usize::to_string).collect::<Vec<_>>().join("-"),
        model.network.n_parameters(),
    ))
}

/// Runs `mlp import`.
pub(crate) fn import(args: &ImportArgs, verbosity: Verbosity) -> anyhow::Result<()> {
    check_outputs(
        &[Named::new("the safetensors file", &args.input)],
        &[Named::new("--save", &args.save)],
    )?;
    let output = create_output(&args.save, "model")?;
    let model = load_safetensors(&args.input)?;
    model.save_to(output)?;
    if verbosity == Verbosity::Quiet {
        return Ok(());
    }
    print_stdout(&format!("{} → {}\n", ShortPath(&args.input), ShortPath(&args.save)))
}
