//! Issue #10's numbers that make no sense: numeric flags out of range or not finite, sizes too
//! large to allocate, models whose forward pass overflows, features too large to standardize.
//! Each case: the exit status, the message naming the flag, file, layer or column, no panic,
//! and every file already in the directory left as it was.

use std::path::Path;

use serde_json::{json, Value};

use crate::util::{assert_unchanged, dataset, mlp, mlp_fails, mlp_ok, snapshot, write};

/// Asserts that `mlp args…` is a usage error (exit 2) naming `flag` and holding `needle`,
/// without a panic and without touching a file of `dir`.
fn usage_error(dir: &Path, args: &[&str], flag: &str, needle: &str) {
    let before = snapshot(dir);
    let output = mlp(dir, args);
    assert_unchanged(&before);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "mlp {args:?}:\n{stderr}");
    assert!(!stderr.contains("panicked"), "mlp {args:?}:\n{stderr}");
    assert!(stderr.starts_with("error: "), "mlp {args:?}:\n{stderr}");
    assert!(stderr.contains(&format!("'{flag} <")), "mlp {args:?}: {flag} not named in\n{stderr}");
    assert!(stderr.contains(needle), "mlp {args:?}: {needle:?} not in\n{stderr}");
}

/// The tutorial's model file (`datasets/seed/model.json`) with `edit` applied.
fn seed_model(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> String {
    let text = std::fs::read_to_string(dataset("seed/model.json")).unwrap();
    let mut model: Value = serde_json::from_str(&text).unwrap();
    edit(&mut model);
    write(dir, name, &serde_json::to_string_pretty(&model).unwrap())
}

#[test]
fn numeric_flags_refuse_non_finite_and_out_of_range_values_as_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    // A log from an earlier run, which a refused command line must leave whole.
    let history = write(dir.path(), "history.csv", "epoch,loss\n1,0.5\n");
    let iris = dataset("iris.csv");
    let train = |flag: &str, value: &str| {
        let args = ["train", &iris, "--target", "species", "--history", &history, flag, value];
        args.map(str::to_owned).to_vec()
    };
    let cases = [
        ("--learning-rate", "NaN", "expected a finite number, found NaN"),
        ("--learning-rate", "inf", "expected a finite number, found inf"),
        ("--learning-rate", "-0.1", "the learning rate must be above 0, found -0.1"),
        ("--learning-rate", "0", "the learning rate must be above 0, found 0"),
        ("--momentum", "-1", "the momentum must be in [0, 1), found -1"),
        ("--momentum", "1", "the momentum must be in [0, 1), found 1"),
        ("--momentum", "nan", "expected a finite number, found nan"),
        ("--l2", "-0.5", "the L2 weight decay must be 0 or more, found -0.5"),
        ("--l2", "-inf", "expected a finite number, found -inf"),
        ("--validation", "-0.1", "the validation fraction must be in [0, 1), found -0.1"),
        ("--validation", "1", "the validation fraction must be in [0, 1), found 1"),
        ("--validation", "NaN", "expected a finite number, found NaN"),
        ("--max-memory", "lots", "expected a size such as 512K, 64M or 2G"),
    ];
    for (flag, value, needle) in cases {
        let args = train(flag, value);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        usage_error(dir.path(), &args, flag, needle);
    }
    // explain's learning rate is checked the same way.
    let (model, data) = (dataset("seed/model.json"), dataset("seed/data.csv"));
    for (value, needle) in [("NaN", "finite"), ("-0.5", "above 0"), ("inf", "finite")] {
        let args = ["explain", "--model", &model, &data, "--learning-rate", value];
        usage_error(dir.path(), &args, "--learning-rate", needle);
    }
    // In range, they are accepted: the boundary values 0 for momentum and l2.
    mlp_ok(
        dir.path(),
        &[
            "train",
            &iris,
            "--target",
            "species",
            "--epochs",
            "1",
            "--optimizer",
            "momentum",
            "--momentum",
            "0",
            "--l2",
            "0",
            "--validation",
            "0",
            "--quiet",
        ],
    );
}

