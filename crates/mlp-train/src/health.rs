//! Gradient and unit health, checked once per epoch: vanishing and exploding gradients,
//! saturated sigmoid/tanh units, dead ReLUs.
//!
//! The trainer looks at the last optimizer step of every complete epoch, at what that step
//! already holds (its batch gradient and its tapes' pre-activations and activations), through a
//! [`HealthMonitor`] made once before the first epoch: a check allocates nothing, needs no
//! tracing subscriber, and costs a pass over the gradients and the hidden layers' activations
//! of one batch. With the `‖·‖` of a layer the Frobenius norm of its batch gradient (weights and
//! biases, as the layer log's `grad_norm`), and layers numbered from 1 (the output layer last):
//!
//! | kind | at a check, layer l … | reported |
//! |---|---|---|
//! | [`Symptom::VanishingGradients`] | hidden: ‖∇_l‖ < `vanishing_ratio` · ‖∇_output‖ | at the `persistence`-th check in a row |
//! | [`Symptom::ExplodingGradients`] | any: ‖∇_l‖ > `exploding_norm`, or ‖∇_l‖ ≥ `exploding_growth` · its previous check's (> 0) and ‖∇_l‖ > `exploding_norm` / `exploding_growth` | at once |
//! | [`Symptom::SaturatedUnits`] | sigmoid/tanh hidden: saturated share > `saturated_fraction` | at the `persistence`-th check in a row |
//! | [`Symptom::DeadUnits`] | ReLU hidden: share of units dead for `persistence` checks in a row > `dead_fraction` | at once |
//!
//! Saturation and death are the layer log's (`saturated_fraction`, `dead_fraction` in
//! [`crate::events`]): an activation is saturated within 0.01 of a bound of its function (a < 0.01
//! or a > 0.99 for the sigmoid, |a| > 0.99 for tanh), and the saturated share counts activations
//! over the batch's units and samples; a unit is dead at a check when its pre-activation z ≤ 0
//! for every sample of the batch. A unit of a small last batch can look dead by chance, so a unit
//! counts as dead here only when it was dead at `persistence` checks in a row: a truly dead unit
//! is dead on every batch. (Leaky ReLU units keep a gradient for z ≤ 0: they are not checked.)
//!
//! A finding is reported once per layer and kind, as a [`HealthFinding`] in
//! [`crate::TrainReport::health`] naming the first epoch the rule held at, the last, how many
//! checks it held at, and the worst value seen; [`crate::warnings::training_warnings`] turns each
//! into a [`crate::warnings::Warning::Health`].
//!
//! The 0.01 of the saturation bound follows the layer log; the growth floor
//! (`exploding_norm` / `exploding_growth`, 10 by default) keeps a last batch that happens to
//! fit badly after one that fitted well (0.001 to 0.1) from passing for an explosion.

use std::fmt;

use mlp_core::{Activation, Gradients, Network, Scalar, Tape};

use crate::human::Significant;
use crate::ConfigError;

/// When a layer's gradients or units are unhealthy: the rules of the [module docs](self).
///
/// `Default` holds the usual values: vanishing below 1e-3 of the output layer's norm, exploding
/// above 1e3 or 100-fold in one epoch, more than 90% saturated, more than 50% dead, and 5
/// checks in a row.
///
/// ```
/// use mlp_train::health::HealthThresholds;
/// use mlp_train::TrainConfig;
///
/// // Stricter about dead units, and no check of saturation.
/// let thresholds = HealthThresholds { dead_fraction: 0.25, saturated_fraction: 1.0, ..Default::default() };
/// let config = TrainConfig { health: Some(thresholds), ..TrainConfig::default() };
/// config.validate()?;
/// // No checks at all.
/// let quiet = TrainConfig { health: None, ..TrainConfig::default() };
/// # quiet.validate()?;
/// # Ok::<(), mlp_train::TrainError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthThresholds {
    /// Vanishing: a hidden layer's gradient norm below this share of the output layer's
    /// (in (0, 1]; default 1e-3).
    pub vanishing_ratio: f64,
    /// Exploding: a gradient norm above this (> 0, `f64::INFINITY` turns this rule off;
    /// default 1e3).
    pub exploding_norm: f64,
    /// Exploding: a gradient norm this many times its previous check's or more (> 1,
    /// `f64::INFINITY` turns this rule off; default 100).
    pub exploding_growth: f64,
    /// Saturated: more than this share of a sigmoid/tanh hidden layer's activations saturated
    /// (in [0, 1]; 1 turns the rule off; default 0.9).
    pub saturated_fraction: f64,
    /// Dead: more than this share of a ReLU hidden layer's units dead (in [0, 1]; 1 turns the
    /// rule off; default 0.5).
    pub dead_fraction: f64,
    /// Checks in a row a vanishing gradient, a saturated layer or a dead unit must be seen at
    /// before it counts (at least 1; default 5).
    pub persistence: usize,
}

impl Default for HealthThresholds {
    fn default() -> Self {
        HealthThresholds {
            vanishing_ratio: 1e-3,
            exploding_norm: 1e3,
            exploding_growth: 100.0,
            saturated_fraction: 0.9,
            dead_fraction: 0.5,
            persistence: 5,
        }
    }
}

