//! The text under each command's `--help`: examples, getting started, install hints.
//!
//! Each text is plain: a section starts with an unindented line ending in a colon (shown like
//! clap's own headings, and as a section of the man page); an example is an indented comment
//! line saying what it does, then the command, continued with `\` over at most 79 columns so
//! that the help does not wrap at 80. The examples run from the root of a clone of the
//! repository and write to `out/`. A test parses every example command with the real parser.

use std::fmt::Write as _;

use clap::builder::styling::Styles;
use clap::builder::StyledStr;

/// Under `mlp --help`.
pub(crate) const GETTING_STARTED: &str = "\
Getting started:
  # Reproduce the tutorial's step, every partial derivative in out/grads.csv:
  mlp train datasets/seed/data.csv --target t1,t2 \\
      --init datasets/seed/model.json --loss sse --optimizer sgd \\
      --learning-rate 0.5 --epochs 1 --batch-size 1 --validation 0 \\
      --no-standardize --grad-log out/grads.csv

  # Derive the gradient of the tutorial's weight W5, number by number:
  mlp explain --model datasets/seed/model.json datasets/seed/data.csv \\
      --weight W5 --learning-rate 0.5

  # Train a classifier on Fisher's iris data and save it:
  mlp train datasets/iris.csv --target species --hidden 16 --save out/iris.json

  # Score the saved model:
  mlp evaluate --model out/iris.json datasets/iris.csv

The examples run from the root of a clone of the repository and write to out/.
Each command's --help has more of them: mlp train --help.";

/// Under `mlp train --help`.
pub(crate) const TRAIN: &str = "\
Examples:
  # The tutorial's step, every partial derivative written to out/grads.csv:
  mlp train datasets/seed/data.csv --target t1,t2 \\
      --init datasets/seed/model.json --loss sse --optimizer sgd \\
      --learning-rate 0.5 --epochs 1 --batch-size 1 --validation 0 \\
      --no-standardize --grad-log out/grads.csv

  # Classification: the iris species from four measurements, saved:
  mlp train datasets/iris.csv --target species --hidden 16 --save out/iris.json

  # Regression: diabetes progression, stopping when validation stalls:
  mlp train datasets/diabetes.csv --target progression --hidden 32 \\
      --learning-rate 0.01 --patience 20 --save out/diabetes.json

  # A logged run: every 20th step's gradients, layer summaries, epoch history:
  mlp train datasets/iris.csv --target species --hidden 16 --epochs 100 \\
      --grad-log out/iris-grads.csv --grad-log-every 20 \\
      --layer-log out/iris-layers.csv --history out/iris-history.csv \\
      --save out/iris-logged.json

  # The same logs in one Excel workbook, with the settings and charts drawn:
  mlp train datasets/iris.csv --target species --hidden 16 --epochs 100 \\
      --grad-log-every 20 --workbook out/iris-run.xlsx";

/// Under `mlp evaluate --help`.
pub(crate) const EVALUATE: &str = "\
Examples:
  # Loss and accuracy of the iris model saved by mlp train --save:
  mlp evaluate --model out/iris.json datasets/iris.csv

  # The same as one JSON object on stdout, for scripts:
  mlp evaluate --model out/iris.json datasets/iris.csv --json";

/// Under `mlp predict --help`.
pub(crate) const PREDICT: &str = "\
Examples:
  # Row number, predicted species and one probability per class, to a file:
  mlp predict --model out/iris.json datasets/iris.csv \\
      --output out/iris-predictions.csv

  # The diabetes model's predictions, on stdout:
  mlp predict --model out/diabetes.json datasets/diabetes.csv";

/// Under `mlp explain --help`.
pub(crate) const EXPLAIN: &str = "\
Examples:
  # The tutorial's derivation of W5, factor by factor, with η = 0.5:
  mlp explain --model datasets/seed/model.json datasets/seed/data.csv \\
      --weight W5 --learning-rate 0.5

  # Every parameter of the tutorial's network, as Markdown with formulas:
  mlp explain --model datasets/seed/model.json datasets/seed/data.csv \\
      --format markdown

  # One weight of the trained iris model, for sample 51 (a versicolor):
  mlp explain --model out/iris.json datasets/iris.csv --sample 51 --weight W5";

/// Under `mlp info --help`.
pub(crate) const INFO: &str = "\
Examples:
  # Layers, parameter counts, columns and how the iris model was trained:
  mlp info --model out/iris.json

  # The tutorial's network, which records no training (a version 1 file):
  mlp info --model datasets/seed/model.json

  # The same as one JSON object on stdout, for scripts:
  mlp info --model out/iris.json --json";

