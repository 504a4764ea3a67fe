//! Issue #14's checkpoints: `mlp train --checkpoint` then `--resume` ends with the layers of
//! the uninterrupted run, byte for byte, and with `--append-logs` with its logs (but the
//! `seconds` column); a SIGINT writes a checkpoint that resumes to the same bits; other data,
//! a corrupt checkpoint and a flag that changes the settings are refused, naming the file or
//! the flag.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::{dataset, mlp, mlp_fails, mlp_ok, write};

/// The `layers` of the model file `name` in `dir`, as JSON text.
fn layers(dir: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let model: serde_json::Value = serde_json::from_str(&text).unwrap();
    serde_json::to_string(&model["layers"]).unwrap()
}

/// The CSV file `name` in `dir` without its `seconds` column.
fn timeless(dir: &Path, name: &str) -> String {
    let text = std::fs::read_to_string(dir.join(name)).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let seconds = header.iter().position(|&column| column == "seconds").unwrap();
    text.lines()
        .map(|line| {
            let fields: Vec<&str> = line.split(',').collect();
            [&fields[..seconds], &fields[seconds + 1..]].concat().join(",") + "\n"
        })
        .collect()
}

fn iris_args<'a>(iris: &'a str, optimizer: &'a str, epochs: &'a str) -> Vec<&'a str> {
    let mut args = vec!["train", iris, "--target", "species", "--optimizer", optimizer];
    args.extend(["--batch-size", "16", "--hidden", "6", "--epochs", epochs, "-q"]);
    args
}

/// For SGD, momentum and Adam: 8 epochs at once, or 4 with --checkpoint then --resume to 8,
/// give the same `layers` bytes, and with --append-logs the same history (but `seconds`),
/// gradient log and layer log bytes. The checkpoint's `model` loads as a model.
#[test]
fn a_resumed_run_ends_with_the_layers_and_logs_of_the_whole_run() {
    let iris = dataset("iris.csv");
    for optimizer in ["sgd", "momentum", "adam"] {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let logs = |suffix: &'static str| {
            let name = |log: &str| format!("{log}{suffix}.csv");
            vec![
                "--history".to_owned(),
                name("h"),
                "--grad-log".to_owned(),
                name("g"),
                "--layer-log".to_owned(),
                name("l"),
            ]
        };
        let run = |args: Vec<&str>, extra: &[String]| {
            let mut args: Vec<String> = args.into_iter().map(str::to_owned).collect();
            args.extend_from_slice(extra);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            mlp_ok(dir, &args)
        };
        let mut whole = iris_args(&iris, optimizer, "8");
        whole.extend(["--save", "a.json"]);
        run(whole, &logs("a"));
        let mut first = iris_args(&iris, optimizer, "4");
        first.extend(["--checkpoint", "c.json"]);
        run(first, &logs("b"));
        let resume = vec!["train", "--resume", "c.json", "--epochs", "8", "--save", "b.json"];
        let mut extra = logs("b");
        extra.extend(["--append-logs".to_owned(), "--json".to_owned()]);
        let summary = run(resume, &extra);

        assert_eq!(layers(dir, "a.json"), layers(dir, "b.json"), "{optimizer}");
        assert_eq!(timeless(dir, "ha.csv"), timeless(dir, "hb.csv"), "{optimizer}");
        for log in ["g", "l"] {
            let read = |run: &str| std::fs::read(dir.join(format!("{log}{run}.csv"))).unwrap();
            assert!(read("a") == read("b"), "{optimizer}: {log}a.csv and {log}b.csv differ");
        }
        // 120 training rows in batches of 16: 8 steps an epoch.
        let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
        assert_eq!(summary["epochs"], 8, "{summary}");
        assert_eq!(summary["steps"], 64, "{summary}");
        assert_eq!(summary["resumed_from"], serde_json::json!({"epoch": 4, "step": 32}));

        // `jq .model c.json` is a model file.
        let checkpoint: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("c.json")).unwrap()).unwrap();
        assert_eq!(checkpoint["format"], "mlp-checkpoint");
        write(dir, "m.json", &checkpoint["model"].to_string());
        mlp_ok(dir, &["evaluate", "--model", "m.json", &iris]);
    }
}