impl HealthThresholds {
    /// Checks each threshold's range (see the fields).
    ///
    /// # Errors
    ///
    /// [`ConfigError::HealthThreshold`] naming the first field out of range.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let out_of_range = |name, range, value| ConfigError::HealthThreshold { name, range, value };
        if !(self.vanishing_ratio > 0.0 && self.vanishing_ratio <= 1.0) {
            return Err(out_of_range("vanishing_ratio", "in (0, 1]", self.vanishing_ratio));
        }
        if self.exploding_norm.is_nan() || self.exploding_norm <= 0.0 {
            return Err(out_of_range("exploding_norm", "above 0", self.exploding_norm));
        }
        if self.exploding_growth.is_nan() || self.exploding_growth <= 1.0 {
            return Err(out_of_range("exploding_growth", "above 1", self.exploding_growth));
        }
        for (name, value) in
            [("saturated_fraction", self.saturated_fraction), ("dead_fraction", self.dead_fraction)]
        {
            if !(0.0..=1.0).contains(&value) {
                return Err(out_of_range(name, "in [0, 1]", value));
            }
        }
        if self.persistence == 0 {
            return Err(out_of_range("persistence", "at least 1", 0.0));
        }
        Ok(())
    }
}

/// What was wrong with a layer, and the worst value seen.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Symptom {
    /// The layer's gradient norm stayed below `ratio` of the output layer's.
    VanishingGradients {
        /// The smallest ‖∇_l‖ / ‖∇_output‖ seen while the rule held.
        smallest_ratio: f64,
        /// The threshold, [`HealthThresholds::vanishing_ratio`].
        ratio: f64,
        /// Checks in a row it takes, [`HealthThresholds::persistence`].
        persistence: usize,
    },
    /// The layer's gradient norm went above `norm`, or grew `growth`-fold in one epoch.
    ExplodingGradients {
        /// The largest gradient norm seen while the rule held.
        largest_norm: f64,
        /// The largest growth from one check to the next seen while the rule held (1 when
        /// only the norm rule held).
        largest_growth: f64,
        /// [`HealthThresholds::exploding_norm`].
        norm: f64,
        /// [`HealthThresholds::exploding_growth`].
        growth: f64,
    },
    /// More than `fraction` of the layer's activations were saturated.
    SaturatedUnits {
        /// The largest saturated share seen while the rule held.
        largest_fraction: f64,
        /// [`HealthThresholds::saturated_fraction`].
        fraction: f64,
        /// Checks in a row it takes, [`HealthThresholds::persistence`].
        persistence: usize,
    },
    /// More than `fraction` of the layer's units were dead.
    DeadUnits {
        /// The largest dead share seen while the rule held.
        largest_fraction: f64,
        /// [`HealthThresholds::dead_fraction`].
        fraction: f64,
        /// Checks in a row a unit must be dead at, [`HealthThresholds::persistence`].
        persistence: usize,
    },
}

impl Symptom {
    /// A stable kebab-case identifier: `vanishing-gradients`, `exploding-gradients`,
    /// `saturated-units` or `dead-units` (the `kind` of the warning in a JSON summary).
    pub fn kind(&self) -> &'static str {
        match self {
            Symptom::VanishingGradients { .. } => "vanishing-gradients",
            Symptom::ExplodingGradients { .. } => "exploding-gradients",
            Symptom::SaturatedUnits { .. } => "saturated-units",
            Symptom::DeadUnits { .. } => "dead-units",
        }
    }

    /// The worst value so far and the new one, kept in `self`.
    fn worsen(&mut self, value: f64, growth: f64) {
        match self {
            Symptom::VanishingGradients { smallest_ratio, .. } => {
                *smallest_ratio = smallest_ratio.min(value);
            }
            Symptom::ExplodingGradients { largest_norm, largest_growth, .. } => {
                *largest_norm = largest_norm.max(value);
                *largest_growth = largest_growth.max(growth);
            }
            Symptom::SaturatedUnits { largest_fraction, .. }
            | Symptom::DeadUnits { largest_fraction, .. } => {
                *largest_fraction = largest_fraction.max(value);
            }
        }
    }
}

/// One kind of trouble in one layer over a run, reported once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HealthFinding {
    /// 1-based weight layer, as the logs number them.
    pub layer: usize,
    /// The layer's activation.
    pub activation: Activation,
    /// The first epoch (1-based) whose check the rule held at.
    pub first_epoch: usize,
    /// The last epoch whose check the rule held at.
    pub last_epoch: usize,
    /// The checks the rule held at.
    pub checks: usize,
    /// Epochs from one check to the next: 1 unless the monitor checks every few epochs
    /// ([`HealthMonitor::with_steps_per_epoch`]).
    pub every: usize,
    /// What, and the worst value seen.
    pub symptom: Symptom,
}

impl HealthFinding {
    /// [`Symptom::kind`].
    pub fn kind(&self) -> &'static str {
        self.symptom.kind()
    }

    /// Records one more check at `epoch` that the rule held at.
    fn seen(&mut self, epoch: usize, value: f64, growth: f64) {
        self.last_epoch = epoch;
        self.checks += 1;
        self.symptom.worsen(value, growth);
    }
}

/// `at epoch 3`, `from epoch 3 to 200`, `from epoch 3 to 200 (at 12 of those epochs)` or,
/// checking every 16 epochs, `from epoch 80 to 160 (at 6 checks, one every 16 epochs)`: when a
/// finding held.
struct When<'a>(&'a HealthFinding);

