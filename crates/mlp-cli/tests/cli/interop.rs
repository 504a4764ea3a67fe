//! Issue #13's trust check and way out: `mlp gradcheck` on the tutorial's and trained models,
//! `mlp export --format safetensors` and `mlp import` round trips byte for byte, bad files, and
//! PyTorch rebuilding the exported network (`scripts/torch_from_safetensors.py`).

use std::path::Path;
use std::process::Command;

use crate::util::{dataset, mlp, mlp_fails, mlp_ok, train_penguins_median, write};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|err| panic!("{err}: {text}"))
}

#[test]
fn gradcheck_passes_on_the_tutorial_model() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = (dataset("seed/model.json"), dataset("seed/data.csv"));
    let text = mlp_ok(dir.path(), &["gradcheck", "--model", &model, &data]);
    assert!(text.contains("the mean loss over 1 sample (E = 0.02397), 8 parameters"), "{text}");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].starts_with("layer  activation  weights  worst weight"), "{text}");
    assert!(lines[2].starts_with("1      sigmoid     4        W"), "{text}");
    assert!(lines[3].starts_with("2      sigmoid     4        W"), "{text}");
    assert!(lines[4].contains("within the tolerance 1e-6"), "{text}");

    let summary = json(&mlp_ok(dir.path(), &["gradcheck", "--model", &model, &data, "--json"]));
    let keys: Vec<&String> = summary.as_object().unwrap().keys().collect();
    assert_eq!(keys[..2], ["command", "warnings"]);
    assert_eq!(summary["command"], "gradcheck");
    assert_eq!(summary["passed"], true);
    assert_eq!(summary["samples"], 1);
    assert_eq!(summary["parameters"], 8);
    assert_eq!(summary["tolerance"], 1e-6);
    // docs/tutorial.md: E = 0.02397190.
    assert!((summary["loss"].as_f64().unwrap() - 0.02397190).abs() < 1e-8, "{summary}");
    let layers = summary["layers"].as_array().unwrap();
    assert_eq!(layers.len(), 2);
    assert_eq!(layers[1]["worst_bias"], serde_json::Value::Null);
    for layer in layers {
        let worst = &layer["worst_weight"];
        assert!(worst["relative_error"].as_f64().unwrap() < 1e-8, "{summary}");
        let (backprop, numeric) =
            (worst["backprop"].as_f64().unwrap(), worst["numeric"].as_f64().unwrap());
        assert!((backprop - numeric).abs() < 1e-10 && backprop != 0.0, "{summary}");
    }
}

/// Above the tolerance, the exit is 1 with one error line naming each failing layer and its
/// worst parameter; the table (or the JSON) is still printed.
#[test]
fn gradcheck_fails_above_the_tolerance_naming_the_layer_and_parameter() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = (dataset("seed/model.json"), dataset("seed/data.csv"));
    let args = ["gradcheck", "--model", &model, &data, "--tolerance", "1e-15"];
    let stderr = mlp_fails(
        dir.path(),
        &args,
        &["model.json: gradient check failed above the tolerance 1e-15: layer 1, parameter W"],
    );
    assert!(stderr.contains("; layer 2, parameter W"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let output = mlp(dir.path(), &args);
    assert!(String::from_utf8_lossy(&output.stdout).contains("above the tolerance 1e-15"));
    let output = mlp(dir.path(), &[&args[..], &["--json"]].concat());
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&String::from_utf8_lossy(&output.stdout))["passed"], false);
}

#[test]
fn gradcheck_flags_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let (model, data) = (dataset("seed/model.json"), dataset("seed/data.csv"));
    for (flag, value) in [("--samples", "0"), ("--tolerance", "0"), ("--tolerance", "NaN")] {
        let output = mlp(dir.path(), &["gradcheck", "--model", &model, &data, flag, value]);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}");
        assert!(String::from_utf8_lossy(&output.stderr).contains(flag));
    }
    mlp_fails(
        dir.path(),
        &["gradcheck", "--model", "none.json", &data],
        &["none.json: cannot read the model file"],
    );
}

