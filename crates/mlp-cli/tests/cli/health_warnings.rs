//! Issue #13, item 3: gradient and unit health warnings during training — vanishing and
//! exploding gradients, saturated and dead units — on stderr and in the `--json` summary's
//! `warnings`, their thresholds as flags, and `--no-health-warnings`.

use std::path::Path;

use crate::util::{mlp, write};

/// 64 points on an 8 × 8 grid of [−1, 1]², as `x1,x2,` followed by `target(x1, x2)`.
fn grid(dir: &Path, name: &str, header: &str, target: impl Fn(f64, f64) -> String) -> String {
    let mut text = format!("x1,x2,{header}\n");
    for point in 0..64 {
        let x1 = f64::from(point % 8) / 7.0 * 2.0 - 1.0;
        let x2 = f64::from(point / 8) / 7.0 * 2.0 - 1.0;
        text.push_str(&format!("{x1},{x2},{}\n", target(x1, x2)));
    }
    write(dir, name, &text)
}

/// Two classes split by the line x1 + x2 = 0.
fn classes(dir: &Path) -> String {
    grid(dir, "classes.csv", "label", |x1, x2| if x1 + x2 > 0.0 { "a" } else { "b" }.to_owned())
}

/// y = 30 x1 + 20 x2: targets in the tens, not standardized.
fn large_targets(dir: &Path) -> String {
    grid(dir, "large.csv", "y", |x1, x2| (30.0 * x1 + 20.0 * x2).to_string())
}

/// Runs `mlp train … --json` in `dir` with batches of 4 (16 steps an epoch of the 64 rows: a
/// check every epoch), asserts success; returns the summary's warnings as (kind, message) pairs
/// and stderr.
fn train(dir: &Path, args: &[&str]) -> (Vec<(String, String)>, String) {
    let fixed = ["--validation", "0", "--batch-size", "4", "--threads", "1", "--json"];
    let args = [&["train"], args, &fixed].concat();
    let output = mlp(dir, &args);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "mlp {args:?} failed:\n{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let warnings = summary["warnings"].as_array().unwrap_or_else(|| panic!("{summary}"));
    let warnings = warnings
        .iter()
        .map(|warning| {
            let text = |key: &str| warning[key].as_str().unwrap().to_owned();
            (text("kind"), text("message"))
        })
        .collect();
    (warnings, stderr)
}

/// The messages of the warnings of `kind`.
fn of_kind<'a>(warnings: &'a [(String, String)], kind: &str) -> Vec<&'a str> {
    warnings.iter().filter(|(k, _)| k == kind).map(|(_, message)| message.as_str()).collect()
}

const HEALTH_KINDS: [&str; 4] =
    ["vanishing-gradients", "exploding-gradients", "saturated-units", "dead-units"];

/// Eight sigmoid hidden layers of 8: the first layers' gradients are below 1e-3 of the output
/// layer's from the first epoch on, reported once per layer from epoch 5 (the fifth epoch in a
/// row) to the last, on stderr and in the JSON. The same network with ReLU (He initialisation)
/// learns, with no health warning.
#[test]
fn a_deep_sigmoid_network_warns_of_vanishing_gradients_and_relu_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let data = classes(dir.path());
    let deep = ["--hidden", "8,8,8,8,8,8,8,8", "--epochs", "30", "--seed", "42"];
    let sigmoid = [&[data.as_str(), "--target", "label"], &deep[..], &["--activation", "sigmoid"]];
    let (warnings, stderr) = train(dir.path(), &sigmoid.concat());
    let vanishing = of_kind(&warnings, "vanishing-gradients");
    assert!(vanishing.len() >= 3, "{warnings:?}");
    // The last batch's ratio crosses 1e-3 now and then: "(at 21 of those epochs)".
    assert!(
        vanishing[0].starts_with("vanishing gradients in layer 1 (sigmoid) from epoch 5 to 30"),
        "{vanishing:?}"
    );
    assert!(
        vanishing[0].contains(
            ": its gradient norm stayed below 0.001 of the output layer's for 5 epochs in a row"
        ),
        "{vanishing:?}"
    );
    // One warning per layer, the output layer never among them.
    for (layer_idx, message) in vanishing.iter().enumerate() {
        assert!(message.contains(&format!("in layer {} (sigmoid)", layer_idx + 1)), "{message}");
    }
    assert!(!vanishing.iter().any(|message| message.contains("layer 9")), "{vanishing:?}");
    for message in &vanishing {
        assert!(stderr.contains(&format!("warning: {message}\n")), "{stderr}");
    }

    let relu = [&[data.as_str(), "--target", "label"], &deep[..], &["--activation", "relu"]];
    let (warnings, _) = train(dir.path(), &relu.concat());
    for kind in HEALTH_KINDS {
        assert_eq!(of_kind(&warnings, kind), Vec::<&str>::new(), "{warnings:?}");
    }
}

