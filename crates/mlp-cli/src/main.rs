//! The `mlp` binary: parses the command line and runs it (see the `mlp_cli` library).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use mlp_cli::{Cli, Interrupted};

fn main() -> ExitCode {
    // rust_xlsxwriter panics when a workbook's temporary file cannot be written (a full disk);
    // mlp-train catches that panic and reports it as an error naming the workbook, so the
    // panic itself is not shown. Any other panic is, as always.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !mlp_train::gradlog::is_writing_workbook() {
            default_hook(info);
        }
    }));
    // Usage errors exit here with code 2, as clap does.
    let cli = Cli::parse();
    match mlp_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if mlp_cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => match err.downcast::<Interrupted>() {
            // A graceful stop: not an error; 128 + the signal's number, as a shell reports it.
            Ok(interrupted) => {
                // A stderr that cannot be written is ignored: nowhere is left to say so.
                let _ = writeln!(std::io::stderr(), "{interrupted}");
                ExitCode::from(interrupted.exit_code)
            }
            Err(err) => {
                let _ = writeln!(std::io::stderr(), "error: {err:#}");
                ExitCode::from(1)
            }
        },
    }
}
