//! Warnings: facts about a run that are not errors but that a person should hear about (a
//! setting with no effect, a loss that exploded, a log cut short).
//!
//! Each [`Warning`] has a stable kebab-case [`Warning::kind`] for programs and a one-sentence
//! message ([`Display`](std::fmt::Display)) for people. It serializes as
//! `{"kind": …, "message": …}`. [`training_warnings`] derives the warnings of a finished run
//! from its configuration and report; [`truncated_log`] those of a CSV log; [`negative_r2`] that
//! of a regression's validation; [`Warning::Data`] wraps what the data preparation reports.
//!
//! Adding a warning: a variant, its `kind` and its message in the two `match`es below, and the
//! function that detects it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::data::DataNotice;
use crate::gradlog::FlushGuard;
use crate::health::HealthFinding;
use crate::human::{plural, Significant};
use crate::{TrainConfig, TrainReport};

/// The loss grew this many times or more over a run: [`Warning::LossGrew`].
pub const LOSS_GROWTH_FACTOR: f64 = 100.0;

/// The last epoch's training loss is above this share of the untrained network's:
/// [`Warning::NotLearning`].
pub const NOT_LEARNING_FRACTION: f64 = 0.9;

/// One warning. New variants will be added; match with a wildcard arm.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Warning {
    /// Early stopping is on but there is no validation data, so it watches the training loss
    /// (see [`TrainConfig::patience`]).
    PatienceOnTrainingLoss {
        /// The patience, in epochs.
        patience: usize,
    },
    /// A loss grew [`LOSS_GROWTH_FACTOR`]-fold or more from the untrained network to the last
    /// epoch: the learning rate is likely too high.
    LossGrew {
        /// `training` or `validation`.
        set: &'static str,
        /// The untrained network's loss on that data.
        initial: f64,
        /// The last epoch's loss.
        last: f64,
    },
    /// The last epoch's training loss is above [`NOT_LEARNING_FRACTION`] of the untrained
    /// network's: the network is barely learning.
    NotLearning {
        /// The untrained network's training loss.
        initial: f64,
        /// The last epoch's training loss.
        last: f64,
    },
    /// A CSV log stopped at its row cap (`with_max_rows`) and left rows out.
    LogTruncated {
        /// The log file.
        path: PathBuf,
        /// Data rows written: the cap.
        rows_written: u64,
        /// Rows left out.
        rows_dropped: u64,
    },
    /// Something the data preparation did on its own: an index column left out, classes read
    /// from integer codes, rows dropped, values imputed ([`DataNotice`]).
    Data(DataNotice),
    /// Flags that shape the data preparation were given with a model to start from, whose own
    /// preparation is used instead.
    IgnoredWithInit {
        /// The flags, as typed: `--drop`, `--missing`, ….
        flags: Vec<String>,
    },
    /// A flag was given that nothing reads in this run (`--momentum` with Adam, a gradient-log
    /// option without a gradient log).
    NoEffect {
        /// The flag, as typed.
        flag: String,
        /// Why it has no effect, a clause: `the optimizer is adam`.
        because: String,
    },
    /// A layer's gradients vanished or exploded, or its units saturated or died, as the
    /// health checks of [`TrainConfig::health`] found ([`crate::health`]); the kind is the
    /// finding's: `vanishing-gradients`, `exploding-gradients`, `saturated-units`,
    /// `dead-units`.
    Health(HealthFinding),
    /// A regression ended with a validation R² below 0: the model predicts worse than the
    /// validation targets' mean.
    NegativeR2 {
        /// The validation R².
        r2: f64,
        /// Whether the targets were already standardized for training.
        standardized_target: bool,
    },
}

