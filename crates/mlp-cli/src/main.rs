//! The `mlp` binary: parses the command line and runs it (see the `mlp_cli` library).

use std::process::ExitCode;

use clap::Parser;
use mlp_cli::Cli;

fn main() -> ExitCode {
    // Usage errors exit here with code 2, as clap does.
    let cli = Cli::parse();
    match mlp_cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if mlp_cli::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
    }
}
