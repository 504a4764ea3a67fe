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
        if !(self.exploding_norm > 0.0) {
            return Err(out_of_range("exploding_norm", "above 0", self.exploding_norm));
        }
        if !(self.exploding_growth > 1.0) {
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
    /// The checks (one per epoch) the rule held at.
    pub checks: usize,
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

/// `at epoch 3` or `from epoch 3 to 200 (at 12 checks)`: when a finding held.
struct When<'a>(&'a HealthFinding);

impl fmt::Display for When<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let HealthFinding { first_epoch, last_epoch, checks, .. } = *self.0;
        if first_epoch == last_epoch {
            write!(f, "at epoch {first_epoch}")
        } else if checks == last_epoch - first_epoch + 1 {
            write!(f, "from epoch {first_epoch} to {last_epoch}")
        } else {
            write!(f, "from epoch {first_epoch} to {last_epoch} (at {checks} of those epochs)")
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
                 stayed below {} of the output layer's for {persistence} epochs in a row (down \
                 to {}); its weights barely learn: try fewer layers or ReLU",
                Significant(ratio),
                Significant(smallest_ratio)
            ),
            Symptom::ExplodingGradients { largest_norm, largest_growth, norm, growth } => {
                write!(
                    f,
                    "exploding gradients in layer {layer} ({activation}) {when}: its gradient \
                     norm reached {}",
                    Significant(largest_norm)
                )?;
                if largest_growth >= growth {
                    write!(f, ", growing up to {}-fold in one epoch", Significant(largest_growth))?;
                }
                write!(
                    f,
                    " (limits: {}, or {}-fold in one epoch); try a smaller learning rate",
                    Significant(norm),
                    Significant(growth)
                )
            }
            Symptom::SaturatedUnits { largest_fraction, fraction, persistence } => write!(
                f,
                "saturated units in layer {layer} ({activation}) {when}: more than {}% of its \
                 activations were within 0.01 of a bound for {persistence} epochs in a row (up \
                 to {}%), where their gradients vanish: try standardized inputs, a smaller \
                 learning rate or ReLU",
                Significant(100.0 * fraction),
                Significant(100.0 * largest_fraction)
            ),
            Symptom::DeadUnits { largest_fraction, fraction, persistence } => write!(
                f,
                "dead units in layer {layer} ({activation}) {when}: more than {}% of its units \
                 had z ≤ 0 for every sample of the batch at {persistence} epochs in a row (up \
                 to {}%), so they no longer learn: try a smaller learning rate or leaky ReLU",
                Significant(100.0 * fraction),
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
    let mut square = 0.0;
    for &g in gradients.layer_blocks(layer).flatten() {
        let g = g.to_f64_value();
        square += g * g;
    }
    square.sqrt()
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
}

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
        HealthMonitor { thresholds, layers }
    }

    /// The check of (1-based) `epoch`, from its last step: the batch `gradients` and the
    /// `tapes` of the batch's chunks after the backward pass (one tape for a batch computed at
    /// once). Allocates nothing.
    ///
    /// Panics if `gradients` or the tapes are not of the monitored network's shape.
    pub fn check<'a, T: Scalar>(
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
            let norm = gradient_norm(gradients, layer);

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
        findings.sort_by_key(|finding| finding.first_epoch);
        findings
    }
}