impl Warning {
    /// A stable kebab-case identifier of the variant, for programs reading JSON summaries.
    pub fn kind(&self) -> &'static str {
        match self {
            Warning::PatienceOnTrainingLoss { .. } => "patience-on-training-loss",
            Warning::LossGrew { .. } => "loss-grew",
            Warning::NotLearning { .. } => "not-learning",
            Warning::LogTruncated { .. } => "log-truncated",
            Warning::Data(notice) => notice.kind(),
            Warning::IgnoredWithInit { .. } => "ignored-with-init",
            Warning::NoEffect { .. } => "no-effect",
            Warning::NegativeR2 { .. } => "negative-r2",
            Warning::Health(finding) => finding.kind(),
        }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::PatienceOnTrainingLoss { patience } => write!(
                f,
                "early stopping (patience {}) watches the training loss: there is no \
                 validation data",
                plural(*patience as u64, "epoch")
            ),
            Warning::LossGrew { set, initial, last } => write!(
                f,
                "the {set} loss grew {}-fold over the run, from {} to {}: the learning rate is \
                 likely too high",
                Significant(last / initial),
                Significant(*initial),
                Significant(*last)
            ),
            Warning::NotLearning { initial, last } => write!(
                f,
                "the training loss went only from {} to {} ({}% of where it started): the \
                 network is barely learning",
                Significant(*initial),
                Significant(*last),
                Significant(100.0 * last / initial)
            ),
            Warning::LogTruncated { path, rows_written, rows_dropped } => write!(
                f,
                "{} stopped at its row cap of {}; {} {} not written (log fewer steps or layers, or \
                 raise the cap)",
                path.display(),
                plural(*rows_written, "row"),
                plural(*rows_dropped, "more row"),
                if *rows_dropped == 1 { "was" } else { "were" }
            ),
            Warning::Data(notice) => write!(f, "{notice}"),
            Warning::IgnoredWithInit { flags } => write!(
                f,
                "{} {} no effect with --init: the model file's own preparation of the columns \
                 is used",
                flags.join(", "),
                if flags.len() == 1 { "has" } else { "have" }
            ),
            Warning::NoEffect { flag, because } => {
                write!(f, "{flag} has no effect: {because}")
            }
            Warning::NegativeR2 { r2, standardized_target } => {
                write!(
                    f,
                    "the validation R² is {}: the model predicts worse than the mean of the \
                     targets; try ",
                    Significant(*r2)
                )?;
                if !standardized_target {
                    f.write_str("--standardize-target, ")?;
                }
                f.write_str("more epochs or another learning rate")
            }
            Warning::Health(finding) => write!(f, "{finding}"),
        }
    }
}

impl serde::Serialize for Warning {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut object = serializer.serialize_struct("Warning", 2)?;
        object.serialize_field("kind", self.kind())?;
        object.serialize_field("message", &self.to_string())?;
        object.end()
    }
}

/// The warnings a finished run deserves, in this order:
///
/// - [`Warning::PatienceOnTrainingLoss`]: `config.patience` is set and the run had no
///   validation data (its epochs have no `val_loss`);
/// - [`Warning::LossGrew`]: the last epoch's training (or validation) loss is
///   [`LOSS_GROWTH_FACTOR`] times the untrained network's ([`TrainReport::initial_loss`],
///   [`TrainReport::initial_val_loss`]) or more; the larger growth is reported;
/// - [`Warning::NotLearning`], unless the loss grew: after two epochs or more, the last
///   epoch's training loss is above [`NOT_LEARNING_FRACTION`] of the untrained network's;
/// - [`Warning::Health`]: each of [`TrainReport::health`], in its order.
///
/// The baseline is the untrained network, not the first epoch: an epoch's loss is a mean over
/// its steps, and a learning rate that makes the loss explode does so within the first epoch.
pub fn training_warnings(config: &TrainConfig, report: &TrainReport) -> Vec<Warning> {
    let mut warnings = Vec::new();
    let Some(last) = report.history.last() else { return warnings };
    if let Some(patience) = config.patience {
        if last.val_loss.is_none() {
            warnings.push(Warning::PatienceOnTrainingLoss { patience });
        }
    }
    let growth = |initial: f64, last: f64| {
        (initial > 0.0 && initial.is_finite() && last.is_finite()).then(|| last / initial)
    };
    let grew = [
        ("training", Some(report.initial_loss), Some(last.loss)),
        ("validation", report.initial_val_loss, last.val_loss),
    ]
    .into_iter()
    .filter_map(|(set, initial, last)| {
        let (initial, last) = (initial?, last?);
        let factor = growth(initial, last)?;
        (factor >= LOSS_GROWTH_FACTOR).then_some((factor, Warning::LossGrew { set, initial, last }))
    })
    .max_by(|(a, _), (b, _)| a.total_cmp(b));
    match grew {
        Some((_, warning)) => warnings.push(warning),
        None => {
            let fraction = growth(report.initial_loss, last.loss);
            // Epochs are numbered from 1: the last one's number counts them, whether the
            // history kept them all or not (`TrainConfig::keep_history`).
            if last.epoch >= 2 && fraction.is_some_and(|f| f > NOT_LEARNING_FRACTION) {
                warnings
                    .push(Warning::NotLearning { initial: report.initial_loss, last: last.loss });
            }
        }
    }
    warnings.extend(report.health.iter().copied().map(Warning::Health));
    warnings
}

