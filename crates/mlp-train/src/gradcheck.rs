//! The gradient check: backpropagation's ∂E/∂w against a central finite difference, for every
//! parameter, in f64.
//!
//! For each parameter w (every weight and bias, named `W1`.., `b1`.. as in
//! [`ParameterNames`](mlp_core::ParameterNames)), with E the **mean loss over the batch of
//! samples checked** (the loss an optimizer's step on that batch descends):
//!
//! - **numeric** d = (E(w + h) − E(w − h)) / ((w + h) − (w − h)), with
//!   h = [`GradCheckConfig::step`] · max(1, |w|): the central difference, whose truncation error
//!   is h²/6 · |E'''|; the denominator is the step actually taken after rounding w ± h;
//! - **backprop** g = ∂E/∂w from [`Network::backpropagate`] (the batch-mean gradient the
//!   optimizers apply), or any [`Gradients`] given to [`check_gradients`];
//! - **relative error** r = |g − d| / max(|g|, |d|, s), s = [`GradCheckConfig::floor`] ·
//!   max(1, |E|).
//!
//! Why the floor s: E is computed with a rounding error of roughly n_ops · ε · |E| (ε = 1.1e-16,
//! a few hundred operations for a small network), which the difference divides by 2h = 2e-5:
//! up to about 1e-9 · |E| of noise in d (measured: at most 2e-11 · |E| on models trained on the
//! repository's datasets). A derivative much smaller than that cannot be checked
//! *relatively* by any finite difference in f64 (d is then mostly noise), so below s the error
//! is measured against s instead, that is in absolute terms; s = 1e-3 · max(1, |E|) keeps the
//! noise about 1e-6 of s, at the default tolerance 1e-6. A wrong derivative still shows: an
//! error of 1e-7 in a derivative of 1e-8 against a loss of order 1 is r = 1e-4.
//!
//! **Kinks.** ReLU and leaky ReLU have no derivative at z = 0. When moving w by ±h moves any
//! ReLU-family pre-activation across 0 (on any sample), the finite difference straddles the
//! kink and means nothing there: that parameter is counted in [`LayerCheck::n_kinks`] and left
//! out of the worst errors, not reported as a failure. Smooth activations (sigmoid, tanh,
//! identity, softmax) never are.
//!
//! ```
//! use mlp_core::nalgebra::{self, dmatrix};
//! use mlp_core::{Activation, Dense, Loss, Network};
//! use mlp_train::gradcheck::{gradient_check, GradCheckConfig, DEFAULT_TOLERANCE};
//!
//! // The tutorial's 2-2-2 network and its one sample.
//! let network = Network::new(
//!     vec![
//!         Dense::new(dmatrix![0.30, 0.25; 0.40, 0.35], None, Activation::Sigmoid),
//!         Dense::new(dmatrix![0.45, 0.40; 0.70, 0.60], None, Activation::Sigmoid),
//!     ],
//!     Loss::HalfSumSquared,
//! )?;
//! let (x, t) = (dmatrix![0.1; 0.2], dmatrix![0.4; 0.6]);
//! let check = gradient_check(&network, &x, &t, GradCheckConfig::default())?;
//! assert!(check.passes(DEFAULT_TOLERANCE));
//! let w5 = check.layers[1].weights.as_ref().unwrap();
//! assert!(w5.relative_error < 1e-8, "{w5:?}");
//! let worst = check.worst().unwrap();
//! println!("worst: {} in layer {}, r = {:e}", worst.name, worst.id.layer + 1, worst.relative_error);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use mlp_core::nalgebra::DMatrixView;
use mlp_core::{Activation, BatchError, Gradients, Network, ParamId};

use crate::Dataset;

/// [`GradCheckConfig::step`]'s default: h = 1e-5 · max(1, |w|), near the step that balances the
/// central difference's truncation error (h²) against its rounding error (ε / h) in f64.
pub const DEFAULT_STEP: f64 = 1e-5;
/// [`GradCheckConfig::floor`]'s default: derivatives below 1e-3 · max(1, |E|) are compared in
/// absolute terms (see the module docs).
pub const DEFAULT_FLOOR: f64 = 1e-3;
/// The relative error above which `mlp gradcheck` fails.
pub const DEFAULT_TOLERANCE: f64 = 1e-6;

/// How the finite differences are taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradCheckConfig {
    /// h = step · max(1, |w|).
    pub step: f64,
    /// The denominator of the relative error is at least floor · max(1, |E|).
    pub floor: f64,
}

impl Default for GradCheckConfig {
    fn default() -> Self {
        GradCheckConfig { step: DEFAULT_STEP, floor: DEFAULT_FLOOR }
    }
}

