//! What `mlp` shows a person on stderr: how much to say (`--quiet`, `--verbose`), warnings,
//! and the progress of `mlp train` (a bar on a terminal, plain lines otherwise).

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mlp_train::events::EpochRecord;
use mlp_train::human::Significant;
use mlp_train::warnings::Warning;

/// At most this many plain lines per second (besides the first and the last epoch), unless
/// `--verbose`.
const LINES_PER_SECOND: u32 = 4;

/// At most this many updates of the bar per second (besides the first and the last epoch):
/// indicatif's own rate of drawing, so that an epoch shorter than that costs no formatting.
const BAR_UPDATES_PER_SECOND: u32 = 20;

/// How much `mlp` says on stderr, from `--quiet` and `--verbose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verbosity {
    /// Errors only: no progress, no warnings, no text summary.
    Quiet,
    /// A progress bar on a terminal, throttled lines otherwise; warnings; the summary.
    Normal,
    /// One progress line per epoch, never throttled.
    Verbose,
}

impl Verbosity {
    /// From the global flags (clap makes them conflict).
    pub(crate) fn from_flags(quiet: bool, verbose: bool) -> Verbosity {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        }
    }
}

/// Writes one line to stderr. A stderr that cannot be written (closed, `2>/dev/full`) is
/// ignored: `eprintln!` would panic, and there is nowhere left to report it.
pub(crate) fn stderr_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

/// Prints each warning as `warning: <message>` on stderr, unless quiet.
pub(crate) fn print_warnings(warnings: &[Warning], verbosity: Verbosity) {
    if verbosity == Verbosity::Quiet {
        return;
    }
    for warning in warnings {
        stderr_line(format_args!("warning: {warning}"));
    }
}

/// A command's `--json` summary, in the one schema of `docs/json.md`: an object that starts
/// with `"command"` and `"warnings"` (`[{"kind": …, "message": …}, …]`), then the command's own
/// `fields` (an object) in their order.
pub(crate) fn summary_json(
    command: &str,
    warnings: &[Warning],
    fields: serde_json::Value,
) -> serde_json::Value {
    let mut object = serde_json::Map::new();
    object.insert("command".to_owned(), command.into());
    object
        .insert("warnings".to_owned(), serde_json::to_value(warnings).expect("warnings serialize"));
    match fields {
        serde_json::Value::Object(fields) => object.extend(fields),
        other => unreachable!("a summary's fields are an object, not {other}"),
    }
    serde_json::Value::Object(object)
}

/// Per-epoch progress on stderr.
pub(crate) enum Progress {
    /// `--quiet`: nothing.
    Hidden,
    /// A terminal: one bar whose message holds the timing and as many metrics as fit.
    Bar {
        bar: ProgressBar,
        n_epochs: usize,
        /// The bar's width in columns, chosen for the terminal's width at the start.
        bar_width: usize,
        /// The terminal's width in columns, asked at every update (the window may be resized).
        terminal_width: fn() -> usize,
        /// The epoch the bar shows and its `seconds`.
        shown: Option<(usize, f64)>,
    },
    /// A pipe or file (or `--verbose`): one line per epoch, throttled unless `every_epoch`.
    Lines {
        /// Epochs planned.
        n_epochs: usize,
        /// Print every epoch (`--verbose`).
        every_epoch: bool,
        /// The `seconds` of the last line printed: the training clock, which the trainer reads
        /// once per epoch anyway, so that an epoch costs no other clock reading here.
        last_printed: Option<f64>,
        /// The epoch of the last line printed.
        last_epoch_printed: usize,
    },
}

impl Progress {
    /// Nothing when quiet; lines with `--verbose` or when stderr is not a terminal; a bar
    /// otherwise.
    pub(crate) fn new(n_epochs: usize, verbosity: Verbosity) -> Progress {
        match verbosity {
            Verbosity::Quiet => Progress::Hidden,
            Verbosity::Normal if std::io::stderr().is_terminal() => {
                Progress::bar(n_epochs, ProgressDrawTarget::stderr(), stderr_width)
            }
            Verbosity::Normal | Verbosity::Verbose => Progress::Lines {
                n_epochs,
                every_epoch: verbosity == Verbosity::Verbose,
                last_printed: None,
                last_epoch_printed: 0,
            },
        }
    }

