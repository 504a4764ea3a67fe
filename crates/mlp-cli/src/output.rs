//! What `mlp train` shows while it runs: a progress bar on a terminal, throttled plain lines
//! otherwise.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use mlp_train::events::EpochRecord;

/// At most this many plain lines per second (besides the first and the last epoch).
const LINES_PER_SECOND: u32 = 4;

/// Per-epoch progress on stderr.
pub(crate) enum Progress {
    /// A terminal: one bar, its message the latest metrics.
    Bar(ProgressBar),
    /// A pipe or file: one line per epoch, throttled.
    Lines {
        /// Epochs planned.
        n_epochs: usize,
        /// When the last line was printed.
        last_printed: Option<Instant>,
        /// The epoch of the last line printed.
        last_epoch_printed: usize,
    },
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub(crate) fn new(n_epochs: usize) -> Progress {
        if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new(n_epochs as u64);
            let style = ProgressStyle::with_template("epoch {pos:>5}/{len} {bar:20} {msg}")
                .expect("a valid template");
            bar.set_style(style);
            Progress::Bar(bar)
        } else {
            Progress::Lines { n_epochs, last_printed: None, last_epoch_printed: 0 }
        }
    }

    /// Shows one epoch's record.
    pub(crate) fn epoch(&mut self, record: &EpochRecord) {
        match self {
            Progress::Bar(bar) => {
                bar.set_position(record.epoch as u64);
                bar.set_message(metrics_text(record));
            }
            Progress::Lines { n_epochs, last_printed, last_epoch_printed } => {
                let interval = Duration::from_secs(1) / LINES_PER_SECOND;
                let due = last_printed.is_none_or(|at| at.elapsed() >= interval);
                if record.epoch == 1 || record.epoch == *n_epochs || due {
                    eprintln!("{}", line(record, *n_epochs));
                    *last_printed = Some(Instant::now());
                    *last_epoch_printed = record.epoch;
                }
            }
        }
    }

    /// Clears the bar, or prints the last epoch if its line was throttled away (a run stopped
    /// early).
    pub(crate) fn finish(self, last: Option<&EpochRecord>) {
        match self {
            Progress::Bar(bar) => bar.finish_and_clear(),
            Progress::Lines { n_epochs, last_epoch_printed, .. } => {
                if let Some(last) = last.filter(|last| last.epoch != last_epoch_printed) {
                    eprintln!("{}", line(last, n_epochs));
                }
            }
        }
    }
}

/// `epoch   12/200  loss 0.123456  accuracy 0.9500  val_loss …`.
fn line(record: &EpochRecord, n_epochs: usize) -> String {
    let width = n_epochs.to_string().len();
    format!("epoch {:>width$}/{n_epochs}  {}", record.epoch, metrics_text(record))
}

/// The metrics of one epoch record that it has.
fn metrics_text(record: &EpochRecord) -> String {
    let mut text = format!("loss {:.6}", record.loss);
    let mut add = |name: &str, value: Option<f64>, decimals: usize| {
        if let Some(value) = value {
            text += &format!("  {name} {value:.decimals$}");
        }
    };
    add("accuracy", record.accuracy, 4);
    add("mse", record.mse, 6);
    add("r2", record.r2, 4);
    add("val_loss", record.val_loss, 6);
    add("val_accuracy", record.val_accuracy, 4);
    add("val_mse", record.val_mse, 6);
    add("val_r2", record.val_r2, 4);
    text
}
