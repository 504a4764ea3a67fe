//! Trains a classifier on `datasets/iris.csv` with the library alone: read the CSV, prepare it
//! (features standardized, species one-hot, 20 % held out), train, evaluate, print the metrics.
//!
//! ```text
//! cargo run --release -p mlp-train --example train_csv [path/to/iris.csv]
//! ```

use std::error::Error;
use std::path::Path;

use mlp_core::{Activation, Architecture, Network};
use mlp_train::data::{
    prepare_training_with, ColumnSelection, CsvOptions, SplitOptions, Table, Task, TrainingOptions,
};
use mlp_train::{evaluate_prepared, train, Evaluation, Optimizer, TrainConfig};

/// Reads `path` (a CSV with a `species` column), trains a 4-8-3 network and returns its metrics
/// on the held-out fifth of the rows.
pub fn run(path: &Path) -> Result<Evaluation, Box<dyn Error>> {
    // Read: every column is typed once; `species` is text, the rest numbers.
    let table = Table::read(path, &CsvOptions::default())?;
    // Prepare: `species` is the target (classes, as it is text), every other column a feature.
    let labeled = table.select(&ColumnSelection::new(["species"]), Task::Auto)?;
    let options = TrainingOptions {
        split: SplitOptions { validation_fraction: 0.2, seed: 42 },
        ..TrainingOptions::default()
    };
    let prepared = prepare_training_with::<f64>(&labeled, &options)?;
    let preprocessor = &prepared.preprocessor;

    // The task decides the output layer and the loss: softmax and cross-entropy here.
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

    // Train.
    let config = TrainConfig {
        epochs: 200,
        batch_size: 16,
        optimizer: Optimizer::ADAM,
        learning_rate: 0.01,
        ..TrainConfig::default()
    };
    let validation = prepared.validation.as_ref().ok_or("no validation rows")?;
    let report = train(&mut network, &prepared.train, Some(validation), &config)?;
    println!("trained {} steps", report.steps);

    // Evaluate with the class names.
    Ok(evaluate_prepared(&network, validation, preprocessor)?)
}

/// Runs the example (`pub` so that the integration test that includes this file uses it).
pub fn main() -> Result<(), Box<dyn Error>> {
    let default = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/iris.csv");
    let path = std::env::args().nth(1).unwrap_or_else(|| default.to_owned());
    let evaluation = run(Path::new(&path))?;
    println!("validation: {} samples, loss {:.4}", evaluation.samples, evaluation.loss);
    if let Some(classification) = &evaluation.classification {
        print!("{}", classification.report());
    }
    Ok(())
}
