//! `mlp completions SHELL`: a completion script generated from the parser's own definition, so
//! it knows every subcommand, flag and value the parser does.

use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::CompletionsArgs;
use crate::common::print_stdout;
use crate::Cli;

/// Runs `mlp completions`: prints the script to stdout.
pub(crate) fn run(args: &CompletionsArgs) -> anyhow::Result<()> {
    print_stdout(&script(args.shell))
}

/// The completion script of `mlp` for `shell`.
pub(crate) fn script(shell: Shell) -> String {
    let mut script = Vec::new();
    // Into a buffer: clap_complete panics on a write error, and stdout may be a closed pipe.
    clap_complete::generate(shell, &mut Cli::command(), "mlp", &mut script);
    String::from_utf8(script).expect("completion scripts are UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_name_every_subcommand_and_train_flag() {
        for shell in [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::Elvish, Shell::PowerShell] {
            let script = script(shell);
            for word in ["train", "evaluate", "predict", "explain", "completions", "man"] {
                assert!(script.contains(word), "{shell}: no {word}");
            }
            for flag in ["grad-log", "grad-log-every", "layer-log", "learning-rate"] {
                assert!(script.contains(flag), "{shell}: no {flag}");
            }
        }
    }

    #[test]
    fn bash_completes_the_values_of_an_enum_flag() {
        // `--optimizer <TAB>` offers the update rules.
        let script = script(Shell::Bash);
        assert!(script.contains("sgd momentum nesterov adam"), "{script}");
    }

    #[test]
    fn fish_describes_the_flags() {
        let script = script(Shell::Fish);
        assert!(script.contains("-l grad-log"), "{script}");
        assert!(script.contains("Write every partial derivative"), "{script}");
    }
}
