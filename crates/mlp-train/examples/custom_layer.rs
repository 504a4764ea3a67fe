//! A `tracing` layer of one's own over the trainer's gradient events: the largest |∂E/∂w| of
//! every step of the tutorial's network (`datasets/seed/`).
//!
//! [`GradientRecord::from_event`] turns an event into the record the trainer emitted, so the
//! layer names no field; [`Position::of_event`] gives its epoch and step, from the spans the
//! [`SpanNumbers`] layer marks. `cargo run -p mlp-train --example custom_layer` prints, for 3
//! steps:
//!
//! ```text
//! epoch 1, step 1: largest |∂E/∂w| = 0.026295901 (W6, sample 1)
//! ```

use std::sync::Mutex;

use mlp_train::events::{GradientRecord, Position, SpanNumbers, STEP_SPAN};
use mlp_train::model_file::Model;
use mlp_train::{train, Dataset, Optimizer, TrainConfig};
use nalgebra::DMatrix;
use tracing::{span, Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// The gradient event of the step under way with the largest |∂E/∂w|, and where it was.
#[derive(Default)]
struct LargestGradient(Mutex<Option<(GradientRecord, Position)>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for LargestGradient {
    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        if let Some(record) = GradientRecord::from_event(event) {
            let mut largest = self.0.lock().unwrap();
            if largest.is_none_or(|(largest, _)| record.dE_dw.abs() > largest.dE_dw.abs()) {
                *largest = Some((record, Position::of_event(event, &ctx)));
            }
        }
    }

    /// Prints the step's largest when it ends.
    fn on_exit(&self, id: &span::Id, ctx: Context<'_, S>) {
        if ctx.metadata(id).is_some_and(|metadata| metadata.name() == STEP_SPAN) {
            if let Some((record, at)) = self.0.lock().unwrap().take() {
                let (epoch, step) = (at.epoch.unwrap_or(0), at.step.unwrap_or(0));
                let (param, sample, size) = (record.param, record.sample, record.dE_dw.abs());
                println!(
                    "epoch {epoch}, step {step}: largest |∂E/∂w| = {size:.9} ({param}, sample {sample})"
                );
            }
        }
    }
}

/// The tutorial's network and its one sample, x = (0.1, 0.2), t = (0.4, 0.6).
fn tutorial() -> Result<(mlp_core::Network, Dataset), Box<dyn std::error::Error>> {
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/seed");
    let network = Model::load(format!("{seed}/model.json"))?.network;
    // data.csv: a header `x1,x2,t1,t2` and one row.
    let text = std::fs::read_to_string(format!("{seed}/data.csv"))?;
    let row = text.lines().nth(1).ok_or("data.csv has no sample")?;
    let values = row.split(',').map(str::parse).collect::<Result<Vec<f64>, _>>()?;
    let inputs = DMatrix::from_column_slice(2, 1, &values[..2]);
    let targets = DMatrix::from_column_slice(2, 1, &values[2..]);
    Ok((network, Dataset::numbered(inputs, targets)?))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (mut network, data) = tutorial()?;
    let config = TrainConfig {
        epochs: 3,
        batch_size: 1,
        optimizer: Optimizer::Sgd,
        learning_rate: 0.5,
        l2: 0.0,
        shuffle: false,
        ..TrainConfig::default()
    };
    let subscriber =
        tracing_subscriber::registry().with(SpanNumbers).with(LargestGradient::default());
    tracing::subscriber::with_default(subscriber, || train(&mut network, &data, None, &config))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    /// `cargo test` runs the example.
    #[test]
    fn runs() {
        super::main().unwrap();
    }
}
