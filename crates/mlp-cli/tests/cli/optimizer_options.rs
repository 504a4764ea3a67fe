//! Issue #14's optimizer options: `--beta1`, `--beta2`, `--epsilon`, `--optimizer adamw`
//! with `--weight-decay`, `--optimizer rmsprop` with `--rmsprop-alpha`, `--decay-biases`: they
//! reach the trainer (the saved model's provenance and `mlp info` show them), bad values name
//! the flag, and flags the chosen optimizer does not read are warned about.

use crate::util::{dataset, mlp, mlp_ok};

/// `mlp train xor.csv … --save model.json` with `extra`, then the model file as JSON.
fn trained_model(extra: &[&str]) -> (serde_json::Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let xor = dataset("xor.csv");
    let mut args = vec!["train", xor.as_str(), "--target", "y", "--epochs", "3", "--hidden", "3"];
    args.extend_from_slice(&["--save", "model.json", "--quiet"]);
    args.extend_from_slice(extra);
    mlp_ok(dir.path(), &args);
    let file = std::fs::read_to_string(dir.path().join("model.json")).unwrap();
    let info = mlp_ok(dir.path(), &["info", "--model", "model.json"]);
    (serde_json::from_str(&file).unwrap(), info)
}

/// The saved settings hold each new optimizer with the values given on the command line, and
/// `mlp info` prints them: a flag that did not reach the trainer leaves a default here.
#[test]
fn the_options_reach_the_trainer_and_the_provenance() {
    let (model, info) = trained_model(&[
        "--optimizer",
        "adam",
        "--beta1",
        "0.8",
        "--beta2",
        "0.95",
        "--epsilon",
        "1e-6",
    ]);
    let settings = &model["provenance"]["settings"];
    assert_eq!(
        settings["optimizer"],
        serde_json::json!({"name": "adam", "beta1": 0.8, "beta2": 0.95, "epsilon": 1e-6})
    );
    assert_eq!(settings["decay_biases"], false);
    assert!(info.contains("adam (β1 0.8, β2 0.95, ε 1e-6)"), "{info}");

    let (model, info) = trained_model(&[
        "--optimizer",
        "adamw",
        "--weight-decay",
        "0.25",
        "--beta2",
        "0.9",
        "--decay-biases",
    ]);
    let settings = &model["provenance"]["settings"];
    assert_eq!(
        settings["optimizer"],
        serde_json::json!({
            "name": "adamw", "beta1": 0.9, "beta2": 0.9, "epsilon": 1e-8, "weight_decay": 0.25
        })
    );
    assert_eq!(settings["decay_biases"], true);
    assert!(info.contains("adamw (β1 0.9, β2 0.9, ε 1e-8, weight decay 0.25)"), "{info}");

    let (model, info) =
        trained_model(&["--optimizer", "rmsprop", "--rmsprop-alpha", "0.9", "--epsilon", "1e-3"]);
    assert_eq!(
        model["provenance"]["settings"]["optimizer"],
        serde_json::json!({"name": "rmsprop", "alpha": 0.9, "epsilon": 1e-3})
    );
    assert!(info.contains("rmsprop (α 0.9, ε 1e-3)"), "{info}");

    // AdamW's default decay is torch's 0.01.
    let (model, _) = trained_model(&["--optimizer", "adamw"]);
    assert_eq!(model["provenance"]["settings"]["optimizer"]["weight_decay"], 0.01);
}

/// --decay-biases reaches the rule: from the same seed, the biases of an AdamW run with a
/// strong decay end elsewhere with it than without it.
#[test]
fn decay_biases_changes_the_trained_biases() {
    let args = ["--optimizer", "adamw", "--weight-decay", "5", "--learning-rate", "0.05"];
    let (plain, _) = trained_model(&args);
    let (decayed, _) = trained_model(&[&args[..], &["--decay-biases"]].concat());
    let biases = |model: &serde_json::Value| model["layers"][0]["bias"].clone();
    assert!(!biases(&plain).is_null(), "{plain}");
    assert_ne!(biases(&plain), biases(&decayed));
}

/// A value out of range is a usage error (exit 2) naming the flag, for each new flag.
#[test]
fn bad_values_name_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let xor = dataset("xor.csv");
    for (flag, value) in [
        ("--beta1", "1"),
        ("--beta2", "-0.1"),
        ("--epsilon", "0"),
        ("--epsilon", "nan"),
        ("--weight-decay", "-1"),
        ("--weight-decay", "inf"),
        ("--rmsprop-alpha", "1.5"),
    ] {
        let output = mlp(dir.path(), &["train", &xor, "--target", "y", flag, value]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none(), "nothing written");
}

/// The no-effect warnings of `mlp train --json` for `extra`, as their messages.
fn no_effect(extra: &[&str]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let xor = dataset("xor.csv");
    let mut args = vec!["train", xor.as_str(), "--target", "y", "--epochs", "1", "--json"];
    args.extend_from_slice(extra);
    let summary: serde_json::Value = serde_json::from_str(&mlp_ok(dir.path(), &args)).unwrap();
    summary["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|warning| warning["kind"] == "no-effect")
        .map(|warning| warning["message"].as_str().unwrap().to_owned())
        .collect()
}

/// Each option given to an optimizer that does not read it is named; given to one that does,
/// it is not.
#[test]
fn options_the_optimizer_ignores_are_warned_about() {
    assert_eq!(
        no_effect(&["--optimizer", "sgd", "--beta1", "0.5", "--beta2", "0.5", "--epsilon", "1e-3"]),
        [
            "--beta1 has no effect: the optimizer is sgd",
            "--beta2 has no effect: the optimizer is sgd",
            "--epsilon has no effect: the optimizer is sgd",
        ]
    );
    assert_eq!(
        no_effect(&["--optimizer", "adam", "--weight-decay", "0.1", "--rmsprop-alpha", "0.9"]),
        [
            "--weight-decay has no effect: the optimizer is adam",
            "--rmsprop-alpha has no effect: the optimizer is adam",
        ]
    );
    assert_eq!(
        no_effect(&["--optimizer", "rmsprop", "--beta1", "0.5"]),
        ["--beta1 has no effect: the optimizer is rmsprop"]
    );
    assert_eq!(
        no_effect(&["--optimizer", "momentum", "--decay-biases"]),
        ["--decay-biases has no effect: there is no --l2 decay"]
    );
    let read: [&[&str]; 4] = [
        &["--optimizer", "adamw", "--beta1", "0.5", "--weight-decay", "0.1", "--decay-biases"],
        &["--optimizer", "rmsprop", "--rmsprop-alpha", "0.9", "--epsilon", "1e-3"],
        &["--optimizer", "adam", "--beta2", "0.9", "--epsilon", "1e-3"],
        &["--optimizer", "sgd", "--l2", "0.01", "--decay-biases"],
    ];
    for extra in read {
        assert_eq!(no_effect(extra), Vec::<String>::new(), "{extra:?}");
    }
}
