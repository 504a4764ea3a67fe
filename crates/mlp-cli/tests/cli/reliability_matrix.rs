//! Issue #10's red-team findings on the merged fixes, end to end: a stderr that cannot be
//! written, an interrupted `predict`, a fast double Ctrl-C, counts of 0 as usage errors, and
//! messages said once.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{dataset, mlp, mlp_ok, snapshot};

/// Runs `mlp args…` in `dir` with stderr on `/dev/full` (every write fails with ENOSPC).
fn with_full_stderr(dir: &Path, args: &[&str]) -> std::process::Output {
    let full = File::options().write(true).open("/dev/full").expect("/dev/full opens");
    Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(args)
        .current_dir(dir)
        .stderr(full)
        .stdout(Stdio::null())
        .output()
        .expect("the mlp binary runs")
}

#[test]
fn a_stderr_that_cannot_be_written_is_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    // Errors: exit 1, not 101 from `eprintln!` panicking.
    let output = with_full_stderr(dir.path(), &["info", "--model", "no-such-model.json"]);
    assert_eq!(output.status.code(), Some(1));
    let output = with_full_stderr(dir.path(), &["train", &iris, "--target", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    // Progress lines and warnings that cannot be shown do not fail a run.
    let args = ["train", &iris, "--target", "species", "--epochs", "2", "--hidden", "4"];
    let output = with_full_stderr(dir.path(), &args);
    assert_eq!(output.status.code(), Some(0));
}

/// The `.tmp` files in `dir`.
fn temporary_files(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect()
}

#[test]
fn an_interrupted_predict_removes_its_unfinished_output_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    // A network wide enough that predicting 60,000 rows takes seconds, not milliseconds.
    let model_args =
        ["train", &iris, "--target", "species", "--epochs", "1", "--hidden", "800,800"];
    mlp_ok(dir.path(), &[&model_args[..], &["--save", "wide.json"]].concat());
    let iris_text = std::fs::read_to_string(dataset("iris.csv")).unwrap();
    let (header, rows) = iris_text.split_once('\n').unwrap();
    let mut big = format!("{header}\n");
    for _ in 0..400 {
        big += rows;
    }
    std::fs::write(dir.path().join("big.csv"), big).unwrap();
    std::fs::write(dir.path().join("p.csv"), "earlier predictions\n").unwrap();
    let before = snapshot(dir.path());

    let mut child = Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(["predict", "--model", "wide.json", "big.csv", "--output", "p.csv"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The output's temporary file exists from the start: the run is under way.
    let started = Instant::now();
    while temporary_files(dir.path()).is_empty() {
        assert!(child.try_wait().unwrap().is_none(), "predict ended before it was signalled");
        assert!(started.elapsed() < Duration::from_secs(60), "no temporary file after 60 s");
        std::thread::sleep(Duration::from_millis(10));
    }
    let status = Command::new("kill").arg("-INT").arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
    assert!(stderr.contains("p.csv was not written"), "{stderr}");
    assert_eq!(temporary_files(dir.path()), Vec::<String>::new());
    crate::util::assert_unchanged(&before);
}

#[test]
fn a_fast_double_ctrl_c_leaves_no_temporary_log_and_no_half_model() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(["train", &iris, "--target", "species", "--epochs", "100000", "-q"])
        .args(["--save", "m.json", "--history", "h.csv"])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::fs::read_to_string(dir.path().join("h.csv")).unwrap_or_default().lines().count() < 3
    {
        assert!(child.try_wait().unwrap().is_none(), "train ended before it was signalled");
        assert!(started.elapsed() < Duration::from_secs(60), "no history after 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    for _ in 0..2 {
        let pid = child.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    // The logs were in place before the signals. The second one may end the save of the
    // model midway (it exits at once, as asked): then an earlier model is untouched and only
    // the model's temporary file can be left, never a log's.
    let left: Vec<String> = temporary_files(dir.path())
        .into_iter()
        .filter(|name| !name.starts_with(".m.json."))
        .collect();
    assert_eq!(left, Vec::<String>::new());
    if dir.path().join("m.json").exists() {
        mlp_ok(dir.path(), &["info", "--model", "m.json"]);
    }
}

#[test]
fn a_count_of_zero_is_a_usage_error_naming_its_flag() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    // (--epochs 0 is a run that saves the starting model: tests/cli/schedules.rs.)
    for flag in ["--batch-size", "--grad-log-every", "--grad-log-layers"] {
        let output = mlp(dir.path(), &["train", &iris, "--target", "species", flag, "0"]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag}: {stderr}");
        assert!(stderr.contains(flag) && stderr.contains("at least 1"), "{flag}: {stderr}");
    }
}

#[test]
fn a_model_without_layers_is_said_once() {
    let dir = tempfile::tempdir().unwrap();
    let model = r#"{"format": "mlp-model", "version": 1, "loss": "sse", "layers": [],
        "inputs": {"names": []}, "outputs": {"names": []}}"#;
    std::fs::write(dir.path().join("empty.json"), model).unwrap();
    let stderr = crate::util::mlp_fails(
        dir.path(),
        &["info", "--model", "empty.json"],
        &["empty.json: a network needs at least one layer"],
    );
    assert_eq!(stderr.matches("at least one layer").count(), 1, "{stderr}");
}

#[test]
fn a_log_whose_reader_goes_away_stops_the_run_at_once_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let fifo = dir.path().join("g.csv");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    // The reader takes 200 KB of the gradient log (a few steps) and goes away: the next write
    // fails with EPIPE. Not a closed stdout: an error, and the run stops there.
    let reader = std::thread::spawn(move || {
        use std::io::Read;
        let mut taken = vec![0; 200_000];
        File::open(&fifo).unwrap().read_exact(&mut taken).unwrap();
    });
    let args = ["train", &iris, "--target", "species", "--epochs", "300", "-q"];
    let output =
        mlp(dir.path(), &[&args[..], &["--grad-log", "g.csv", "--history", "h.csv"]].concat());
    reader.join().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("g.csv") && stderr.contains("Broken pipe"), "{stderr}");
    let history = std::fs::read_to_string(dir.path().join("h.csv")).unwrap();
    assert!(history.lines().count() < 10, "the run went on after the failed write:\n{history}");
    assert!(history.ends_with('\n'));
}

