//! `mlp man`: manual pages (roff) generated from the parser's own definition, the help's
//! examples included.
//!
//! `mlp man` prints `mlp.1`; `mlp man --dir DIR` writes `mlp.1` and one page per subcommand,
//! `mlp-train.1`, `mlp-evaluate.1`, …, and prints each file's path.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::CommandFactory;
use clap_mangen::roff::{roman, Roff};
use clap_mangen::Man;
use mlp_train::output_file::ShortPath;

use crate::cli::ManArgs;
use crate::common::{create_output, output_error, print_stdout};
use crate::help;
use crate::Cli;

/// Runs `mlp man`.
pub(crate) fn run(args: &ManArgs) -> anyhow::Result<()> {
    match &args.dir {
        None => print_stdout(&pages().swap_remove(0).1),
        Some(dir) => write_pages(dir),
    }
}

/// Writes every page to `dir`, created if needed, and prints the paths written. Every page's
/// output is created before any is written, and each replaces its file only once all are
/// written: a failure leaves the pages already there as they were.
fn write_pages(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the directory", ShortPath(dir)))?;
    let pages = pages();
    let outputs = pages
        .iter()
        .map(|(file_name, _)| {
            let path = dir.join(file_name);
            let output = create_output(&path, "manual page")?;
            Ok((path, output))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut written = String::new();
    let mut replacements = Vec::new();
    for ((path, output), (_, page)) in outputs.into_iter().zip(&pages) {
        let context = || format!("{}: cannot write the manual page", ShortPath(&path));
        let (mut file, replacement) = output.into_parts();
        file.write_all(page.as_bytes()).with_context(context)?;
        file.sync_all().with_context(context)?;
        replacements.push(replacement);
        written += &format!("{}\n", path.display());
    }
    for replacement in replacements {
        replacement.commit().map_err(|err| output_error(err, "manual page"))?;
    }
    print_stdout(&written)
}

/// Every page as (file name, roff text): `mlp.1` first, then one per subcommand (`help`
/// excepted), in the order of `mlp --help`.
pub(crate) fn pages() -> Vec<(String, String)> {
    let mut command = Cli::command().disable_help_subcommand(true);
    // Building gives each subcommand its display name (mlp-train) and bin name (mlp train).
    command.build();
    let mut pages = vec![page(&command)];
    pages.extend(command.get_subcommands().filter(|sub| !sub.is_hide_set()).map(page));
    pages
}

/// One command's page: clap_mangen's sections, with the text after the help (examples,
/// install hints) as sections of its own instead of one filled paragraph.
fn page(command: &clap::Command) -> (String, String) {
    let source = format!("mlp {}", env!("CARGO_PKG_VERSION"));
    let man = Man::new(command.clone()).source(source);
    // Each section renders as a document of its own, after the same preamble (the definition
    // of the apostrophe): the page keeps one.
    let preamble = Roff::new().render();
    let mut page = preamble.clone();
    let mut add = |render: &dyn Fn(&mut dyn Write) -> std::io::Result<()>| {
        let mut section = Vec::new();
        render(&mut section).expect("writing to a Vec cannot fail");
        let section = String::from_utf8(section).expect("roff from UTF-8 text is UTF-8");
        page += section.strip_prefix(&preamble).unwrap_or(&section);
    };
    add(&|w| man.render_title(w));
    add(&|w| man.render_name_section(w));
    add(&|w| man.render_synopsis_section(w));
    add(&|w| man.render_description_section(w));
    if command.get_arguments().any(|arg| !arg.is_hide_set()) {
        add(&|w| man.render_options_section(w));
    }
    if command.get_subcommands().any(|sub| !sub.is_hide_set()) {
        add(&|w| man.render_subcommands_section(w));
    }
    if let Some(after_help) = command.get_after_help() {
        let sections = after_help_sections(&after_help.to_string());
        add(&|w| w.write_all(sections.render().as_bytes()));
    }
    if command.get_version().is_some() {
        add(&|w| man.render_version_section(w));
    }
    (man.get_filename(), page)
}

/// The text after the help in roff: a heading (`Examples:`) starts a section (`.SH EXAMPLES`),
/// indented lines keep their line breaks (`.nf`), unindented prose is filled (`.PP`).
fn after_help_sections(text: &str) -> Roff {
    #[derive(PartialEq)]
    enum State {
        Start,
        Block,
        Prose,
    }
    let mut roff = Roff::new();
    let mut state = State::Start;
    let mut blank_pending = false;
    for line in text.lines() {
        let indented = line.starts_with(' ');
        if line.trim().is_empty() {
            blank_pending = true;
            continue;
        }
        if state == State::Block && !indented {
            roff.control("fi", []);
        }
        if help::is_heading(line) {
            roff.control("SH", [line.trim_end_matches(':').to_uppercase().as_str()]);
            state = State::Start;
        } else if indented {
            if state == State::Block {
                if blank_pending {
                    roff.text([roman("")]);
                }
            } else {
                roff.control("nf", []);
                state = State::Block;
            }
            roff.text([roman(line.strip_prefix("  ").unwrap_or(line))]);
        } else {
            if state != State::Prose || blank_pending {
                roff.control("PP", []);
                state = State::Prose;
            }
            roff.text([roman(line)]);
        }
        blank_pending = false;
    }
    if state == State::Block {
        roff.control("fi", []);
    }
    roff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_page_per_command() {
        let names: Vec<String> = pages().into_iter().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            [
                "mlp.1",
                "mlp-train.1",
                "mlp-evaluate.1",
                "mlp-predict.1",
                "mlp-explain.1",
                "mlp-info.1",
                "mlp-completions.1",
                "mlp-man.1",
                "mlp-plot.1"
            ]
        );
    }

    #[test]
    fn the_main_page_lists_the_subcommands_and_getting_started() {
        let page = pages().swap_remove(0).1;
        assert!(page.contains("\n.TH mlp 1 "), "{page}");
        assert_eq!(page.matches(&Roff::new().render()).count(), 1, "{page}");
        assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
        assert!(page.contains("mlp\\-train(1)"), "{page}");
        assert!(page.contains(".SH \"GETTING STARTED\"\n.nf\n# Reproduce"), "{page}");
        assert!(!page.contains("help(1)"), "{page}");
    }

    #[test]
    fn the_train_page_has_its_flags_under_headings_and_its_examples() {
        let (_, page) = pages().into_iter().find(|(name, _)| name == "mlp-train.1").unwrap();
        assert!(page.contains("\n.TH mlp-train 1 "), "{page}");
        for flag in ["\\-\\-grad\\-log", "\\-\\-learning\\-rate", "\\-\\-target", "\\-\\-delimiter"]
        {
            assert!(page.contains(flag), "no {flag} in\n{page}");
        }
        for heading in ["DATA", "NETWORK", "OPTIMISATION", "LOGGING", "OUTPUT"] {
            let heading = format!("\n.SH {heading}\n");
            assert!(page.contains(&heading), "no {heading} in\n{page}");
        }
        assert!(page.contains(".SH EXAMPLES\n.nf\n# The tutorial"), "{page}");
        // A continuation line keeps its backslash (escaped) and its line break.
        assert!(page.contains("\\-\\-target t1,t2 \\\\\n"), "{page}");
    }

    #[test]
    fn after_help_sections_fill_prose_and_keep_blocks() {
        let text = "Examples:\n  # Do:\n  mlp x \\\n      y\n\n  mlp z\n\nProse,\nhere.\n\nMore.\n";
        assert_eq!(
            after_help_sections(text).to_roff(),
            ".SH EXAMPLES\n.nf\n# Do:\nmlp x \\\\\n    y\n\nmlp z\n.fi\n.PP\nProse,\nhere.\n.PP\nMore.\n"
        );
    }
}
