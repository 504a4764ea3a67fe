//! How a run of `mlp train` ends: a signal stops it at the end of a step with whole rows in
//! every log and the model saved; SIGKILL and a second Ctrl-C leave whole rows; a run failing
//! before training (bad settings, divergence at step 1, a log that cannot be written) leaves
//! every existing file as it was; a divergence later saves the last finite model.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::util::{assert_unchanged, dataset, mlp, mlp_fails, mlp_ok, snapshot, write};

/// The logs of [`spawn_long_run`].
const LOGS: [&str; 3] = ["g.csv", "h.csv", "l.csv"];

/// `mlp train iris --target species` with `--save m.json` and every log ([`LOGS`]).
fn every_output(iris: &str) -> Vec<&str> {
    let outputs = ["--save", "m.json", "--grad-log", "g.csv", "--history", "h.csv"];
    let mut args = vec!["train", iris, "--target", "species"];
    args.extend_from_slice(&outputs);
    args.extend_from_slice(&["--layer-log", "l.csv"]);
    args
}

/// Starts the run: iris for 100,000 epochs with every log and `--save`, plus `extra`.
fn spawn_long_run(dir: &Path, extra: &[&str]) -> Child {
    let iris = dataset("iris.csv");
    let mut args = every_output(&iris);
    args.extend_from_slice(&["--epochs", "100000"]);
    args.extend_from_slice(extra);
    Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(&args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the mlp binary starts")
}

/// Waits (up to a generous minute) until the history has two epochs: training is under way
/// and every log has rows.
fn wait_for_rows(dir: &Path, child: &mut Child) {
    let started = Instant::now();
    loop {
        let history = std::fs::read_to_string(dir.join("h.csv")).unwrap_or_default();
        if history.lines().count() >= 3 {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("mlp ended before it was signalled: {status}");
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no history rows after 60 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Sends `signal` (`INT`, `TERM`, `HUP`, …) to `child` with kill(1).
fn send(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} failed");
}

/// Waits for `child`, failing after a minute.
fn finish(child: Child) -> Output {
    let pid = child.id();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(child.wait_with_output()));
    match receiver.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).status();
            panic!("mlp did not end within 60 s of the signal");
        }
    }
}

/// Asserts that every line of the CSV log `name` in `dir` has the header's field count and that
/// the file ends with a newline; returns the number of data rows.
fn assert_whole_rows(dir: &Path, name: &str) -> usize {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    assert!(
        text.ends_with('\n'),
        "{name} ends inside a row: {:?}",
        &text[text.len().saturating_sub(80)..]
    );
    let mut lines = text.lines();
    let n_fields = lines.next().expect("a header").split(',').count();
    assert!(n_fields > 5, "{name}");
    let mut n_rows = 0;
    for (idx, line) in lines.enumerate() {
        assert_eq!(line.split(',').count(), n_fields, "{name} line {}: {line:?}", idx + 2);
        n_rows += 1;
    }
    n_rows
}

/// No temporary file (`.name.XXXX.tmp`) is left in `dir`.
fn assert_no_temporary_files(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.ends_with(".tmp"), "{name} was left behind");
    }
}

/// Signals a long run once and checks the graceful stop: exit status, message, whole rows in
/// every log, a model that loads, no temporary file. Returns stdout.
fn graceful_stop(signal: &str, name: &str, exit_code: i32, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_long_run(dir.path(), extra);
    wait_for_rows(dir.path(), &mut child);
    send(&child, signal);
    let output = finish(child);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(exit_code), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let said = format!("mlp: interrupted by {name}: stopped at the end of step ");
    assert!(stderr.contains(&said), "{stderr}");
    assert!(stderr.contains("wrote g.csv, l.csv, h.csv, m.json (model)"), "{stderr}");
    let n_epochs = assert_whole_rows(dir.path(), "h.csv");
    assert!((2..100_000).contains(&n_epochs), "{n_epochs} epochs");
    for log in LOGS {
        assert!(assert_whole_rows(dir.path(), log) > 0, "{log} has no rows");
    }
    let info = mlp_ok(dir.path(), &["info", "--model", "m.json"]);
    assert!(info.contains("network 4-100-3"), "{info}");
    assert_no_temporary_files(dir.path());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn sigint_stops_at_the_end_of_a_step_with_whole_rows_and_the_model_saved() {
    let stdout = graceful_stop("INT", "SIGINT", 130, &[]);
    assert!(stdout.starts_with("interrupted by SIGINT at the end of step "), "{stdout}");
    assert!(stdout.contains("wrote m.json (model)"), "{stdout}");
}

#[test]
fn sigterm_exits_143_and_the_json_summary_says_so() {
    let stdout = graceful_stop("TERM", "SIGTERM", 143, &["--json"]);
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["interrupted"], true, "{json}");
    assert_eq!(json["signal"], "SIGTERM", "{json}");
    assert_eq!(json["model"], "m.json", "{json}");
    assert!(json["steps"].as_u64().unwrap() > 0, "{json}");
}

