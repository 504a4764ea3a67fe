//! Turning one step's factors into gradient and layer events, only when someone listens.

use mlp_core::{Activation, Gradients, Network, ParameterNames, Scalar, Tape};

use crate::events::{self, GradientRecord, LayerRecord, ParamName};
use crate::health;

/// The parameter names of a network as the events carry them, per layer: the weights'
/// row-major (index `to * n_inputs + from`), the biases' by neuron.
struct EventNames {
    weights: Vec<Vec<ParamName>>,
    biases: Vec<Vec<ParamName>>,
}

impl EventNames {
    fn new<T: Scalar>(network: &Network<T>) -> EventNames {
        let names = ParameterNames::new(network);
        // `W` or `b` and a `usize` fit a `ParamName`.
        let name = |text: &str| ParamName::new(text).expect("a parameter name fits a ParamName");
        let layers = network.layers().iter().enumerate();
        let (weights, biases) = layers
            .map(|(layer, dense)| {
                let weights = (0..dense.n_outputs())
                    .flat_map(|to| (0..dense.n_inputs()).map(move |from| (to, from)))
                    .map(|(to, from)| name(names.weight(layer, to, from)))
                    .collect();
                let n_biases = if dense.bias().is_some() { dense.n_outputs() } else { 0 };
                let biases = (0..n_biases).map(|to| name(names.bias(layer, to))).collect();
                (weights, biases)
            })
            .unzip();
        EventNames { weights, biases }
    }
}

/// `value` rounded to `T`: the layer summary of an f32 run is made of `f32`s.
fn rounded<T: Scalar>(value: f64) -> f64 {
    T::from_f64_value(value).to_f64_value()
}

/// What a logged step needs beyond the tape: parameter names and the parameters before the
/// step. Built on the first logged step, so a run nobody listens to allocates none of it.
pub(crate) struct StepLog<T: Scalar> {
    names: Option<EventNames>,
    /// The parameter blocks before the step, in [`Network::parameter_blocks`] order.
    before: Vec<Vec<T>>,
    /// Index of each layer's weight block in `before`; its bias block, if any, follows.
    first_block: Vec<usize>,
    gradients_wanted: bool,
    layers_wanted: bool,
}

impl<T: Scalar> StepLog<T> {
    pub(crate) fn new(network: &Network<T>) -> Self {
        let mut first_block = Vec::with_capacity(network.layers().len());
        let mut next = 0;
        for dense in network.layers() {
            first_block.push(next);
            next += 1 + usize::from(dense.bias().is_some());
        }
        StepLog {
            names: None,
            before: Vec::new(),
            first_block,
            gradients_wanted: false,
            layers_wanted: false,
        }
    }

    /// Asks the subscriber, once per step, whether gradient or layer events are wanted here.
    #[inline]
    pub(crate) fn wanted(&mut self) -> bool {
        self.gradients_wanted = events::gradient_enabled();
        self.layers_wanted = events::layer_enabled();
        self.gradients_wanted || self.layers_wanted
    }

    /// Keeps the parameters as they are before the step.
    pub(crate) fn remember(&mut self, network: &Network<T>) {
        if self.names.is_none() {
            self.names = Some(EventNames::new(network));
            self.before = network.parameter_blocks().map(<[T]>::to_vec).collect();
        }
        for (kept, block) in self.before.iter_mut().zip(network.parameter_blocks()) {
            kept.copy_from_slice(block);
        }
    }

