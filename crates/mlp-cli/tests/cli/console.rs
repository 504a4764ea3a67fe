//! What `mlp` shows a person: progress lines with time and rate (stderr is not a terminal
//! here), `--quiet` and `--verbose`, the warnings on stderr and in JSON, the files written
//! with their row counts, numbers with significant digits, and `predict --json`.

use std::path::Path;

use crate::util::{dataset, mlp, mlp_ok, tutorial_args};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|err| panic!("{err}: {text}"))
}

/// Runs `mlp args…` in `dir`, asserts success, returns (stdout, stderr).
fn run(dir: &Path, args: &[&str]) -> (String, String) {
    let output = mlp(dir, args);
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "mlp {args:?} failed:\n{stderr}");
    (stdout, stderr)
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Every plain progress line ends with `(<elapsed> s, <rate> epochs/s)`.
#[test]
fn plain_lines_carry_elapsed_time_and_rate() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stderr) = run(
        dir.path(),
        &["train", &dataset("xor.csv"), "--target", "y", "--epochs", "3", "--validation", "0"],
    );
    let lines: Vec<&str> = stderr.lines().filter(|line| line.starts_with("epoch ")).collect();
    assert!(lines.len() >= 2, "{stderr}");
    for line in lines {
        let (_, timing) = line.rsplit_once("  (").unwrap_or_else(|| panic!("{line}"));
        let timing = timing.strip_suffix(" epochs/s)").unwrap_or_else(|| panic!("{line}"));
        let (elapsed, rate) = timing.split_once(" s, ").unwrap_or_else(|| panic!("{line}"));
        let elapsed: f64 = elapsed.parse().unwrap_or_else(|_| panic!("{line}"));
        let rate: f64 = rate.parse().unwrap_or_else(|_| panic!("{line}"));
        assert!((0.0..60.0).contains(&elapsed), "{line}");
        assert!(rate > 0.0, "{line}");
    }
}

/// `--quiet`: nothing on stderr, nothing on stdout without `--json`, even with warnings due;
/// the JSON summary still holds them. The flag is global: before or after the subcommand.
#[test]
fn quiet_prints_errors_only() {
    let dir = tempfile::tempdir().unwrap();
    let xor = dataset("xor.csv");
    // --patience without validation data: a warning is due.
    let train = ["train", &xor, "--target", "y", "--epochs", "3", "--validation", "0"];
    let due = [&train[..], &["--patience", "2", "--save", "m.json"]].concat();
    let (stdout, stderr) = run(dir.path(), &[&due[..], &["--quiet"]].concat());
    assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
    let (stdout, stderr) = run(dir.path(), &[&["-q"], &due[..], &["--json"]].concat());
    assert_eq!(stderr, "");
    let summary = json(&stdout);
    assert_eq!(summary["warnings"][0]["kind"], "patience-on-training-loss", "{summary}");

    let (stdout, stderr) = run(dir.path(), &["evaluate", "--model", "m.json", &xor, "--quiet"]);
    assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
    // Predictions are the command's product, not a summary: still written.
    let (stdout, stderr) = run(dir.path(), &["predict", "--model", "m.json", &xor, "-q"]);
    assert_eq!((stdout.lines().count(), stderr.as_str()), (5, ""));
}

