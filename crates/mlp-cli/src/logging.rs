//! The subscriber that writes the logs of `mlp train`: `--grad-log`, `--layer-log`,
//! `--history` (CSV files, or for the gradient log a workbook), and `--workbook` (all three in
//! one workbook).

use std::path::{Path, PathBuf};

use anyhow::bail;
use mlp_train::events;
use mlp_train::gradlog::{
    FlushGuard, GradientCsvLayer, GradientXlsxLayer, HistoryCsvLayer, LayerSummaryCsvLayer,
    RunWorkbook, DEFAULT_MAX_ROWS, DEFAULT_XLSX_MAX_ROWS,
};
use mlp_train::output_file::{OutputFile, Replacement};
use mlp_train::warnings::{truncated_log, Warning};
use mlp_train::StopSignal;
use tracing::Level;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

use crate::cli::TrainArgs;

/// A log file's guard, with its path and kind for messages, and what replaces the old file
/// with it until [`CsvLogs::commit`] has.
struct OpenLog {
    kind: LogKind,
    path: PathBuf,
    guard: FlushGuard,
    replacement: Option<Replacement>,
    /// An `.xlsx` workbook: valid only once finished, so it replaces the old file at
    /// [`CsvLogs::finish`], not at [`CsvLogs::commit`].
    workbook: bool,
    /// `--workbook`'s logs, each with the guard counting its rows.
    parts: Vec<(LogKind, FlushGuard)>,
    /// `--workbook`'s workbook, for its `run` sheet.
    run: Option<RunWorkbook>,
}

impl OpenLog {
    /// One log in one file; a workbook (`workbook`) replaces the old file when finished.
    fn new(
        kind: LogKind,
        path: &Path,
        guard: FlushGuard,
        replacement: Replacement,
        workbook: bool,
    ) -> OpenLog {
        let path = path.to_path_buf();
        let replacement = Some(replacement);
        OpenLog { kind, path, guard, replacement, workbook, parts: Vec::new(), run: None }
    }
}

/// `--grad-log-max-rows` (a workbook's default) and `--grad-log-layers` on a workbook's
/// gradient layer.
fn with_gradient_options(mut layer: GradientXlsxLayer, args: &TrainArgs) -> GradientXlsxLayer {
    layer = layer.with_max_rows(args.grad_log_max_rows.unwrap_or(DEFAULT_XLSX_MAX_ROWS));
    if let Some(layers) = &args.grad_log_layers {
        layer = layer.with_layers(layers.iter().copied());
    }
    layer
}

/// Whether `path` names an Excel workbook (`.xlsx`, in any case): the gradient log is then
/// written as one.
pub(crate) fn is_workbook(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension.eq_ignore_ascii_case("xlsx"))
}

/// Which log a file is, named after its flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LogKind {
    /// `--grad-log`.
    Gradients,
    /// `--layer-log`.
    LayerSummary,
    /// `--history`.
    History,
    /// `--workbook`: the three logs in one workbook.
    Workbook,
}

impl LogKind {
    /// The JSON summary's `kind` of the file: `grad-log`, `layer-log`, `history`.
    pub(crate) fn id(self) -> &'static str {
        match self {
            LogKind::Gradients => "grad-log",
            LogKind::LayerSummary => "layer-log",
            LogKind::History => "history",
            LogKind::Workbook => "workbook",
        }
    }

    /// What the file holds, for people: `gradient log`, …
    pub(crate) fn description(self) -> &'static str {
        match self {
            LogKind::Gradients => "gradient log",
            LogKind::LayerSummary => "layer log",
            LogKind::History => "history",
            LogKind::Workbook => "workbook",
        }
    }
}

/// A log file written, with its data-row count (the header not counted); a workbook with
/// that of each of its logs (`parts`) and their sum.
#[derive(Debug, Clone)]
pub(crate) struct WrittenLog {
    pub(crate) kind: LogKind,
    pub(crate) path: PathBuf,
    pub(crate) rows: u64,
    pub(crate) parts: Vec<(LogKind, u64)>,
}

/// The guards of the open CSV logs; [`CsvLogs::commit`] puts them in place of the old files,
/// [`CsvLogs::finish`] flushes them and reports what they hold. Dropped uncommitted, the new
/// logs are removed and the old files are left as they were.
#[must_use = "the logs are flushed by `finish`"]
pub(crate) struct CsvLogs {
    logs: Vec<OpenLog>,
}