    /// A bar drawn on `target`, `terminal_width` columns wide.
    fn bar(n_epochs: usize, target: ProgressDrawTarget, terminal_width: fn() -> usize) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(n_epochs as u64), target);
        let bar_width = bar_width(terminal_width());
        // `wide_msg` cuts the message at the terminal's edge should it still be too long.
        let template = format!("{{prefix}} {{bar:{bar_width}}} {{wide_msg}}");
        bar.set_style(ProgressStyle::with_template(&template).expect("a valid template"));
        bar.set_prefix(bar_prefix(0, n_epochs));
        Progress::Bar { bar, n_epochs, bar_width, terminal_width, shown: None }
    }

    /// Shows one epoch's record: at once for the first and the last epoch (and every epoch's
    /// line with `--verbose`), otherwise when the record's `seconds` say the last update is old
    /// enough. An epoch between updates costs two comparisons.
    pub(crate) fn epoch(&mut self, record: &EpochRecord) {
        let due = |last: Option<f64>, per_second: u32, n_epochs: usize| {
            record.epoch == 1
                || record.epoch == n_epochs
                || last.is_none_or(|at| record.seconds - at >= 1.0 / f64::from(per_second))
        };
        match self {
            Progress::Hidden => {}
            Progress::Bar { n_epochs, shown, .. } => {
                if due(shown.map(|(_, at)| at), BAR_UPDATES_PER_SECOND, *n_epochs) {
                    self.show_on_bar(record);
                }
            }
            Progress::Lines { n_epochs, every_epoch, last_printed, last_epoch_printed } => {
                if *every_epoch || due(*last_printed, LINES_PER_SECOND, *n_epochs) {
                    stderr_line(format_args!("{}", line(record, *n_epochs)));
                    *last_printed = Some(record.seconds);
                    *last_epoch_printed = record.epoch;
                }
            }
        }
    }

    /// Puts `record` on the bar (a no-op for the other displays).
    fn show_on_bar(&mut self, record: &EpochRecord) {
        if let Progress::Bar { bar, n_epochs, bar_width, terminal_width, shown } = self {
            let prefix = bar_prefix(record.epoch, *n_epochs);
            let width = message_width(&prefix, *bar_width, terminal_width());
            let message = bar_message(record, *n_epochs, width);
            bar.set_prefix(prefix);
            bar.set_message(message);
            bar.set_position(record.epoch as u64);
            *shown = Some((record.epoch, record.seconds));
        }
    }

    /// Leaves the bar on screen with the last epoch, or prints the last epoch if its line was
    /// throttled away (a run stopped early).
    pub(crate) fn finish(mut self, last: Option<&EpochRecord>) {
        if let (Progress::Bar { shown, .. }, Some(last)) = (&self, last) {
            if shown.is_none_or(|(epoch, _)| epoch != last.epoch) {
                self.show_on_bar(last);
            }
        }
        match self {
            Progress::Hidden => {}
            Progress::Bar { bar, .. } => {
                bar.abandon();
                // The bar leaves the cursor at the end of its line.
                stderr_line(format_args!(""));
            }
            Progress::Lines { n_epochs, last_epoch_printed, .. } => {
                if let Some(last) = last.filter(|last| last.epoch != last_epoch_printed) {
                    stderr_line(format_args!("{}", line(last, n_epochs)));
                }
            }
        }
    }
}

/// The terminal's width, 80 if it cannot be told.
fn stderr_width() -> usize {
    console::Term::stderr().size_checked().map_or(80, |(_rows, columns)| usize::from(columns))
}

/// `epoch  12/200`, the epoch right-aligned to the width of the count.
fn bar_prefix(epoch: usize, n_epochs: usize) -> String {
    let width = n_epochs.to_string().len();
    format!("epoch {epoch:>width$}/{n_epochs}")
}