impl fmt::Display for When<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let HealthFinding { first_epoch, last_epoch, checks, every, .. } = *self.0;
        if first_epoch == last_epoch {
            write!(f, "at epoch {first_epoch}")
        } else if every > 1 {
            write!(
                f,
                "from epoch {first_epoch} to {last_epoch} (at {checks} checks, one every {every} \
                 epochs)"
            )
        } else if checks == last_epoch - first_epoch + 1 {
            write!(f, "from epoch {first_epoch} to {last_epoch}")
        } else {
            write!(f, "from epoch {first_epoch} to {last_epoch} (at {checks} of those epochs)")
        }
    }
}

impl HealthFinding {
    /// `5 epochs in a row`, or `5 checks in a row`.
    fn in_a_row(&self, persistence: usize) -> String {
        let what = if self.every > 1 { "checks" } else { "epochs" };
        format!("{persistence} {what} in a row")
    }

    /// `in one epoch`, or `from one check to the next`.
    fn one_step(&self) -> &'static str {
        if self.every > 1 {
            "from one check to the next"
        } else {
            "in one epoch"
        }
    }
}

impl fmt::Display for HealthFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (layer, activation, when) = (self.layer, self.activation, When(self));
        match self.symptom {
            Symptom::VanishingGradients { smallest_ratio, ratio, persistence } => write!(
                f,
                "vanishing gradients in layer {layer} ({activation}) {when}: its gradient norm \
                 stayed below {} of the output layer's for {} (down to {}); its weights barely \
                 learn: try fewer layers or ReLU",
                Significant(ratio),
                self.in_a_row(persistence),
                Significant(smallest_ratio)
            ),
            Symptom::ExplodingGradients { largest_norm, largest_growth, norm, growth } => {
                write!(
                    f,
                    "exploding gradients in layer {layer} ({activation}) {when}: its gradient \
                     norm reached {}",
                    Significant(largest_norm)
                )?;
                let one_step = self.one_step();
                if largest_growth >= growth {
                    write!(f, ", growing up to {}-fold {one_step}", Significant(largest_growth))?;
                }
                write!(
                    f,
                    " (limits: {}, or {}-fold {one_step}); try a smaller learning rate",
                    Significant(norm),
                    Significant(growth)
                )
            }
            Symptom::SaturatedUnits { largest_fraction, fraction, persistence } => write!(
                f,
                "saturated units in layer {layer} ({activation}) {when}: more than {}% of its \
                 activations were within 0.01 of a bound for {} (up to {}%), where their \
                 gradients vanish: try standardized inputs, a smaller learning rate or ReLU",
                Significant(100.0 * fraction),
                self.in_a_row(persistence),
                Significant(100.0 * largest_fraction)
            ),
            Symptom::DeadUnits { largest_fraction, fraction, persistence } => write!(
                f,
                "dead units in layer {layer} ({activation}) {when}: more than {}% of its units \
                 had z ≤ 0 for every sample of the batch at {} (up to {}%), so they no longer \
                 learn: try a smaller learning rate or leaky ReLU",
                Significant(100.0 * fraction),
                self.in_a_row(persistence),
                Significant(100.0 * largest_fraction)
            ),
        }
    }
}

/// The share of activations of 0-based `layer` saturated over the batch whose chunks `tapes`
/// hold, for a sigmoid or tanh layer (`None` for other activations): within 0.01 of a bound,
/// a < 0.01 or a > 0.99 for the sigmoid, |a| > 0.99 for tanh. The layer log's
/// `saturated_fraction`.
pub(crate) fn saturated_fraction<'a, T: Scalar>(
    activation: Activation,
    layer: usize,
    tapes: impl Iterator<Item = &'a Tape<T>> + Clone,
) -> Option<f64> {
    let saturated = |bound: fn(f64) -> bool| {
        let (mut count, mut n_values) = (0_usize, 0_usize);
        for tape in tapes.clone() {
            let a = tape.factors(layer).a;
            n_values += a.len();
            count += a.iter().filter(|&&a| bound(a.to_f64_value())).count();
        }
        count as f64 / n_values.max(1) as f64
    };
    match activation {
        Activation::Sigmoid => Some(saturated(|a| !(0.01..=0.99).contains(&a))),
        Activation::Tanh => Some(saturated(|a| a.abs() > 0.99)),
        _ => None,
    }
}

/// Whether 0-based `neuron` of 0-based `layer` is dead over the batch whose chunks `tapes`
/// hold: its pre-activation z ≤ 0 for every sample. What the layer log's `dead_fraction`
/// counts.
pub(crate) fn is_dead<'a, T: Scalar>(
    layer: usize,
    neuron: usize,
    mut tapes: impl Iterator<Item = &'a Tape<T>>,
) -> bool {
    tapes.all(|tape| tape.factors(layer).z.row(neuron).iter().all(|&z| z <= T::zero()))
}

/// ‖∇‖ of 0-based `layer`: the Frobenius norm of its weights' and biases' gradients, summed in
/// f64.
fn gradient_norm<T: Scalar>(gradients: &Gradients<T>, layer: usize) -> f64 {
    let square = |block: &[T]| block.iter().map(|g| g.to_f64_value().powi(2)).sum::<f64>();
    let weights = square(gradients.weights(layer).as_slice());
    let biases = gradients.bias(layer).map_or(0.0, |bias| square(bias.as_slice()));
    (weights + biases).sqrt()
}

