//! Builds a model from a network made in code, saves it to a temporary directory, loads it
//! back, predicts on rows held in memory, and shows that the loaded network is the saved one
//! bit for bit.
//!
//! ```text
//! cargo run --release -p mlp-train --example save_load
//! ```

use std::error::Error;

use mlp_core::{Activation, Dense, Loss, Network};
use mlp_train::model_file::Model;
use nalgebra::{dmatrix, dvector};

/// What [`run`] saw.
#[derive(Debug)]
pub struct SaveLoad {
    /// The model file's text.
    pub json: String,
    /// The class predicted for each row, by the loaded model.
    pub classes: Vec<String>,
    /// The loaded model's outputs, (classes × rows).
    pub outputs: Vec<Vec<f64>>,
    /// Whether every weight and bias of the loaded network has the saved one's bits.
    pub same_bits: bool,
    /// Whether saving the loaded model again gives the same bytes.
    pub same_bytes: bool,
}

/// A 2-3-2 classifier of `x` and `y` into `inside` and `outside`, saved, loaded and asked about
/// the rows `(0, 0)` and `(3, -1)`.
pub fn run() -> Result<SaveLoad, Box<dyn Error>> {
    // Weights with many significant digits: a text round trip that lost one would show.
    let hidden = Dense::new(
        dmatrix![0.1 + 0.2, -1.0 / 3.0; 2.0f64.sqrt(), 0.7; -0.25, std::f64::consts::PI],
        Some(dvector![0.01, -0.02, 1e-17]),
        Activation::Tanh,
    );
    let output = Dense::new(
        dmatrix![1.5, -0.5, 0.25; -1.5, 0.5, -0.25],
        Some(dvector![0.5, -0.5]),
        Activation::Softmax,
    );
    let network = Network::new(vec![hidden, output], Loss::CrossEntropy)?;
    let model = Model::from_network(network)
        .with_feature_names(["x", "y"])?
        .with_classes("where", ["inside", "outside"])?;

    let dir = tempfile::tempdir()?;
    let path = dir.path().join("model.json");
    model.save(&path)?;
    let loaded = Model::load(&path)?;

    let predictions = loaded.predict_rows(&[vec![0.0, 0.0], vec![3.0, -1.0]])?;
    let bits = |model: &Model| -> Vec<u64> {
        model.network.parameter_blocks().flatten().map(|value| value.to_bits()).collect()
    };
    let json = std::fs::read_to_string(&path)?;
    Ok(SaveLoad {
        same_bytes: loaded.to_json() == json,
        same_bits: bits(&loaded) == bits(&model),
        classes: predictions.classes.unwrap_or_default(),
        outputs: predictions
            .outputs
            .column_iter()
            .map(|column| column.iter().copied().collect())
            .collect(),
        json,
    })
}

/// Runs the example (`pub` so that the integration test that includes this file uses it).
pub fn main() -> Result<(), Box<dyn Error>> {
    let seen = run()?;
    print!("{}", seen.json);
    for (class, outputs) in seen.classes.iter().zip(&seen.outputs) {
        println!("{class}: {outputs:?}");
    }
    println!("loaded network bit for bit the saved one: {}", seen.same_bits);
    println!("saved again, the same bytes: {}", seen.same_bytes);
    Ok(())
}
