//! Update rules: SGD, momentum, Nesterov momentum, Adam, AdamW and RMSprop, as PyTorch defines
//! them.

use mlp_core::{Gradients, Network, Scalar};
use serde::{Deserialize, Serialize};

use crate::{Freeze, ParamKind};

/// An update rule for one parameter w with gradient g (including L2 decay) and learning rate η.
///
/// | variant | update (PyTorch's formulation) |
/// |---|---|
/// | `Sgd` | w ← w − η g (the tutorial's) |
/// | `Momentum` | v ← μ v + g; w ← w − η v |
/// | `Nesterov` | v ← μ v + g; w ← w − η (g + μ v) |
/// | `Adam` | m ← β₁ m + (1 − β₁) g; s ← β₂ s + (1 − β₂) g²; w ← w − η m̂ / (√ŝ + ε), with m̂ = m / (1 − β₁ᵗ), ŝ = s / (1 − β₂ᵗ) |
/// | `AdamW` | w ← w − η λ_d w (decoupled decay), then Adam's update of that w with the same g |
/// | `RmsProp` | s ← α s + (1 − α) g²; w ← w − η g / (√s + ε) |
///
/// g includes the coupled L2 term λ w of [`crate::TrainConfig::l2`] under every rule (AdamW
/// too: both decays can be given). AdamW's decoupled λ_d is `torch.optim.AdamW`'s
/// `weight_decay` (its `_single_tensor_adamw`): it applies to weights, and to biases too under
/// [`crate::TrainConfig::decay_biases`]; a frozen parameter does not decay.
///
/// In JSON (a model file's provenance) the variant is the `name` field beside its parameters:
/// `{"name": "momentum", "momentum": 0.9}`, `{"name": "adamw", "beta1": 0.9, "beta2": 0.999,
/// "epsilon": 1e-8, "weight_decay": 0.01}`, `{"name": "rmsprop", "alpha": 0.99, "epsilon":
/// 1e-8}`.
///
/// ```
/// use mlp_train::Optimizer;
///
/// assert_eq!(Optimizer::ADAMW.name(), "adamw");
/// assert_eq!(Optimizer::RMSPROP, Optimizer::RmsProp { alpha: 0.99, epsilon: 1e-8 });
/// let json = serde_json::to_string(&Optimizer::RMSPROP).unwrap();
/// assert_eq!(json, r#"{"name":"rmsprop","alpha":0.99,"epsilon":1e-8}"#);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(into = "TaggedOptimizer", from = "TaggedOptimizer")]
pub enum Optimizer {
    /// Plain gradient descent.
    Sgd,
    /// Heavy-ball momentum.
    Momentum {
        /// μ, usually 0.9.
        momentum: f64,
    },
    /// Nesterov momentum.
    Nesterov {
        /// μ, usually 0.9.
        momentum: f64,
    },
    /// Adam (Kingma & Ba, 2015).
    Adam {
        /// β₁, default 0.9.
        beta1: f64,
        /// β₂, default 0.999.
        beta2: f64,
        /// ε, default 1e-8.
        epsilon: f64,
    },
    /// Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as `torch.optim.AdamW`.
    AdamW {
        /// β₁, default 0.9.
        beta1: f64,
        /// β₂, default 0.999.
        beta2: f64,
        /// ε, default 1e-8.
        epsilon: f64,
        /// λ_d, the decoupled decay: w ← w − η λ_d w before each update; default 0.01.
        weight_decay: f64,
    },
    /// RMSprop (Hinton, 2012), as `torch.optim.RMSprop` without momentum or centring.
    RmsProp {
        /// α, the smoothing constant of the mean square (Keras' `rho`), default 0.99.
        alpha: f64,
        /// ε, added to √s, default 1e-8.
        epsilon: f64,
    },
}

