//! The gradient events `mlp_train::train` emits, captured step by step to be replayed: the
//! rows of the gradient-log benchmarks (`gradlog`, `xlsx`).

use std::sync::{Arc, Mutex};

use mlp_core::{Activation, Architecture, Loss, Network};
use mlp_train::events::{GradientRecord, STEP_SPAN};
use mlp_train::{train, Dataset, TrainConfig};
use nalgebra::DMatrix;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tracing::{span, Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::registry::LookupSpan;

/// The samples of the iris-shaped problem.
pub const N_SAMPLES: usize = 150;

/// The gradient rows of each step.
pub type Steps = Vec<Vec<GradientRecord>>;

/// The rows of one epoch of `train` on an iris-shaped problem (4 inputs, 3 classes), step by
/// step, for a network with one hidden layer of `n_hidden` units.
pub fn trainer_rows(n_hidden: usize, hidden_activation: Activation, batch_size: usize) -> Steps {
    let architecture = Architecture {
        sizes: vec![4, n_hidden, 3],
        hidden_activation,
        output_activation: Activation::Softmax,
        bias: true,
        loss: Loss::CrossEntropy,
    };
    let mut network = Network::initialized(&architecture, None, 7).unwrap();
    // Three clusters of 50 samples in four dimensions.
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let inputs = DMatrix::from_fn(4, N_SAMPLES, |row, column| {
        (column / 50 + row) as f64 + rng.random_range(-0.5..0.5)
    });
    let targets =
        DMatrix::from_fn(3, N_SAMPLES, |row, column| f64::from(u8::from(row == column / 50)));
    let dataset = Dataset::numbered(inputs, targets).unwrap();
    let config = TrainConfig { epochs: 1, batch_size, ..TrainConfig::default() };

    let captured = Arc::new(Mutex::new(Vec::new()));
    let subscriber = tracing_subscriber::registry().with(CaptureLayer(captured.clone()));
    tracing::subscriber::with_default(subscriber, || train(&mut network, &dataset, None, &config))
        .unwrap();
    let steps = std::mem::take(&mut *captured.lock().unwrap());
    steps
}

/// Collects the gradient events of each step.
struct CaptureLayer(Arc<Mutex<Steps>>);

impl<S: Subscriber + for<'lookup> LookupSpan<'lookup>> Layer<S> for CaptureLayer {
    fn on_enter(&self, id: &span::Id, ctx: Context<'_, S>) {
        if ctx.span(id).is_some_and(|span| span.name() == STEP_SPAN) {
            self.0.lock().unwrap().push(Vec::new());
        }
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        if let Some(record) = GradientRecord::from_event(event) {
            self.0.lock().unwrap().last_mut().unwrap().push(record);
        }
    }
}