/// Fails unless every `--grad-log-layers` layer is one of the network's `n_layers` weight
/// layers.
pub(crate) fn check_grad_log_layers(args: &TrainArgs, n_layers: usize) -> anyhow::Result<()> {
    if let Some(layers) = &args.grad_log_layers {
        if let Some(bad) = layers.iter().find(|&&layer| layer == 0 || layer > n_layers) {
            bail!(
                "--grad-log-layers: the network has weight layers 1 to {n_layers}; there is no layer {bad}"
            );
        }
    }
    if let Some(path) = args.grad_log.as_deref().filter(|path| is_workbook(path)) {
        if args.append_logs {
            bail!(
                "--append-logs: {}: a workbook cannot be appended to; write the gradient log to \
                 a new file",
                path.display()
            );
        }
    }
    if let (Some(path), true) = (&args.workbook, args.append_logs) {
        bail!(
            "--append-logs: --workbook {}: a workbook cannot be appended to; write it to a new \
             file",
            path.display()
        );
    }
    Ok(())
}

/// Opens the output of a log: a temporary file beside `path` (or `path` itself for a device),
/// which replaces `path` at [`CsvLogs::commit`].
fn open(path: &Path) -> anyhow::Result<(std::fs::File, Replacement)> {
    Ok(OutputFile::create(path)?.into_parts())
}

/// Creates the log files asked for and a dispatcher with one layer per file. `None` when no log
/// is asked for. The files are written beside their targets until [`CsvLogs::commit`]; the
/// first failed write of any of them raises `stop`.
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
    stop: &StopSignal,
) -> anyhow::Result<(Option<tracing::Dispatch>, CsvLogs)> {
    let mut logs = Vec::new();
    let mut filter = Targets::new().with_target(events::SPAN_TARGET, Level::INFO);
    check_grad_log_layers(args, n_layers)?;
    let mut gradients_xlsx = None;
    let gradients = match &args.grad_log {
        Some(path) if is_workbook(path) => {
            let (file, replacement) = open(path)?;
            let layer = GradientXlsxLayer::with_named_writer(file, path)?.with_stop(stop.clone());
            let guard = layer.flush_on_drop();
            let layer = with_gradient_options(layer, args);
            logs.push(OpenLog::new(LogKind::Gradients, path, guard, replacement, true));
            filter = filter.with_target(events::GRADIENT_TARGET, events::GRADIENT_LEVEL);
            gradients_xlsx = Some(layer);
            None
        }
        Some(path) => {
            let (file, replacement) = open(path)?;
            let mut layer = GradientCsvLayer::with_named_writer(file, path).with_stop(stop.clone());
            let guard = layer.flush_on_drop();
            layer = layer.with_max_rows(args.grad_log_max_rows.unwrap_or(DEFAULT_MAX_ROWS));
            if let Some(layers) = &args.grad_log_layers {
                layer = layer.with_layers(layers.iter().copied());
            }
            logs.push(OpenLog::new(LogKind::Gradients, path, guard, replacement, false));
            filter = filter.with_target(events::GRADIENT_TARGET, events::GRADIENT_LEVEL);
            Some(layer)
        }
        None => None,
    };
    let layer_summary = match &args.layer_log {
        Some(path) => {
            let (file, replacement) = open(path)?;
            let layer = LayerSummaryCsvLayer::with_named_writer(file, path).with_stop(stop.clone());
            let guard = layer.flush_on_drop();
            logs.push(OpenLog::new(LogKind::LayerSummary, path, guard, replacement, false));
            filter = filter.with_target(events::LAYER_TARGET, events::LAYER_LEVEL);
            Some(layer)
        }
        None => None,
    };
    let history = match &args.history {
        Some(path) => {
            let (file, replacement) = open(path)?;
            let layer = HistoryCsvLayer::with_named_writer(file, path).with_stop(stop.clone());
            let guard = layer.flush_on_drop();
            logs.push(OpenLog::new(LogKind::History, path, guard, replacement, false));
            filter = filter.with_target(events::EPOCH_TARGET, events::EPOCH_LEVEL);
            Some(layer)
        }
        None => None,
    };
    let run_workbook = match &args.workbook {
        Some(path) => {
            let (file, replacement) = open(path)?;
            let (workbook, layers) = RunWorkbook::with_named_writer(file, path)?;
            let workbook = workbook.with_stop(stop.clone());
            let gradients = with_gradient_options(layers.gradients, args);
            let guard = workbook.flush_on_drop();
            logs.push(OpenLog {
                parts: vec![
                    (LogKind::Gradients, gradients.flush_on_drop()),
                    (LogKind::LayerSummary, layers.layer_summary.flush_on_drop()),
                    (LogKind::History, layers.history.flush_on_drop()),
                ],
                run: Some(workbook),
                ..OpenLog::new(LogKind::Workbook, path, guard, replacement, true)
            });
            filter = filter
                .with_target(events::GRADIENT_TARGET, events::GRADIENT_LEVEL)
                .with_target(events::LAYER_TARGET, events::LAYER_LEVEL)
                .with_target(events::EPOCH_TARGET, events::EPOCH_LEVEL);
            Some(gradients.and_then(layers.layer_summary).and_then(layers.history))
        }
        None => None,
    };
    // The headers are written at once: a place that cannot take them (a full disk) fails
    // here, before training.
    for log in &logs {
        log.guard.flush()?;
    }
    if logs.is_empty() {
        return Ok((None, CsvLogs { logs }));
    }
    let subscriber = tracing_subscriber::registry()
        .with(filter)
        .with(gradients)
        .with(gradients_xlsx)
        .with(layer_summary)
        .with(history)
        .with(run_workbook);
    Ok((Some(tracing::Dispatch::new(subscriber)), CsvLogs { logs }))
}