impl Optimizer {
    /// Momentum with μ = 0.9.
    pub const MOMENTUM: Optimizer = Optimizer::Momentum { momentum: 0.9 };
    /// Nesterov momentum with μ = 0.9.
    pub const NESTEROV: Optimizer = Optimizer::Nesterov { momentum: 0.9 };
    /// Adam with PyTorch's and scikit-learn's defaults.
    pub const ADAM: Optimizer = Optimizer::Adam { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };
    /// AdamW with `torch.optim.AdamW`'s defaults (weight decay 0.01).
    pub const ADAMW: Optimizer =
        Optimizer::AdamW { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0.01 };
    /// RMSprop with `torch.optim.RMSprop`'s defaults (α 0.99, ε 1e-8).
    pub const RMSPROP: Optimizer = Optimizer::RmsProp { alpha: 0.99, epsilon: 1e-8 };

    /// The lowercase name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Optimizer::Sgd => "sgd",
            Optimizer::Momentum { .. } => "momentum",
            Optimizer::Nesterov { .. } => "nesterov",
            Optimizer::Adam { .. } => "adam",
            Optimizer::AdamW { .. } => "adamw",
            Optimizer::RmsProp { .. } => "rmsprop",
        }
    }

    /// Whether a step needs state carried from earlier steps (velocities, moments): true for
    /// momentum, Nesterov, Adam, AdamW and RMSprop, whose step is then not the plain
    /// w − η·∂E/∂w of one gradient.
    pub fn has_state(self) -> bool {
        !matches!(self, Optimizer::Sgd)
    }

    /// How many vectors of per-parameter state the rule keeps, each as long as the network's
    /// parameters: 0 for SGD, 1 for momentum, Nesterov (v) and RMSprop (s), 2 for Adam and
    /// AdamW (m and s).
    pub fn state_vectors(self) -> usize {
        match self {
            Optimizer::Sgd => 0,
            Optimizer::Momentum { .. } | Optimizer::Nesterov { .. } | Optimizer::RmsProp { .. } => {
                1
            }
            Optimizer::Adam { .. } | Optimizer::AdamW { .. } => 2,
        }
    }
}

/// [`Optimizer`]'s JSON form. `Sgd {}` rather than `Sgd`: serde ignores unknown fields beside
/// the tag of a unit variant, and a misspelt parameter must be an error.
#[derive(Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "kebab-case", deny_unknown_fields)]
enum TaggedOptimizer {
    Sgd {},
    Momentum {
        momentum: f64,
    },
    Nesterov {
        momentum: f64,
    },
    Adam {
        beta1: f64,
        beta2: f64,
        epsilon: f64,
    },
    #[serde(rename = "adamw")]
    AdamW {
        beta1: f64,
        beta2: f64,
        epsilon: f64,
        weight_decay: f64,
    },
    #[serde(rename = "rmsprop")]
    RmsProp {
        alpha: f64,
        epsilon: f64,
    },
}

impl From<Optimizer> for TaggedOptimizer {
    fn from(optimizer: Optimizer) -> Self {
        match optimizer {
            Optimizer::Sgd => TaggedOptimizer::Sgd {},
            Optimizer::Momentum { momentum } => TaggedOptimizer::Momentum { momentum },
            Optimizer::Nesterov { momentum } => TaggedOptimizer::Nesterov { momentum },
            Optimizer::Adam { beta1, beta2, epsilon } => {
                TaggedOptimizer::Adam { beta1, beta2, epsilon }
            }
            Optimizer::AdamW { beta1, beta2, epsilon, weight_decay } => {
                TaggedOptimizer::AdamW { beta1, beta2, epsilon, weight_decay }
            }
            Optimizer::RmsProp { alpha, epsilon } => TaggedOptimizer::RmsProp { alpha, epsilon },
        }
    }
}

impl From<TaggedOptimizer> for Optimizer {
    fn from(optimizer: TaggedOptimizer) -> Self {
        match optimizer {
            TaggedOptimizer::Sgd {} => Optimizer::Sgd,
            TaggedOptimizer::Momentum { momentum } => Optimizer::Momentum { momentum },
            TaggedOptimizer::Nesterov { momentum } => Optimizer::Nesterov { momentum },
            TaggedOptimizer::Adam { beta1, beta2, epsilon } => {
                Optimizer::Adam { beta1, beta2, epsilon }
            }
            TaggedOptimizer::AdamW { beta1, beta2, epsilon, weight_decay } => {
                Optimizer::AdamW { beta1, beta2, epsilon, weight_decay }
            }
            TaggedOptimizer::RmsProp { alpha, epsilon } => Optimizer::RmsProp { alpha, epsilon },
        }
    }
}

