//! Help that teaches: every example runs as shown; completions and manual pages generate.

use std::path::Path;

use crate::util::{datasets, mlp, mlp_ok};

/// The example commands under `mlp ARGS… --help`: each line starting with `mlp` and its `\`
/// continuation lines, split at whitespace (the unit tests in `help.rs` parse them with full
/// shell quoting; these examples must need none).
fn example_commands(dir: &Path, args: &[&str]) -> Vec<Vec<String>> {
    let help = mlp_ok(dir, &[args, &["--help"]].concat());
    let mut commands = Vec::new();
    let mut lines = help.lines().map(str::trim);
    while let Some(line) = lines.next() {
        if !line.starts_with("mlp ") {
            continue;
        }
        let mut command = line.to_owned();
        while command.ends_with('\\') {
            command.pop();
            command.push_str(lines.next().expect("a continuation line"));
        }
        assert!(!command.contains(['\'', '"']), "quoted words in {command:?}");
        commands.push(command.split_whitespace().map(str::to_owned).collect());
    }
    commands
}

/// The examples of train (first: they save the models the others read), evaluate, predict,
/// explain and the top-level help run from the repository's root as printed, writing to
/// `out/` (here a temporary folder).
#[test]
fn every_example_runs_as_shown() {
    let root = datasets().join("..");
    let out = tempfile::tempdir().unwrap();
    let mut n_runs = 0;
    for args in [&["train"][..], &[], &["evaluate"], &["predict"], &["explain"], &["draw"]] {
        let commands = example_commands(&root, args);
        assert!(!commands.is_empty(), "no example under mlp {args:?} --help");
        for command in commands {
            let words: Vec<String> = command[1..]
                .iter()
                .map(|word| match word.strip_prefix("out/") {
                    Some(file) => out.path().join(file).display().to_string(),
                    None => word.clone(),
                })
                .collect();
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let output = mlp(&root, &words);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{} failed:\n{stderr}", command.join(" "));
            n_runs += 1;
        }
    }
    assert!(n_runs >= 12, "{n_runs} examples ran");
    for file in ["grads.csv", "iris.json", "diabetes.json", "iris-grads.csv", "iris-history.csv"] {
        assert!(out.path().join(file).is_file(), "no out/{file}");
    }
    // The tutorial's W5: its ∂E/∂w is 0.02592286 (rounded) in the tutorial.
    let grads = std::fs::read_to_string(out.path().join("grads.csv")).unwrap();
    assert!(
        grads.lines().any(|row| row.contains(",W5,") && row.contains(",0.0259228556")),
        "{grads}"
    );
}

#[test]
fn completions_generate_for_bash_zsh_and_fish() {
    let dir = tempfile::tempdir().unwrap();
    for (shell, marker) in
        [("bash", "complete -F _mlp"), ("zsh", "#compdef mlp"), ("fish", "complete -c mlp")]
    {
        let script = mlp_ok(dir.path(), &["completions", shell]);
        assert!(script.contains(marker), "{shell}: no {marker:?}");
        for word in ["train", "evaluate", "predict", "explain", "grad-log", "layer-log"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
}

#[test]
fn completions_for_an_unknown_shell_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = mlp(dir.path(), &["completions", "tcsh"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bash") && stderr.contains("powershell"), "{stderr}");
}

#[test]
fn man_prints_the_main_page() {
    let dir = tempfile::tempdir().unwrap();
    let page = mlp_ok(dir.path(), &["man"]);
    assert!(page.contains("\n.TH mlp 1 "), "{page}");
    assert!(page.contains("mlp\\-train(1)"), "{page}");
}

#[test]
fn man_dir_writes_one_page_per_command() {
    let dir = tempfile::tempdir().unwrap();
    let stdout = mlp_ok(dir.path(), &["man", "--dir", "pages/man1"]);
    let names = ["mlp", "mlp-train", "mlp-evaluate", "mlp-predict", "mlp-explain"];
    for name in names.iter().chain(&["mlp-completions", "mlp-man"]) {
        let path = Path::new("pages/man1").join(format!("{name}.1"));
        assert!(stdout.contains(&path.display().to_string()), "{path:?} not in {stdout}");
        let page = std::fs::read_to_string(dir.path().join(&path)).unwrap();
        assert!(page.contains(&format!("\n.TH {name} 1 ")), "{page}");
    }
    let train = std::fs::read_to_string(dir.path().join("pages/man1/mlp-train.1")).unwrap();
    assert!(train.contains("\\-\\-grad\\-log\\-every"), "{train}");
    assert!(!dir.path().join("pages/man1/mlp-help.1").exists());
}

#[test]
fn help_shows_no_markup() {
    let dir = tempfile::tempdir().unwrap();
    let help = mlp_ok(dir.path(), &["--help"]);
    assert!(help.contains("Getting started:"), "{help}");
    assert!(!help.contains('`'), "{help}");
}
