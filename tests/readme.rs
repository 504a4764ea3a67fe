//! README.md's commands are real: the set-up is two commands, CI runs the second one as written,
//! and every `mlp` command it shows parses with today's flags and writes only into `out/`.

use std::path::PathBuf;

use clap::Parser;
use mlp_cli::Cli;

fn read(relative: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The commands of the ```sh blocks under `heading` (the whole file for `None`): comment lines
/// dropped, `\` continuations joined.
fn shell_commands(markdown: &str, heading: Option<&str>) -> Vec<String> {
    let text = match heading {
        Some(heading) => {
            let start = markdown.find(heading).unwrap_or_else(|| panic!("no {heading:?}"));
            let rest = &markdown[start + heading.len()..];
            &rest[..rest.find("\n## ").unwrap_or(rest.len())]
        }
        None => markdown,
    };
    let mut commands = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_block = line == "```sh" && !in_block;
            continue;
        }
        let line = line.trim();
        if !in_block || line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => pending += head,
            None => {
                pending += line;
                commands.push(std::mem::take(&mut pending));
            }
        }
    }
    commands
}

/// Each `mlp …` invocation in `command`, split into words (`a && mlp …` gives the second).
fn mlp_invocations(command: &str) -> Vec<Vec<String>> {
    command
        .split("&&")
        .map(|part| shell_words::split(part.trim()).expect("valid shell words"))
        .filter(|words| words.first().is_some_and(|word| word == "mlp"))
        .collect()
}

#[test]
fn set_up_is_two_commands_and_ci_runs_the_second_as_written() {
    let readme = read("README.md");
    let commands = shell_commands(&readme, Some("## Set-up: two commands"));
    assert_eq!(commands.len(), 2, "{commands:#?}");
    assert!(commands[0].starts_with("cargo install "), "{}", commands[0]);
    assert_eq!(mlp_invocations(&commands[0]).len(), 1, "the main job runs mlp");
    let ci = read(".ci/run");
    assert!(
        ci.lines().any(|line| line.trim() == commands[1]),
        ".ci/run does not run the README's test command {:?}",
        commands[1]
    );
}

#[test]
fn every_mlp_command_parses_and_writes_into_out() {
    let readme = read("README.md");
    let invocations: Vec<Vec<String>> =
        shell_commands(&readme, None).iter().flat_map(|command| mlp_invocations(command)).collect();
    assert!(invocations.len() >= 6, "found only {invocations:?}");
    let output_flags = ["--save", "--grad-log", "--layer-log", "--history", "--output", "-o"];
    for words in invocations {
        if let Err(err) = Cli::try_parse_from(&words) {
            panic!("README command {words:?} does not parse:\n{err}");
        }
        for pair in words.windows(2) {
            if output_flags.contains(&pair[0].as_str()) {
                assert!(pair[1].starts_with("out/"), "{words:?} writes {} outside out/", pair[1]);
            }
        }
    }
}

#[test]
fn out_is_ignored_but_its_readme_is_not() {
    let gitignore = read(".gitignore");
    assert!(gitignore.lines().any(|line| line == "/out/*"), "{gitignore}");
    assert!(gitignore.lines().any(|line| line == "!/out/README.md"), "{gitignore}");
    assert!(!read("out/README.md").is_empty());
}
