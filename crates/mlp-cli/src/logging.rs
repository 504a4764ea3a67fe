//! The subscriber that writes the CSV logs of `mlp train`: `--grad-log`, `--layer-log`,
//! `--history`.

use std::path::PathBuf;

use anyhow::bail;
use mlp_train::events;
use mlp_train::gradlog::{FlushGuard, GradientCsvLayer, HistoryCsvLayer, LayerSummaryCsvLayer};
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

use crate::cli::TrainArgs;

/// A log file's guard, with its path and flag for messages.
struct OpenLog {
    flag: &'static str,
    path: PathBuf,
    guard: FlushGuard,
}

/// The guards of the open CSV logs; [`CsvLogs::finish`] flushes them and reports truncation.
#[must_use = "the logs are flushed by `finish`"]
pub(crate) struct CsvLogs {
    logs: Vec<OpenLog>,
}

/// Creates the log files asked for and a dispatcher with one layer per file. `None` when no log
/// is asked for.
///
/// One global filter lets through the training spans and the events of the logs asked for, so
/// that with no gradient log the trainer sees no one listening for gradient events and skips
/// them; each layer ignores the other layers' events itself. Not per-layer filters: with those,
/// the trainer's `enabled!` check for the layer-summary events, answered "no" by the gradient
/// layer's filter, left that answer behind for the next event, and the first gradient row of
/// every step (W1) went missing when the gradient log was the only log.
///
/// `n_layers` is the network's weight-layer count, to check `--grad-log-layers`.
pub(crate) fn install(
    args: &TrainArgs,
    n_layers: usize,
) -> anyhow::Result<(Option<tracing::Dispatch>, CsvLogs)> {
    let mut logs = Vec::new();
    let mut filter = Targets::new().with_target(events::SPAN_TARGET, Level::INFO);
    if let Some(layers) = &args.grad_log_layers {
        if let Some(bad) = layers.iter().find(|&&layer| layer == 0 || layer > n_layers) {
            bail!(
                "--grad-log-layers: the network has weight layers 1 to {n_layers}; there is no layer {bad}"
            );
        }
    }
    let gradients = match &args.grad_log {
        Some(path) => {
            let (mut layer, guard) = GradientCsvLayer::with_file(path)?;
            layer = layer.with_max_rows(args.grad_log_max_rows);
            if let Some(layers) = &args.grad_log_layers {
                layer = layer.with_layers(layers.iter().copied());
            }
            logs.push(OpenLog { flag: "--grad-log", path: path.clone(), guard });
            filter = filter.with_target(events::GRADIENT_TARGET, events::GRADIENT_LEVEL);
            Some(layer)
        }
        None => None,
    };
    let layer_summary = match &args.layer_log {
        Some(path) => {
            let (layer, guard) = LayerSummaryCsvLayer::with_file(path)?;
            logs.push(OpenLog { flag: "--layer-log", path: path.clone(), guard });
            filter = filter.with_target(events::LAYER_TARGET, events::LAYER_LEVEL);
            Some(layer)
        }
        None => None,
    };
    let history = match &args.history {
        Some(path) => {
            let (layer, guard) = HistoryCsvLayer::with_file(path)?;
            logs.push(OpenLog { flag: "--history", path: path.clone(), guard });
            filter = filter.with_target(events::EPOCH_TARGET, events::EPOCH_LEVEL);
            Some(layer)
        }
        None => None,
    };
    if logs.is_empty() {
        return Ok((None, CsvLogs { logs }));
    }
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(gradients)
        .with(layer_summary)
        .with(history);
    Ok((Some(tracing::Dispatch::new(subscriber)), CsvLogs { logs }))
}

impl CsvLogs {
    /// Flushes every log (errors name the file) and warns on stderr about a log cut short by
    /// its row cap.
    pub(crate) fn finish(self) -> anyhow::Result<()> {
        for log in &self.logs {
            log.guard.flush()?;
            if log.guard.truncated() {
                eprintln!(
                    "warning: {} {} stopped at its row cap of {} rows; {} more rows were not \
                     written (see --grad-log-max-rows, --grad-log-every, --grad-log-layers)",
                    log.flag,
                    log.path.display(),
                    log.guard.rows_written(),
                    log.guard.rows_dropped()
                );
            }
        }
        Ok(())
    }
}
