//! `mlp predict`: the model's outputs for every row of a CSV file, as CSV or JSON Lines.
//!
//! Columns: `row` (the 1-based data row), the `--keep` columns as the file has them, then for a
//! classifier `predicted_<target>` (the
//! predicted class) and one `p_<class>` column per class; for regression one
//! `predicted_<target>` column per target. With `--json`, one object per row with the same
//! names as keys: numbers as JSON numbers (a non-finite one as `null`), classes as strings.

use anyhow::Context;
use mlp_core::BatchError;
use mlp_train::data::{suggest_column, Cell as DataCell, DataError};
use mlp_train::output_file::OutputFile;

use crate::clash::{check_outputs, Named};
use crate::cli::PredictArgs;
use crate::common::{check_output_path, load_model_with, print_stdout, read_table};
use crate::memory;

/// One cell of the predictions.
enum Cell {
    /// The 1-based row number.
    Row(usize),
    /// A class name, or a kept column's text.
    Class(String),
    /// A predicted value or probability.
    Number(f64),
    /// A kept column's missing cell (empty, or a marker such as `NA`): its text in CSV, `null`
    /// in JSON.
    Missing(String),
}

impl Cell {
    /// The CSV field: numbers with shortest round-trip digits.
    fn csv(&self) -> String {
        match self {
            Cell::Row(row) => row.to_string(),
            Cell::Class(class) => class.clone(),
            Cell::Number(value) => value.to_string(),
            Cell::Missing(text) => text.clone(),
        }
    }

    /// The JSON value: a non-finite number is `null`.
    fn json(&self) -> serde_json::Value {
        match self {
            Cell::Row(row) => (*row).into(),
            Cell::Class(class) => class.as_str().into(),
            Cell::Number(value) => (*value).into(),
            Cell::Missing(_) => serde_json::Value::Null,
        }
    }
}

/// Runs `mlp predict`.
pub(crate) fn run(args: &PredictArgs) -> anyhow::Result<()> {
    if let Some(path) = &args.output {
        check_outputs(
            &[Named::new("the model", &args.model), Named::new("the data", &args.data)],
            &[Named::new("--output", path)],
        )?;
        check_output_path(path, "predictions")?;
    }
    let model = load_model_with(&args.model, args.unknown_category)?;
    let table = read_table(&args.data, &args.csv)?;
    if let Some(twice) = args
        .keep
        .iter()
        .enumerate()
        .find_map(|(idx, name)| args.keep[..idx].contains(name).then_some(name))
    {
        anyhow::bail!("--keep names the column {twice:?} twice");
    }
    let kept: Vec<usize> = args
        .keep
        .iter()
        .map(|name| {
            table.column_index(name).ok_or_else(|| {
                anyhow::Error::new(DataError::UnknownColumn {
                    path: table.path().to_owned(),
                    name: name.clone(),
                    available: table.column_names().to_vec(),
                    suggestion: suggest_column(name, table.column_names()),
                })
            })
        })
        .collect::<anyhow::Result<_>>()
        .context("--keep")?;
    let inputs = model.preprocessor.inputs::<f64>(&table)?;
    memory::check_inference(&model.network, inputs.ncols(), args.max_memory, &args.model)?;
    let mut outputs = model.network.predict(&inputs).map_err(|err| match err {
        BatchError::NonFinite(found) => anyhow::anyhow!(
            "{}: cannot predict on {}: row {}: the forward pass overflows at layer {}, neuron {}: \
             the activation is {} (weights or inputs too large)",
            args.model.display(),
            args.data.display(),
            found.sample + 1,
            found.layer,
            found.neuron,
            found.value
        ),
        err => {
            anyhow::anyhow!("{} does not fit {}: {err}", args.data.display(), args.model.display())
        }
    })?;
    // Regression targets trained standardized are predicted in the file's units.
    model.preprocessor.unscale_outputs(&mut outputs)?;

    let classes = model.preprocessor.class_encoding().map(|encoding| encoding.class_names());
    let predicted = |target: &String| format!("predicted_{target}");
    let mut header = vec!["row".to_owned()];
    header.extend(args.keep.iter().cloned());
    match classes {
        Some(classes) => {
            header.extend(model.preprocessor.target_names().iter().map(predicted));
            header.extend(classes.iter().map(|class| format!("p_{class}")));
        }
        None => header.extend(model.preprocessor.target_names().iter().map(predicted)),
    }
    let rows = outputs.column_iter().enumerate().map(|(sample_idx, output)| {
        let mut cells = vec![Cell::Row(sample_idx + 1)];
        cells.extend(kept.iter().map(|&column_idx| match table.cell(sample_idx, column_idx) {
            Some(DataCell::Number(value)) => Cell::Number(value),
            Some(DataCell::Text(text))
                if text.is_empty()
                    || model.preprocessor.na_values().iter().any(|na| na == text) =>
            {
                Cell::Missing(text.to_owned())
            }
            Some(DataCell::Text(text)) => Cell::Class(text.to_owned()),
            None => Cell::Class(String::new()),
        }));
        if let Some(classes) = classes {
            cells.push(Cell::Class(classes[output.argmax().0].clone()));
        }
        cells.extend(output.iter().map(|&value| Cell::Number(value)));
        cells
    });

    let bytes = if args.json {
        let mut text = String::new();
        for cells in rows {
            let object: serde_json::Map<String, serde_json::Value> =
                header.iter().cloned().zip(cells.iter().map(Cell::json)).collect();
            text += &serde_json::Value::Object(object).to_string();
            text.push('\n');
        }
        text.into_bytes()
    } else {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&header)?;
        for cells in rows {
            writer.write_record(cells.iter().map(Cell::csv))?;
        }
        writer.into_inner().context("cannot format the predictions")?
    };
    match &args.output {
        Some(path) => OutputFile::create(path)
            .and_then(|output| output.write_all_and_commit(&bytes))
            .with_context(|| format!("{}: cannot write the predictions", path.display())),
        None => print_stdout(&String::from_utf8(bytes)?),
    }
}