#[test]
fn huge_hidden_sizes_are_errors_naming_the_sizes_not_panics_or_aborts() {
    let dir = tempfile::tempdir().unwrap();
    let history = write(dir.path(), "history.csv", "epoch,loss\n1,0.5\n");
    let iris = dataset("iris.csv");
    let train = |extra: &[&str]| {
        let mut args = vec!["train", &iris, "--target", "species", "--history", &history];
        args.extend(extra);
        args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>()
    };
    let run = |extra: &[&str], needles: &[&str]| {
        let args = train(extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        mlp_fails(dir.path(), &args, needles)
    };
    // Panicked with "capacity overflow" (exit 101) before.
    run(
        &["--hidden", "4611686018427387904"],
        &["--hidden", "a 4-4611686018427387904-3 network is too large"],
    );
    // Aborted with "memory allocation of N bytes failed" before: hundreds of TiB, more than any
    // machine this runs on has available.
    run(&["--hidden", "100000000000"], &["--hidden", "a 4-100000000000-3 network needs", "TiB"]);
    // A limit given: the default network fits 1 MiB, 2000 neurons in two layers do not.
    run(
        &["--hidden", "2000,2000", "--max-memory", "1M"],
        &["a 4-2000-2000-3 network needs 145.8 MiB to train", "but the limit is 1.0 MiB"],
    );
    mlp_ok(
        dir.path(),
        &["train", &iris, "--target", "species", "--epochs", "1", "--max-memory", "1M"],
    );
    // f32 halves the count.
    run(
        &["--hidden", "2000,2000", "--max-memory", "1M", "--precision", "f32"],
        &["a 4-2000-2000-3 network needs 72.9 MiB to train"],
    );
}

/// A model file 2-20000-2 wide: small to write, but its buffers for a batch are megabytes.
fn wide_model(dir: &Path) -> String {
    seed_model(dir, "wide.json", |model| {
        let width = 20_000;
        model["layers"][0]["weights"] = json!(vec![vec![0.1, 0.1]; width]);
        model["layers"][1]["weights"] = json!(vec![vec![0.001; width]; 2]);
    })
}

#[test]
fn a_model_too_wide_for_the_memory_limit_is_refused_before_its_buffers_are_allocated() {
    let dir = tempfile::tempdir().unwrap();
    let model = wide_model(dir.path());
    let data = dataset("seed/data.csv");
    let predictions = write(dir.path(), "predictions.csv", "row,predicted_t1\n1,0.5\n");
    let needles =
        ["wide.json: cannot run this model", "a 2-20000-2 network needs", "limit is 512.0 KiB"];
    for command in ["evaluate", "predict", "explain"] {
        let mut args = vec![command, "--model", &model, &data, "--max-memory", "512K"];
        if command == "predict" {
            args.extend(["--output", &predictions]);
        }
        mlp_fails(dir.path(), &args, &needles);
        // Under a limit it fits, the same command runs.
        args[5] = "64M";
        mlp_ok(dir.path(), &args);
    }
    // Training from it counts its gradients and optimizer state too.
    let args = [
        "train",
        &data,
        "--target",
        "t1,t2",
        "--init",
        &model,
        "--max-memory",
        "512K",
        "--validation",
        "0",
    ];
    mlp_fails(dir.path(), &args, &["--init: cannot train this network", "a 2-20000-2 network"]);
}

#[test]
fn a_model_whose_forward_pass_overflows_is_an_error_naming_the_layer_and_row() {
    let dir = tempfile::tempdir().unwrap();
    // Layer 1 gives 3e307 (finite); layer 2 multiplies it by 1e308: +∞.
    let model = seed_model(dir.path(), "huge.json", |model| {
        model["layers"][0]["activation"] = json!("identity");
        model["layers"][0]["weights"] = json!([[1e308, 1e308], [1e308, 1e308]]);
        model["layers"][1]["activation"] = json!("identity");
        model["layers"][1]["weights"] = json!([[1e308, 1e308], [0.7, 0.6]]);
    });
    let data = write(dir.path(), "data.csv", "x1,x2,t1,t2\n0,0,0.4,0.6\n0.1,0.2,0.4,0.6\n");
    let predictions = write(dir.path(), "predictions.csv", "row,predicted_t1\n1,0.5\n");
    let overflow = "the forward pass overflows at layer 2, neuron 1: the activation is inf";
    // Reported `loss NaN` and exit 0 before; row 1 (all zeros) is fine, row 2 overflows.
    mlp_fails(
        dir.path(),
        &["evaluate", "--model", &model, &data],
        &["huge.json: cannot evaluate on", "data.csv: row 2: ", overflow],
    );
    mlp_fails(
        dir.path(),
        &["predict", "--model", &model, &data, "--output", &predictions],
        &["huge.json: cannot predict on", "data.csv: row 2: ", overflow],
    );
    mlp_fails(
        dir.path(),
        &["explain", "--model", &model, &data, "--sample", "2"],
        &["huge.json: cannot explain sample 2 of", overflow],
    );
    mlp_ok(dir.path(), &["explain", "--model", &model, &data, "--sample", "1"]);
}

#[test]
fn features_around_1e200_train_standardized_without_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (1..=60).map(|i| format!("{i}e200,{}.5,{}\n", i % 3, i % 2)).collect();
    let data = write(dir.path(), "huge.csv", &format!("big,small,y\n{rows}"));
    let model = dir.path().join("model.json").display().to_string();
    // Blamed the learning rate ("training diverged") before: the variance overflowed.
    let out = mlp_ok(
        dir.path(),
        &[
            "train",
            &data,
            "--target",
            "y",
            "--epochs",
            "3",
            "--validation",
            "0",
            "--save",
            &model,
            "--json",
        ],
    );
    let summary: Value = serde_json::from_str(&out).unwrap();
    assert!(summary["train"]["loss"].as_f64().unwrap().is_finite(), "{summary}");
    // The saved standardizer holds the column's mean and population standard deviation:
    // 30.5e200 and √((60² − 1) / 12)·1e200 (of 1, 2, …, 60 times 1e200).
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    let mean = saved["inputs"]["standardizer"]["mean"][0].as_f64().unwrap();
    let std = saved["inputs"]["standardizer"]["std"][0].as_f64().unwrap();
    assert!((mean / 30.5e200 - 1.0).abs() < 1e-12, "{mean}");
    let expected_std = ((3600.0_f64 - 1.0) / 12.0).sqrt() * 1e200;
    assert!((std / expected_std - 1.0).abs() < 1e-12, "{std}");
    mlp_ok(dir.path(), &["evaluate", "--model", &model, &data]);
}

