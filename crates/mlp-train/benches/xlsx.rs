//! Rows per second of the gradient log as a workbook: the same captured trainer gradient events
//! emitted through `GradientXlsxLayer` (`xlsx_file`) and through `GradientCsvLayer`
//! (`csv_file`), each writing a real file in the same temporary directory, and through
//! `GradientCsvLayer` into `io::sink()` (`csv_sink`, formatting without the disk). A run
//! creates the layer, emits the rows ("add") and finishes the log with `FlushGuard::finish`
//! ("close": for the workbook, compressing the worksheets' temporary files into the zip
//! archive; for the CSV, the last flush).
//!
//! The rows are those `mlp_train::train` emits, captured from one epoch and replayed, as in
//! `benches/gradlog.rs`:
//! - `trainer_4_8_3`: an iris-shaped classifier (4-8-3, sigmoid hidden layer, softmax output,
//!   batches of 16);
//! - `trainer_4_100_3`: the network `mlp train` builds by default (100 ReLU units, batches of
//!   32).
//!
//! # Interleaved rounds
//!
//! `cargo bench -p mlp-train --bench xlsx [set]` (`harness = false` in `Cargo.toml`) prints,
//! for each set of rows, each variant's median time (add and close) and rows per second, and
//! its time and rate relative to `csv_file` as the median of per-round ratios (see `support`);
//! then the median add and close times of the two files, the close's share of each run, the
//! ratios xlsx/csv per round of the add time and of the whole, and the file sizes. 100,000 rows a run, 15 rounds: about a minute a set on a loaded 2-core
//! machine.
//!
//! # One large log, for its peak memory
//!
//! `cargo bench -p mlp-train --bench xlsx -- once FORMAT ROWS [DIR]` writes one log of exactly
//! `ROWS` rows of the 4-8-3 set (`FORMAT` = `xlsx`, `csv`, or `none` for the set-up alone) to
//! `DIR/gradients.FORMAT` (default: a new temporary directory, removed after; the workbook's
//! temporary files go to `DIR` too) and prints the add and close times, the rates, the file size
//! and the process's peak resident memory (`VmHWM`, Linux). For the peak memory of the process
//! alone, run the bench executable itself (its path is printed by `cargo bench -p mlp-train
//! --bench xlsx --no-run`) under `/usr/bin/time -v`, e.g.
//! `/usr/bin/time -v target/release/deps/xlsx-<hash> once xlsx 1048575` (one full worksheet)
//! and `… once xlsx 2000000` (two worksheets), against `… once csv 1048575`.

use std::cell::RefCell;
use std::fs;
use std::hint::black_box;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

use mlp_core::Activation;
use mlp_train::events::{emit_gradient, epoch_span, step_span};
use mlp_train::gradlog::{FlushGuard, GradientCsvLayer, GradientXlsxLayer};
use mlp_train::TrainConfig;
use tracing::Dispatch;
use tracing_subscriber::prelude::*;

#[allow(dead_code)] // `compare`: the entry point of the other benches.
mod support;

use support::trainer_rows::{trainer_rows, Steps};

/// Rows per benchmark run.
const ROWS_PER_RUN: usize = 100_000;
/// Measured rounds.
const ROUNDS: usize = 15;

const BATCH_SIZE: usize = 16;

/// What the trainer does: an epoch span, a step span per step, the events inside; the
/// captured steps replayed, numbered on, until `n_rows` rows are emitted.
fn emit_rows(steps: &Steps, n_rows: usize) {
    let _epoch = epoch_span(1).entered();
    let (mut step, mut n_emitted) = (0, 0);
    while n_emitted < n_rows {
        for records in steps {
            step += 1;
            let _step = step_span(step).entered();
            for record in records {
                if n_emitted == n_rows {
                    return;
                }
                emit_gradient(black_box(record));
                n_emitted += 1;
            }
        }
    }
}

/// Which layer writes the log.
#[derive(Clone, Copy, PartialEq)]
enum Format {
    Csv,
    Xlsx,
}

/// The two parts of writing one log, and what it left.
#[derive(Clone, Copy)]
struct Timing {
    /// Creating the layer and emitting the rows, in seconds.
    add: f64,
    /// `FlushGuard::finish`, in seconds.
    close: f64,
    /// The size of the file written.
    bytes: u64,
}

/// Writes `n_rows` rows of `steps` through a new layer of `format` into the file `path` (a
/// workbook's temporary files beside it), with no row cap.
fn write_log(format: Format, path: &Path, steps: &Steps, n_rows: usize) -> Timing {
    let start = Instant::now();
    let (dispatch, guard): (Dispatch, FlushGuard) = match format {
        Format::Csv => {
            let (layer, guard) = GradientCsvLayer::with_file(path).unwrap();
            let layer = layer.with_max_rows(u64::MAX);
            (Dispatch::new(tracing_subscriber::registry().with(layer)), guard)
        }
        Format::Xlsx => {
            let (layer, guard) = GradientXlsxLayer::with_file(path).unwrap();
            let layer = layer.with_max_rows(u64::MAX);
            (Dispatch::new(tracing_subscriber::registry().with(layer)), guard)
        }
    };
    tracing::dispatcher::with_default(&dispatch, || emit_rows(steps, n_rows));
    let add = start.elapsed().as_secs_f64();
    let start = Instant::now();
    guard.finish().unwrap();
    let close = start.elapsed().as_secs_f64();
    assert_eq!(guard.rows_written(), n_rows as u64);
    drop(dispatch);
    let bytes = fs::metadata(path).unwrap().len();
    Timing { add, close, bytes }
}