impl Default for Optimizer {
    /// Adam, as scikit-learn's MLP and most Keras examples.
    fn default() -> Self {
        Optimizer::ADAM
    }
}

/// An optimizer with its per-parameter state (velocities, moments), shaped like one network.
#[derive(Debug, Clone)]
pub struct OptimizerState<T: Scalar> {
    optimizer: Optimizer,
    /// Per block: v (momentum), m (Adam, AdamW) or s (RMSprop).
    first: Vec<Vec<T>>,
    /// Per block: s (Adam, AdamW).
    second: Vec<Vec<T>>,
    /// Steps taken.
    steps: i32,
    /// Per layer: whether its weights, then its biases, stay fixed.
    frozen: Vec<[bool; 2]>,
    /// Whether the decay applies to biases too.
    decay_biases: bool,
}

impl<T: Scalar> OptimizerState<T> {
    /// Zeroed state for `network`'s parameters.
    pub fn new(optimizer: Optimizer, network: &Network<T>) -> Self {
        let zeros =
            || network.parameter_blocks().map(|block| vec![T::zero(); block.len()]).collect();
        let second = if optimizer.state_vectors() == 2 { zeros() } else { Vec::new() };
        let frozen = vec![[false; 2]; network.layers().len()];
        OptimizerState { optimizer, first: zeros(), second, steps: 0, frozen, decay_biases: false }
    }

    /// This state with the decay (L2 λ, and AdamW's decoupled decay) applied to biases too when
    /// `decay_biases`, as PyTorch's `weight_decay` does (by default biases are not decayed:
    /// [`crate::TrainConfig::decay_biases`]).
    #[must_use = "with_bias_decay returns the changed state"]
    pub fn with_bias_decay(mut self, decay_biases: bool) -> Self {
        self.decay_biases = decay_biases;
        self
    }

    /// Zeroed state for `network`'s parameters that leaves those `freeze` names as they are:
    /// no update, no L2 decay, no velocity or moment for them (see [`Freeze`]).
    pub fn with_freeze(optimizer: Optimizer, network: &Network<T>, freeze: &Freeze) -> Self {
        let mut state = OptimizerState::new(optimizer, network);
        for (layer, frozen) in state.frozen.iter_mut().enumerate() {
            *frozen =
                [ParamKind::Weights, ParamKind::Biases].map(|kind| freeze.is_frozen(layer, kind));
        }
        state
    }

    /// The rule.
    pub fn optimizer(&self) -> Optimizer {
        self.optimizer
    }

    /// Applies one update to `network` with `gradients`, learning rate η and L2 decay λ
    /// (g ← g + λ w for weights, and for biases with [`OptimizerState::with_bias_decay`]; so
    /// does AdamW's decoupled decay), leaving frozen parameters as they are
    /// ([`OptimizerState::with_freeze`]). Allocates nothing.
    pub fn step(
        &mut self,
        network: &mut Network<T>,
        gradients: &Gradients<T>,
        learning_rate: f64,
        l2: f64,
    ) {
        self.step_blocks::<false>(network, gradients, learning_rate, l2, &mut []);
    }

    /// [`OptimizerState::step`] that also keeps every parameter's value before the update in
    /// `before` (one vector per block of [`Network::parameter_blocks`], of the block's length)
    /// and returns the first 1-based layer whose parameters the update made NaN or infinite,
    /// if any: the copy and the check of a training loop that undoes a step which overflowed,
    /// done in the update's own pass over the parameters. A frozen block is not copied: fill
    /// `before` from the network once before the first step. Allocates nothing.
    ///
    /// Panics if `before` is not shaped like the network's blocks.
    pub fn step_checked(
        &mut self,
        network: &mut Network<T>,
        gradients: &Gradients<T>,
        learning_rate: f64,
        l2: f64,
        before: &mut [Vec<T>],
    ) -> Option<usize> {
        self.step_blocks::<true>(network, gradients, learning_rate, l2, before)
    }