#[test]
fn quiet_and_verbose_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let output = mlp(dir.path(), &["-q", "-v", "train", &dataset("xor.csv"), "--target", "y"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

/// `--verbose`: one line per epoch, however fast the epochs (throttled otherwise).
#[test]
fn verbose_prints_every_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let (_, stderr) = run(
        dir.path(),
        &["train", &dataset("xor.csv"), "--target", "y", "--epochs", "300", "--validation", "0"]
            .iter()
            .copied()
            .chain(["--verbose"])
            .collect::<Vec<_>>(),
    );
    let epochs: Vec<usize> = stderr
        .lines()
        .filter_map(|line| line.strip_prefix("epoch "))
        .map(|rest| rest.trim_start().split('/').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(epochs, (1..=300).collect::<Vec<_>>(), "{stderr}");
}

/// Runs a training with `--json` and returns its warnings from stderr (the `warning: `
/// lines) and from the JSON summary, checking that they say the same.
fn warnings_of(args: &[&str]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let (stdout, stderr) = run(dir.path(), &[args, &["--json"]].concat());
    let printed: Vec<&str> =
        stderr.lines().filter_map(|line| line.strip_prefix("warning: ")).collect();
    let summary = json(&stdout);
    assert_eq!(summary["command"], "train");
    let listed: Vec<(String, String)> = summary["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("no warnings list: {summary}"))
        .iter()
        .map(|warning| {
            let text = |key: &str| warning[key].as_str().unwrap().to_owned();
            (text("kind"), text("message"))
        })
        .collect();
    let messages: Vec<&str> = listed.iter().map(|(_, message)| message.as_str()).collect();
    assert_eq!(printed, messages, "stderr:\n{stderr}");
    listed
}

#[test]
fn patience_without_validation_data_is_named() {
    let xor = dataset("xor.csv");
    let warnings = warnings_of(&[
        "train",
        &xor,
        "--target",
        "y",
        "--epochs",
        "4",
        "--validation",
        "0",
        "--patience",
        "5",
        "--learning-rate",
        "0.05",
    ]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].0, "patience-on-training-loss");
    assert_eq!(
        warnings[0].1,
        "early stopping (patience 5 epochs) watches the training loss: there is no validation \
         data"
    );
    // With validation data early stopping watches it: no warning.
    let iris = dataset("iris.csv");
    let warnings =
        warnings_of(&["train", &iris, "--target", "species", "--epochs", "5", "--patience", "5"]);
    assert!(warnings.iter().all(|(kind, _)| kind != "patience-on-training-loss"), "{warnings:?}");
}

/// The case: iris at learning rate 1e9 ended with a validation loss of 4.99e18 and
/// no word.
#[test]
fn an_exploding_loss_blames_the_learning_rate() {
    let iris = dataset("iris.csv");
    let warnings = warnings_of(&[
        "train",
        &iris,
        "--target",
        "species",
        "--epochs",
        "20",
        "--learning-rate",
        "1e9",
    ]);
    // The loss's warning first; the health checks then name the layers whose gradients
    // exploded.
    assert!(warnings[1..].iter().all(|(kind, _)| kind == "exploding-gradients"), "{warnings:?}");
    assert_eq!(warnings[0].0, "loss-grew");
    assert!(warnings[0].1.starts_with("the validation loss grew "), "{warnings:?}");
    assert!(warnings[0].1.ends_with("the learning rate is likely too high"), "{warnings:?}");
    // The defaults learn: no warning.
    let warnings = warnings_of(&["train", &iris, "--target", "species", "--epochs", "50"]);
    assert_eq!(warnings, []);
}

#[test]
fn a_loss_that_barely_moves_is_named() {
    let xor = dataset("xor.csv");
    let warnings = warnings_of(&[
        "train",
        &xor,
        "--target",
        "y",
        "--epochs",
        "5",
        "--validation",
        "0",
        "--learning-rate",
        "1e-7",
    ]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].0, "not-learning");
    assert!(warnings[0].1.ends_with("the network is barely learning"), "{warnings:?}");
}

/// The tutorial's loss after 1,000 steps is about 3.09e-16 (tests/tutorial.rs: 3.0936e-16 at
/// step 1000, 2.9969e-16 one update later); it used to print as `0.000000`.
#[test]
fn the_tutorial_loss_prints_with_significant_digits() {
    let dir = tempfile::tempdir().unwrap();
    let args = tutorial_args(&["--epochs", "1000"]);
    let (stdout, stderr) = run(dir.path(), &as_strs(&args));
    let last = stderr.lines().rfind(|line| line.starts_with("epoch ")).unwrap();
    // R² is undefined on one sample (scikit-learn's r2_score gives NaN): not shown.
    assert!(last.starts_with("epoch 1000/1000  loss 3.094e-16  mse 3.094e-16  ("), "{last}");
    assert!(
        stdout.contains("\ntrain (1 sample): loss 2.997e-16  mae 1.605e-8  rmse 1.605e-8\n"),
        "{stdout}"
    );
    assert!(stdout.contains(" for 1,000 epochs (1,000 steps) in "), "{stdout}");
}

/// One `wrote` line per file with its row count, singular and plural right, and the same
/// facts in the JSON summary.
#[test]
fn the_files_written_are_named_with_their_rows() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let flags = [
        "train",
        &iris,
        "--target",
        "species",
        "--epochs",
        "10",
        "--grad-log",
        "g.csv",
        "--grad-log-every",
        "50",
        "--history",
        "h.csv",
        "--layer-log",
        "l.csv",
        "--save",
        "m.json",
    ];
    let (stdout, _) = run(dir.path(), &flags);
    let data_rows =
        |name: &str| std::fs::read_to_string(dir.path().join(name)).unwrap().lines().count() - 1;
    // 120 training rows in batches of 32: 4 steps an epoch, 40 steps; logged: step 1 only.
    // 803 parameters × 32 samples = 25,696 gradient rows; two weight layers.
    assert_eq!((data_rows("g.csv"), data_rows("h.csv"), data_rows("l.csv")), (25_696, 10, 2));
    let wrote: Vec<&str> = stdout.lines().filter(|line| line.starts_with("wrote ")).collect();
    assert_eq!(
        wrote,
        [
            "wrote g.csv (gradient log, 25,696 rows)",
            "wrote l.csv (layer log, 2 rows)",
            "wrote h.csv (history, 10 rows)",
            "wrote m.json (model)",
        ],
        "{stdout}"
    );
    assert!(stdout.contains("network (803 parameters, classification) for 10 epochs (40 steps)"));

    let (stdout, _) = run(dir.path(), &[&flags[..], &["--json"]].concat());
    assert_eq!(
        json(&stdout)["files"],
        serde_json::json!([
            { "kind": "grad-log", "path": "g.csv", "rows": 25_696 },
            { "kind": "layer-log", "path": "l.csv", "rows": 2 },
            { "kind": "history", "path": "h.csv", "rows": 10 },
            { "kind": "model", "path": "m.json", "rows": null },
        ])
    );

    // One epoch, one step, one sample, one row.
    let args = tutorial_args(&["--epochs", "1", "--history", "one.csv"]);
    let (stdout, _) = run(dir.path(), &as_strs(&args));
    assert!(stdout.contains(" for 1 epoch (1 step) in "), "{stdout}");
    assert!(stdout.contains("\ntrain (1 sample): "), "{stdout}");
    assert!(stdout.contains("\nwrote one.csv (history, 1 row)\n"), "{stdout}");
}