#[test]
fn a_signal_while_reading_a_silent_stdin_ends_the_run_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // stdin is a pipe nobody writes to: the read blocks until the signal.
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(["train", "-", "--target", "y", "--save", "m.json", "--history", "h.csv"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(child.try_wait().unwrap().is_none(), "train ended while stdin was open");
    let started = Instant::now();
    assert!(Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143));
    assert!(started.elapsed() < Duration::from_secs(10), "the signal waited for the input");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "a file was written");
}

#[test]
fn every_output_place_and_the_test_file_are_checked_before_the_data_is_read() {
    let dir = tempfile::tempdir().unwrap();
    // The training file does not exist either: what is reported first is what is checked first.
    for (flag, path, needle) in [
        ("--history", "no/dir/h.csv", "no/dir/h.csv: cannot write the history"),
        ("--layer-log", "no/dir/l.csv", "no/dir/l.csv: cannot write the layer log"),
        ("--grad-log", "no/dir/g.csv", "no/dir/g.csv: cannot write the gradient log"),
        ("--test", "no-test.csv", "no-test.csv: could not read the file"),
    ] {
        crate::util::mlp_fails(
            dir.path(),
            &["train", "no-data.csv", "--target", "y", flag, path],
            &[needle],
        );
    }
}

/// Trains a one-epoch xor model with identity hidden units as `name` in `dir`, then sets every
/// weight to `weight` (and its standardizer's stds to `std`, when given).
fn edited_xor_model(dir: &Path, name: &str, weight: f64, std: Option<f64>) -> String {
    let xor = dataset("xor.csv");
    let args = ["train", &xor, "--target", "y", "--epochs", "1", "--activation", "identity"];
    mlp_ok(dir, &[&args[..], &["--hidden", "2", "--save", name, "-q"]].concat());
    let path = dir.join(name);
    let mut model: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    for layer in model["layers"].as_array_mut().unwrap() {
        for row in layer["weights"].as_array_mut().unwrap() {
            for value in row.as_array_mut().unwrap() {
                *value = weight.into();
            }
        }
    }
    if let Some(std) = std {
        for value in model["inputs"]["standardizer"]["std"].as_array_mut().unwrap() {
            *value = std.into();
        }
    }
    std::fs::write(&path, model.to_string()).unwrap();
    path.display().to_string()
}