    /// Emits the events of the step whose factors `tapes` hold (the batch's chunks, in batch
    /// order); `network` is after the step, `batch` the dataset columns of the batch.
    pub(crate) fn emit<'a>(
        &self,
        network: &Network<T>,
        tapes: impl Iterator<Item = &'a Tape<T>> + Clone,
        gradients: &Gradients<T>,
        sample_numbers: &[usize],
        batch: &[usize],
    ) {
        // Asked again right before each kind is emitted: tracing-subscriber's per-layer filters
        // keep the answer of an `enabled!` check for the next event, so a check whose events do
        // not follow at once (the layer check, before the gradient events) would make a
        // filtered layer drop the next event.
        if self.gradients_wanted && events::gradient_enabled() {
            self.emit_gradients(network, tapes.clone(), sample_numbers, batch);
        }
        if self.layers_wanted && events::layer_enabled() {
            self.emit_layers(network, tapes, gradients);
        }
    }

    fn emit_gradients<'a>(
        &self,
        network: &Network<T>,
        tapes: impl Iterator<Item = &'a Tape<T>>,
        sample_numbers: &[usize],
        batch: &[usize],
    ) {
        let names = self.names.as_ref().expect("remember runs before emit");
        let mut first_column = 0;
        let samples = tapes.flat_map(|tape| {
            let columns = &batch[first_column..first_column + tape.batch_size()];
            first_column += tape.batch_size();
            columns.iter().enumerate().map(move |(sample, &column)| (tape, sample, column))
        });
        for (tape, sample, column) in samples {
            for (layer, dense) in network.layers().iter().enumerate() {
                let factors = tape.factors(layer);
                let n_outputs = dense.n_outputs();
                let weights_before = &self.before[self.first_block[layer]];
                let weights_after = dense.weights().as_slice();
                for to in 0..n_outputs {
                    let de_dz = factors.de_dz[(to, sample)];
                    let mut record = GradientRecord {
                        sample: sample_numbers[column],
                        layer: layer + 1,
                        param: ParamName::default(),
                        to: to + 1,
                        from: None,
                        weight: 0.0,
                        dE_da: factors.de_da.as_ref().map(|m| m[(to, sample)].to_f64_value()),
                        da_dz: factors.da_dz.as_ref().map(|m| m[(to, sample)].to_f64_value()),
                        dE_dz: de_dz.to_f64_value(),
                        dz_dw: 0.0,
                        dE_dw: 0.0,
                        weight_new: 0.0,
                    };
                    for from in 0..dense.n_inputs() {
                        let dz_dw = factors.inputs[(from, sample)];
                        let index = to + from * n_outputs; // column-major
                        record.param = names.weights[layer][to * dense.n_inputs() + from];
                        record.from = Some(from + 1);
                        record.weight = weights_before[index].to_f64_value();
                        record.dz_dw = dz_dw.to_f64_value();
                        record.dE_dw = (de_dz * dz_dw).to_f64_value();
                        record.weight_new = weights_after[index].to_f64_value();
                        events::emit_gradient(&record);
                    }
                    if let Some(bias) = dense.bias() {
                        record.param = names.biases[layer][to];
                        record.from = None;
                        record.weight = self.before[self.first_block[layer] + 1][to].to_f64_value();
                        record.dz_dw = 1.0;
                        record.dE_dw = record.dE_dz;
                        record.weight_new = bias[to].to_f64_value();
                        events::emit_gradient(&record);
                    }
                }
            }
        }
    }

    fn emit_layers<'a>(
        &self,
        network: &Network<T>,
        tapes: impl Iterator<Item = &'a Tape<T>> + Clone,
        gradients: &Gradients<T>,
    ) {
        for (layer, dense) in network.layers().iter().enumerate() {
            let (mut grad_square, mut grad_max_abs) = (0.0_f64, 0.0_f64);
            for &g in gradients.layer_blocks(layer).flatten() {
                let g = g.to_f64_value();
                grad_square += g * g;
                grad_max_abs = grad_max_abs.max(g.abs());
            }
            let before = &self.before[self.first_block[layer]..];
            let after = std::iter::once(dense.weights().as_slice())
                .chain(dense.bias().map(|b| b.as_slice()));
            let (mut weight_square, mut update_square) = (0.0_f64, 0.0_f64);
            for (old, new) in before.iter().zip(after) {
                for (&w, &w_new) in old.iter().zip(new) {
                    let (w, w_new) = (w.to_f64_value(), w_new.to_f64_value());
                    weight_square += w * w;
                    update_square += (w_new - w) * (w_new - w);
                }
            }
            let saturated_fraction =
                health::saturated_fraction(dense.activation(), layer, tapes.clone());
            let dead_fraction = match dense.activation() {
                Activation::Relu | Activation::LeakyRelu { .. } => {
                    let dead = (0..dense.n_outputs())
                        .filter(|&neuron| health::is_dead(layer, neuron, tapes.clone()))
                        .count();
                    Some(dead as f64 / dense.n_outputs() as f64)
                }
                _ => None,
            };
            let weight_norm = weight_square.sqrt();
            events::emit_layer(&LayerRecord {
                layer: layer + 1,
                grad_norm: rounded::<T>(grad_square.sqrt()),
                grad_max_abs,
                weight_norm: rounded::<T>(weight_norm),
                update_ratio: if weight_norm > 0.0 {
                    rounded::<T>(update_square.sqrt() / weight_norm)
                } else {
                    f64::NAN
                },
                saturated_fraction,
                dead_fraction,
            });
        }
    }
}