/// [`Warning::NegativeR2`] when a regression's validation R² is below 0 (`None`: no
/// validation data, or not a regression).
pub fn negative_r2(validation_r2: Option<f64>, standardized_target: bool) -> Option<Warning> {
    validation_r2.filter(|&r2| r2 < 0.0).map(|r2| Warning::NegativeR2 { r2, standardized_target })
}

/// [`Warning::LogTruncated`] when the log at `path`, held by `guard`, reached its row cap.
pub fn truncated_log(path: &Path, guard: &FlushGuard) -> Option<Warning> {
    guard.truncated().then(|| Warning::LogTruncated {
        path: path.to_path_buf(),
        rows_written: guard.rows_written(),
        rows_dropped: guard.rows_dropped(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::EpochRecord;

    /// A report whose untrained network had `initial` losses and whose epochs ended with the
    /// `(loss, val_loss)` pairs given.
    fn report(initial: (f64, Option<f64>), epochs: &[(f64, Option<f64>)]) -> TrainReport {
        let history = epochs
            .iter()
            .enumerate()
            .map(|(epoch_idx, &(loss, val_loss))| EpochRecord {
                epoch: epoch_idx + 1,
                loss,
                val_loss,
                ..EpochRecord::default()
            })
            .collect();
        TrainReport {
            history,
            best_epoch: epochs.len(),
            stopped_early: false,
            stop_reason: crate::StopReason::Completed,
            steps: 4 * epochs.len(),
            initial_loss: initial.0,
            initial_val_loss: initial.1,
            loss_after: epochs.last().map_or(initial.0, |&(loss, _)| loss),
            epoch_mean_loss: epochs.last().map(|&(loss, _)| loss),
            seconds: 0.0,
            health: Vec::new(),
        }
    }

    fn kinds(warnings: &[Warning]) -> Vec<&'static str> {
        warnings.iter().map(Warning::kind).collect()
    }

    #[test]
    fn a_run_that_learns_has_no_warning() {
        let report = report((1.1, Some(1.1)), &[(0.9, Some(0.8)), (0.2, Some(0.3))]);
        assert_eq!(training_warnings(&TrainConfig::default(), &report), []);
    }

    #[test]
    fn patience_without_validation_watches_the_training_loss() {
        let config = TrainConfig { patience: Some(1), ..TrainConfig::default() };
        let without = report((1.0, None), &[(0.5, None), (0.2, None)]);
        let warnings = training_warnings(&config, &without);
        assert_eq!(kinds(&warnings), ["patience-on-training-loss"]);
        assert_eq!(
            warnings[0].to_string(),
            "early stopping (patience 1 epoch) watches the training loss: there is no \
             validation data"
        );
        let with = report((1.0, Some(1.0)), &[(0.5, Some(0.5)), (0.2, Some(0.3))]);
        assert_eq!(training_warnings(&config, &with), []);
    }

    /// Iris at learning rate 1e9: the training loss fell from its first epoch, which had
    /// already exploded, but the validation loss ends 4.5e18 times the untrained network's.
    #[test]
    fn a_loss_that_exploded_names_the_larger_growth() {
        let report =
            report((1.099, Some(1.1)), &[(6.62e19, Some(4.93e18)), (5.17e6, Some(4.99e18))]);
        let warnings = training_warnings(&TrainConfig::default(), &report);
        assert_eq!(kinds(&warnings), ["loss-grew"]);
        let Warning::LossGrew { set, last, .. } = &warnings[0] else { unreachable!() };
        assert_eq!((*set, *last), ("validation", 4.99e18));
        assert_eq!(
            warnings[0].to_string(),
            "the validation loss grew 4.536e18-fold over the run, from 1.1 to 4.99e18: the \
             learning rate is likely too high"
        );
    }

    #[test]
    fn growth_just_under_the_factor_is_not_a_warning() {
        let grew = report((1.0, None), &[(1.0, None), (99.0, None)]);
        // Not a hundredfold: the loss rose, so the network is not learning.
        assert_eq!(kinds(&training_warnings(&TrainConfig::default(), &grew)), ["not-learning"]);
        let grew = report((1.0, None), &[(1.0, None), (100.0, None)]);
        assert_eq!(kinds(&training_warnings(&TrainConfig::default(), &grew)), ["loss-grew"]);
    }

    #[test]
    fn not_learning_needs_two_epochs_and_more_than_90_percent() {
        let stuck = report((1.0, None), &[(0.99, None), (0.95, None)]);
        let warnings = training_warnings(&TrainConfig::default(), &stuck);
        assert_eq!(kinds(&warnings), ["not-learning"]);
        assert_eq!(
            warnings[0].to_string(),
            "the training loss went only from 1 to 0.95 (95% of where it started): the network \
             is barely learning"
        );
        let learned = report((1.0, None), &[(0.95, None), (0.9, None)]);
        assert_eq!(training_warnings(&TrainConfig::default(), &learned), []);
        // One epoch of one step (the tutorial's): its loss is the untrained network's.
        let one_epoch = report((0.024, None), &[(0.024, None)]);
        assert_eq!(training_warnings(&TrainConfig::default(), &one_epoch), []);
        // A history that kept only its last record (`TrainConfig::keep_history` false): the
        // record's number says two epochs ran.
        let mut last_only = report((1.0, None), &[(0.99, None), (0.95, None)]);
        last_only.history.remove(0);
        assert_eq!(
            kinds(&training_warnings(&TrainConfig::default(), &last_only)),
            ["not-learning"]
        );
    }

    #[test]
    fn serializes_as_kind_and_message() {
        let warning =
            Warning::LogTruncated { path: "grads.csv".into(), rows_written: 5, rows_dropped: 1 };
        assert_eq!(
            serde_json::to_value(&warning).unwrap(),
            serde_json::json!({
                "kind": "log-truncated",
                "message": "grads.csv stopped at its row cap of 5 rows; 1 more row was not written \
                            (log fewer steps or layers, or raise the cap)",
            })
        );
    }

    #[test]
    fn a_negative_validation_r2_suggests_what_to_try() {
        assert_eq!(negative_r2(None, false), None);
        assert_eq!(negative_r2(Some(0.0), false), None);
        let warning = negative_r2(Some(-0.25), false).unwrap();
        assert_eq!(warning.kind(), "negative-r2");
        assert_eq!(
            warning.to_string(),
            "the validation R² is -0.25: the model predicts worse than the mean of the targets; \
             try --standardize-target, more epochs or another learning rate"
        );
        let standardized = negative_r2(Some(-3.0), true).unwrap().to_string();
        assert!(!standardized.contains("--standardize-target"), "{standardized}");
    }

    #[test]
    fn flags_ignored_with_init_are_listed() {
        let one = Warning::IgnoredWithInit { flags: vec!["--drop".to_owned()] };
        assert_eq!(one.kind(), "ignored-with-init");
        assert_eq!(
            one.to_string(),
            "--drop has no effect with --init: the model file's own preparation of the columns \
             is used"
        );
        let two = Warning::IgnoredWithInit { flags: vec!["--drop".into(), "--missing".into()] };
        assert!(two.to_string().starts_with("--drop, --missing have no effect"), "{two}");
    }

    #[test]
    fn data_notices_keep_their_kind_and_sentence() {
        let notice = DataNotice::RowsDropped { n_dropped: 2, n_rows: 10 };
        let warning = Warning::Data(notice.clone());
        assert_eq!(warning.kind(), notice.kind());
        assert_eq!(warning.to_string(), notice.to_string());
    }
}