/// What the monitor remembers of one layer between checks.
#[derive(Debug, Clone)]
struct LayerHealth {
    activation: Activation,
    hidden: bool,
    /// The previous check's gradient norm (NaN before the first check).
    previous_norm: f64,
    /// Checks in a row the vanishing rule held at, and the saturation rule.
    vanishing_streak: usize,
    saturated_streak: usize,
    /// Per unit, checks in a row it was dead at (ReLU hidden layers; empty otherwise).
    dead_streaks: Vec<usize>,
    /// The findings, by kind: vanishing, exploding, saturated, dead.
    findings: [Option<HealthFinding>; 4],
}

impl LayerHealth {
    /// Records that the rule of `slot` held at `epoch`: a new finding made by `symptom`, or one
    /// more check of the one there.
    fn seen(
        &mut self,
        slot: usize,
        layer: usize,
        epoch: usize,
        value: f64,
        growth: f64,
        symptom: impl FnOnce() -> Symptom,
    ) {
        match &mut self.findings[slot] {
            Some(finding) => finding.seen(epoch, value, growth),
            empty => {
                *empty = Some(HealthFinding {
                    layer: layer + 1,
                    activation: self.activation,
                    first_epoch: epoch,
                    last_epoch: epoch,
                    checks: 1,
                    every: 1,
                    symptom: symptom(),
                });
            }
        }
    }
}

/// Checks a network's health once per epoch (see the [module docs](self)); what the trainer
/// runs when [`crate::TrainConfig::health`] is set, and what a loop of one's own can run.
///
/// ```
/// use mlp_core::nalgebra::{dmatrix, dvector};
/// use mlp_core::{Activation, Dense, Loss, Network};
/// use mlp_train::health::{HealthMonitor, HealthThresholds};
///
/// // A ReLU layer whose biases keep both units at z < 0: dead.
/// let hidden = Dense::new(dmatrix![1.0; 1.0], Some(dvector![-10.0, -10.0]), Activation::Relu);
/// let output = Dense::new(dmatrix![1.0, 1.0], None, Activation::Identity);
/// let network = Network::new(vec![hidden, output], Loss::MeanSquared)?;
/// let thresholds = HealthThresholds { persistence: 2, ..Default::default() };
/// let mut monitor = HealthMonitor::new(&network, thresholds);
/// let mut tape = network.try_tape(2)?;
/// tape.load(&dmatrix![1.0, 2.0], &dmatrix![1.0, 0.0])?;
/// let mut gradients = network.zero_gradients();
/// network.forward(&mut tape);
/// network.backward(&mut tape, &mut gradients);
/// for epoch in 1..=3 {
///     monitor.check(epoch, std::iter::once(&tape), &gradients);
/// }
/// let findings = monitor.findings();
/// assert_eq!(findings.len(), 1);
/// assert_eq!((findings[0].kind(), findings[0].layer, findings[0].first_epoch), ("dead-units", 1, 2));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct HealthMonitor {
    thresholds: HealthThresholds,
    layers: Vec<LayerHealth>,
    /// Epochs from one check to the next.
    every: usize,
    /// Epochs until the next check.
    until_due: usize,
}

/// Below this many optimizer steps an epoch, the trainer checks every few epochs rather than
/// every epoch ([`HealthMonitor::with_steps_per_epoch`]).
pub const STEPS_PER_CHECK: usize = 16;

impl HealthMonitor {
    /// A monitor of `network`'s layers with no check made yet; everything a check needs is
    /// allocated here.
    pub fn new<T: Scalar>(network: &Network<T>, thresholds: HealthThresholds) -> Self {
        let n_layers = network.layers().len();
        let layers = network
            .layers()
            .iter()
            .enumerate()
            .map(|(layer, dense)| {
                let hidden = layer + 1 < n_layers;
                let dead_units = if hidden && dense.activation() == Activation::Relu {
                    dense.n_outputs()
                } else {
                    0
                };
                LayerHealth {
                    activation: dense.activation(),
                    hidden,
                    previous_norm: f64::NAN,
                    vanishing_streak: 0,
                    saturated_streak: 0,
                    dead_streaks: vec![0; dead_units],
                    findings: [None; 4],
                }
            })
            .collect();
        HealthMonitor { thresholds, layers, every: 1, until_due: 1 }
    }

    /// Checks every epoch when an epoch has [`STEPS_PER_CHECK`] optimizer steps or more, and
    /// otherwise every `k` epochs, `k` the power of two at or above `STEPS_PER_CHECK / steps`
    /// (16 for one step an epoch): epochs `k`, `2k`, …. A check costs about a tenth of a tiny
    /// network's one-step epoch (a few hundred instructions), so that it stays under 1% of the
    /// run. What the trainer uses; findings then count checks rather than epochs
    /// ([`HealthFinding::every`]).
    #[must_use]
    pub fn with_steps_per_epoch(mut self, steps: usize) -> Self {
        self.every = STEPS_PER_CHECK.div_ceil(steps.max(1)).next_power_of_two();
        self.until_due = self.every;
        self
    }

