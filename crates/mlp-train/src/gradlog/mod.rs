//! `tracing-subscriber` layers that write the trainer's events to CSV files for spreadsheets.
//!
//! | layer | reads | one row per |
//! |---|---|---|
//! | [`GradientCsvLayer`] | [`GRADIENT_TARGET`] events (TRACE) | partial derivative of one parameter for one sample |
//! | [`LayerSummaryCsvLayer`] | [`LAYER_TARGET`] events (DEBUG) | weight layer per step |
//! | [`HistoryCsvLayer`] | [`EPOCH_TARGET`] events (INFO) | epoch |
//!
//! All three are a [`CsvLayer`] with a different [`RowKind`]; [`crate::events`] defines the
//! events and their fields, and the columns are built from that one definition
//! ([`GradientField`], [`LayerField`], [`EpochField`]).
//!
//! The same logs go into Excel workbooks (`.xlsx`) through an [`XlsxLayer`] of the same
//! [`RowKind`], fed by the same events: [`GradientXlsxLayer`] writes the gradient log alone
//! (sheets `gradients`, `gradients 2`, …), and a [`RunWorkbook`] holds all three logs in one
//! workbook, with the run's settings and native charts (`mlp train --workbook`). Numbers are
//! stored as numbers, equal bit for bit to what the CSV logs' texts read back as.
//!
//! # Files
//!
//! Comma-separated, `\n`-terminated, one header row, then one row per event in the order the
//! events were emitted. Integers are written in decimal. Floats are written in the shortest form
//! that reads back as the same `f64` (by `ryu`, without rounding): `0.1 + 0.2` is
//! `0.30000000000000004`, one is `1.0`, a millionth `1e-6`; NaN and the infinities are `NaN`,
//! `inf` and `-inf`. A value the event does not have is an empty cell.
//!
//! In the rows of an f32 run (an event inside a `train` span whose `precision` is `f32`), a
//! float that is an `f32` (every weight and factor of the run) is written as the shortest text
//! that reads back as that `f32`: `0.8641406`, not the widened `f64`'s `0.8641406297683716`.
//! A float that is not one (the wall-clock `seconds`, a loss averaged in `f64`) keeps its `f64`
//! text, so that every cell still reads back exactly.
//!
//! ## Gradient log
//!
//! | column | value |
//! |---|---|
//! | `epoch` | 1-based epoch, from the enclosing `epoch` span |
//! | `step` | 1-based optimizer step over the whole run, from the enclosing `step` span |
//! | `sample` | 1-based row of the sample in the training data file |
//! | `layer` | 1-based weight layer |
//! | `param` | parameter name: `W1`..`Wn`, `b1`..`bn` |
//! | `to` | 1-based neuron fed |
//! | `from` | 1-based input the weight comes from; empty for a bias |
//! | `weight` | the parameter before the step |
//! | `dE_da` | ∂E/∂a of the neuron fed; empty for an output layer under cross-entropy and for a softmax output |
//! | `da_dz` | ∂a/∂z of the neuron fed; empty for an output layer under cross-entropy and where not elementwise |
//! | `dE_dz` | ∂E/∂z of the neuron fed, its delta |
//! | `dz_dw` | ∂z/∂w: the input activation, or 1 for a bias |
//! | `dE_dw` | ∂E/∂w for this sample |
//! | `weight_new` | the parameter after the step |
//!
//! Every number in a row is finite for finite inputs, or the cell is empty. For an output
//! layer under cross-entropy (sigmoid or softmax), `dE_dz` is the fused, exact o − t and
//! `dE_da`, `da_dz` are empty: split, a saturated sigmoid output gives ∂E/∂a = ±∞ or NaN and
//! ∂a/∂z = 0. Where both are there, `dE_da` × `da_dz` = `dE_dz`.
//!
//! E is the loss of one sample. The rows can be filtered by layer, parameter and sample:
//! [`CsvLayer::with_layers`], [`CsvLayer::with_params`], [`CsvLayer::with_samples`]. Which
//! steps are logged is the trainer's choice, [`TrainConfig::log_every`]: the steps it skips
//! emit no events and cost nothing, whoever listens.
//!
//! [`TrainConfig::log_every`]: crate::TrainConfig::log_every
//!
//! ## Layer summary
//!
//! | column | value |
//! |---|---|
//! | `epoch`, `step` | from the enclosing spans, as above |
//! | `layer` | 1-based weight layer |
//! | `grad_norm` | Frobenius norm of the layer's batch gradient (weights and biases) |
//! | `grad_max_abs` | largest absolute entry of that gradient |
//! | `weight_norm` | Frobenius norm of the layer's parameters before the step |
//! | `update_ratio` | ‖Δparameters‖ / ‖parameters‖ |
//! | `saturated_fraction` | sigmoid/tanh layers: share of activations within 0.01 of a bound; else empty |
//! | `dead_fraction` | ReLU-family layers: share of units with z ≤ 0 for the whole batch; else empty |
//!
//! ## History
//!
//! | column | value |
//! |---|---|
//! | `epoch` | 1-based epoch |
//! | `loss`, `val_loss` | mean training loss over the epoch; validation loss (empty without a validation set) |
//! | `accuracy`, `val_accuracy` | classification only |
//! | `learning_rate` | learning rate used during the epoch |
//! | `seconds` | wall time since training began |
//! | `mse`, `val_mse`, `r2`, `val_r2` | regression only: mean squared error and coefficient of determination |
//!
//! # Installing the layers
//!
//! ```
//! use mlp_train::events::{emit_epoch, epoch_span, EpochRecord};
//! use mlp_train::gradlog::{GradientCsvLayer, HistoryCsvLayer};
//! use tracing_subscriber::prelude::*;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let dir = tempfile::tempdir()?;
//! let (gradients, gradient_guard) = GradientCsvLayer::with_file(dir.path().join("gradients.csv"))?;
//! let (history, history_guard) = HistoryCsvLayer::with_file(dir.path().join("history.csv"))?;
//! let subscriber = tracing_subscriber::registry()
//!     // Layer 2 only, behind a filter that passes the training spans too.
//!     .with(gradients.with_layers([2]).with_filter(GradientCsvLayer::default_filter()))
//!     .with(history);
//! // A program installs it with `tracing::subscriber::set_global_default(subscriber)?` and holds
//! // the guards until `main` returns.
//! tracing::subscriber::with_default(subscriber, || {
//!     // The trainer: spans, and events from `mlp_train::events`.
//!     let _epoch = epoch_span(1).entered();
//!     emit_epoch(&EpochRecord { epoch: 1, loss: 0.5, learning_rate: 0.01, ..EpochRecord::default() });
//! });
//! gradient_guard.flush()?;
//! history_guard.flush()?;
//! // A log cut short by its row cap comes back as a typed warning for the program to show.
//! let gradients_path = dir.path().join("gradients.csv");
//! if let Some(warning) = mlp_train::warnings::truncated_log(&gradients_path, &gradient_guard) {
//!     eprintln!("warning: {warning}");
//! }
//! let history = std::fs::read_to_string(dir.path().join("history.csv"))?;
//! assert_eq!(history.lines().nth(1), Some("1,0.5,,,,0.01,0.0,,,,"));
//! # Ok(())
//! # }
//! ```
//!
//! # Filtering
//!
//! The `epoch` and `step` columns come from the training spans (target [`SPAN_TARGET`]). A
//! per-layer filter (`layer.with_filter(…)`) must let those spans through as well as the events,
//! or the columns come out empty: use [`CsvLayer::default_filter`], or add
//! `.with_target("mlp_train::train", Level::INFO)` to a `Targets` of one's own. Without a
//! per-layer filter, a layer sees every event and ignores those of other targets after comparing
//! the target (it must not refuse callsites: that would refuse them for the whole subscriber).
//!
//! # Row cap
//!
//! A log writes at most [`DEFAULT_MAX_ROWS`] data rows (1,048,575: with the header, one Excel
//! worksheet), or what [`CsvLayer::with_max_rows`] sets. Later rows are counted, not written.
//! A layer cannot warn about it: a library must not print, and `tracing` drops events emitted
//! from inside a subscriber. Instead [`FlushGuard::truncated`] and [`FlushGuard::rows_dropped`]
//! tell the program after training, so it can print the warning.
//!
//! # Whole rows
//!
//! A layer hands its writer whole rows only: rows are assembled in the layer's own buffer and
//! handed over when it holds 64 KiB (the history log: each row at once) and at every flush, the
//! header at once. A process cut off between two writes (SIGKILL, an abort) leaves a file that
//! ends with a whole row; only a kill landing inside a write the OS splits (Linux may stop a
//! write to a file at a page boundary when SIGKILL arrives) can still cut one.
//!
//! # Errors
//!
//! Rows are written from inside the subscriber, where errors cannot be returned. The first
//! failed write stops the log and is returned by the next [`FlushGuard::flush`]; with
//! [`CsvLayer::with_stop`] it also raises a [`StopSignal`](crate::StopSignal), so that the
//! training run given the same signal ends at the end of that step.
//!
//! # Speed
//!
//! Writing a row through a layer costs about what writing it with a plain `csv::Writer` and
//! `ryu`, field by field, costs, and usually less (`cargo bench -p mlp-train --bench gradlog`),
//! because a gradient log repeats itself and the layer does not redo work it has done:
//!
//! - epoch, step and precision are kept when their spans are entered, not looked up for every
//!   row;
//! - the leading fields a row shares with the row written before (epoch, step, sample, layer,
//!   parameter, neuron) are kept from that row;
//! - the text of floats already formatted is kept, per column, in a table of 256 entries: ∂E/∂a,
//!   ∂a/∂z and ∂E/∂z are the same for every input of a neuron, ∂z/∂w for every neuron an input
//!   feeds, a weight for every sample of the batch;
//! - only text cells are checked for characters that need quotes, not every digit of every
//!   number (the file is quoted exactly as `csv` quotes by default).
//!
//! # Threads
//!
//! A row is written without looking up its spans: entering a `train`, `epoch` or `step` span
//! sets the precision, epoch or step of the thread that enters it, and leaving it clears it.
//! The trainer enters its spans and emits its events on the thread that called it, so two runs
//! on two threads logging to one layer each get their own numbers; an event emitted on a
//! thread outside the spans gets empty `epoch` and `step` cells.
//!
//! [`GRADIENT_TARGET`]: crate::events::GRADIENT_TARGET
//! [`LAYER_TARGET`]: crate::events::LAYER_TARGET
//! [`EPOCH_TARGET`]: crate::events::EPOCH_TARGET
//! [`GradientField`]: crate::events::GradientField
//! [`LayerField`]: crate::events::LayerField
//! [`EpochField`]: crate::events::EpochField
//! [`SPAN_TARGET`]: crate::events::SPAN_TARGET

mod error;
mod float_text;
mod format;
mod gradient;
mod guard;
mod history;
mod kind;
mod layer;
mod layer_summary;
mod row;
mod spans;
mod state;
#[cfg(test)]
mod test_support;
mod workbook;
#[cfg(test)]
mod workbook_tests;
mod xlsx;
mod xlsx_book;
mod xlsx_charts;
mod xlsx_pivot;
mod xlsx_sheet;

pub use error::Error;
pub use gradient::{GradientCsvLayer, GradientRows};
pub use guard::FlushGuard;
pub use history::{HistoryCsvLayer, HistoryRows};
pub use kind::RowKind;
pub use layer::{CsvLayer, DEFAULT_MAX_ROWS};
pub use layer_summary::{LayerSummaryCsvLayer, LayerSummaryRows};
pub use workbook::{RunValue, RunWorkbook, WorkbookLayers};
pub use xlsx::{GradientXlsxLayer, XlsxLayer, DEFAULT_XLSX_MAX_ROWS, SHEET_ROWS};
pub use xlsx_book::is_writing_workbook;