/// Targets in the tens with plain SGD: at η = 0.3 the output layer's gradient norm passes 1000
/// in epoch 1 and keeps growing, and the tanh units saturate; at η = 0.01 nothing is wrong.
#[test]
fn a_large_learning_rate_warns_of_exploding_gradients() {
    let dir = tempfile::tempdir().unwrap();
    let data = large_targets(dir.path());
    let run = |learning_rate: &str| {
        let args = [&data, "--target", "y", "--hidden", "8", "--activation", "tanh"];
        let more = ["--optimizer", "sgd", "--learning-rate", learning_rate, "--epochs", "20"];
        train(dir.path(), &[&args[..], &more].concat())
    };
    let (warnings, stderr) = run("0.3");
    let exploding = of_kind(&warnings, "exploding-gradients");
    assert_eq!(exploding.len(), 1, "{warnings:?}");
    assert!(
        exploding[0].starts_with(
            "exploding gradients in layer 2 (identity) from epoch 1 to 20: its gradient norm \
             reached"
        ),
        "{exploding:?}"
    );
    assert!(exploding[0].ends_with("try a smaller learning rate"), "{exploding:?}");
    assert!(stderr.contains(&format!("warning: {}\n", exploding[0])), "{stderr}");
    let saturated = of_kind(&warnings, "saturated-units");
    assert_eq!(saturated.len(), 1, "{warnings:?}");
    assert!(
        saturated[0].starts_with("saturated units in layer 1 (tanh) from epoch"),
        "{saturated:?}"
    );

    let (warnings, _) = run("0.01");
    for kind in HEALTH_KINDS {
        assert_eq!(of_kind(&warnings, kind), Vec::<&str>::new(), "{warnings:?}");
    }
}

/// A model file whose ReLU layer has a bias of `hidden_bias` on each of its 4 units.
fn relu_model(dir: &Path, hidden_bias: f64) -> String {
    let model = format!(
        r#"{{
  "format": "mlp-model",
  "version": 1,
  "loss": "mse",
  "layers": [
    {{
      "activation": "relu",
      "weights": [[0.5, -0.3], [0.2, 0.4], [-0.6, 0.1], [0.3, 0.3]],
      "bias": [{hidden_bias}, {hidden_bias}, {hidden_bias}, {hidden_bias}]
    }},
    {{
      "activation": "identity",
      "weights": [[0.5, 0.5, 0.5, 0.5]],
      "bias": [0.0]
    }}
  ],
  "inputs": {{ "names": ["x1", "x2"], "standardizer": null }},
  "outputs": {{ "names": ["y"], "classes": null }}
}}"#
    );
    write(dir, &format!("relu{hidden_bias}.json"), &model)
}