#[test]
fn a_value_too_large_to_standardize_names_the_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let model = seed_model(dir.path(), "model.json", |model| {
        model["inputs"]["standardizer"] = json!({"mean": [0.0, -1e300], "std": [1.0, 0.5]});
    });
    // x2 = 1e308: (1e308 + 1e300) / 0.5 is beyond f64's largest, 1.8e308.
    let data = write(dir.path(), "data.csv", "x1,x2,t1,t2\n0.1,0.2,0.4,0.6\n0.1,1e308,0.4,0.6\n");
    let predictions = write(dir.path(), "predictions.csv", "row,predicted_t1\n1,0.5\n");
    let needles = ["data.csv: line 3, column 2", "x2", "x2): 1e308 is too large to standardize"];
    mlp_fails(dir.path(), &["evaluate", "--model", &model, &data], &needles);
    mlp_fails(
        dir.path(),
        &["predict", "--model", &model, &data, "--output", &predictions],
        &needles,
    );
}

#[test]
fn features_that_overflow_the_untrained_network_name_the_row_and_column_not_the_learning_rate() {
    let dir = tempfile::tempdir().unwrap();
    let history = write(dir.path(), "history.csv", "epoch,loss\n1,0.5\n");
    let rows: String = (1..=40).map(|i| format!("{}.5,{i}e300,{}\n", i % 3, i % 2)).collect();
    let data = write(dir.path(), "huge.csv", &format!("small,big,y\n{rows}"));
    // Blamed the learning rate before: "training diverged at epoch 1, step 1 … try a smaller
    // learning rate". Row 1's 1e300 squared in the loss is already beyond f64.
    let args = [
        "train",
        &data,
        "--target",
        "y",
        "--task",
        "regression",
        "--no-standardize",
        "--history",
        &history,
    ];
    let stderr = mlp_fails(
        dir.path(),
        &args,
        &[
            "huge.csv: row 1: column \"big\" (1e300 as the network sees it) is too large",
            "the loss overflow before the first training step",
            "leave out --no-standardize",
        ],
    );
    assert!(!stderr.contains("learning rate"), "{stderr}");
    // Standardized, the same file trains.
    mlp_ok(dir.path(), &["train", &data, "--target", "y", "--task", "regression", "--epochs", "2"]);
}