/// Under `mlp completions --help`.
pub(crate) const COMPLETIONS: &str = "\
Install (create the folder if needed, then start a new shell):
  # Bash:
  mlp completions bash > ~/.local/share/bash-completion/completions/mlp

  # Zsh, into a folder on $fpath (fpath=(~/.zfunc $fpath) before compinit):
  mlp completions zsh > ~/.zfunc/_mlp

  # Fish:
  mlp completions fish > ~/.config/fish/completions/mlp.fish

  # Elvish:
  mlp completions elvish >> ~/.config/elvish/rc.elv

  # PowerShell:
  mlp completions powershell >> $PROFILE";

/// Under `mlp man --help`.
pub(crate) const MAN: &str = "\
Examples:
  # Read the manual without installing it (man-db's man):
  mlp man | man -l -

  # Install one page per command (man mlp, man mlp-train, …):
  mlp man --dir ~/.local/share/man/man1";

/// Under `mlp gradcheck --help`.
pub(crate) const GRADCHECK: &str = "\
How it measures:
  For every weight and bias w, with E the mean loss over the rows checked:
  numeric = (E(w + h) - E(w - h)) / 2h with h = 1e-5 * max(1, |w|), and
  relative error = |backprop - numeric| / max(|backprop|, |numeric|, s) with
  s = 1e-3 * max(1, |E|): below s a finite difference in f64 is mostly rounding
  noise, so tiny derivatives are compared in absolute terms. A parameter whose
  step moves a ReLU pre-activation across 0 is counted as a kink, not checked.

Examples:
  # Backpropagation against finite differences on the tutorial's network:
  mlp gradcheck --model datasets/seed/model.json datasets/seed/data.csv

  # The same as JSON, failing (exit 1) above a relative error of 1e-9:
  mlp gradcheck --model datasets/seed/model.json datasets/seed/data.csv \\
      --tolerance 1e-9 --json";

/// Under `mlp export --help`.
pub(crate) const EXPORT: &str = "\
What the file holds:
  Tensors layers.0.weight, layers.1.weight, ... (F64, shape [out, in], as
  torch.nn.Linear.weight) and layers.0.bias, ... (F64, [out]; none for a layer
  without bias). The metadata holds the rest: mlp.model (the model file without
  its weights: activations, loss, standardizer, categories, imputer, classes,
  target scaler, provenance), mlp.format_version, and for reading at a glance
  mlp.sizes, mlp.activations and mlp.loss.

Examples:
  # The tutorial's network as safetensors, for PyTorch or candle:
  mlp export --model datasets/seed/model.json --format safetensors \\
      out/seed.safetensors";

/// Under `mlp import --help`.
pub(crate) const IMPORT: &str = "\
Examples:
  # A file written by mlp export, back to a model file:
  mlp import out/seed.safetensors --save out/seed.json";
/// Under `mlp draw --help`.
pub(crate) const DRAW: &str = "\
Examples:
  # The tutorial's network with its eight weights, as SVG (PNG for .png):
  mlp draw --model datasets/seed/model.json -o out/tutorial-network.svg

  # With sample 1's ∂E/∂w on every edge, z, a and ∂E/∂z on every neuron,
  # and the updated weights w⁺ = w − η·∂E/∂w:
  mlp draw --model datasets/seed/model.json --data datasets/seed/data.csv \\
      --step -o out/tutorial-step.png";
/// Under `mlp plot --help`.
pub(crate) const PLOT: &str = "\
Examples:
  # Loss and accuracy per epoch of the logged run under mlp train --help:
  mlp plot --history out/iris-history.csv -o out/iris-loss.png

  # The gradient norm of every layer over the steps (log scale), as SVG:
  mlp plot --layer-log out/iris-layers.csv -o out/iris-grads.svg

  # How much each step changes each layer's weights, relative to them:
  mlp plot --layer-log out/iris-layers.csv --metric update-ratio \\
      -o out/iris-updates.png";

/// True for a line that starts a section: unindented and ending in a colon.
pub(crate) fn is_heading(line: &str) -> bool {
    !line.starts_with(' ') && line.ends_with(':')
}