    /// The check of (1-based) `epoch`, from its last step: the batch `gradients` and the
    /// `tapes` of the batch's chunks after the backward pass (one tape for a batch computed at
    /// once). Allocates nothing.
    ///
    /// Panics if `gradients` or the tapes are not of the monitored network's shape.
    #[inline]
    pub fn check<'a, T: Scalar>(
        &mut self,
        epoch: usize,
        tapes: impl Iterator<Item = &'a Tape<T>> + Clone,
        gradients: &Gradients<T>,
    ) {
        self.until_due -= 1;
        if self.until_due == 0 {
            self.until_due = self.every;
            self.check_now(epoch, tapes, gradients);
        }
    }

    // Kept out of the training loop it is called from, whose code stays as it was.
    #[inline(never)]
    fn check_now<'a, T: Scalar>(
        &mut self,
        epoch: usize,
        tapes: impl Iterator<Item = &'a Tape<T>> + Clone,
        gradients: &Gradients<T>,
    ) {
        let HealthThresholds {
            vanishing_ratio,
            exploding_norm,
            exploding_growth,
            saturated_fraction: saturated_limit,
            dead_fraction: dead_limit,
            persistence,
        } = self.thresholds;
        let n_layers = self.layers.len();
        let output_norm = gradient_norm(gradients, n_layers - 1);
        for (layer, health) in self.layers.iter_mut().enumerate() {
            let norm = if health.hidden { gradient_norm(gradients, layer) } else { output_norm };

            let previous = health.previous_norm;
            health.previous_norm = norm;
            // NaN before the first check, infinite after a check at 0: no growth then.
            let growth = norm / previous;
            let grew = previous > 0.0
                && growth >= exploding_growth
                && norm > exploding_norm / exploding_growth;
            if norm > exploding_norm || grew {
                let growth = if grew { growth } else { 1.0 };
                health.seen(1, layer, epoch, norm, growth, || Symptom::ExplodingGradients {
                    largest_norm: norm,
                    largest_growth: growth,
                    norm: exploding_norm,
                    growth: exploding_growth,
                });
            }
            if !health.hidden {
                continue;
            }

            let ratio = norm / output_norm;
            // Not below when the output layer's norm is 0 (the ratio is NaN or infinite).
            if ratio < vanishing_ratio {
                health.vanishing_streak += 1;
                if health.vanishing_streak >= persistence {
                    health.seen(0, layer, epoch, ratio, 1.0, || Symptom::VanishingGradients {
                        smallest_ratio: ratio,
                        ratio: vanishing_ratio,
                        persistence,
                    });
                }
            } else {
                health.vanishing_streak = 0;
            }

            if let Some(fraction) = saturated_fraction(health.activation, layer, tapes.clone()) {
                if fraction > saturated_limit {
                    health.saturated_streak += 1;
                    if health.saturated_streak >= persistence {
                        health.seen(2, layer, epoch, fraction, 1.0, || Symptom::SaturatedUnits {
                            largest_fraction: fraction,
                            fraction: saturated_limit,
                            persistence,
                        });
                    }
                } else {
                    health.saturated_streak = 0;
                }
            }

            if !health.dead_streaks.is_empty() {
                let mut n_dead = 0;
                for (neuron, streak) in health.dead_streaks.iter_mut().enumerate() {
                    *streak = if is_dead(layer, neuron, tapes.clone()) { *streak + 1 } else { 0 };
                    n_dead += usize::from(*streak >= persistence);
                }
                let fraction = n_dead as f64 / health.dead_streaks.len() as f64;
                if fraction > dead_limit {
                    health.seen(3, layer, epoch, fraction, 1.0, || Symptom::DeadUnits {
                        largest_fraction: fraction,
                        fraction: dead_limit,
                        persistence,
                    });
                }
            }
        }
    }

    /// What the checks found, one finding per layer and kind, by first epoch, then layer, then
    /// kind (vanishing, exploding, saturated, dead).
    pub fn findings(&self) -> Vec<HealthFinding> {
        let mut findings: Vec<HealthFinding> = self
            .layers
            .iter()
            .flat_map(|health| health.findings.iter().flatten().copied())
            .collect();
        for finding in &mut findings {
            finding.every = self.every;
        }
        findings.sort_by_key(|finding| finding.first_epoch);
        findings
    }
}

#[cfg(test)]
mod tests {
    use mlp_core::nalgebra::{DMatrix, DVector};
    use mlp_core::{Dense, Loss};

    use super::*;

    /// A 1-n-1 network whose hidden units, fed x = 1, have pre-activations `z` (their weights;
    /// biases `bias` if given, added), and its tape after a forward pass of that one sample.
    fn fixture(activation: Activation, z: &[f64], bias: Option<&[f64]>) -> (Network, Tape<f64>) {
        let n = z.len();
        let hidden = Dense::new(
            DMatrix::from_column_slice(n, 1, z),
            bias.map(DVector::from_column_slice),
            activation,
        );
        let output = Dense::new(DMatrix::from_element(1, n, 1.0), None, Activation::Identity);
        let network = Network::new(vec![hidden, output], Loss::MeanSquared).unwrap();
        let mut tape = network.try_tape(1).unwrap();
        tape.load(&DMatrix::from_element(1, 1, 1.0), &DMatrix::from_element(1, 1, 0.0)).unwrap();
        network.forward(&mut tape);
        (network, tape)
    }

    /// Gradients of `network` (no biases) whose per-layer norms are `norms`: each layer's first
    /// weight.
    fn gradients(network: &Network, norms: &[f64]) -> Gradients<f64> {
        let mut gradients = network.zero_gradients();
        let weight_blocks = gradients.blocks_mut();
        for (block, &norm) in weight_blocks.zip(norms) {
            block[0] = norm;
        }
        gradients
    }

