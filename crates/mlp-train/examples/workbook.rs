//! Trains iris with the library and writes the run's workbook, as `mlp train --workbook` does:
//! the gradient log (every 10th step), the layer log and the history, each by its own
//! `XlsxLayer` of one `RunWorkbook`, with the settings in sheet `run` and the charts drawn.
//!
//! ```text
//! cargo run --release -p mlp-train --example workbook [OUT.xlsx] [path/to/iris.csv]
//! ```

use std::error::Error;
use std::path::Path;

use mlp_core::{Activation, Architecture, Network};
use mlp_train::data::{
    prepare_training_with, ColumnSelection, CsvOptions, SplitOptions, Table, Task, TrainingOptions,
};
use mlp_train::gradlog::RunWorkbook;
use mlp_train::{train, Optimizer, TrainConfig};
use tracing_subscriber::prelude::*;

/// Trains a 4-8-3 network on `data` for 30 epochs and writes its workbook to `out`; returns the
/// gradient rows written.
pub fn run(data: &Path, out: &Path) -> Result<u64, Box<dyn Error>> {
    let table = Table::read(data, &CsvOptions::default())?;
    let labeled = table.select(&ColumnSelection::new(["species"]), Task::Auto)?;
    let options = TrainingOptions {
        split: SplitOptions { validation_fraction: 0.2, seed: 42 },
        ..TrainingOptions::default()
    };
    let prepared = prepare_training_with::<f64>(&labeled, &options)?;
    let preprocessor = &prepared.preprocessor;
    let task = preprocessor.task();
    let output_activation = task.default_output_activation();
    let architecture = Architecture {
        sizes: vec![preprocessor.n_inputs(), 8, preprocessor.n_outputs()],
        hidden_activation: Activation::Tanh,
        output_activation,
        bias: true,
        loss: task.default_loss(output_activation),
    };
    let mut network = Network::<f64>::initialized(&architecture, None, 42)?;
    let config = TrainConfig {
        epochs: 30,
        batch_size: 16,
        optimizer: Optimizer::ADAM,
        learning_rate: 0.01,
        log_every: 10,
        metrics: Some(task.metrics_kind()),
        ..TrainConfig::default()
    };

    // One workbook, three layers: install each; hold the workbook's guard until the end.
    let (workbook, layers) = RunWorkbook::with_file(out)?;
    let gradients = layers.gradients.flush_on_drop();
    let subscriber = tracing_subscriber::registry()
        .with(layers.gradients)
        .with(layers.layer_summary)
        .with(layers.history);
    let validation = prepared.validation.as_ref().ok_or("no validation rows")?;
    let report = tracing::subscriber::with_default(subscriber, || {
        train(&mut network, &prepared.train, Some(validation), &config)
    })?;

    // The `run` sheet: any rows of one's own, or a JSON object flattened.
    workbook.add_run_row("network", "4-8-3 tanh, softmax");
    workbook.add_run_row("epochs", report.history.len());
    workbook
        .add_run_json("config", &serde_json::json!({"optimizer": "adam", "learning_rate": 0.01}));
    // Written now (compressed into `out`); until then the file is empty.
    workbook.flush_on_drop().finish()?;
    Ok(gradients.rows_written())
}

/// Runs the example (`pub` so that a test can call it).
pub fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().unwrap_or_else(|| "out/iris-run.xlsx".to_owned());
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/iris.csv");
    let data = args.next().unwrap_or_else(|| default.to_owned());
    if let Some(dir) = Path::new(&out).parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let rows = run(Path::new(&data), Path::new(&out))?;
    println!("wrote {out} ({rows} gradient rows, layer log, history, run settings, charts)");
    Ok(())
}