#[test]
fn sighup_exits_129_keeping_the_best_weights_under_patience() {
    graceful_stop("HUP", "SIGHUP", 129, &["--patience", "100000"]);
}

/// A second Ctrl-C exits at once; the logs still hold whole rows (the process writes whole
/// rows only).
#[test]
fn a_second_sigint_exits_at_once_leaving_whole_rows() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = spawn_long_run(dir.path(), &[]);
    wait_for_rows(dir.path(), &mut child);
    send(&child, "INT");
    send(&child, "INT");
    let output = finish(child);
    assert_eq!(output.status.code(), Some(130), "{}", String::from_utf8_lossy(&output.stderr));
    for log in LOGS {
        assert_whole_rows(dir.path(), log);
    }
}

#[test]
fn sigkill_leaves_whole_rows() {
    let dir = tempfile::tempdir().unwrap();
    // Linux may cut a write(2) at a page boundary when SIGKILL lands inside it: the process
    // hands over whole rows only, but a kill during the write of one of the gradient log's
    // 64 KiB buffers can still split a row. The row cap makes that window small (the log's
    // writing is over after a step or two) so that the test checks what the program controls.
    let mut child = spawn_long_run(dir.path(), &["--grad-log-max-rows", "30000"]);
    wait_for_rows(dir.path(), &mut child);
    // Let rows pile up in the middle of a buffer.
    std::thread::sleep(Duration::from_millis(300));
    child.kill().unwrap();
    let output = finish(child);
    assert_eq!(output.status.code(), None, "killed by a signal");
    // The rows still in the process's buffers are lost (the layer log's may all be); those
    // written are whole.
    assert!(assert_whole_rows(dir.path(), "g.csv") > 0);
    assert!(assert_whole_rows(dir.path(), "h.csv") >= 2);
    assert_whole_rows(dir.path(), "l.csv");
}

/// Files a run must leave alone when it fails before training.
fn existing_files(dir: &Path) {
    write(dir, "h.csv", "old history\n");
    write(dir, "g.csv", "old gradients\n");
    write(dir, "l.csv", "old layers\n");
    write(dir, "m.json", "old model\n");
}

#[test]
fn bad_settings_fail_before_any_file_is_touched() {
    let iris = dataset("iris.csv");
    // Out-of-range numbers are usage errors (exit 2, from the parser); a layer the network
    // does not have is a run error (exit 1): the network is known only once the flags are read.
    let cases: [(&[&str], i32, &[&str]); 9] = [
        (&["--batch-size", "0"], 2, &["--batch-size", "at least 1"]),
        (&["--learning-rate=-1"], 2, &["--learning-rate", "above 0"]),
        (&["--learning-rate", "NaN"], 2, &["--learning-rate", "NaN"]),
        (&["--grad-log-every", "0"], 2, &["--grad-log-every", "at least 1"]),
        (&["--l2=-1"], 2, &["--l2", "-1"]),
        (&["--optimizer", "momentum", "--momentum", "1"], 2, &["--momentum", "[0, 1)"]),
        (&["--lr-schedule", "step:0:0.5"], 2, &["--lr-schedule", "at least 1"]),
        (&["--grad-log-layers", "3"], 1, &["--grad-log-layers", "no layer 3"]),
        (&["--hidden", "4,4", "--grad-log-layers", "4"], 1, &["--grad-log-layers", "1 to 3"]),
    ];
    for (extra, code, needles) in cases {
        let dir = tempfile::tempdir().unwrap();
        existing_files(dir.path());
        let mut args = every_output(&iris);
        args.extend_from_slice(extra);
        if code == 1 {
            mlp_fails(dir.path(), &args, needles);
        } else {
            let before = crate::util::snapshot(dir.path());
            let output = crate::util::mlp(dir.path(), &args);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(output.status.code(), Some(code), "{args:?}:\n{stderr}");
            for needle in needles {
                assert!(stderr.contains(needle), "{args:?}: {needle:?} not in\n{stderr}");
            }
            crate::util::assert_unchanged(&before);
        }
        assert_no_temporary_files(dir.path());
    }
}