/// The bar's width in columns: 20, or 10 on a terminal narrower than 100 columns.
fn bar_width(terminal_width: usize) -> usize {
    if terminal_width < 100 {
        10
    } else {
        20
    }
}

/// The columns left for the message on a line of `terminal_width` after the prefix and a bar
/// of `bar_width`, less one so that the cursor never lands in the last column (some terminals
/// wrap there).
fn message_width(prefix: &str, bar_width: usize, terminal_width: usize) -> usize {
    terminal_width.saturating_sub(console::measure_text_width(prefix) + 1 + bar_width + 1 + 1)
}

/// The bar's message in at most `width` columns: the most important items that fit, in
/// display order (elapsed time and ETA, rate, then the metrics). Ranks, kept first to last:
/// loss, timing, val_loss, rate, accuracy, val_accuracy, r2, val_r2, mse, val_mse. If even
/// the loss does not fit, it is cut with `…`.
fn bar_message(record: &EpochRecord, n_epochs: usize, width: usize) -> String {
    let seconds = record.seconds;
    let eta = seconds / record.epoch.max(1) as f64 * n_epochs.saturating_sub(record.epoch) as f64;
    let mut items = vec![
        (format!("{}, eta {}", duration_text(seconds), duration_text(eta)), 1),
        (format!("{} epochs/s", Significant(rate(record))), 3),
    ];
    items.extend(
        metrics(record)
            .into_iter()
            .map(|metric| (format!("{} {}", metric.name, Significant(metric.value)), metric.rank)),
    );
    let mut ranks: Vec<u8> = items.iter().map(|(_, rank)| *rank).collect();
    ranks.sort_unstable();
    let mut message = String::new();
    for n_kept in 1..=ranks.len() {
        let kept_ranks = &ranks[..n_kept];
        let kept: Vec<&str> = items
            .iter()
            .filter(|(_, rank)| kept_ranks.contains(rank))
            .map(|(text, _)| text.as_str())
            .collect();
        let candidate = kept.join("  ");
        if candidate.chars().count() > width {
            break;
        }
        message = candidate;
    }
    if message.is_empty() {
        let loss = items.iter().find(|(_, rank)| *rank == 0).map(|(text, _)| text.as_str());
        message = cut(loss.unwrap_or_default(), width);
    }
    message
}

/// Epochs per second so far.
fn rate(record: &EpochRecord) -> f64 {
    if record.seconds > 0.0 {
        record.epoch as f64 / record.seconds
    } else {
        f64::INFINITY
    }
}

/// `epoch   12/200  loss 0.1235  accuracy 0.95  (0.52 s, 23.45 epochs/s)`.
fn line(record: &EpochRecord, n_epochs: usize) -> String {
    let width = n_epochs.to_string().len();
    format!(
        "epoch {:>width$}/{n_epochs}  {}  ({}, {} epochs/s)",
        record.epoch,
        metrics_text(&metrics(record)),
        duration_text(record.seconds),
        Significant(rate(record))
    )
}

/// A duration for reading: `0.52 s`, `12.3 s`, `2 min 05 s`, `1 h 02 min`.
pub(crate) fn duration_text(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "?".to_owned();
    }
    if seconds < 10.0 {
        return format!("{seconds:.2} s");
    }
    if seconds < 60.0 {
        return format!("{seconds:.1} s");
    }
    let whole = seconds.round() as u64;
    if whole < 3600 {
        format!("{} min {:02} s", whole / 60, whole % 60)
    } else {
        format!("{} h {:02} min", whole / 3600, whole % 3600 / 60)
    }
}

/// One metric of an epoch record: its name, value, and rank in the bar when room is short
/// (see [`bar_message`]; ranks 1 and 3 are the timing's).
#[derive(Debug, Clone, Copy)]
struct Metric {
    name: &'static str,
    value: f64,
    rank: u8,
}