    /// Runs one check per epoch from 1, with the gradient norms of each epoch, on an identity
    /// hidden layer (no unit rule applies); returns the findings.
    fn norms_over_epochs(norms: &[[f64; 2]]) -> Vec<HealthFinding> {
        let (network, tape) = fixture(Activation::Identity, &[1.0], None);
        let mut monitor = HealthMonitor::new(&network, HealthThresholds::default());
        for (epoch_idx, norms) in norms.iter().enumerate() {
            monitor.check(epoch_idx + 1, std::iter::once(&tape), &gradients(&network, norms));
        }
        monitor.findings()
    }

    fn kinds(findings: &[HealthFinding]) -> Vec<(&'static str, usize)> {
        findings.iter().map(|finding| (finding.kind(), finding.layer)).collect()
    }

    #[test]
    fn vanishing_takes_five_checks_in_a_row_strictly_below_the_ratio() {
        let below = [0.999e-3, 1.0];
        assert_eq!(norms_over_epochs(&[below; 4]), []);
        let findings = norms_over_epochs(&[below; 5]);
        assert_eq!(kinds(&findings), [("vanishing-gradients", 1)]);
        assert_eq!(
            (findings[0].first_epoch, findings[0].last_epoch, findings[0].checks),
            (5, 5, 1)
        );
        // Exactly 1e-3 of the output layer's is not below; a check that is not breaks the run.
        let at = [1e-3, 1.0];
        assert_eq!(norms_over_epochs(&[below, below, below, below, at, below]), []);
        assert_eq!(norms_over_epochs(&[at; 8]), []);
        // The output layer's own norm 0: not vanishing (nothing to compare with).
        assert_eq!(norms_over_epochs(&[[0.0, 0.0]; 8]), []);
        // Reported once, from the first epoch it held at to the last, with the smallest ratio.
        let smaller = [2e-6, 1.0];
        let epochs = [below, below, below, below, below, at, below, smaller];
        let findings = norms_over_epochs(&epochs);
        assert_eq!(findings.len(), 1);
        assert_eq!(
            (findings[0].first_epoch, findings[0].last_epoch, findings[0].checks),
            (5, 5, 1)
        );
        let epochs = [[below; 7].as_slice(), &[smaller; 3]].concat();
        let findings = norms_over_epochs(&epochs);
        assert_eq!(
            (findings[0].first_epoch, findings[0].last_epoch, findings[0].checks),
            (5, 10, 6)
        );
        let Symptom::VanishingGradients { smallest_ratio, .. } = findings[0].symptom else {
            panic!("{findings:?}")
        };
        assert_eq!(smallest_ratio, 2e-6);
        assert_eq!(
            findings[0].to_string(),
            "vanishing gradients in layer 1 (identity) from epoch 5 to 10: its gradient norm \
             stayed below 0.001 of the output layer's for 5 epochs in a row (down to 2e-6); its \
             weights barely learn: try fewer layers or ReLU"
        );
    }

    #[test]
    fn exploding_is_a_norm_above_1e3_at_once() {
        assert_eq!(norms_over_epochs(&[[1000.0, 1000.0], [999.0, 1000.0]]), []);
        let epochs = [[500.0, 600.0], [1001.0, 600.0], [500.0, 600.0], [500.0, 2e3]];
        let findings = norms_over_epochs(&epochs);
        assert_eq!(kinds(&findings), [("exploding-gradients", 1), ("exploding-gradients", 2)]);
        assert_eq!((findings[0].first_epoch, findings[0].last_epoch), (2, 2));
        assert_eq!((findings[1].first_epoch, findings[1].last_epoch), (4, 4));
        assert_eq!(
            findings[0].to_string(),
            "exploding gradients in layer 1 (identity) at epoch 2: its gradient norm reached \
             1001 (limits: 1000, or 100-fold in one epoch); try a smaller learning rate"
        );
    }

    #[test]
    fn exploding_is_a_hundredfold_growth_in_one_epoch_above_a_floor() {
        // 0.2 to 19.99 is 99.95-fold; to 20, 100-fold.
        assert_eq!(norms_over_epochs(&[[0.2, 1.0], [19.99, 1.0]]), []);
        let findings = norms_over_epochs(&[[0.2, 1.0], [20.0, 1.0], [20.0, 1.0]]);
        assert_eq!(kinds(&findings), [("exploding-gradients", 1)]);
        assert_eq!((findings[0].first_epoch, findings[0].checks), (2, 1));
        assert_eq!(
            findings[0].to_string(),
            "exploding gradients in layer 1 (identity) at epoch 2: its gradient norm reached 20, \
             growing up to 100-fold in one epoch (limits: 1000, or 100-fold in one epoch); try a \
             smaller learning rate"
        );
        // Growth to 10 or less (1e3 / 100) is noise between batches; growth from 0 is none;
        // the first check has nothing to grow from.
        assert_eq!(norms_over_epochs(&[[0.001, 1.0], [10.0, 1.0]]), []);
        assert_eq!(norms_over_epochs(&[[0.0, 1.0], [500.0, 1.0]]), []);
        assert_eq!(norms_over_epochs(&[[500.0, 1.0]]), []);
    }

    /// Runs `epochs` checks of a hidden layer of `activation` with pre-activations `z`.
    fn units_over_epochs(
        activation: Activation,
        z: &[f64],
        bias: Option<&[f64]>,
        epochs: usize,
    ) -> Vec<HealthFinding> {
        let (network, tape) = fixture(activation, z, bias);
        let mut monitor = HealthMonitor::new(&network, HealthThresholds::default());
        let gradients = gradients(&network, &[1.0, 1.0]);
        for epoch in 1..=epochs {
            monitor.check(epoch, std::iter::once(&tape), &gradients);
        }
        monitor.findings()
    }