/// One parameter's two derivatives.
#[derive(Debug, Clone, PartialEq)]
pub struct ParameterCheck {
    /// Where it is.
    pub id: ParamId,
    /// Its tutorial-style name, `W5` or `b2`.
    pub name: String,
    /// Its value.
    pub value: f64,
    /// ∂E/∂w from backpropagation.
    pub backprop: f64,
    /// (E(w + h) − E(w − h)) / 2h.
    pub numeric: f64,
    /// |g − d| / max(|g|, |d|, s).
    pub relative_error: f64,
    /// Moving the parameter by ±h moved a ReLU-family pre-activation across its kink: the
    /// finite difference means nothing, and the parameter is left out of the worst.
    pub at_kink: bool,
}

/// The worst errors of one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerCheck {
    /// 0-based layer.
    pub layer: usize,
    /// The layer's activation.
    pub activation: Activation,
    /// Weights checked (all of the layer's).
    pub n_weights: usize,
    /// Biases checked (0 for a layer without bias).
    pub n_biases: usize,
    /// Parameters whose finite difference crossed a ReLU kink, left out of the worst.
    pub n_kinks: usize,
    /// The weight with the largest relative error (`None` when every weight was at a kink).
    pub weights: Option<ParameterCheck>,
    /// The bias with the largest relative error (`None` without biases, or all at kinks).
    pub biases: Option<ParameterCheck>,
}

impl LayerCheck {
    /// The worse of [`LayerCheck::weights`] and [`LayerCheck::biases`].
    #[must_use]
    pub fn worst(&self) -> Option<&ParameterCheck> {
        worse(self.weights.as_ref(), self.biases.as_ref())
    }
}

/// What [`gradient_check`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct GradCheck {
    /// Samples in the batch checked.
    pub n_samples: usize,
    /// E, the batch's mean loss at the network's parameters.
    pub loss: f64,
    /// The configuration used.
    pub config: GradCheckConfig,
    /// Every parameter, in the order of the names (per layer, the weights row-major, then
    /// the biases).
    pub parameters: Vec<ParameterCheck>,
    /// One entry per layer, input side first.
    pub layers: Vec<LayerCheck>,
}

impl GradCheck {
    /// The parameter with the largest relative error in the whole network.
    #[must_use]
    pub fn worst(&self) -> Option<&ParameterCheck> {
        self.layers.iter().fold(None, |worst, layer| worse(worst, layer.worst()))
    }

    /// Each layer's worst parameter whose relative error is above `tolerance` (or not a
    /// number), input side first.
    #[must_use]
    pub fn failures(&self, tolerance: f64) -> Vec<&ParameterCheck> {
        self.layers
            .iter()
            .filter_map(LayerCheck::worst)
            .filter(|check| check.relative_error.is_nan() || check.relative_error > tolerance)
            .collect()
    }

    /// True when every relative error is at most `tolerance`.
    #[must_use]
    pub fn passes(&self, tolerance: f64) -> bool {
        self.failures(tolerance).is_empty()
    }
}

/// A gradient check that cannot run.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GradCheckError {
    /// The inputs or targets do not fit the network (or there are no samples).
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// The gradients given belong to a network of other shapes.
    #[error("the gradients are of another network: {found} parameters for {expected}")]
    Gradients {
        /// The network's parameters.
        expected: usize,
        /// The gradients' numbers.
        found: usize,
    },
    /// The loss is not finite at the network's parameters: nothing to differentiate.
    #[error("the loss is {loss} at the model's parameters; a gradient check needs a finite loss")]
    NonFiniteLoss {
        /// The loss.
        loss: f64,
    },
}

/// Checks backpropagation's gradient of the mean loss over the batch (`inputs` n_inputs × B,
/// `targets` n_outputs × B, one column per sample) against central finite differences, for
/// every parameter (see the module docs for the formulas).
///
/// Costs two forward passes of the batch per parameter.
pub fn gradient_check<'a>(
    network: &Network<f64>,
    inputs: impl Into<DMatrixView<'a, f64>>,
    targets: impl Into<DMatrixView<'a, f64>>,
    config: GradCheckConfig,
) -> Result<GradCheck, GradCheckError> {
    let (inputs, targets) = (inputs.into(), targets.into());
    let (_, gradients, _) = network.backpropagate(inputs, targets)?;
    check_gradients(network, inputs, targets, &gradients, config)
}

/// [`gradient_check`] on the first `n_samples` samples of `dataset` (all of them when it has
/// fewer).
pub fn gradient_check_dataset(
    network: &Network<f64>,
    dataset: &Dataset<f64>,
    n_samples: usize,
    config: GradCheckConfig,
) -> Result<GradCheck, GradCheckError> {
    let n_samples = n_samples.min(dataset.len());
    gradient_check(
        network,
        dataset.inputs().columns(0, n_samples),
        dataset.targets().columns(0, n_samples),
        config,
    )
}