/// The metrics the record has, in display order.
fn metrics(record: &EpochRecord) -> Vec<Metric> {
    let all = [
        ("loss", Some(record.loss), 0),
        ("accuracy", record.accuracy, 4),
        ("mse", record.mse, 8),
        ("r2", record.r2, 6),
        ("val_loss", record.val_loss, 2),
        ("val_accuracy", record.val_accuracy, 5),
        ("val_mse", record.val_mse, 9),
        ("val_r2", record.val_r2, 7),
    ];
    all.into_iter()
        .filter_map(|(name, value, rank)| value.map(|value| Metric { name, value, rank }))
        .collect()
}

/// `loss 0.1235  accuracy 0.95`.
fn metrics_text(metrics: &[Metric]) -> String {
    let items: Vec<String> = metrics
        .iter()
        .map(|metric| format!("{} {}", metric.name, Significant(metric.value)))
        .collect();
    items.join("  ")
}

/// `text` in at most `width` columns, ending in `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    let mut cut: String = text.chars().take(width - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use std::io;
    use std::sync::{Arc, Mutex};

    use indicatif::TermLike;

    use super::*;

    /// A regression epoch with every metric and wide numbers, validation included: the widest
    /// message a run shows.
    fn wide_record() -> EpochRecord {
        EpochRecord {
            epoch: 12,
            loss: -1.234_567e-123,
            accuracy: None,
            mse: Some(-2.345_678e-123),
            r2: Some(-3.456_789e-123),
            val_loss: Some(-4.567_891e-123),
            val_accuracy: None,
            val_mse: Some(-5.678_912e-123),
            val_r2: Some(-6.789_123e-123),
            learning_rate: 0.001,
            seconds: 1234.5,
        }
    }

    /// A terminal `width` columns wide that keeps every line drawn.
    #[derive(Debug, Clone)]
    struct RecordingTerm {
        width: u16,
        lines: Arc<Mutex<Vec<String>>>,
    }

    impl TermLike for RecordingTerm {
        fn width(&self) -> u16 {
            self.width
        }
        fn move_cursor_up(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_down(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_right(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn move_cursor_left(&self, _: usize) -> io::Result<()> {
            Ok(())
        }
        fn write_line(&self, line: &str) -> io::Result<()> {
            self.lines.lock().unwrap().push(line.to_owned());
            Ok(())
        }
        fn write_str(&self, text: &str) -> io::Result<()> {
            self.lines.lock().unwrap().push(text.to_owned());
            Ok(())
        }
        fn clear_line(&self) -> io::Result<()> {
            Ok(())
        }
        fn flush(&self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn the_message_fits_80_columns_with_the_prefix_and_bar() {
        // Diabetes-like regression: every metric, wider than 80 columns in full.
        let record = EpochRecord {
            epoch: 12,
            loss: 2692.25,
            mse: Some(2692.25),
            r2: Some(0.53041),
            val_loss: Some(2757.5),
            val_mse: Some(2757.5),
            val_r2: Some(-0.58551),
            seconds: 6.0,
            ..EpochRecord::default()
        };
        let prefix = bar_prefix(record.epoch, 300);
        let narrow_bar = bar_width(80);
        let message = bar_message(&record, 300, message_width(&prefix, narrow_bar, 80));
        let line_width = prefix.len() + 1 + narrow_bar + 1 + message.chars().count();
        assert!(line_width < 80, "{line_width} columns: {prefix} [bar] {message}");
        // The loss, the time and the validation loss stay; the rest goes, train mse first.
        assert_eq!(message, "6.00 s, eta 2 min 24 s  loss 2692  val_loss 2758");
        // On 200 columns everything fits.
        let message = bar_message(&record, 300, message_width(&prefix, bar_width(200), 200));
        assert_eq!(
            message,
            "6.00 s, eta 2 min 24 s  2 epochs/s  loss 2692  mse 2692  r2 0.5304  \
             val_loss 2758  val_mse 2758  val_r2 -0.5855"
        );
        // Extreme numbers still fit.
        let record = wide_record();
        let prefix = bar_prefix(record.epoch, 1000);
        let message = bar_message(&record, 1000, message_width(&prefix, narrow_bar, 80));
        let line_width = prefix.len() + 1 + narrow_bar + 1 + message.chars().count();
        assert!(line_width < 80, "{line_width} columns: {prefix} [bar] {message}");
        assert!(message.contains("loss -1.235e-123"), "{message}");
    }

    #[test]
    fn a_narrow_terminal_cuts_the_message() {
        let record = wide_record();
        for width in 0..40 {
            let message = bar_message(&record, 200, width);
            assert!(message.chars().count() <= width, "{width}: {message}");
        }
        assert_eq!(cut("loss 0.1235", 6), "loss …");
    }

    /// The bar as indicatif draws it on an 80-column terminal: no line longer than 80
    /// columns, and the last epoch's line stays (the bar is not cleared).
    #[test]
    fn the_drawn_bar_fits_80_columns_and_stays() {
        let term = RecordingTerm { width: 80, lines: Arc::default() };
        let mut progress =
            Progress::bar(1000, ProgressDrawTarget::term_like(Box::new(term.clone())), || 80);
        let mut record = wide_record();
        for epoch in [1, 500, 999] {
            record.epoch = epoch;
            progress.epoch(&record);
        }
        progress.finish(Some(&record));
        let lines = term.lines.lock().unwrap();
        let last = lines.iter().rev().find(|line| !line.trim().is_empty()).expect("a line drawn");
        assert!(last.starts_with("epoch  999/1000 "), "{last}");
        assert!(last.contains("loss -1.235e-123"), "{last}");
        for line in lines.iter() {
            let width = console::measure_text_width(line);
            assert!(width <= 80, "{width} columns: {line}");
        }
    }

    /// Epochs 0.1 ms apart: the bar shows the first, then one every 1/20 s of the records'
    /// clock, and the last when the run finishes.
    #[test]
    fn the_bar_is_updated_at_most_20_times_a_second() {
        let term = RecordingTerm { width: 80, lines: Arc::default() };
        let mut progress =
            Progress::bar(1000, ProgressDrawTarget::term_like(Box::new(term.clone())), || 80);
        let mut record = wide_record();
        let shown = |progress: &Progress| match progress {
            Progress::Bar { shown, .. } => shown.map(|(epoch, _)| epoch),
            _ => unreachable!("a bar"),
        };
        let mut epochs_shown = Vec::new();
        for epoch in 1..1000 {
            record.epoch = epoch;
            record.seconds = epoch as f64 * 1e-4;
            progress.epoch(&record);
            if shown(&progress) != epochs_shown.last().copied() {
                epochs_shown.extend(shown(&progress));
            }
        }
        // 0.05 s apart on the records' clock: epochs 1, 501 (500 × 0.1 ms later).
        assert_eq!(epochs_shown, [1, 501]);
        progress.finish(Some(&record));
        let lines = term.lines.lock().unwrap();
        let last = lines.iter().rev().find(|line| !line.trim().is_empty()).expect("a line drawn");
        assert!(last.starts_with("epoch  999/1000 "), "{last}");
    }

    #[test]
    fn elapsed_eta_and_rate() {
        let record = EpochRecord { epoch: 50, seconds: 2.0, ..EpochRecord::default() };
        assert_eq!(bar_message(&record, 200, 80), "2.00 s, eta 6.00 s  25 epochs/s  loss 0");
        assert!(line(&record, 200).ends_with("(2.00 s, 25 epochs/s)"), "{}", line(&record, 200));
    }

    #[test]
    fn durations() {
        assert_eq!(duration_text(0.5234), "0.52 s");
        assert_eq!(duration_text(12.34), "12.3 s");
        assert_eq!(duration_text(125.0), "2 min 05 s");
        assert_eq!(duration_text(3720.0), "1 h 02 min");
        assert_eq!(duration_text(f64::INFINITY), "?");
    }
}