    /// The step, with `before` and the check when `KEEP`.
    fn step_blocks<const KEEP: bool>(
        &mut self,
        network: &mut Network<T>,
        gradients: &Gradients<T>,
        learning_rate: f64,
        l2: f64,
        before: &mut [Vec<T>],
    ) -> Option<usize> {
        self.steps += 1;
        let rule = match self.optimizer {
            Optimizer::Sgd => Rule::Sgd,
            Optimizer::Momentum { momentum } => {
                Rule::Momentum { mu: T::from_f64_value(momentum), nesterov: false }
            }
            Optimizer::Nesterov { momentum } => {
                Rule::Momentum { mu: T::from_f64_value(momentum), nesterov: true }
            }
            Optimizer::Adam { beta1, beta2, epsilon }
            | Optimizer::AdamW { beta1, beta2, epsilon, .. } => Rule::Adam {
                b1: T::from_f64_value(beta1),
                b2: T::from_f64_value(beta2),
                correction1: T::one() - T::from_f64_value(beta1.powi(self.steps)),
                correction2: T::one() - T::from_f64_value(beta2.powi(self.steps)),
                epsilon: T::from_f64_value(epsilon),
            },
            Optimizer::RmsProp { alpha, epsilon } => Rule::RmsProp {
                alpha: T::from_f64_value(alpha),
                epsilon: T::from_f64_value(epsilon),
            },
        };
        // AdamW's decoupled decay as torch's `param.mul_(1 - lr * weight_decay)`: a factor of 1
        // (which changes no bits) under every other rule and for biases not decayed.
        let weight_shrink = match self.optimizer {
            Optimizer::AdamW { weight_decay, .. } => {
                T::from_f64_value(1.0 - learning_rate * weight_decay)
            }
            _ => T::one(),
        };
        let bias_shrink = if self.decay_biases { weight_shrink } else { T::one() };
        let eta = T::from_f64_value(learning_rate);
        let decay = T::from_f64_value(l2);
        assert_eq!(gradients.n_layers(), network.layers().len(), "gradients of another network");
        if KEEP {
            assert_eq!(before.len(), self.first.len(), "a copy shaped like the network's blocks");
        }
        // Blocks in the order of `Network::parameter_blocks`: per layer, the weights, which
        // decay, then the biases, which do not. Reached by layer, without iterator adaptors over
        // the whole network, which cost more than a tiny network's arithmetic.
        let mut block = 0;
        let mut first_non_finite = None;
        for layer in 0..gradients.n_layers() {
            let (weights, bias) = network.layer_parameters_mut(layer);
            let [weights_frozen, biases_frozen] = self.frozen[layer];
            let weight_gradient = gradients.weights(layer).as_slice();
            // A frozen block is neither updated nor copied: its copy in `before` is its value.
            let mut finite = weights_frozen
                || self.update::<KEEP>(
                    rule,
                    Block { parameters: weights, gradient: weight_gradient, index: block },
                    Rate { eta, decay, shrink: weight_shrink },
                    before,
                );
            block += 1;
            if let (Some(bias), Some(bias_gradient)) = (bias, gradients.bias(layer)) {
                let bias_block =
                    Block { parameters: bias, gradient: bias_gradient.as_slice(), index: block };
                if !biases_frozen {
                    let bias_decay = if self.decay_biases { decay } else { T::zero() };
                    let rate = Rate { eta, decay: bias_decay, shrink: bias_shrink };
                    finite &= self.update::<KEEP>(rule, bias_block, rate, before);
                }
                block += 1;
            }
            if !finite && first_non_finite.is_none() {
                first_non_finite = Some(layer + 1);
            }
        }
        first_non_finite
    }