/// Checks `gradients` (one number per parameter of `network`, as [`Gradients`] holds them:
/// from backpropagation, or computed some other way) against central finite differences of
/// the mean loss over the batch: how a wrong gradient shows.
pub fn check_gradients<'a>(
    network: &Network<f64>,
    inputs: impl Into<DMatrixView<'a, f64>>,
    targets: impl Into<DMatrixView<'a, f64>>,
    gradients: &Gradients<f64>,
    config: GradCheckConfig,
) -> Result<GradCheck, GradCheckError> {
    let (inputs, targets) = (inputs.into(), targets.into());
    let n_gradients: usize = gradients.blocks().map(<[f64]>::len).sum();
    if n_gradients != network.n_parameters() || gradients.n_layers() != network.layers().len() {
        return Err(GradCheckError::Gradients {
            expected: network.n_parameters(),
            found: n_gradients,
        });
    }
    let mut tape = network.try_tape(inputs.ncols())?;
    tape.load(inputs, targets)?;
    let mut network = network.clone();
    network.forward(&mut tape);
    let loss = network.batch_loss(&mut tape);
    if !loss.is_finite() {
        return Err(GradCheckError::NonFiniteLoss { loss });
    }
    let kinked: Vec<usize> = network
        .layers()
        .iter()
        .enumerate()
        .filter(|(_, dense)| {
            matches!(dense.activation(), Activation::Relu | Activation::LeakyRelu { .. })
        })
        .map(|(layer, _)| layer)
        .collect();
    let signs = |tape: &mlp_core::Tape<f64>| -> Vec<bool> {
        let mut signs = Vec::new();
        for &layer in &kinked {
            signs.extend(tape.factors(layer).z.iter().map(|&z| z > 0.0));
        }
        signs
    };
    let base_signs = signs(&tape);
    let floor = config.floor * loss.abs().max(1.0);

    let names = network.parameter_names();
    let mut layers: Vec<LayerCheck> = network
        .layers()
        .iter()
        .enumerate()
        .map(|(layer, dense)| LayerCheck {
            layer,
            activation: dense.activation(),
            n_weights: dense.n_outputs() * dense.n_inputs(),
            n_biases: if dense.bias().is_some() { dense.n_outputs() } else { 0 },
            n_kinks: 0,
            weights: None,
            biases: None,
        })
        .collect();
    let ids: Vec<ParamId> = network.parameter_ids().collect();
    let mut parameters = Vec::with_capacity(ids.len());
    for id in ids {
        let value = network.parameter(id).expect("an id of this network");
        let step = config.step * value.abs().max(1.0);
        let (up, down) = (value + step, value - step);
        let mut loss_at = |w: f64, tape: &mut mlp_core::Tape<f64>| {
            *network.parameter_mut(id).expect("an id of this network") = w;
            network.forward(tape);
            network.batch_loss(tape)
        };
        let loss_up = loss_at(up, &mut tape);
        let kink_up = signs(&tape) != base_signs;
        let loss_down = loss_at(down, &mut tape);
        let kink_down = signs(&tape) != base_signs;
        *network.parameter_mut(id).expect("an id of this network") = value;
        let numeric = (loss_up - loss_down) / (up - down);
        let backprop = gradients.get(id);
        let difference = (backprop - numeric).abs();
        // Two equal derivatives agree, zeros included (0 / 0 with a floor of 0).
        let relative_error = match difference {
            0.0 => 0.0,
            _ => difference / backprop.abs().max(numeric.abs()).max(floor),
        };
        let check = ParameterCheck {
            id,
            name: names.name(id).to_owned(),
            value,
            backprop,
            numeric,
            relative_error,
            at_kink: kink_up || kink_down,
        };
        let layer = &mut layers[id.layer];
        if check.at_kink {
            layer.n_kinks += 1;
        } else {
            let slot = if id.is_bias() { &mut layer.biases } else { &mut layer.weights };
            if slot.as_ref().is_none_or(|worst| is_worse(&check, worst)) {
                *slot = Some(check.clone());
            }
        }
        parameters.push(check);
    }
    Ok(GradCheck { n_samples: inputs.ncols(), loss, config, parameters, layers })
}

/// True when `check`'s error is larger than `than`'s, a NaN being the largest.
fn is_worse(check: &ParameterCheck, than: &ParameterCheck) -> bool {
    check.relative_error > than.relative_error
        || (check.relative_error.is_nan() && !than.relative_error.is_nan())
}

/// The worse of two checks.
fn worse<'a>(
    a: Option<&'a ParameterCheck>,
    b: Option<&'a ParameterCheck>,
) -> Option<&'a ParameterCheck> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if is_worse(b, a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests;
