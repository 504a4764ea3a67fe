//! The learning rate of each epoch: a [`Schedule`], an optional linear warm-up, and the state
//! reduce-on-plateau keeps between epochs ([`LearningRates`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How the learning rate changes from epoch to epoch (epochs counted from 1), each as PyTorch's
/// scheduler of the same name stepped once per epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// η_e = η.
    Constant,
    /// η_e = η · factor^⌊(e − 1) / every⌋: multiplied by `factor` every `every` epochs
    /// (`StepLR(step_size=every, gamma=factor)`).
    Step {
        /// Epochs between decays (≥ 1).
        every: usize,
        /// Multiplier per decay, in (0, 1].
        factor: f64,
    },
    /// η_e = η · gamma^(e − 1) (`ExponentialLR(gamma)`).
    Exponential {
        /// Multiplier per epoch, in (0, 1].
        gamma: f64,
    },
    /// η_e = η · (1 + cos(π (e − 1) / t_max)) / 2: from η down to 0 at epoch t_max + 1, and
    /// back up after it, as `CosineAnnealingLR(T_max=t_max, eta_min=0)`.
    Cosine {
        /// Epochs from the full rate to 0 (≥ 1).
        t_max: usize,
    },
    /// Reduce on plateau: η is multiplied by `factor` once the monitored loss (the validation
    /// loss, or the training loss without validation data) has not improved for more than
    /// `patience` epochs, as `ReduceLROnPlateau(mode="min", factor, patience)` with its other
    /// defaults: an epoch improves when its loss is below best · (1 − 10⁻⁴); a reduction
    /// smaller than 10⁻⁸ is skipped; no cooldown, no lower bound. The counter restarts after
    /// each reduction.
    Plateau {
        /// Epochs without improvement tolerated; the reduction comes on the next one.
        patience: usize,
        /// Multiplier per reduction, in (0, 1].
        factor: f64,
    },
}

/// Reduce-on-plateau's relative threshold: an improvement is a loss below best · (1 − this).
pub const PLATEAU_THRESHOLD: f64 = 1e-4;

/// Reduce-on-plateau skips a reduction that would change the rate by this much or less.
pub const PLATEAU_EPSILON: f64 = 1e-8;

impl Schedule {
    /// The learning rate for 1-based `epoch` from the base rate, for the schedules that depend
    /// on the epoch alone; [`Schedule::Plateau`] gives `base` (its rate depends on the losses:
    /// see [`LearningRates`]).
    pub fn learning_rate(self, base: f64, epoch: usize) -> f64 {
        let e = epoch.saturating_sub(1);
        match self {
            Schedule::Constant | Schedule::Plateau { .. } => base,
            Schedule::Step { every, factor } => base * factor.powi((e / every.max(1)) as i32),
            Schedule::Exponential { gamma } => base * gamma.powi(e as i32),
            Schedule::Cosine { t_max } => {
                let phase = std::f64::consts::PI * e as f64 / t_max.max(1) as f64;
                base * (1.0 + phase.cos()) / 2.0
            }
        }
    }
}

/// The schedule as the command line writes it: `constant`, `step:EVERY:FACTOR`,
/// `exponential:GAMMA`, `cosine:T_MAX`, `plateau:PATIENCE:FACTOR`.
impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Constant => write!(f, "constant"),
            Schedule::Step { every, factor } => write!(f, "step:{every}:{factor}"),
            Schedule::Exponential { gamma } => write!(f, "exponential:{gamma}"),
            Schedule::Cosine { t_max } => write!(f, "cosine:{t_max}"),
            Schedule::Plateau { patience, factor } => write!(f, "plateau:{patience}:{factor}"),
        }
    }
}

/// A schedule text that does not read as one: what [`Schedule::from_str`] rejects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a schedule: expected constant, step:EVERY:FACTOR, exponential:GAMMA, \
     cosine:T_MAX or plateau:PATIENCE:FACTOR"
)]
pub struct ParseScheduleError {
    /// The text given.
    pub text: String,
}

impl FromStr for Schedule {
    type Err = ParseScheduleError;

