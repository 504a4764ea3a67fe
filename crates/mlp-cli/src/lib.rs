//! The `mlp` command: train, evaluate, predict and explain multilayer perceptrons on CSV data.
//!
//! `main.rs` parses the arguments and calls [`run`]; tests drive the same function in-process
//! with `run(Cli::try_parse_from([...])?)`.
#![warn(missing_docs)]

pub mod cli;
/// `mlp explain`'s derivation, now a module of the library: [`mlp_train::explain`].
pub use mlp_train::explain;

mod clash;
mod common;
mod completions;
mod draw;
mod evaluate;
mod explain_command;
mod gradcheck;
mod help;
mod info;
mod interop;
mod logging;
mod man;
mod memory;
mod output;
mod plot;
mod predict;
mod resume;
mod signals;
mod train;

pub use cli::Cli;

/// Runs one `mlp` command. Errors name the file, line and column where there is one; the
/// binary prints them as `error: {:#}` and exits with code 1.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let verbosity = output::Verbosity::from_flags(cli.quiet, cli.verbose);
    match cli.command {
        cli::Command::Train(args) => train::run(&args, verbosity),
        cli::Command::Evaluate(args) => evaluate::run(&args, verbosity),
        cli::Command::Predict(args) => predict::run(&args),
        cli::Command::Explain(args) => explain_command::run(&args),
        cli::Command::Completions(args) => completions::run(&args),
        cli::Command::Man(args) => man::run(&args),
        cli::Command::Info(args) => info::run(&args),
        cli::Command::Gradcheck(args) => gradcheck::run(&args, verbosity),
        cli::Command::Export(args) => interop::export(&args, verbosity),
        cli::Command::Import(args) => interop::import(&args, verbosity),
        cli::Command::Draw(args) => draw::run(&args),
        cli::Command::Plot(args) => plot::run(&args, verbosity),
    }
}

/// `mlp train` stopped by SIGINT, SIGTERM or SIGHUP, after writing what it had: the binary
/// prints the message and exits with [`Interrupted::exit_code`] (128 + the signal's number:
/// 130, 143, 129).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interrupted {
    /// The signal: `SIGINT`, `SIGTERM` or `SIGHUP`.
    pub signal: &'static str,
    /// The exit status.
    pub exit_code: u8,
    /// What was done: where the run stopped and what was written.
    pub message: String,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Interrupted {}

/// A write to standard output that failed. Only these count for [`is_broken_pipe`]: a log
/// or an output file on a FIFO whose reader went away is an error like any other.
#[derive(Debug)]
pub struct StdoutError(pub std::io::Error);

impl std::fmt::Display for StdoutError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot write to stdout: {}", self.0)
    }
}

impl std::error::Error for StdoutError {}

/// True when `err` is a broken pipe on stdout (`mlp predict data.csv | head`), which is not
/// worth an error message. A [`StdoutError`] is found as the error itself or inside an
/// `io::Error` (as the stdout writer of `predict` hands it through the CSV writer).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    let closed = |stdout: &StdoutError| stdout.0.kind() == std::io::ErrorKind::BrokenPipe;
    err.chain().any(|cause| {
        cause.downcast_ref::<StdoutError>().is_some_and(closed)
            || cause.downcast_ref::<std::io::Error>().is_some_and(|io| {
                io.get_ref()
                    .and_then(|inner| inner.downcast_ref::<StdoutError>())
                    .is_some_and(closed)
            })
    })
}
