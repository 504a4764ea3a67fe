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
            // `powf`, as Python's `gamma ** n` in PyTorch's closed forms.
            Schedule::Step { every, factor } => base * factor.powf((e / every.max(1)) as f64),
            Schedule::Exponential { gamma } => base * gamma.powf(e as f64),
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
/// # Against PyTorch
///
/// Each schedule stepped once per epoch (the rate of epoch e is the optimizer's `lr` before the
/// e-th `scheduler.step()`) gives these rates, within rounding (tests/reference/schedules.py):
///
/// | `--lr-schedule` | PyTorch | largest relative difference |
/// |---|---|---|
/// | `step:EVERY:GAMMA` | `StepLR(step_size=EVERY, gamma=GAMMA)` | 0 |
/// | `exponential:GAMMA` | `ExponentialLR(gamma=GAMMA)` | 4.4e-16 |
/// | `cosine:T_MAX` | `CosineAnnealingLR(T_max=T_MAX, eta_min=0)` | 4.7e-15 |
/// | `plateau:PATIENCE:FACTOR` | `ReduceLROnPlateau(mode="min", factor=FACTOR, patience=PATIENCE)` | 0 |
/// | `--warmup W` | `ChainedScheduler([LinearLR(start_factor=1/W, total_iters=W−1), schedule])` | as the schedule |
///
/// PyTorch steps its schedulers recursively (each step multiplies the rate by a ratio), mlp
/// computes the closed form: the differences are that recursion's rounding, largest where the
/// cosine nears 0. Two further differences: with `--warmup` longer than the cosine's first
/// period (W > T_MAX + 1), PyTorch's chain departs from the product (its cosine adds
/// η (1 − cos(π/T_MAX))/2 at each restart instead of multiplying, a term the warm-up does not
/// scale), where mlp keeps η · s_e · w_e; and reduce-on-plateau's 10⁻⁸ test compares the rate
/// before the warm-up factor (PyTorch compares the optimizer's rate, warm-up included), which
/// can differ only while a warm-up runs. `ReduceLROnPlateau` needs the loss, so
/// `ChainedScheduler` cannot step it: step `LinearLR` and then `ReduceLROnPlateau` by hand,
/// which gives the same product.
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
        // The best starts at +∞ (PyTorch's `mode_worse`): a NaN loss is never an improvement,
        // not even the first.
        let best = state.best.unwrap_or(f64::INFINITY);
        let improved = monitored < best * (1.0 - PLATEAU_THRESHOLD);
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

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use mlp_core::{Activation, Architecture, Loss, Network};
    use mlp_data::Dataset;
    use nalgebra::DMatrix;

    use super::*;
    use crate::{train_with, Optimizer, TrainConfig};

    // PyTorch's rates of epochs 1..25 from base rate 0.1, each scheduler stepped once per epoch
    // (tests/reference/schedules.py); `_WARM`: chained with LinearLR(start_factor=1/3,
    // total_iters=2), a warm-up of 3 epochs.
    const STEP: [f64; 25] = [
        0.1,
        0.1,
        0.1,
        0.05,
        0.05,
        0.05,
        0.025,
        0.025,
        0.025,
        0.0125,
        0.0125,
        0.0125,
        0.00625,
        0.00625,
        0.00625,
        0.003125,
        0.003125,
        0.003125,
        0.0015625,
        0.0015625,
        0.0015625,
        0.00078125,
        0.00078125,
        0.00078125,
        0.000390625,
    ];
    const STEP_WARM: [f64; 25] = [
        0.03333333333333333,
        0.06666666666666667,
        0.1,
        0.05,
        0.05,
        0.05,
        0.025,
        0.025,
        0.025,
        0.0125,
        0.0125,
        0.0125,
        0.00625,
        0.00625,
        0.00625,
        0.003125,
        0.003125,
        0.003125,
        0.0015625,
        0.0015625,
        0.0015625,
        0.00078125,
        0.00078125,
        0.00078125,
        0.000390625,
    ];
    const EXPONENTIAL: [f64; 25] = [
        0.1,
        0.09000000000000001,
        0.08100000000000002,
        0.07290000000000002,
        0.06561000000000002,
        0.05904900000000002,
        0.05314410000000002,
        0.04782969000000002,
        0.043046721000000024,
        0.03874204890000002,
        0.03486784401000002,
        0.03138105960900001,
        0.028242953648100012,
        0.025418658283290013,
        0.022876792454961013,
        0.020589113209464913,
        0.01853020188851842,
        0.01667718169966658,
        0.015009463529699923,
        0.013508517176729932,
        0.01215766545905694,
        0.010941898913151246,
        0.009847709021836121,
        0.00886293811965251,
        0.007976644307687259,
    ];
    const EXPONENTIAL_WARM: [f64; 25] = [
        0.03333333333333333,
        0.06,
        0.081,
        0.0729,
        0.06561,
        0.059049000000000004,
        0.05314410000000001,
        0.04782969000000001,
        0.04304672100000001,
        0.03874204890000001,
        0.03486784401000001,
        0.03138105960900001,
        0.028242953648100012,
        0.025418658283290013,
        0.022876792454961013,
        0.020589113209464913,
        0.01853020188851842,
        0.01667718169966658,
        0.015009463529699923,
        0.013508517176729932,
        0.01215766545905694,
        0.010941898913151246,
        0.009847709021836121,
        0.00886293811965251,
        0.007976644307687259,
    ];
    const COSINE: [f64; 25] = [
        0.1,
        0.09755282581475769,
        0.09045084971874738,
        0.07938926261462367,
        0.06545084971874739,
        0.05000000000000001,
        0.03454915028125264,
        0.020610737385376353,
        0.009549150281252635,
        0.002447174185242324,
        0.0,
        0.0024471741852423235,
        0.009549150281252666,
        0.020610737385376433,
        0.034549150281252786,
        0.050000000000000225,
        0.06545084971874766,
        0.079389262614624,
        0.09045084971874778,
        0.09755282581475812,
        0.10000000000000044,
        0.0975528258147581,
        0.0904508497187478,
        0.079389262614624,
        0.06545084971874766,
    ];
    const COSINE_WARM: [f64; 25] = [
        0.03333333333333333,
        0.06503521720983846,
        0.09045084971874738,
        0.07938926261462367,
        0.06545084971874739,
        0.05000000000000001,
        0.03454915028125264,
        0.020610737385376353,
        0.009549150281252635,
        0.002447174185242324,
        0.0,
        0.0024471741852423235,
        0.009549150281252666,
        0.020610737385376433,
        0.034549150281252786,
        0.050000000000000225,
        0.06545084971874766,
        0.079389262614624,
        0.09045084971874778,
        0.09755282581475812,
        0.10000000000000044,
        0.0975528258147581,
        0.0904508497187478,
        0.079389262614624,
        0.06545084971874766,
    ];
    const CONSTANT_WARM: [f64; 25] = [
        0.03333333333333333,
        0.06666666666666667,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
    ];
    const LOSSES: [f64; 25] = [
        1.0, 0.8, 0.8, 0.79995, 0.7999, 0.9, 0.85, 0.7999, 0.5, 0.5, 0.5, 0.5, 0.49999, 0.5, 0.5,
        0.5, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4, 0.4,
    ];
    const PLATEAU: [f64; 25] = [
        0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025,
        0.0125, 0.0125, 0.0125, 0.0125, 0.0125, 0.00625, 0.00625, 0.00625, 0.003125, 0.003125,
    ];
    const PLATEAU_WARM: [f64; 25] = [
        0.03333333333333333,
        0.06666666666666667,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.05,
        0.05,
        0.05,
        0.05,
        0.025,
        0.025,
        0.025,
        0.0125,
        0.0125,
        0.0125,
        0.0125,
        0.0125,
        0.00625,
        0.00625,
        0.00625,
        0.003125,
        0.003125,
    ];
    const PLATEAU_EPS: [f64; 12] = [
        0.1,
        0.1,
        0.010000000000000002,
        0.0010000000000000002,
        0.00010000000000000003,
        1.0000000000000004e-05,
        1.0000000000000004e-06,
        1.0000000000000005e-07,
        1.0000000000000005e-08,
        1.0000000000000005e-08,
        1.0000000000000005e-08,
        1.0000000000000005e-08,
    ];

    /// The rates of epochs 1..=n.
    fn rates(rates: &mut LearningRates, losses: Option<&[f64]>, n: usize) -> Vec<f64> {
        (1..=n)
            .map(|epoch| {
                let rate = rates.rate(epoch);
                rates.end_epoch(losses.map_or(1.0, |losses| losses[epoch - 1]));
                rate
            })
            .collect()
    }

    fn assert_close(found: &[f64], expected: &[f64], tolerance: f64, what: &str) {
        assert_eq!(found.len(), expected.len(), "{what}");
        for (epoch, (&found, &expected)) in (1..).zip(found.iter().zip(expected)) {
            let scale = found.abs().max(expected.abs());
            assert!(
                (found - expected).abs() <= tolerance * scale,
                "{what}, epoch {epoch}: {found:?} vs PyTorch's {expected:?}"
            );
        }
    }

    /// Every epoch-driven schedule, with and without a 3-epoch warm-up, against PyTorch's
    /// schedulers over 25 epochs (the cosine's period of 10 twice over, past its minimum).
    /// PyTorch's recursion rounds differently from the closed form: ≤ 4.4e-16 relative for the
    /// exponential, ≤ 4.7e-15 for the cosine (largest next to its zero), 0 for the step.
    #[test]
    fn epoch_schedules_and_warm_up_match_torch() {
        let cases: [(Schedule, &[f64], &[f64], f64); 4] = [
            (Schedule::Step { every: 3, factor: 0.5 }, &STEP, &STEP_WARM, 0.0),
            (Schedule::Exponential { gamma: 0.9 }, &EXPONENTIAL, &EXPONENTIAL_WARM, 1e-15),
            (Schedule::Cosine { t_max: 10 }, &COSINE, &COSINE_WARM, 5e-15),
            (Schedule::Constant, &[0.1; 25], &CONSTANT_WARM, 0.0),
        ];
        for (schedule, plain, warm, tolerance) in cases {
            let found = rates(&mut LearningRates::new(0.1, schedule, 0), None, 25);
            assert_close(&found, plain, tolerance, &format!("{schedule}"));
            // A warm-up of 1 epoch is none.
            let found = rates(&mut LearningRates::new(0.1, schedule, 1), None, 25);
            assert_close(&found, plain, tolerance, &format!("{schedule}, warm-up 1"));
            let found = rates(&mut LearningRates::new(0.1, schedule, 3), None, 25);
            assert_close(&found, warm, tolerance, &format!("{schedule}, warm-up 3"));
        }
    }

    /// Reduce-on-plateau fed the script's losses (a tie, an improvement below the 10⁻⁴ bar, a
    /// counter restarted after each reduction, five reductions), alone and after a warm-up:
    /// the same bits as PyTorch's `ReduceLROnPlateau`.
    #[test]
    fn plateau_matches_torch_bit_for_bit() {
        let plateau = Schedule::Plateau { patience: 2, factor: 0.5 };
        let found = rates(&mut LearningRates::new(0.1, plateau, 0), Some(&LOSSES), 25);
        assert_eq!(found, PLATEAU);
        let found = rates(&mut LearningRates::new(0.1, plateau, 3), Some(&LOSSES), 25);
        assert_eq!(found, PLATEAU_WARM);
    }

    /// A reduction that would change the rate by 10⁻⁸ or less is skipped: the rate stops at
    /// 1.0000000000000005e-08 under factor 0.1, as PyTorch's.
    /// A loss exactly at best · (1 − 10⁻⁴) is not an improvement (PyTorch's `a < best * rel`):
    /// with patience 0 it reduces the rate at once.
    #[test]
    fn a_loss_exactly_at_the_threshold_is_not_an_improvement() {
        let mut rates = LearningRates::new(0.1, Schedule::Plateau { patience: 0, factor: 0.5 }, 0);
        rates.end_epoch(1.0);
        rates.end_epoch(1.0 * (1.0 - PLATEAU_THRESHOLD));
        assert_eq!(rates.rate(3), 0.05);
        assert_eq!(rates.plateau_state().best, Some(1.0));
    }

    #[test]
    fn plateau_stops_reducing_below_epsilon() {
        let plateau = Schedule::Plateau { patience: 0, factor: 0.1 };
        let found = rates(&mut LearningRates::new(0.1, plateau, 0), Some(&[1.0; 12]), 12);
        assert_eq!(found, PLATEAU_EPS);
    }

    /// A NaN loss is never an improvement, not even the first (PyTorch's best starts at +∞):
    /// losses NaN, 1, 1, 0.5, 0.5 under patience 1 reduce nothing.
    #[test]
    fn a_nan_loss_is_a_bad_epoch() {
        let plateau = Schedule::Plateau { patience: 1, factor: 0.5 };
        let losses = [f64::NAN, 1.0, 1.0, 0.5, 0.5];
        let found = rates(&mut LearningRates::new(0.1, plateau, 0), Some(&losses), 5);
        assert_eq!(found, [0.1; 5]);
    }

    /// A warm-up longer than the cosine's first period: mlp keeps the product
    /// η · s_e · min(e, W)/W (the script's closed form), where PyTorch's chain departs from it.
    #[test]
    fn a_warm_up_past_the_cosine_period_keeps_the_product() {
        let expected = [
            0.020000000000000004,
            0.020000000000000004,
            0.0,
            0.039999999999999994,
            0.1,
            0.05000000000000002,
            0.0,
            0.04999999999999998,
            0.1,
            0.050000000000000024,
        ];
        let found = rates(&mut LearningRates::new(0.1, Schedule::Cosine { t_max: 2 }, 5), None, 10);
        assert_close(&found, &expected, 1e-15, "cosine:2, warm-up 5");
    }

    /// Restoring reduce-on-plateau's state continues the run as if it had not stopped.
    #[test]
    fn plateau_state_restores() {
        let plateau = Schedule::Plateau { patience: 2, factor: 0.5 };
        let mut first = LearningRates::new(0.1, plateau, 3);
        let head = rates(&mut first, Some(&LOSSES), 10);
        let mut resumed =
            LearningRates::new(0.1, plateau, 3).with_plateau_state(first.plateau_state());
        let tail: Vec<f64> = (11..=25)
            .map(|epoch| {
                let rate = resumed.rate(epoch);
                resumed.end_epoch(LOSSES[epoch - 1]);
                rate
            })
            .collect();
        assert_eq!([head, tail].concat(), PLATEAU_WARM);
    }

    #[test]
    fn schedules_read_back_what_they_print() {
        for schedule in [
            Schedule::Constant,
            Schedule::Step { every: 3, factor: 0.5 },
            Schedule::Exponential { gamma: 0.95 },
            Schedule::Cosine { t_max: 40 },
            Schedule::Plateau { patience: 5, factor: 0.1 },
        ] {
            assert_eq!(schedule.to_string().parse::<Schedule>(), Ok(schedule));
        }
        assert_eq!(" step:10:0.5 ".parse(), Ok(Schedule::Step { every: 10, factor: 0.5 }));
        // Read, not range-checked: TrainConfig::validate refuses it.
        assert_eq!("step:0:0.5".parse(), Ok(Schedule::Step { every: 0, factor: 0.5 }));
        for bad in ["", "cosine:x", "cosine", "plateau:2", "step:2:0.5:1", "linear", "step:-1:0.5"]
        {
            assert_eq!(bad.parse::<Schedule>(), Err(ParseScheduleError { text: bad.to_owned() }));
        }
    }

    /// XOR as a 2-8-1 regression, full batch, SGD at a rate large enough to overshoot, so that
    /// the loss stalls and reduce-on-plateau acts.
    fn xor() -> (Network<f64>, Dataset<f64>) {
        let architecture = Architecture {
            sizes: vec![2, 8, 1],
            hidden_activation: Activation::Tanh,
            output_activation: Activation::Identity,
            bias: true,
            loss: Loss::MeanSquared,
        };
        let network = Network::initialized(&architecture, None, 3).unwrap();
        let inputs = DMatrix::from_row_slice(2, 4, &[0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0]);
        let targets = DMatrix::from_row_slice(1, 4, &[0.0, 1.0, 1.0, 0.0]);
        (network, Dataset::numbered(inputs, targets).unwrap())
    }

    /// ReduceLROnPlateau's rule written out from PyTorch's source (`step`, `_is_better` in
    /// mode "min", threshold_mode "rel"), applied to the losses a run reported.
    fn torch_plateau(losses: &[f64], base: f64, patience: usize, factor: f64) -> Vec<f64> {
        let (mut lr, mut best, mut bad) = (base, f64::INFINITY, 0);
        let mut rates = Vec::new();
        for &loss in losses {
            rates.push(lr);
            if loss < best * (1.0 - 1e-4) {
                best = loss;
                bad = 0;
            } else {
                bad += 1;
            }
            if bad > patience {
                let new = lr * factor;
                if lr - new > 1e-8 {
                    lr = new;
                }
                bad = 0;
            }
        }
        rates
    }

    /// A real run: the history's `learning_rate` is the rate reduce-on-plateau chose from the
    /// run's own monitored losses (the validation loss when there is validation data, else the
    /// training loss), epoch by epoch, with several reductions.
    #[test]
    fn a_run_under_plateau_records_the_rates_the_rule_gives() {
        let (network, data) = xor();
        let plateau = Schedule::Plateau { patience: 1, factor: 0.5 };
        let config = TrainConfig {
            epochs: 60,
            batch_size: 4,
            optimizer: Optimizer::Momentum { momentum: 0.9 },
            learning_rate: 0.5,
            schedule: plateau,
            keep_history: true,
            ..TrainConfig::default()
        };
        for validation in [None, Some(&data)] {
            let mut trained = network.clone();
            let report =
                train_with(&mut trained, &data, validation, &config, |_| ControlFlow::Continue(()))
                    .unwrap();
            let monitored: Vec<f64> = report
                .history
                .iter()
                .map(
                    |record| {
                        if validation.is_some() {
                            record.val_loss.unwrap()
                        } else {
                            record.loss
                        }
                    },
                )
                .collect();
            let recorded: Vec<f64> =
                report.history.iter().map(|record| record.learning_rate).collect();
            assert_eq!(recorded, torch_plateau(&monitored, 0.5, 1, 0.5), "{validation:?}");
            let reductions = recorded.windows(2).filter(|pair| pair[1] < pair[0]).count();
            assert!(reductions >= 2, "only {reductions} reductions: {recorded:?}");
        }
    }

    /// Every schedule's rate reaches the history: epoch e's record holds `LearningRates::rate(e)`
    /// (warm-up included), the rate its steps used.
    #[test]
    fn the_history_holds_each_epochs_rate() {
        let (network, data) = xor();
        for schedule in [
            Schedule::Step { every: 3, factor: 0.5 },
            Schedule::Exponential { gamma: 0.9 },
            Schedule::Cosine { t_max: 10 },
            Schedule::Constant,
        ] {
            let config = TrainConfig {
                epochs: 25,
                batch_size: 2,
                optimizer: Optimizer::Sgd,
                learning_rate: 0.1,
                schedule,
                warmup: 3,
                keep_history: true,
                ..TrainConfig::default()
            };
            let mut trained = network.clone();
            let report =
                train_with(&mut trained, &data, None, &config, |_| ControlFlow::Continue(()))
                    .unwrap();
            let recorded: Vec<f64> =
                report.history.iter().map(|record| record.learning_rate).collect();
            let expected = rates(&mut LearningRates::new(0.1, schedule, 3), None, 25);
            assert_eq!(recorded, expected, "{schedule}");
        }
    }
}