/// Without --append-logs the resumed run's history starts at the epoch after the checkpoint,
/// in a new file; a --resume with the same total as the checkpoint runs no epoch.
#[test]
fn a_resumed_history_continues_the_epoch_numbers() {
    let iris = dataset("iris.csv");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut first = iris_args(&iris, "adam", "3");
    first.extend(["--checkpoint", "c.json", "--checkpoint-every", "2"]);
    mlp_ok(dir, &first);
    mlp_ok(dir, &["train", "--resume", "c.json", "--epochs", "5", "--history", "h.csv", "-q"]);
    let history = std::fs::read_to_string(dir.join("h.csv")).unwrap();
    let epochs: Vec<&str> =
        history.lines().skip(1).map(|line| line.split(',').next().unwrap()).collect();
    assert_eq!(epochs, ["4", "5"]);
}

/// A SIGINT in the middle of a run writes a checkpoint (the graceful stop) that resumes to the
/// layers of the uninterrupted run.
#[test]
fn a_sigint_checkpoint_resumes_to_the_same_bits() {
    let iris = dataset("iris.csv");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let total = "1500";
    let mut whole = iris_args(&iris, "adam", total);
    whole.extend(["--save", "a.json"]);
    mlp_ok(dir, &whole);

    let mut first = iris_args(&iris, "adam", total);
    first.retain(|&arg| arg != "-q");
    first.extend(["--checkpoint", "c.json", "--history", "h.csv"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(&first)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::fs::read_to_string(dir.join("h.csv")).unwrap_or_default().lines().count() < 3 {
        assert!(child.try_wait().unwrap().is_none(), "the run ended before the signal");
        assert!(started.elapsed() < Duration::from_secs(60), "no history after 60 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = Command::new("kill").arg("-INT").arg(child.id().to_string()).status().unwrap();
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("c.json (checkpoint)"), "{stderr}");
    let checkpoint: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("c.json")).unwrap()).unwrap();
    let done = checkpoint["state"]["epochs_done"].as_u64().unwrap();
    assert!(done < 1500, "stopped at epoch {done}");

    mlp_ok(dir, &["train", "--resume", "c.json", "--save", "b.json", "-q"]);
    assert_eq!(layers(dir, "a.json"), layers(dir, "b.json"));
}

/// Other data (one value changed), a corrupt checkpoint and a flag that changes the settings
/// are refused, naming both hashes, the file with its line and column, or the flag.
#[test]
fn resumes_that_cannot_continue_the_run_are_refused() {
    let iris = dataset("iris.csv");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut first = iris_args(&iris, "sgd", "2");
    first.extend(["--checkpoint", "c.json"]);
    mlp_ok(dir, &first);

    let text = std::fs::read_to_string(&iris).unwrap().replacen("5.1", "5.2", 1);
    write(dir, "other.csv", &text);
    let stderr = mlp_fails(dir, &["train", "other.csv", "--resume", "c.json"], &["c.json"]);
    let hash = |bytes: &[u8]| {
        use sha2::Digest;
        sha2::Sha256::digest(bytes).iter().map(|byte| format!("{byte:02x}")).collect::<String>()
    };
    assert!(stderr.contains(&hash(&std::fs::read(&iris).unwrap())), "{stderr}");
    assert!(stderr.contains(&hash(text.as_bytes())), "{stderr}");

    write(dir, "bad.json", "{\"format\": \"mlp-checkpoint\",\n \"version\": 1,\n \"model\": [}");
    mlp_fails(dir, &["train", "--resume", "bad.json"], &["bad.json: line 3, column "]);
    write(dir, "model.json", "{\"format\": \"mlp-model\", \"version\": 3}");
    mlp_fails(dir, &["train", "--resume", "model.json"], &["model.json: not an mlp checkpoint"]);

    mlp_fails(
        dir,
        &["train", "--resume", "c.json", "--learning-rate", "0.5"],
        &["--learning-rate"],
    );
    mlp_fails(dir, &["train", "--resume", "c.json", "--hidden", "3"], &["--hidden"]);
    let output = mlp(dir, &["train", &iris, "--target", "species", "--append-logs"]);
    assert_eq!(output.status.code(), Some(2), "--append-logs needs --resume");
}