    /// Applies `rule` to one block of parameters with its gradient and state. When `KEEP`,
    /// copies each parameter into `before` first and returns whether every updated one is
    /// finite (true otherwise).
    #[inline]
    fn update<const KEEP: bool>(
        &mut self,
        rule: Rule<T>,
        block: Block<'_, T>,
        rate: Rate<T>,
        before: &mut [Vec<T>],
    ) -> bool {
        let Block { parameters, gradient, index } = block;
        let Rate { eta, decay, shrink } = rate;
        assert_eq!(parameters.len(), gradient.len(), "gradients of another network");
        let kept: &mut [T] = if KEEP { &mut before[index] } else { &mut [] };
        if KEEP {
            assert_eq!(kept.len(), parameters.len(), "a copy shaped like the network's blocks");
        }
        let mut finite = true;
        // Each rule's new value of w, then the copy and the check around the write.
        let mut write = |k: usize, w: &mut T, new: T| {
            if KEEP {
                kept[k] = *w;
                finite &= new.is_finite();
            }
            *w = new;
        };
        match rule {
            Rule::Sgd => {
                for (k, (w, &g)) in parameters.iter_mut().zip(gradient).enumerate() {
                    let new = *w - eta * (g + decay * *w);
                    write(k, w, new);
                }
            }
            Rule::Momentum { mu, nesterov } => {
                let velocities = &mut self.first[index];
                for (k, ((w, &g), v)) in
                    parameters.iter_mut().zip(gradient).zip(velocities).enumerate()
                {
                    let g = g + decay * *w;
                    *v = mu * *v + g;
                    let new = *w - if nesterov { eta * (g + mu * *v) } else { eta * *v };
                    write(k, w, new);
                }
            }
            Rule::Adam { b1, b2, correction1, correction2, epsilon } => {
                let moments = self.first[index].iter_mut().zip(&mut self.second[index]);
                for (k, ((w, &g), (m, s))) in
                    parameters.iter_mut().zip(gradient).zip(moments).enumerate()
                {
                    let g = g + decay * *w;
                    *m = b1 * *m + (T::one() - b1) * g;
                    *s = b2 * *s + (T::one() - b2) * g * g;
                    let m_hat = *m / correction1;
                    let s_hat = *s / correction2;
                    let new = *w * shrink - eta * m_hat / (s_hat.sqrt() + epsilon);
                    write(k, w, new);
                }
            }
            Rule::RmsProp { alpha, epsilon } => {
                let squares = &mut self.first[index];
                for (k, ((w, &g), s)) in
                    parameters.iter_mut().zip(gradient).zip(squares).enumerate()
                {
                    let g = g + decay * *w;
                    *s = alpha * *s + (T::one() - alpha) * g * g;
                    let new = *w - eta * g / (s.sqrt() + epsilon);
                    write(k, w, new);
                }
            }
        }
        finite
    }

    /// Steps taken so far (t of Adam's bias corrections): part of a checkpoint.
    pub fn steps(&self) -> u64 {
        u64::try_from(self.steps).unwrap_or(0)
    }

    /// Per block of [`Network::parameter_blocks`], the first per-parameter state: the
    /// velocities v of momentum and Nesterov, Adam's first moments m (empty blocks for SGD's
    /// none): part of a checkpoint.
    pub fn first_state(&self) -> &[Vec<T>] {
        &self.first
    }

    /// Per block, the second per-parameter state: Adam's second moments s (no blocks for
    /// rules without one): part of a checkpoint.
    pub fn second_state(&self) -> &[Vec<T>] {
        &self.second
    }

    /// This state with `steps` taken and the per-block `first` and `second` states of
    /// [`OptimizerState::first_state`] and [`OptimizerState::second_state`], as a checkpoint
    /// recorded them: the next step continues the run bit for bit. `None` (and nothing
    /// changed) when a list or a block is not shaped as this state's, or `steps` exceeds
    /// `i32::MAX`.
    pub fn with_state(
        mut self,
        steps: u64,
        first: Vec<Vec<T>>,
        second: Vec<Vec<T>>,
    ) -> Option<Self> {
        let shaped = |given: &[Vec<T>], own: &[Vec<T>]| {
            given.len() == own.len() && given.iter().zip(own).all(|(a, b)| a.len() == b.len())
        };
        if !shaped(&first, &self.first) || !shaped(&second, &self.second) {
            return None;
        }
        self.steps = i32::try_from(steps).ok()?;
        self.first = first;
        self.second = second;
        Some(self)
    }
}

/// One block of parameters, its gradient and its index among the blocks.
struct Block<'a, T> {
    parameters: &'a mut [T],
    gradient: &'a [T],
    index: usize,
}

