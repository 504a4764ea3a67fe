//! Issue #11's training on several threads: `--threads N` saves the same weights for every N,
//! and a count of 0 is a usage error that touches no file.

use std::path::Path;

use crate::util::{assert_unchanged, mlp, mlp_ok, snapshot, write};

/// 300 rows of 6 features and 3 classes: batches of 64 are split in two chunks, the last batch
/// (44 samples) is one.
fn classes(dir: &Path) -> String {
    let mut text = String::from("a,b,c,d,e,f,label\n");
    for row in 0..300_u32 {
        let features: Vec<String> = (0..6_u32)
            .map(|col| format!("{:.3}", f64::from((row * 37 + col * 11) % 97) / 9.7))
            .collect();
        text += &format!("{},{}\n", features.join(","), ["x", "y", "z"][(row % 3) as usize]);
    }
    write(dir, "classes.csv", &text)
}

/// Trains on `threads` threads with every other setting fixed and returns the saved model's
/// layers (weights and biases), leaving out the provenance, which records the command line.
fn trained_layers(dir: &Path, data: &str, threads: &str) -> serde_json::Value {
    let model = format!("model-{threads}.json");
    mlp_ok(
        dir,
        &[
            "train",
            data,
            "--target",
            "label",
            "--hidden",
            "16,8",
            "--batch-size",
            "64",
            "--epochs",
            "5",
            "--optimizer",
            "adam",
            "--precision",
            "f32",
            "--validation",
            "0.2",
            "--threads",
            threads,
            "--save",
            &model,
            "--quiet",
        ],
    );
    let text = std::fs::read_to_string(dir.join(&model)).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["layers"].take()
}

#[test]
fn one_two_and_more_threads_than_cores_save_the_same_weights() {
    let dir = tempfile::tempdir().unwrap();
    let data = classes(dir.path());
    let one = trained_layers(dir.path(), &data, "1");
    assert!(one.as_array().is_some_and(|layers| layers.len() == 3), "{one}");
    assert_eq!(trained_layers(dir.path(), &data, "2"), one);
    assert_eq!(trained_layers(dir.path(), &data, "17"), one);
}

#[test]
fn zero_threads_is_a_usage_error_naming_the_flag_that_touches_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = classes(dir.path());
    write(dir.path(), "model.json", "an older model\n");
    let before = snapshot(dir.path());
    for bad in ["0", "-1", "two"] {
        let output = mlp(
            dir.path(),
            &["train", &data, "--target", "label", "--threads", bad, "--save", "model.json"],
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "--threads {bad}:\n{stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains("--threads"), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert_unchanged(&before);
        assert_eq!(snapshot(dir.path()).len(), before.len(), "no file was made");
    }
}