#[test]
fn evaluate_json_has_command_and_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let xor = dataset("xor.csv");
    mlp_ok(dir.path(), &["train", &xor, "--target", "y", "--epochs", "2", "--save", "m.json"]);
    let summary = json(&mlp_ok(dir.path(), &["evaluate", "--model", "m.json", &xor, "--json"]));
    assert_eq!(summary["command"], "evaluate");
    assert_eq!(summary["warnings"], serde_json::json!([]));
    assert_eq!(summary["samples"], 4);
    assert!(summary["mse"].is_number() && summary["loss"].is_number(), "{summary}");
}

/// `predict --json`: one object per line, the CSV's column names as keys, the same numbers.
#[test]
fn predict_json_lines_equal_the_csv() {
    let dir = tempfile::tempdir().unwrap();
    let cases =
        [(dataset("iris.csv"), "species", 150), (dataset("diabetes.csv"), "progression", 442)];
    for (data, target, n_rows) in cases {
        mlp_ok(
            dir.path(),
            &["train", &data, "--target", target, "--epochs", "3", "--save", "m.json"],
        );
        let csv_text = mlp_ok(dir.path(), &["predict", "--model", "m.json", &data]);
        let json_text = mlp_ok(dir.path(), &["predict", "--model", "m.json", &data, "--json"]);
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
        assert_eq!(header[1], format!("predicted_{target}"));
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let objects: Vec<serde_json::Value> = json_text.lines().map(json).collect();
        assert_eq!((rows.len(), objects.len()), (n_rows, n_rows));
        for (row, object) in rows.iter().zip(&objects) {
            let object = object.as_object().unwrap();
            assert_eq!(object.len(), header.len(), "{object:?}");
            for (name, field) in header.iter().zip(row.iter()) {
                let value = &object[name];
                match field.parse::<f64>() {
                    Ok(number) => assert_eq!(value.as_f64(), Some(number), "{name}: {object:?}"),
                    Err(_) => assert_eq!(value.as_str(), Some(field), "{name}: {object:?}"),
                }
            }
        }
        assert!(objects[0]["row"].is_u64());
    }
}

/// A flag nothing reads is named: --momentum under Adam, gradient-log options without a
/// gradient log; with the flags that use them, no such warning.
#[test]
fn flags_nothing_reads_are_named() {
    let iris = dataset("iris.csv");
    let base = ["train", iris.as_str(), "--target", "species", "--epochs", "2"];
    let warnings = warnings_of(
        &base
            .iter()
            .copied()
            .chain(["--momentum", "0.5", "--grad-log-every", "5"])
            .collect::<Vec<_>>(),
    );
    let no_effect: Vec<&str> = warnings
        .iter()
        .filter(|(kind, _)| kind == "no-effect")
        .map(|(_, message)| message.as_str())
        .collect();
    assert_eq!(
        no_effect,
        [
            "--momentum has no effect: the optimizer is adam",
            "--grad-log-every has no effect: there is no --grad-log"
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("g.csv").display().to_string();
    let used = base
        .iter()
        .copied()
        .chain(["--optimizer", "momentum", "--momentum", "0.5", "--grad-log", &log])
        .chain(["--grad-log-every", "5"])
        .collect::<Vec<_>>();
    assert!(warnings_of(&used).iter().all(|(kind, _)| kind != "no-effect"));
}
