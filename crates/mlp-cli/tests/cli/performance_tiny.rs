//! Issue #11, tiny networks (W1): a long run of one-sample epochs through the real binary
//! counts every epoch, logs every epoch's record, and throttles its progress lines.

use crate::util::{mlp, mlp_ok, tutorial_args};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|err| panic!("{err}: {text}"))
}

/// The tutorial's flags (docs/tutorial.md) with `epochs` epochs.
fn tutorial(epochs: &str) -> Vec<String> {
    tutorial_args(&["--epochs", epochs])
}

/// 100,000 epochs of one step: the summary counts them all although the run keeps no history
/// in memory, and `--history` still gets one row per epoch, in order, its clock never going
/// back.
#[test]
fn a_long_run_of_one_sample_epochs_counts_and_logs_every_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let mut args = tutorial("100000");
    args.extend(["--json", "--history", "h.csv"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let summary = json(&mlp_ok(dir.path(), &args));
    assert_eq!(summary["epochs"], 100_000, "{summary}");
    assert_eq!(summary["steps"], 100_000, "{summary}");
    assert!(summary["train"]["loss"].as_f64().unwrap() < 1e-20, "{summary}");

    let history = std::fs::read_to_string(dir.path().join("h.csv")).unwrap();
    let mut lines = history.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let epoch_column = header.iter().position(|name| *name == "epoch").unwrap();
    let seconds_column = header.iter().position(|name| *name == "seconds").unwrap();
    let mut previous_seconds = 0.0;
    let mut n_rows = 0;
    for (row_idx, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(fields[epoch_column], (row_idx + 1).to_string(), "{line}");
        let seconds: f64 = fields[seconds_column].parse().unwrap();
        assert!(seconds >= previous_seconds, "{line} after {previous_seconds} s");
        previous_seconds = seconds;
        n_rows += 1;
    }
    assert_eq!(n_rows, 100_000);
}

/// On a pipe, progress lines come at most 4 times a second on the training clock, besides the
/// first and the last epoch, which are always shown.
#[test]
fn progress_lines_show_the_first_and_last_epoch_and_few_between() {
    let dir = tempfile::tempdir().unwrap();
    let args = tutorial("300000");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = mlp(dir.path(), &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|line| line.starts_with("epoch ")).collect();
    assert!(lines[0].starts_with("epoch      1/300000 "), "{stderr}");
    assert!(lines.last().unwrap().starts_with("epoch 300000/300000 "), "{stderr}");
    // The run takes well under 10 s here; 4 lines a second would be 40 at most.
    assert!(lines.len() <= 42, "{} lines:\n{stderr}", lines.len());
}