    /// σ(4.6) = 0.99005 and σ(−4.6) = 0.00995 are saturated (within 0.01 of a bound), σ(4.59)
    /// = 0.98995 is not; tanh(±2.65) = ±0.99007 is, tanh(2.64) = 0.98987 is not (torch:
    /// tests/reference/health.py).
    #[test]
    fn saturated_is_more_than_90_percent_of_sigmoid_activations_for_five_checks() {
        let nine_of_ten = [4.6, -4.6, 4.6, 4.6, 4.6, 4.6, 4.6, 4.6, 4.6, 4.59];
        assert_eq!(units_over_epochs(Activation::Sigmoid, &nine_of_ten, None, 10), []);
        let ten = [4.6, -4.6, 4.6, 4.6, 4.6, 4.6, 4.6, 4.6, 4.6, 4.6];
        assert_eq!(units_over_epochs(Activation::Sigmoid, &ten, None, 4), []);
        let findings = units_over_epochs(Activation::Sigmoid, &ten, None, 5);
        assert_eq!(kinds(&findings), [("saturated-units", 1)]);
        assert_eq!(findings[0].first_epoch, 5);
        assert_eq!(
            findings[0].to_string(),
            "saturated units in layer 1 (sigmoid) at epoch 5: more than 90% of its activations \
             were within 0.01 of a bound for 5 epochs in a row (up to 100%), where their \
             gradients vanish: try standardized inputs, a smaller learning rate or ReLU"
        );
        // tanh(2.65) = 0.99007 is saturated, tanh(2.64) = 0.98987 is not.
        let tanh = |last| [[-2.65; 9].as_slice(), &[last]].concat();
        assert_eq!(units_over_epochs(Activation::Tanh, &tanh(2.64), None, 10), []);
        let findings = units_over_epochs(Activation::Tanh, &tanh(2.65), None, 5);
        assert_eq!(kinds(&findings), [("saturated-units", 1)]);
        // ReLU units are never saturated.
        assert_eq!(units_over_epochs(Activation::Relu, &[100.0; 4], None, 10), []);
    }

    #[test]
    fn dead_is_more_than_half_the_relu_units_dead_for_five_checks() {
        // z = 1 + bias: -1 + 1 = 0 counts as dead (z ≤ 0), 1e-9 does not.
        let two_of_four = [0.0, -3.0, 1e-9, 2.0];
        assert_eq!(
            units_over_epochs(
                Activation::Relu,
                &[1.0; 4],
                Some(&[-1.0, -4.0, -1.0 + 1e-9, 1.0]),
                10
            ),
            []
        );
        assert_eq!(units_over_epochs(Activation::Relu, &two_of_four, None, 10), []);
        let three_of_four = [0.0, -3.0, -1e-9, 2.0];
        assert_eq!(units_over_epochs(Activation::Relu, &three_of_four, None, 4), []);
        let findings = units_over_epochs(Activation::Relu, &three_of_four, None, 7);
        assert_eq!(kinds(&findings), [("dead-units", 1)]);
        assert_eq!(
            (findings[0].first_epoch, findings[0].last_epoch, findings[0].checks),
            (5, 7, 3)
        );
        assert_eq!(
            findings[0].to_string(),
            "dead units in layer 1 (relu) from epoch 5 to 7: more than 50% of its units had z ≤ 0 \
             for every sample of the batch at 5 epochs in a row (up to 75%), so they no longer \
             learn: try a smaller learning rate or leaky ReLU"
        );
        // Leaky ReLU and sigmoid units are not checked for death.
        let leaky = Activation::LEAKY_RELU;
        assert_eq!(units_over_epochs(leaky, &[-1.0; 4], None, 10), []);
    }

    /// A unit dead on one batch and alive on the next starts its count again: three units of
    /// four dead at four checks out of five are not reported.
    #[test]
    fn a_unit_must_be_dead_at_every_check_in_a_row() {
        let (network, dead) = fixture(Activation::Relu, &[-1.0, -1.0, -1.0, 1.0], None);
        let (_, alive) = fixture(Activation::Relu, &[1.0, 1.0, 1.0, 1.0], None);
        let gradients = gradients(&network, &[1.0, 1.0]);
        let mut monitor = HealthMonitor::new(&network, HealthThresholds::default());
        for (epoch_idx, tape) in
            [&dead, &dead, &alive, &dead, &dead, &dead, &dead].iter().enumerate()
        {
            monitor.check(epoch_idx + 1, std::iter::once(*tape), &gradients);
        }
        assert_eq!(monitor.findings(), []);
        monitor.check(8, std::iter::once(&dead), &gradients);
        assert_eq!(kinds(&monitor.findings()), [("dead-units", 1)]);
        // Over the batch's chunks: dead only if z ≤ 0 in every chunk's samples.
        let mut monitor = HealthMonitor::new(&network, HealthThresholds::default());
        for epoch in 1..=8 {
            monitor.check(epoch, [&dead, &alive].into_iter(), &gradients);
        }
        assert_eq!(monitor.findings(), []);
    }