/// A ReLU layer whose biases of −100 keep every unit at z < 0: all its units are dead, reported
/// at epoch 5 (dead 5 epochs in a row); biases of 0 leave the units alive.
#[test]
fn a_huge_negative_bias_warns_of_dead_units() {
    let dir = tempfile::tempdir().unwrap();
    let data = grid(dir.path(), "small.csv", "y", |x1, x2| (x1 - x2).to_string());
    let run = |model: &str| {
        let args = [&data, "--target", "y", "--init", model, "--optimizer", "sgd"];
        let more = ["--learning-rate", "0.01", "--epochs", "8", "--no-standardize"];
        train(dir.path(), &[&args[..], &more].concat())
    };
    let (warnings, stderr) = run(&relu_model(dir.path(), -100.0));
    let dead = of_kind(&warnings, "dead-units");
    assert_eq!(
        dead,
        ["dead units in layer 1 (relu) from epoch 5 to 8: more than 50% of its units had z ≤ 0 \
          for every sample of the batch at 5 epochs in a row (up to 100%), so they no longer \
          learn: try a smaller learning rate or leaky ReLU"],
        "{warnings:?}"
    );
    assert!(stderr.contains(&format!("warning: {}\n", dead[0])), "{stderr}");

    let (warnings, _) = run(&relu_model(dir.path(), 0.0));
    assert_eq!(of_kind(&warnings, "dead-units"), Vec::<&str>::new(), "{warnings:?}");
}

/// The thresholds are flags: a vanishing ratio of 1e-12 or more epochs in a row than the run
/// has silence the deep sigmoid network's warnings, and `--no-health-warnings` turns every check
/// off, the `--warn-*` flags given with it then having no effect (and saying so).
#[test]
fn thresholds_are_flags_and_the_checks_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let data = classes(dir.path());
    let deep = [data.as_str(), "--target", "label", "--hidden", "8,8,8,8,8,8,8,8"];
    let deep = [&deep[..], &["--activation", "sigmoid", "--epochs", "30"]].concat();
    let vanishing = |extra: &[&str]| {
        let (warnings, _) = train(dir.path(), &[&deep[..], extra].concat());
        of_kind(&warnings, "vanishing-gradients").len()
    };
    assert!(vanishing(&[]) >= 3);
    assert!(vanishing(&["--warn-vanishing", "1"]) >= vanishing(&[]));
    assert_eq!(vanishing(&["--warn-vanishing", "1e-12"]), 0);
    assert_eq!(vanishing(&["--warn-epochs", "31"]), 0);
    assert!(vanishing(&["--warn-epochs", "1"]) >= 3);
    assert_eq!(vanishing(&["--no-health-warnings"]), 0);

    let (warnings, _) =
        train(dir.path(), &[&deep[..], &["--no-health-warnings", "--warn-dead", "0.2"]].concat());
    assert_eq!(
        of_kind(&warnings, "no-effect"),
        ["--warn-dead has no effect: --no-health-warnings is given"]
    );
    for kind in HEALTH_KINDS {
        assert_eq!(of_kind(&warnings, kind), Vec::<&str>::new(), "{warnings:?}");
    }
}

/// A threshold out of its range is a usage error naming the flag.
#[test]
fn thresholds_out_of_range_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let data = classes(dir.path());
    for (flag, value) in [
        ("--warn-vanishing", "0"),
        ("--warn-vanishing", "2"),
        ("--warn-exploding", "-1"),
        ("--warn-exploding", "nan"),
        ("--warn-growth", "1"),
        ("--warn-saturated", "1.5"),
        ("--warn-dead", "-0.1"),
        ("--warn-epochs", "0"),
    ] {
        let output = mlp(dir.path(), &["train", &data, "--target", "label", flag, value]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(stderr.contains(flag), "{flag} {value}: {stderr}");
    }
    // inf turns a rule off: accepted.
    let output = mlp(
        dir.path(),
        &["train", &data, "--target", "label", "--epochs", "1", "--warn-exploding", "inf"],
    );
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}