/// Trained models: a ReLU classifier with categories and median imputation (softmax,
/// cross-entropy) and a sigmoid network under sse, on several samples, pass.
#[test]
fn gradcheck_passes_on_trained_models() {
    let dir = tempfile::tempdir().unwrap();
    let penguins = dataset("penguins.csv");
    train_penguins_median(dir.path(), "penguins.json");
    let summary = json(&mlp_ok(
        dir.path(),
        &["gradcheck", "--model", "penguins.json", &penguins, "--samples", "5", "--json"],
    ));
    assert_eq!(summary["passed"], true, "{summary}");
    assert_eq!(summary["samples"], 5);
    assert_eq!(summary["layers"][1]["activation"], "softmax");
    let xor = dataset("xor.csv");
    let mut args = vec!["train", &xor, "--target", "y", "--hidden", "3", "--activation"];
    args.extend(["sigmoid", "--output-activation", "sigmoid", "--loss", "sse", "--epochs", "5"]);
    args.extend(["--validation", "0", "--save", "xor.json"]);
    mlp_ok(dir.path(), &args);
    let summary = json(&mlp_ok(dir.path(), &["gradcheck", "--model", "xor.json", &xor, "--json"]));
    assert_eq!(summary["passed"], true, "{summary}");
    assert_eq!(summary["layers"][0]["activation"], "sigmoid");
}

/// Export then import gives the model file back byte for byte.
fn round_trip(dir: &Path, model: &str) -> Vec<u8> {
    let exported = format!("{model}.safetensors");
    let imported = format!("{model}.imported.json");
    let text = mlp_ok(dir, &["export", "--model", model, "--format", "safetensors", &exported]);
    assert!(text.contains("F64 tensors layers.{i}.weight [out, in]"), "{text}");
    mlp_ok(dir, &["import", &exported, "--save", &imported]);
    let again = std::fs::read(dir.join(&imported)).unwrap();
    // The export of the imported model is the same file: nothing was lost or reordered.
    let second = format!("{model}.2.safetensors");
    mlp_ok(dir, &["export", "--model", &imported, &second, "--quiet"]);
    assert_eq!(
        std::fs::read(dir.join(&exported)).unwrap(),
        std::fs::read(dir.join(second)).unwrap()
    );
    again
}

#[test]
fn export_and_import_round_trip_models_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    // A classifier with categories, a median imputer and class names.
    train_penguins_median(dir.path(), "penguins.json");
    let original = std::fs::read(dir.path().join("penguins.json")).unwrap();
    assert_eq!(round_trip(dir.path(), "penguins.json"), original);
    // A regression model with a target scaler.
    let diabetes = dataset("diabetes.csv");
    mlp_ok(
        dir.path(),
        &["train", &diabetes, "--target", "progression", "--standardize-target", "--epochs", "2"]
            .into_iter()
            .chain(["--save", "diabetes.json"])
            .collect::<Vec<_>>(),
    );
    let original = std::fs::read(dir.path().join("diabetes.json")).unwrap();
    assert!(String::from_utf8_lossy(&original).contains("\"scaler\""));
    assert_eq!(round_trip(dir.path(), "diabetes.json"), original);
    // The tutorial's hand-written version 1 file comes back as the same model: `mlp info`
    // says the same of both.
    std::fs::copy(dataset("seed/model.json"), dir.path().join("seed.json")).unwrap();
    round_trip(dir.path(), "seed.json");
    let info = |model: &str| {
        let mut info = json(&mlp_ok(dir.path(), &["info", "--model", model, "--json"]));
        info.as_object_mut().unwrap().remove("model");
        info
    };
    assert_eq!(info("seed.json.imported.json"), info("seed.json"));
}