fn bench_rows(name: &str, steps: &Steps) {
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("gradients.csv");
    let xlsx_path = dir.path().join("gradients.xlsx");
    // Every run's parts, warm-up runs first; the last ROUNDS are the measured rounds, the k-th
    // of each format in the same round.
    let csv_runs = RefCell::new(Vec::new());
    let xlsx_runs = RefCell::new(Vec::new());
    let sink = Dispatch::new(
        tracing_subscriber::registry()
            .with(GradientCsvLayer::new(io::sink()).with_max_rows(u64::MAX)),
    );
    let mut variants = vec![
        support::TimedVariant {
            name: "csv_file",
            run: Box::new(|| {
                let timing = write_log(Format::Csv, &csv_path, steps, ROWS_PER_RUN);
                csv_runs.borrow_mut().push(timing);
                timing.add + timing.close
            }),
        },
        support::TimedVariant {
            name: "csv_sink",
            run: Box::new(|| {
                let start = Instant::now();
                tracing::dispatcher::with_default(&sink, || emit_rows(steps, ROWS_PER_RUN));
                start.elapsed().as_secs_f64()
            }),
        },
        support::TimedVariant {
            name: "xlsx_file",
            run: Box::new(|| {
                let timing = write_log(Format::Xlsx, &xlsx_path, steps, ROWS_PER_RUN);
                xlsx_runs.borrow_mut().push(timing);
                timing.add + timing.close
            }),
        },
    ];
    support::compare_timed(name, ROWS_PER_RUN, "rows", ROUNDS, &mut variants);
    drop(variants);

    let measured = |runs: Vec<Timing>| runs[runs.len() - ROUNDS..].to_vec();
    let csv = measured(csv_runs.into_inner());
    let xlsx = measured(xlsx_runs.into_inner());
    println!(
        "  {:<10} {:>10} {:>12} {:>10} {:>12} {:>10}",
        "parts", "add", "add rows/s", "close", "close/total", "file"
    );
    for (label, runs) in [("csv_file", &csv), ("xlsx_file", &xlsx)] {
        let add = support::median_of(runs.iter().map(|run| run.add).collect());
        let close = support::median_of(runs.iter().map(|run| run.close).collect());
        let close_share =
            support::median_of(runs.iter().map(|run| run.close / (run.add + run.close)).collect());
        let bytes = runs.last().map_or(0, |run| run.bytes);
        println!(
            "  {:<10} {:>7.1} ms {:>12} {:>7.2} ms {:>12.3} {:>7.2} MB",
            label,
            add * 1e3,
            support::per_second(ROWS_PER_RUN as f64 / add),
            close * 1e3,
            close_share,
            bytes as f64 / 1e6
        );
    }
    let ratio = |part: fn(&Timing) -> f64| {
        support::median_of(
            csv.iter().zip(&xlsx).map(|(csv, xlsx)| part(xlsx) / part(csv)).collect(),
        )
    };
    // The CSV's close is its last flush (microseconds): a ratio of closes would say nothing.
    println!(
        "  xlsx/csv per round (median): add {:.2}, add + close {:.2}",
        ratio(|run| run.add),
        ratio(|run| run.add + run.close)
    );
}

/// The peak resident memory of this process so far, from `/proc/self/status`, in kB.
fn peak_rss_kb() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Writes one log of `n_rows` rows of the 4-8-3 set and prints what it cost.
fn once(format: &str, n_rows: usize, dir: Option<PathBuf>) {
    let steps = trainer_rows(8, Activation::Sigmoid, BATCH_SIZE);
    let temp = tempfile::tempdir().unwrap();
    let dir = dir.unwrap_or_else(|| temp.path().to_path_buf());
    let format = match format {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        "none" => {
            println!("none: {n_rows} rows; peak RSS {:?} kB", peak_rss_kb());
            return;
        }
        other => panic!("once: format {other:?}: csv, xlsx or none"),
    };
    let path = dir.join(if format == Format::Csv { "gradients.csv" } else { "gradients.xlsx" });
    let timing = write_log(format, &path, &steps, n_rows);
    let total = timing.add + timing.close;
    println!(
        "{}: {n_rows} rows: add {:.2} s ({} rows/s), close {:.2} s, total {:.2} s ({} rows/s), \
         file {} bytes ({:.1} MB), peak RSS {:?} kB",
        path.display(),
        timing.add,
        support::per_second(n_rows as f64 / timing.add),
        timing.close,
        total,
        support::per_second(n_rows as f64 / total),
        timing.bytes,
        timing.bytes as f64 / 1e6,
        peak_rss_kb()
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `once FORMAT ROWS [DIR]` writes one log; any other
    // argument selects the row sets whose name contains it.
    let args: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with("--")).collect();
    if args.first().map(String::as_str) == Some("once") {
        let format = args.get(1).map_or("xlsx", String::as_str);
        let n_rows = args.get(2).map_or(1_048_575, |rows| rows.parse().unwrap());
        once(format, n_rows, args.get(3).map(PathBuf::from));
        return;
    }
    let filter = args.first();
    let selected = |name: &str| filter.is_none_or(|filter| name.contains(filter.as_str()));
    if selected("trainer_4_8_3") {
        let steps = trainer_rows(8, Activation::Sigmoid, BATCH_SIZE);
        bench_rows("trainer_4_8_3", &steps);
    }
    if selected("trainer_4_100_3") {
        // What `mlp train datasets/iris.csv` logs with the CLI's defaults.
        let steps = trainer_rows(100, Activation::Relu, TrainConfig::default().batch_size);
        bench_rows("trainer_4_100_3", &steps);
    }
}