#[test]
fn a_hostile_model_is_blamed_not_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let xor = dataset("xor.csv");
    let huge = edited_xor_model(dir.path(), "huge.json", 1e200, None);
    crate::util::mlp_fails(
        dir.path(),
        &["train", &xor, "--target", "y", "--init", &huge, "--epochs", "1"],
        &["huge.json: the model's weights make layer 2 overflow", "xor.csv"],
    );
    let tiny_std = edited_xor_model(dir.path(), "tiny-std.json", 0.5, Some(1e-320));
    crate::util::mlp_fails(
        dir.path(),
        &["evaluate", "--model", &tiny_std, &xor],
        &["tiny-std.json", "standard deviation 1e-320", "too small to divide by"],
    );
}

#[test]
fn a_divergence_whose_last_finite_weights_overflow_too_says_so_and_saves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("m.json"), "an earlier model\n").unwrap();
    let diabetes = dataset("diabetes.csv");
    let args = ["train", &diabetes, "--target", "progression", "--optimizer", "sgd"];
    crate::util::mlp_fails(
        dir.path(),
        &[&args[..], &["--learning-rate", "1e10", "--hidden", "8", "--save", "m.json"]].concat(),
        &["training diverged at epoch 1, step", "the last finite weights", "no model was saved"],
    );
}

#[test]
fn outputs_on_standard_output_clash_with_each_other_and_with_the_summary() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let train = ["train", &iris, "--target", "species", "--epochs", "2"];
    let fails = |extra: &[&str], needles: &[&str]| {
        crate::util::mlp_fails(dir.path(), &[&train[..], extra].concat(), needles);
    };
    fails(&["--save", "/dev/stdout", "--json"], &["the summary and --save both write to standard"]);
    fails(&["--history", "-"], &["the summary and --history both write to standard output"]);
    fails(
        &["--history", "-", "--layer-log", "/dev/fd/1", "-q"],
        &["--layer-log and --history both write to standard output"],
    );
    // Alone, and with the summary silenced, `-` streams the log to stdout (not a file named -).
    let history = mlp_ok(dir.path(), &[&train[..], &["--history", "-", "-q"]].concat());
    assert!(history.starts_with("epoch,loss,"), "{history}");
    assert_eq!(history.lines().count(), 3, "{history}");
    assert!(!dir.path().join("-").exists());
}

#[test]
fn inputs_that_overflow_in_f32_name_their_column_and_stdin_is_not_read_twice() {
    let dir = tempfile::tempdir().unwrap();
    // Finite in f64, past f32's 3.4e38 once squared by the loss: the column, not the rate.
    let data = crate::util::write(
        dir.path(),
        "f32.csv",
        "a,b,y\n1e19,1,1e19\n2e19,2,2e19\n3e19,1,3e19\n4e19,2,1e19\n",
    );
    let args = ["train", &data, "--target", "y", "--no-standardize", "--precision", "f32"];
    crate::util::mlp_fails(
        dir.path(),
        &[&args[..], &["--hidden", "4", "--validation", "0"]].concat(),
        &["f32.csv: row", "column \"a\"", "too large"],
    );
    crate::util::mlp_fails(
        dir.path(),
        &["train", "-", "--test", "-", "--target", "y"],
        &["both read standard input"],
    );
}