    /// A tiny network's epoch of one step costs a few hundred instructions, about what a
    /// check costs: with fewer than 16 steps an epoch, the checks come every few epochs.
    #[test]
    fn short_epochs_are_checked_every_few_epochs() {
        let (network, tape) = fixture(Activation::Identity, &[1.0], None);
        let every = |steps| {
            HealthMonitor::new(&network, HealthThresholds::default())
                .with_steps_per_epoch(steps)
                .every
        };
        assert_eq!([1, 2, 3, 5, 8, 15, 16, 17, 1000].map(every), [16, 8, 8, 4, 2, 2, 1, 1, 1]);
        // Checked at epochs 4 and 8 for 4 steps an epoch: the exploding norm of epoch 6 is
        // not seen, that of epoch 8 is.
        let mut monitor =
            HealthMonitor::new(&network, HealthThresholds::default()).with_steps_per_epoch(4);
        let (calm, exploding) =
            (gradients(&network, &[1.0, 1.0]), gradients(&network, &[2e3, 1.0]));
        for epoch in 1..=8 {
            let gradients = if epoch == 6 || epoch == 8 { &exploding } else { &calm };
            monitor.check(epoch, std::iter::once(&tape), gradients);
        }
        let findings = monitor.findings();
        assert_eq!((findings.len(), findings[0].first_epoch, findings[0].every), (1, 8, 4));
    }

    #[test]
    fn findings_come_by_first_epoch_then_layer() {
        let epochs = [[1.0, 1.0], [1.0, 1.0], [1.0, 2e3], [2e3, 1.0]];
        let findings = norms_over_epochs(&epochs);
        assert_eq!(kinds(&findings), [("exploding-gradients", 2), ("exploding-gradients", 1)]);
    }

    #[test]
    fn thresholds_out_of_range_are_named() {
        assert_eq!(HealthThresholds::default().validate(), Ok(()));
        let off = HealthThresholds {
            exploding_norm: f64::INFINITY,
            exploding_growth: f64::INFINITY,
            saturated_fraction: 1.0,
            dead_fraction: 1.0,
            vanishing_ratio: 1.0,
            persistence: 1,
        };
        assert_eq!(off.validate(), Ok(()));
        let bad = [
            HealthThresholds { vanishing_ratio: 0.0, ..HealthThresholds::default() },
            HealthThresholds { vanishing_ratio: 1.5, ..HealthThresholds::default() },
            HealthThresholds { exploding_norm: 0.0, ..HealthThresholds::default() },
            HealthThresholds { exploding_norm: f64::NAN, ..HealthThresholds::default() },
            HealthThresholds { exploding_growth: 1.0, ..HealthThresholds::default() },
            HealthThresholds { saturated_fraction: -0.1, ..HealthThresholds::default() },
            HealthThresholds { dead_fraction: 1.1, ..HealthThresholds::default() },
            HealthThresholds { persistence: 0, ..HealthThresholds::default() },
        ];
        let names = [
            "vanishing_ratio",
            "vanishing_ratio",
            "exploding_norm",
            "exploding_norm",
            "exploding_growth",
            "saturated_fraction",
            "dead_fraction",
            "persistence",
        ];
        for (thresholds, expected) in bad.iter().zip(names) {
            match thresholds.validate() {
                Err(ConfigError::HealthThreshold { name, .. }) => assert_eq!(name, expected),
                other => panic!("{thresholds:?}: {other:?}"),
            }
        }
        let config = crate::TrainConfig { health: Some(bad[0]), ..crate::TrainConfig::default() };
        let error = config.validate().unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid training setting: health threshold vanishing_ratio must be in (0, 1], not 0"
        );
    }

    /// Through the trainer: a ReLU layer whose biases keep every unit at z < 0 is reported in
    /// the report and among the run's warnings; with the checks off, nothing is.
    #[test]
    fn the_trainer_reports_what_the_checks_find() {
        let (network, _) = fixture(Activation::Relu, &[1.0, 1.0], Some(&[-10.0, -10.0]));
        let inputs = DMatrix::from_row_slice(1, 4, &[0.0, 1.0, 2.0, 3.0]);
        let targets = DMatrix::from_row_slice(1, 4, &[1.0, 0.0, 1.0, 0.0]);
        let data = crate::Dataset::numbered(inputs, targets).unwrap();
        // Two steps an epoch: a check every 8 epochs, at epochs 8, 16, …, 48.
        let config = crate::TrainConfig {
            epochs: 48,
            batch_size: 2,
            threads: 1,
            ..crate::TrainConfig::default()
        };
        let report = crate::train(&mut network.clone(), &data, None, &config).unwrap();
        assert_eq!(kinds(&report.health), [("dead-units", 1)]);
        let finding = report.health[0];
        assert_eq!(
            (finding.first_epoch, finding.last_epoch, finding.checks, finding.every),
            (40, 48, 2, 8)
        );
        assert_eq!(
            finding.to_string(),
            "dead units in layer 1 (relu) from epoch 40 to 48 (at 2 checks, one every 8 epochs): \
             more than 50% of its units had z ≤ 0 for every sample of the batch at 5 checks in a \
             row (up to 100%), so they no longer learn: try a smaller learning rate or leaky ReLU"
        );
        let warnings = crate::warnings::training_warnings(&config, &report);
        assert!(warnings.iter().any(|w| w.kind() == "dead-units"), "{warnings:?}");
        let off = crate::TrainConfig { health: None, ..config };
        let report = crate::train(&mut network.clone(), &data, None, &off).unwrap();
        assert_eq!(report.health, []);
    }
}