/// A block's learning rate η, coupled decay λ (g ← g + λ w) and decoupled factor 1 − η λ_d.
#[derive(Clone, Copy)]
struct Rate<T> {
    eta: T,
    decay: T,
    shrink: T,
}

/// An [`Optimizer`] with its constants for one step in the network's float type.
#[derive(Clone, Copy)]
enum Rule<T> {
    Sgd,
    Momentum { mu: T, nesterov: bool },
    Adam { b1: T, b2: T, correction1: T, correction2: T, epsilon: T },
    RmsProp { alpha: T, epsilon: T },
}

#[cfg(test)]
mod tests {
    use mlp_core::{Activation, Dense, Loss};
    use nalgebra::{dmatrix, dvector};

    use super::*;

    /// With zero gradients only the L2 term moves a parameter: under SGD each weight becomes
    /// w (1 − η λ) and each bias stays (biases are not decayed); a frozen block stays too.
    #[test]
    fn l2_decays_weights_only_and_never_a_frozen_block() {
        let network = Network::new(
            vec![Dense::new(dmatrix![0.5, -2.0], Some(dvector![0.75]), Activation::Identity)],
            Loss::MeanSquared,
        )
        .unwrap();
        let gradients = network.zero_gradients();
        let mut decayed = network.clone();
        OptimizerState::new(Optimizer::Sgd, &decayed).step(&mut decayed, &gradients, 0.1, 0.5);
        assert_eq!(decayed.layers()[0].weights(), &dmatrix![0.5 * 0.95, -2.0 * 0.95]);
        assert_eq!(decayed.layers()[0].bias(), Some(&dvector![0.75]));

        let mut frozen = network.clone();
        let freeze = Freeze::all(ParamKind::Weights);
        let mut state = OptimizerState::with_freeze(Optimizer::MOMENTUM, &frozen, &freeze);
        for _ in 0..3 {
            state.step(&mut frozen, &gradients, 0.1, 0.5);
        }
        assert_eq!(frozen, network);
    }

    /// With zero gradients AdamW's moments stay 0 and only its decoupled decay moves a
    /// parameter: w (1 − η λ) for weights, biases unchanged unless `with_bias_decay`, frozen
    /// blocks unchanged either way; RMSprop moves nothing.
    #[test]
    fn adamw_decays_weights_only_by_default_and_never_a_frozen_block() {
        let network = Network::new(
            vec![Dense::new(dmatrix![0.5, -2.0], Some(dvector![0.75]), Activation::Identity)],
            Loss::MeanSquared,
        )
        .unwrap();
        let gradients = network.zero_gradients();
        let adamw = Optimizer::AdamW { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0.5 };
        let shrink = 1.0 - 0.1 * 0.5;

        let mut decayed = network.clone();
        OptimizerState::new(adamw, &decayed).step(&mut decayed, &gradients, 0.1, 0.0);
        assert_eq!(decayed.layers()[0].weights(), &dmatrix![0.5 * shrink, -2.0 * shrink]);
        assert_eq!(decayed.layers()[0].bias(), Some(&dvector![0.75]));

        let mut both = network.clone();
        let mut state = OptimizerState::new(adamw, &both).with_bias_decay(true);
        state.step(&mut both, &gradients, 0.1, 0.0);
        assert_eq!(both.layers()[0].bias(), Some(&dvector![0.75 * shrink]));

        let mut frozen = network.clone();
        let freeze = Freeze::all(ParamKind::Weights).with(None, ParamKind::Biases);
        let mut state = OptimizerState::with_freeze(adamw, &frozen, &freeze).with_bias_decay(true);
        state.step(&mut frozen, &gradients, 0.1, 0.0);
        assert_eq!(frozen, network);

        let mut still = network.clone();
        OptimizerState::new(Optimizer::RMSPROP, &still).step(&mut still, &gradients, 0.1, 0.0);
        assert_eq!(still, network);
        assert_eq!(
            [Optimizer::Sgd, Optimizer::MOMENTUM, Optimizer::RMSPROP, Optimizer::ADAMW]
                .map(Optimizer::state_vectors),
            [0, 1, 1, 2]
        );
    }
}