#[test]
fn export_and_import_refuse_bad_files_and_clashes() {
    let dir = tempfile::tempdir().unwrap();
    let model = write(
        dir.path(),
        "model.json",
        &std::fs::read_to_string(dataset("seed/model.json")).unwrap(),
    );
    mlp_fails(dir.path(), &["export", "--model", &model, &model], &["would replace the model"]);
    mlp_fails(
        dir.path(),
        &["import", &model, "--save", "out.json"],
        &["model.json: not a safetensors file"],
    );
    assert!(!dir.path().join("out.json").exists());
    mlp_ok(dir.path(), &["export", "--model", "model.json", "m.safetensors"]);
    mlp_fails(
        dir.path(),
        &["import", "m.safetensors", "--save", "m.safetensors"],
        &["--save m.safetensors would replace the safetensors file"],
    );
    // A safetensors file truncated in its tensors.
    let bytes = std::fs::read(dir.path().join("m.safetensors")).unwrap();
    std::fs::write(dir.path().join("cut.safetensors"), &bytes[..bytes.len() - 8]).unwrap();
    mlp_fails(
        dir.path(),
        &["import", "cut.safetensors", "--save", "out.json"],
        &["cut.safetensors: not a safetensors file"],
    );
    let output = mlp(dir.path(), &["export", "--model", "model.json", "--format", "onnx", "x"]);
    assert_eq!(output.status.code(), Some(2));
}

/// PyTorch loads the export with `safetensors.torch.load_file`, rebuilds the network from the
/// metadata and predicts what `mlp predict` does to 1e-12: the tutorial's model, a classifier
/// with categories and imputed cells, and a regression model with a target scaler. Skipped
/// (saying why) where Python lacks torch or safetensors.
#[test]
fn pytorch_rebuilds_the_exported_network_and_predicts_the_same() {
    let probe = Command::new("python3").args(["-c", "import torch, safetensors"]).output();
    if !probe.as_ref().is_ok_and(|output| output.status.success()) {
        eprintln!(
            "skipped: python3 cannot import torch and safetensors (pip install torch safetensors)"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/torch_from_safetensors.py");
    train_penguins_median(dir.path(), "penguins.json");
    let penguins = dataset("penguins.csv");
    mlp_ok(
        dir.path(),
        &["train", &penguins, "--target", "body_mass_g", "--missing", "median"]
            .into_iter()
            .chain(["--standardize-target", "--epochs", "2", "--save", "mass.json"])
            .collect::<Vec<_>>(),
    );
    // The regression model predicts the rows with a mass (predict needs no target, but the
    // script reads the same file).
    let seed_model = dataset("seed/model.json");
    let seed_data = dataset("seed/data.csv");
    for (model, data) in [
        (seed_model.as_str(), seed_data.as_str()),
        ("penguins.json", penguins.as_str()),
        ("mass.json", penguins.as_str()),
    ] {
        let name = Path::new(model).file_name().unwrap().to_str().unwrap().to_owned();
        let exported = format!("{name}.safetensors");
        let predictions = format!("{name}.csv");
        mlp_ok(dir.path(), &["export", "--model", model, &exported, "--quiet"]);
        mlp_ok(dir.path(), &["predict", "--model", model, data, "--output", &predictions]);
        let output = Command::new("python3")
            .arg(&script)
            .args([&exported, data, &predictions])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{model}: {stdout}{stderr}");
        assert!(stdout.contains("largest difference"), "{stdout}");
    }
}

/// The examples under `mlp gradcheck --help`, `mlp export --help` and `mlp import --help` run
/// from the repository's root as printed (export before import), writing to `out/` (here a
/// temporary folder).
#[test]
fn the_help_examples_run_as_shown() {
    let root = crate::util::datasets().join("..");
    let out = tempfile::tempdir().unwrap();
    let mut n_runs = 0;
    for command in ["gradcheck", "export", "import"] {
        let help = mlp_ok(&root, &[command, "--help"]);
        let mut lines = help.lines().map(str::trim);
        while let Some(line) = lines.next() {
            if !line.starts_with("mlp ") {
                continue;
            }
            let mut example = line.to_owned();
            while example.ends_with('\\') {
                example.pop();
                example.push_str(lines.next().unwrap());
            }
            let words: Vec<String> = example
                .split_whitespace()
                .skip(1)
                .map(|word| match word.strip_prefix("out/") {
                    Some(file) => out.path().join(file).display().to_string(),
                    None => word.to_owned(),
                })
                .collect();
            let words: Vec<&str> = words.iter().map(String::as_str).collect();
            let output = mlp(&root, &words);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{example} failed:\n{stderr}");
            n_runs += 1;
        }
    }
    assert_eq!(n_runs, 4);
    assert!(out.path().join("seed.json").is_file());
}