/// Settings checked before the data is read: a missing data file is not what is reported.
#[test]
fn settings_are_checked_before_the_data_is_read() {
    let dir = tempfile::tempdir().unwrap();
    mlp_fails(
        dir.path(),
        &["train", "no-such-data.csv", "--target", "y", "--grad-log-layers", "5"],
        &["--grad-log-layers", "no layer 5"],
    );
}

#[test]
fn divergence_at_step_1_leaves_every_file_and_names_the_layer() {
    let dir = tempfile::tempdir().unwrap();
    existing_files(dir.path());
    let diabetes = dataset("diabetes.csv");
    let args = [
        "train",
        &diabetes,
        "--target",
        "progression",
        "--no-standardize",
        "--optimizer",
        "sgd",
        "--learning-rate",
        "1e305",
        "--save",
        "m.json",
        "--grad-log",
        "g.csv",
        "--history",
        "h.csv",
        "--layer-log",
        "l.csv",
    ];
    mlp_fails(
        dir.path(),
        &args,
        &["training diverged at epoch 1, step 1, in layer 1", "m.json was not written"],
    );
    assert_no_temporary_files(dir.path());
}

/// A run that diverges later keeps its logs whole and saves the weights after the last good
/// step.
#[test]
fn divergence_later_keeps_whole_logs_and_saves_the_last_finite_model() {
    let dir = tempfile::tempdir().unwrap();
    existing_files(dir.path());
    let diabetes = dataset("diabetes.csv");
    let output = mlp(
        dir.path(),
        &[
            "train",
            &diabetes,
            "--target",
            "progression",
            "--no-standardize",
            "--optimizer",
            "sgd",
            "--learning-rate",
            "10",
            "--epochs",
            "50",
            "--save",
            "m.json",
            "--grad-log",
            "g.csv",
            "--history",
            "h.csv",
            "--layer-log",
            "l.csv",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.starts_with("error: training diverged at epoch "), "{stderr}");
    assert!(stderr.contains("saved the last finite model (the weights after step "), "{stderr}");
    for log in LOGS {
        assert_whole_rows(dir.path(), log);
    }
    let info = mlp_ok(dir.path(), &["info", "--model", "m.json"]);
    assert!(info.contains("network 10-100-1"), "{info}");
    mlp_ok(dir.path(), &["evaluate", "--model", "m.json", &diabetes]);
    assert_no_temporary_files(dir.path());
}

/// A log that cannot be written stops the run with the file and the OS error, and the other
/// files stay as they were (the header fails before training starts).
#[test]
fn a_log_on_a_full_disk_fails_before_training() {
    if !Path::new("/dev/full").exists() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    existing_files(dir.path());
    let before = snapshot(dir.path());
    let iris = dataset("iris.csv");
    let output = mlp(
        dir.path(),
        &[
            "train",
            &iris,
            "--target",
            "species",
            "--epochs",
            "100000",
            "--grad-log",
            "/dev/full",
            "--history",
            "h.csv",
            "--save",
            "m.json",
        ],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim_end(),
        "error: cannot write CSV log /dev/full: No space left on device (os error 28)"
    );
    assert_unchanged(&before);
    assert_no_temporary_files(dir.path());
}

/// An unwritable `--save` fails before the data is read, let alone trained on.
#[test]
fn an_unwritable_save_fails_before_training() {
    let dir = tempfile::tempdir().unwrap();
    existing_files(dir.path());
    let iris = dataset("iris.csv");
    let started = Instant::now();
    mlp_fails(
        dir.path(),
        &[
            "train",
            &iris,
            "--target",
            "species",
            "--epochs",
            "100000",
            "--save",
            "no-such-dir/m.json",
            "--history",
            "h.csv",
        ],
        &["no-such-dir"],
    );
    assert!(started.elapsed() < Duration::from_secs(20), "it trained first");
}
