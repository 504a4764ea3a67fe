//! `mlp draw`: the network as the tutorial draws it, as SVG or PNG (see
//! [`mlp_plot::diagram`]).

use anyhow::{bail, Context};
use mlp_plot::diagram::{Diagram, ImageFormat};
use mlp_train::explain::{explain, prepare_sample, ExplainError, SampleRequest};
use mlp_train::output_file::ShortPath;

use crate::clash::{self, Named};
use crate::cli::DrawArgs;
use crate::common::{check_output_path, create_output, load_model, output_error, read_table};
use crate::memory;

/// What the output is called in messages.
const WHAT: &str = "drawing";

/// Runs `mlp draw`.
pub(crate) fn run(args: &DrawArgs) -> anyhow::Result<()> {
    let Some(format) = ImageFormat::from_path(&args.output) else {
        bail!(
            "-o/--output {}: the picture's format comes from the extension; give a name \
             ending in .svg or .png",
            ShortPath(&args.output)
        );
    };
    let mut inputs = vec![Named::new("the model", &args.model)];
    if let Some(data) = &args.data {
        inputs.push(Named::new("the data", data));
    }
    clash::check_outputs(&inputs, &[Named::new("the drawing (-o)", &args.output)])?;
    check_output_path(&args.output, WHAT)?;
    let model = load_model(&args.model)?;
    let mut diagram = Diagram::from_model(&model);
    if let Some(data) = &args.data {
        let table = read_table(data, &args.csv)?;
        memory::check_inference(&model.network, 1, args.max_memory, &args.model)?;
        let request = SampleRequest {
            sample: args.sample,
            learning_rate: args.learning_rate,
            weight: None,
            data_name: data.display().to_string(),
        };
        let prepared = match prepare_sample(&model, &table, &request) {
            Ok(prepared) => prepared,
            Err(ExplainError::NoSuchSample { sample, n_rows }) => bail!(
                "{}: --sample {sample}: the file has data rows 1 to {n_rows}",
                ShortPath(data)
            ),
            Err(error @ ExplainError::Overflow(_)) => bail!(
                "{}: cannot draw sample {} of {}: {error}",
                args.model.display(),
                args.sample,
                data.display()
            ),
            Err(error) => return Err(error.into()),
        };
        let context =
            || format!("{}: cannot explain sample {}", ShortPath(&args.model), args.sample);
        let derivation =
            explain(&model.network, &prepared.inputs, &prepared.targets, &prepared.options)
                .with_context(context)?;
        diagram = diagram.with_sample(&derivation)?.with_step(args.step);
    }
    let bytes = diagram.render(format)?;
    create_output(&args.output, WHAT)?
        .write_all_and_commit(&bytes)
        .map_err(|err| output_error(err, WHAT))
}