/// `text` with its section headings in the style of clap's own (bold and underlined by default;
/// clap strips the style when colour is off or the output is not a terminal).
pub(crate) fn styled(text: &str) -> StyledStr {
    let header = *Styles::styled().get_header();
    let mut styled = StyledStr::new();
    for (line_idx, line) in text.lines().enumerate() {
        if line_idx > 0 {
            styled.push_str("\n");
        }
        if is_heading(line) {
            let _ = write!(styled, "{header}{line}{header:#}");
        } else {
            styled.push_str(line);
        }
    }
    styled
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;
    use crate::Cli;

    /// One example: the comment line above it and the command's words.
    #[derive(Debug)]
    struct Example {
        comment: String,
        words: Vec<String>,
    }

    /// The words of a command line as a POSIX shell splits them (the `shell-words` crate), up
    /// to an unquoted redirection or pipe: what follows is another file or program.
    fn shell_words(line: &str) -> Vec<String> {
        let words = shell_words::split(line).unwrap_or_else(|err| panic!("{line:?}: {err}"));
        words.into_iter().take_while(|word| !matches!(word.as_str(), ">" | ">>" | "|")).collect()
    }

    #[test]
    fn shell_words_stop_at_redirections_and_pipes() {
        assert_eq!(
            shell_words("mlp a  'b c' \"d \\\"e\\\"\" f\\ g"),
            ["mlp", "a", "b c", "d \"e\"", "f g"]
        );
        assert_eq!(shell_words("mlp man | man -l -"), ["mlp", "man"]);
        assert_eq!(
            shell_words("mlp completions zsh > ~/.zfunc/_mlp"),
            ["mlp", "completions", "zsh"]
        );
        assert_eq!(shell_words("mlp x '' y"), ["mlp", "x", "", "y"]);
    }

    /// The examples of a help text, in the sections after the help: from the first heading
    /// followed by a comment on. Every line there must be a heading, blank, unindented prose,
    /// a comment, a command starting with `mlp` or a continuation of one; every command must
    /// follow a comment.
    fn examples(help: &str) -> Vec<Example> {
        let lines: Vec<&str> = help.lines().collect();
        let start = lines
            .windows(2)
            .position(|pair| is_heading(pair[0]) && pair[1].trim_start().starts_with('#'));
        let lines = &lines[start.unwrap_or(lines.len())..];
        let mut examples = Vec::new();
        let mut comment: Option<String> = None;
        let mut line_idx = 0;
        while line_idx < lines.len() {
            let line = lines[line_idx].trim_end();
            let text = line.trim_start();
            line_idx += 1;
            if text.is_empty() || !line.starts_with(' ') {
                comment = None;
            } else if let Some(said) = text.strip_prefix('#') {
                comment = Some(said.trim().to_owned());
            } else {
                assert!(text.starts_with("mlp "), "not a comment nor a command: {line:?}");
                let mut command = text.to_owned();
                while command.ends_with('\\') {
                    command.pop();
                    let next =
                        lines.get(line_idx).unwrap_or_else(|| panic!("{command:?} ends in \\"));
                    command.push_str(next.trim());
                    line_idx += 1;
                }
                let comment =
                    comment.take().unwrap_or_else(|| panic!("no comment above {command:?}"));
                examples.push(Example { comment, words: shell_words(&command) });
            }
        }
        examples
    }

    /// `mlp ARGS… --help` rendered as on an 80-column terminal without colour.
    fn help(args: &[&str]) -> String {
        let mut command = Cli::command().term_width(80);
        let args = ["mlp"].iter().chain(args).chain(&["--help"]);
        let err = command.try_get_matches_from_mut(args).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::DisplayHelp);
        err.to_string()
    }

    /// Every visible subcommand's name but help's.
    fn subcommands() -> Vec<String> {
        let mut names: Vec<String> = Cli::command()
            .get_subcommands()
            .filter(|command| !command.is_hide_set())
            .map(|command| command.get_name().to_owned())
            .collect();
        names.retain(|name| name != "help");
        names
    }

    #[test]
    fn every_example_parses() {
        let mut n_examples = 0;
        let mut commands = vec![Vec::new()];
        commands.extend(subcommands().into_iter().map(|name| vec![name]));
        for command in commands {
            let args: Vec<&str> = command.iter().map(String::as_str).collect();
            let examples = examples(&help(&args));
            assert!(!examples.is_empty(), "no example under mlp {args:?} --help");
            for example in examples {
                assert!(!example.comment.is_empty(), "empty comment above {:?}", example.words);
                assert_eq!(example.words[0], "mlp");
                if let Some(name) = args.first() {
                    assert_eq!(&example.words[1], name, "{example:?} under mlp {name} --help");
                }
                if let Err(err) = Cli::try_parse_from(&example.words) {
                    panic!("{:?} does not parse:\n{err}", example.words.join(" "));
                }
                n_examples += 1;
            }
        }
        assert!(n_examples >= 18, "{n_examples} examples");
    }

    #[test]
    fn a_misspelt_example_is_caught() {
        let help = "Examples:\n  # Train:\n  mlp train d.csv --target y \\\n      --epoch 3\n";
        let examples = examples(help);
        assert_eq!(examples.len(), 1);
        assert_eq!(examples[0].comment, "Train:");
        assert_eq!(examples[0].words, ["mlp", "train", "d.csv", "--target", "y", "--epoch", "3"]);
        let err = Cli::try_parse_from(&examples[0].words).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::UnknownArgument);
    }

    #[test]
    fn train_shows_the_four_kinds_of_run() {
        let examples = examples(&help(&["train"]));
        let has =
            |needle: &str| examples.iter().any(|example| example.words.join(" ").contains(needle));
        assert!(has("datasets/seed/data.csv --target t1,t2 --init datasets/seed/model.json --loss sse --optimizer sgd --learning-rate 0.5 --epochs 1 --batch-size 1 --validation 0 --no-standardize --grad-log out/grads.csv"));
        assert!(has("datasets/iris.csv --target species"));
        assert!(has("datasets/diabetes.csv --target progression"));
        for flag in ["--grad-log-every", "--layer-log", "--history", "--save", "--workbook"] {
            assert!(has(flag), "no example uses {flag}");
        }
    }

    #[test]
    fn examples_write_only_to_out() {
        for text in [GETTING_STARTED, TRAIN, EVALUATE, PREDICT, EXPLAIN, DRAW, PLOT] {
            for example in examples(text) {
                let cli = Cli::try_parse_from(&example.words)
                    .unwrap_or_else(|err| panic!("{:?}: {err}", example.words));
                let outputs = match cli.command {
                    crate::cli::Command::Train(args) => {
                        [args.save, args.grad_log, args.layer_log, args.history, args.workbook]
                            .into_iter()
                            .flatten()
                            .collect()
                    }
                    crate::cli::Command::Predict(args) => args.output.into_iter().collect(),
                    crate::cli::Command::Draw(args) => vec![args.output],
                    crate::cli::Command::Plot(args) => vec![args.output],
                    _ => Vec::new(),
                };
                for output in outputs {
                    assert!(output.starts_with("out"), "{example:?} writes {}", output.display());
                }
            }
        }
    }

    #[test]
    fn texts_fit_in_79_columns() {
        let texts = [
            GETTING_STARTED,
            TRAIN,
            EVALUATE,
            PREDICT,
            EXPLAIN,
            INFO,
            COMPLETIONS,
            MAN,
            GRADCHECK,
            EXPORT,
            IMPORT,
            DRAW,
            PLOT,
        ];
        for text in texts {
            for line in text.lines() {
                assert!(line.chars().count() <= 79, "{line:?} is wider than 79 columns");
            }
        }
    }

    #[test]
    fn help_at_80_columns_keeps_the_examples_intact() {
        let rendered = help(&["train"]);
        for line in TRAIN.lines().filter(|line| !line.is_empty()) {
            assert!(
                rendered.lines().any(|rendered| rendered == line),
                "{line:?} wrapped:\n{rendered}"
            );
        }
    }

    /// The examples of gradcheck, export and import parse, write only to `out/`, and every
    /// line fits in 79 columns.
    #[test]
    fn interop_examples_parse_and_write_only_to_out() {
        for text in [GRADCHECK, EXPORT, IMPORT] {
            assert!(!examples(text).is_empty());
            for line in text.lines() {
                assert!(line.chars().count() <= 79, "{line:?} is wider than 79 columns");
            }
            for example in examples(text) {
                let cli = Cli::try_parse_from(&example.words)
                    .unwrap_or_else(|err| panic!("{:?}: {err}", example.words));
                let outputs = match cli.command {
                    crate::cli::Command::Export(args) => vec![args.output],
                    crate::cli::Command::Import(args) => vec![args.save],
                    _ => Vec::new(),
                };
                for output in outputs {
                    assert!(output.starts_with("out"), "{example:?} writes {}", output.display());
                }
            }
        }
    }

    #[test]
    fn no_markup_in_any_help() {
        let mut commands = vec![Vec::new()];
        commands.extend(subcommands().into_iter().map(|name| vec![name]));
        for command in commands {
            for flag in ["-h", "--help"] {
                let mut cli = Cli::command().term_width(80);
                let args =
                    ["mlp"].into_iter().chain(command.iter().map(String::as_str)).chain([flag]);
                let help = cli.try_get_matches_from_mut(args).unwrap_err().to_string();
                for markup in ["`", "**"] {
                    assert!(!help.contains(markup), "{markup} in mlp {command:?} {flag}:\n{help}");
                }
            }
        }
        let version = Cli::try_parse_from(["mlp", "--version"]).unwrap_err().to_string();
        assert!(!version.contains('`'), "{version}");
    }

    #[test]
    fn headings_are_styled_and_the_rest_is_not() {
        let text = styled("Examples:\n  # A comment:\n  mlp x").ansi().to_string();
        let header = Styles::styled().get_header().render().to_string();
        assert!(text.starts_with(&format!("{header}Examples:")), "{text:?}");
        assert!(text.ends_with("\n  # A comment:\n  mlp x"), "{text:?}");
        assert_eq!(styled("Examples:\n  mlp x").to_string(), "Examples:\n  mlp x");
    }
}
