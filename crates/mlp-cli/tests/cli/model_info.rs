use sha2::{Digest, Sha256};

use crate::util::{dataset, mlp_ok, train_penguins_median};

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|err| panic!("{err}: {text}"))
}

/// The SHA-256 of a file, as 64 lowercase hexadecimal digits.
fn sha256(path: &str) -> String {
    let digest = Sha256::digest(std::fs::read(path).unwrap());
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Trains a 4-16-3 iris classifier with Adam at η = 0.01 for 5 epochs and saves it to
/// `model.json` in `dir`.
fn train_iris(dir: &std::path::Path) {
    mlp_ok(
        dir,
        &[
            "train",
            &dataset("iris.csv"),
            "--target",
            "species",
            "--hidden",
            "16",
            "--optimizer",
            "adam",
            "--learning-rate",
            "0.01",
            "--epochs",
            "5",
            "--save",
            "model.json",
        ],
    );
}

#[test]
fn train_save_records_the_provenance_and_info_prints_it() {
    let dir = tempfile::tempdir().unwrap();
    train_iris(dir.path());
    let file = std::fs::read_to_string(dir.path().join("model.json")).unwrap();
    assert!(file.contains("\"version\": 3,"), "{file}");

    let expected_sha = sha256(&dataset("iris.csv"));
    let text = mlp_ok(dir.path(), &["info", "--model", "model.json"]);
    for expected in [
        "network 4-16-3, 131 parameters, loss cross-entropy\n",
        // 4·16 + 16 = 80, 16·3 + 3 = 51.
        "      1  4 → 16            relu             64      16          80\n",
        "      2  16 → 3            softmax          48       3          51\n",
        "  total                                                        131\n",
        "inputs (4, standardized",
        "outputs: 3 classes of species: setosa, versicolor, virginica\n",
        "  optimizer      adam (β1 0.9, β2 0.999, ε 1e-8)\n",
        "  learning rate  0.01\n",
        "  epochs         5 of 5\n",
        "  validation     0.2 of the rows held out\n",
        "  train          120 samples: loss ",
        "  validation     30 samples: loss ",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
    assert!(
        text.contains(&format!("  data           iris.csv (sha256 {expected_sha})\n")),
        "{text}"
    );
    assert!(text.contains("--save model.json"), "{text}");

    let info = json(&mlp_ok(dir.path(), &["info", "--model", "model.json", "--json"]));
    assert_eq!(info["command"], "info");
    assert_eq!(info["warnings"], serde_json::json!([]));
    assert_eq!(info["parameters"], 131);
    let layers = info["layers"].as_array().unwrap();
    let sum: u64 = layers.iter().map(|layer| layer["parameters"].as_u64().unwrap()).sum();
    assert_eq!(sum, 131);
    assert_eq!(info["sizes"], serde_json::json!([4, 16, 3]));
    assert_eq!(info["inputs"]["standardized"], true);
    let provenance = &info["provenance"];
    assert_eq!(provenance["data"]["name"], "iris.csv");
    assert_eq!(provenance["data"]["sha256"], expected_sha.as_str());
    assert_eq!(provenance["settings"]["optimizer"]["name"], "adam");
    assert_eq!(provenance["settings"]["learning_rate"], 0.01);
    assert_eq!(provenance["settings"]["epochs_run"], 5);
    assert_eq!(provenance["settings"]["validation_fraction"], 0.2);
    assert_eq!(provenance["metrics"]["validation"]["samples"], 30);
    assert!(provenance["metrics"]["train"]["accuracy"].is_f64());
    assert_eq!(provenance["mlp_version"], env!("CARGO_PKG_VERSION"));
    let command_line: Vec<&str> = provenance["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|arg| arg.as_str().unwrap())
        .collect();
    assert_eq!(command_line[1..3], ["train", dataset("iris.csv").as_str()]);
    assert_eq!(command_line.last(), Some(&"model.json"));
}

#[test]
fn a_test_file_is_hashed_and_evaluated_and_sgd_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let xor = dataset("xor.csv");
    mlp_ok(
        dir.path(),
        &[
            "train",
            &xor,
            "--target",
            "y",
            "--test",
            &xor,
            "--optimizer",
            "sgd",
            "--epochs",
            "2",
            "--save",
            "xor.json",
        ],
    );
    let info = json(&mlp_ok(dir.path(), &["info", "--model", "xor.json", "--json"]));
    let settings = &info["provenance"]["settings"];
    assert_eq!(settings["optimizer"], serde_json::json!({ "name": "sgd" }));
    assert_eq!(settings["validation_fraction"], serde_json::Value::Null);
    assert_eq!(settings["test_data"]["sha256"], sha256(&xor).as_str());
    assert_eq!(settings["task"], "regression");
    let metrics = &info["provenance"]["metrics"];
    assert_eq!(metrics["test"]["samples"], 4);
    assert!(metrics["test"]["r2"].is_f64());
    assert_eq!(metrics["validation"], serde_json::Value::Null);
}

#[test]
fn info_on_a_version_1_file_says_it_has_no_provenance() {
    let dir = tempfile::tempdir().unwrap();
    let text = mlp_ok(dir.path(), &["info", "--model", &dataset("seed/model.json")]);
    assert!(text.contains("network 2-2-2, 8 parameters, loss sse\n"), "{text}");
    assert!(text.contains("provenance: none recorded"), "{text}");
    let info =
        json(&mlp_ok(dir.path(), &["info", "--model", &dataset("seed/model.json"), "--json"]));
    assert_eq!(info["provenance"], serde_json::Value::Null);
    assert_eq!(info["parameters"], 8);
}

#[test]
fn explain_on_a_trained_model_shows_file_values_its_learning_rate_and_the_plain_step_note() {
    let dir = tempfile::tempdir().unwrap();
    train_iris(dir.path());
    let iris = dataset("iris.csv");
    let text = mlp_ok(dir.path(), &["explain", "--model", "model.json", &iris, "--weight", "W1"]);
    // Row 1 of iris: 5.1, 3.5, 1.4, 0.2, setosa.
    for expected in [
        "learning rate η = 0.01\n",
        "Note: η = 0.01 is the learning rate the model was trained with",
        "Note: the model was trained with adam; the step shown is a plain gradient step",
        "the model file does not hold them",
        "(the inputs are standardized: x = (file value − mean) / std",
        "  (sepal_length = 5.1, standardized)\n",
        "  (petal_width = 0.2, standardized)\n",
        "W1+ = W1 − η·∂E/∂W1 = ",
    ] {
        assert!(text.contains(expected), "{expected:?} not in\n{text}");
    }
    let x1 = text.lines().find(|line| line.trim_start().starts_with("x1 = ")).unwrap();
    assert!(!x1.contains("x1 = 5.1 "), "x1 is the standardized value: {x1}");

    // η given on the command line wins; the plain-step note stays.
    let text = mlp_ok(
        dir.path(),
        &["explain", "--model", "model.json", &iris, "--weight", "W1", "--learning-rate", "0.5"],
    );
    assert!(text.contains("learning rate η = 0.5\n"), "{text}");
    assert!(!text.contains("the learning rate the model was trained with"), "{text}");
    assert!(text.contains("plain gradient step"), "{text}");

    let explained = json(&mlp_ok(
        dir.path(),
        &["explain", "--model", "model.json", &iris, "--format", "json", "--sample", "2"],
    ));
    assert_eq!(explained["command"], "explain");
    assert_eq!(explained["standardized_inputs"], true);
    assert_eq!(explained["plain_step"], true);
    assert_eq!(explained["learning_rate"], 0.01);
    assert_eq!(explained["learning_rate_source"], "model");
    // Row 2 of iris: 4.9, 3.0, 1.4, 0.2.
    assert_eq!(explained["inputs"][0]["raw"], 4.9);
    assert_eq!(explained["inputs"][0]["column"], "sepal_length");
    assert_eq!(explained["sample"], 2);
    assert_eq!(explained["line"], 3);
}

/// `explain --format json` on the tutorial: the W5 row as numbers.
#[test]
fn explain_json_holds_the_tutorials_w5_row() {
    let dir = tempfile::tempdir().unwrap();
    let explained = json(&mlp_ok(
        dir.path(),
        &[
            "explain",
            "--model",
            &dataset("seed/model.json"),
            &dataset("seed/data.csv"),
            "--format",
            "json",
        ],
    ));
    assert_eq!(explained["command"], "explain");
    assert_eq!(explained["warnings"], serde_json::json!([]));
    assert_eq!(explained["learning_rate"], 0.5);
    assert_eq!(explained["learning_rate_source"], "tutorial");
    assert_eq!(explained["standardized_inputs"], false);
    assert_eq!(explained["notes"], serde_json::json!([]));
    let rows = explained["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|section| section["blocks"].as_array().unwrap())
        .find(|block| block["kind"] == "table")
        .unwrap()["rows"]
        .as_array()
        .unwrap()
        .clone();
    let w5 = rows.iter().find(|row| row["param"] == "W5").unwrap();
    // The tutorial's ∂E/∂W5, 0.02592286 to 8 decimals (docs/tutorial.md); Python's double-precision
    // chain gives 0.0259228556036474, one ulp from the core's product order.
    assert_eq!(w5["dE_dw"].as_f64(), Some(0.025922855603647404));
    assert_eq!(w5["weight"].as_f64(), Some(0.45));
    assert!((w5["weight_new"].as_f64().unwrap() - 0.43703857).abs() < 5e-9);
}

/// explain on a row with missing cells filled in by the model's imputer says which they were,
/// and a one-hot input (left as it is by the standardizer) shows no "standardized" file value.
#[test]
fn explain_names_filled_in_inputs_and_leaves_one_hot_inputs_alone() {
    let dir = tempfile::tempdir().unwrap();
    let penguins = dataset("penguins.csv");
    train_penguins_median(dir.path(), "m.json");
    // Data row 4 (line 5): Adelie,Torgersen,NA,NA,NA,NA,NA,2007.
    let text = mlp_ok(
        dir.path(),
        &["explain", "--model", "m.json", &penguins, "--sample", "4", "--weight", "W1"],
    );
    assert!(
        text.contains(
            "Note: bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex are missing \
             in the file and are filled in with the training rows' median"
        ),
        "{text}"
    );
    assert!(text.contains("  x3 = 1  (island=Torgersen)\n"), "{text}");
    assert!(text.contains("(year = 2007, standardized)"), "{text}");
    // A complete row has no such note.
    let text = mlp_ok(
        dir.path(),
        &["explain", "--model", "m.json", &penguins, "--sample", "1", "--weight", "W1"],
    );
    assert!(!text.contains("filled in"), "{text}");
}