impl CsvLogs {
    /// Puts every new log in place of its old file (once training has started: a run that
    /// fails before leaves the old files). The logs keep writing to the renamed files.
    pub(crate) fn commit(&mut self) -> anyhow::Result<()> {
        for log in self.logs.iter_mut().filter(|log| !log.workbook) {
            if let Some(replacement) = log.replacement.take() {
                replacement.commit()?;
            }
        }
        Ok(())
    }

    /// Writes `settings` (a JSON object: the model file's `provenance` and the like) into the
    /// `run` sheet of `--workbook`'s workbook, if there is one.
    pub(crate) fn describe_run(&self, settings: &serde_json::Value) {
        for workbook in self.logs.iter().filter_map(|log| log.run.as_ref()) {
            workbook.add_run_json("", settings);
        }
    }

    /// Flushes every log (errors name the file); returns the files with their row counts and
    /// a warning for each log cut short by its row cap.
    /// A workbook that takes over a second to finish says so on stderr, unless `quiet`.
    pub(crate) fn finish(mut self, quiet: bool) -> anyhow::Result<(Vec<WrittenLog>, Vec<Warning>)> {
        let mut written = Vec::new();
        let mut warnings = Vec::new();
        for log in &mut self.logs {
            if log.workbook {
                finish_workbook(log, quiet)?;
            }
            if let Err(err) = log.guard.flush() {
                if log.replacement.is_none() {
                    // A write cut short (a full disk) may have left part of a row behind.
                    trim_to_whole_rows(&log.path);
                }
                return Err(err.into());
            }
            for (_, guard) in &log.parts {
                guard.flush()?;
            }
            written.push(WrittenLog {
                kind: log.kind,
                path: log.path.clone(),
                rows: log.guard.rows_written(),
                parts: log
                    .parts
                    .iter()
                    .map(|(kind, guard)| (*kind, guard.rows_written()))
                    .collect(),
            });
            match log.parts.as_slice() {
                [] => warnings.extend(truncated_log(&log.path, &log.guard)),
                parts => warnings
                    .extend(parts.iter().filter_map(|(_, guard)| truncated_log(&log.path, guard))),
            }
        }
        Ok((written, warnings))
    }
}

/// Writes `log`'s workbook (compressing its sheets, which takes about a second per 100,000
/// rows: said on stderr when it takes over a second) and puts it in place of the old file.
fn finish_workbook(log: &mut OpenLog, quiet: bool) -> anyhow::Result<()> {
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let path = log.path.clone();
    let rows = log.guard.rows_written();
    let notice = std::thread::spawn(move || {
        let waited = wait.recv_timeout(std::time::Duration::from_secs(1));
        if waited == Err(std::sync::mpsc::RecvTimeoutError::Timeout) && !quiet {
            eprintln!(
                "finishing the workbook {} ({rows} rows): compressing it, please wait (Ctrl-C \
                 twice quits without it, leaving the old file)",
                path.display()
            );
        }
    });
    let finished = log.guard.finish();
    drop(done);
    let _ = notice.join();
    finished?;
    if let Some(replacement) = log.replacement.take() {
        replacement.commit()?;
    }
    Ok(())
}

/// Cuts a regular file after its last line break, so that a write cut short by the OS (a full
/// disk takes what fits) leaves whole rows only. Best effort: the error being reported is the
/// write's, and a file that cannot be reopened is left as it is.
fn trim_to_whole_rows(path: &std::path::Path) {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::OpenOptions::new().read(true).write(true).open(path) else {
        return;
    };
    let Ok(metadata) = file.metadata() else { return };
    if !metadata.is_file() {
        return;
    }
    let len = metadata.len();
    // A row is far shorter than this: the last line break is in the tail.
    let tail = len.min(1 << 20);
    let mut bytes = Vec::new();
    if file.seek(SeekFrom::Start(len - tail)).is_err() || file.read_to_end(&mut bytes).is_err() {
        return;
    }
    let keep = match bytes.iter().rposition(|&byte| byte == b'\n') {
        Some(idx) => len - tail + idx as u64 + 1,
        None if tail == len => 0,
        None => return,
    };
    if keep < len {
        let _ = file.set_len(keep);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_cut_short_is_trimmed_and_whole_rows_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.csv");
        std::fs::write(&path, "a,b\n1,2\n3,0.6398").unwrap();
        trim_to_whole_rows(&path);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n1,2\n");
        trim_to_whole_rows(&path);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "a,b\n1,2\n");
        std::fs::write(&path, "a,b").unwrap();
        trim_to_whole_rows(&path);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "");
    }
}