    /// Reads the [`Display`](fmt::Display) form. The numbers are read but not range-checked:
    /// [`crate::TrainConfig::validate`] does that.
    fn from_str(text: &str) -> Result<Schedule, ParseScheduleError> {
        let error = || ParseScheduleError { text: text.to_owned() };
        let parts: Vec<&str> = text.trim().split(':').collect();
        let count = |part: &str| part.trim().parse::<usize>().map_err(|_| error());
        let number = |part: &str| part.trim().parse::<f64>().map_err(|_| error());
        match parts.as_slice() {
            ["constant"] => Ok(Schedule::Constant),
            ["step", every, factor] => {
                Ok(Schedule::Step { every: count(every)?, factor: number(factor)? })
            }
            ["exponential", gamma] => Ok(Schedule::Exponential { gamma: number(gamma)? }),
            ["cosine", t_max] => Ok(Schedule::Cosine { t_max: count(t_max)? }),
            ["plateau", patience, factor] => {
                Ok(Schedule::Plateau { patience: count(patience)?, factor: number(factor)? })
            }
            _ => Err(error()),
        }
    }
}

/// The learning rate of every epoch of a run: the base rate η, the [`Schedule`], a linear
/// warm-up, and reduce-on-plateau's state.
///
/// η_e = η · s_e · w_e, where s_e is the schedule's factor for epoch e and w_e = min(e, W) / W
/// the warm-up's for W warm-up epochs (1 without warm-up): from η/W in epoch 1 to the full
/// rate in epoch W, as PyTorch's `LinearLR(start_factor=1/W, total_iters=W−1)` chained with
/// the schedule. Under [`Schedule::Plateau`] the rate η · s_e is the one reduce-on-plateau
/// keeps, multiplied by the factor at each reduction.
///
/// ```
/// use mlp_train::{LearningRates, Schedule};
///
/// let mut rates = LearningRates::new(0.1, Schedule::Plateau { patience: 1, factor: 0.5 }, 2);
/// assert_eq!(rates.rate(1), 0.05); // warm-up: half the rate
/// rates.end_epoch(1.0);
/// assert_eq!(rates.rate(2), 0.1);
/// rates.end_epoch(1.0); // no improvement: 1 bad epoch, tolerated
/// rates.end_epoch(1.0); // 2 bad epochs > patience 1: halved
/// assert_eq!(rates.rate(4), 0.05);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct LearningRates {
    base: f64,
    schedule: Schedule,
    warmup: usize,
    plateau: PlateauState,
}

/// What reduce-on-plateau remembers between epochs; part of a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlateauState {
    /// The rate it keeps (before the warm-up factor): η, times the factor per reduction.
    pub rate: f64,
    /// The best monitored loss so far; `null` (infinite) before the first epoch.
    pub best: Option<f64>,
    /// Epochs since the best one (or since the last reduction).
    pub bad_epochs: usize,
}

impl LearningRates {
    /// The rates of a run with base rate `base`, `schedule` and `warmup` warm-up epochs (0 or
    /// 1: none).
    pub fn new(base: f64, schedule: Schedule, warmup: usize) -> LearningRates {
        let plateau = PlateauState { rate: base, best: None, bad_epochs: 0 };
        LearningRates { base, schedule, warmup, plateau }
    }

    /// The rate of 1-based `epoch`.
    pub fn rate(&self, epoch: usize) -> f64 {
        let scheduled = match self.schedule {
            Schedule::Plateau { .. } => self.plateau.rate,
            schedule => schedule.learning_rate(self.base, epoch),
        };
        if self.warmup > 1 && epoch < self.warmup {
            scheduled * (epoch as f64 / self.warmup as f64)
        } else {
            scheduled
        }
    }

    /// Tells the schedule the monitored loss of the epoch that just ended (the validation loss,
    /// or the training loss without validation data); only reduce-on-plateau reads it.
    pub fn end_epoch(&mut self, monitored: f64) {
        let Schedule::Plateau { patience, factor } = self.schedule else {
            return;
        };
        let state = &mut self.plateau;
        let improved = state.best.is_none_or(|best| monitored < best * (1.0 - PLATEAU_THRESHOLD));
        if improved {
            state.best = Some(monitored);
            state.bad_epochs = 0;
        } else {
            state.bad_epochs += 1;
        }
        if state.bad_epochs > patience {
            let reduced = state.rate * factor;
            if state.rate - reduced > PLATEAU_EPSILON {
                state.rate = reduced;
            }
            state.bad_epochs = 0;
        }
    }

    /// Reduce-on-plateau's state, to save in a checkpoint.
    pub fn plateau_state(&self) -> PlateauState {
        self.plateau
    }

    /// These rates with reduce-on-plateau's state as a checkpoint saved it.
    #[must_use = "with_plateau_state returns the restored rates"]
    pub fn with_plateau_state(mut self, state: PlateauState) -> LearningRates {
        self.plateau = state;
        self
    }
}
