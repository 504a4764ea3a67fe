//! A model built with the library (`Model::from_network`) used by the binary, and I/O errors
//! whose reason is said once.

use std::path::Path;

use mlp_core::{Activation, Dense, Loss, Network};
use mlp_train::model_file::Model;
use nalgebra::{dmatrix, dvector};

use crate::util::{mlp, mlp_ok, write};

/// A 2-3-2 tanh/softmax classifier of `x` and `y`, with many-digit weights, named in code.
fn model() -> Model {
    let hidden = Dense::new(
        dmatrix![0.1 + 0.2, -1.0 / 3.0; 2.0f64.sqrt(), 0.7; -0.25, std::f64::consts::PI],
        Some(dvector![0.01, -0.02, 1e-17]),
        Activation::Tanh,
    );
    let output = Dense::new(
        dmatrix![1.5, -0.5, 0.25; -1.5, 0.5, -0.25],
        Some(dvector![0.5, -0.5]),
        Activation::Softmax,
    );
    let network = Network::new(vec![hidden, output], Loss::CrossEntropy).unwrap();
    Model::from_network(network)
        .with_feature_names(["x", "y"])
        .unwrap()
        .with_classes("where", ["inside", "outside"])
        .unwrap()
}

/// `mlp predict` on a file and `Model::predict_text_rows` on the same cells give the same
/// classes and the same bits, and `mlp evaluate` reads the library's file.
#[test]
fn a_model_built_in_code_predicts_in_the_binary_as_in_the_library() {
    let dir = tempfile::tempdir().unwrap();
    let model = model();
    model.save(dir.path().join("m.json")).unwrap();
    let rows = [["0", "0"], ["3", "-1"], ["-2.5", "4"], ["1e-3", "7"]];
    let mut csv = String::from("x,y,where\n");
    for [x, y] in rows {
        csv += &format!("{x},{y},inside\n");
    }
    let data = write(dir.path(), "data.csv", &csv);
    let stdout = mlp_ok(dir.path(), &["predict", "--model", "m.json", &data, "--json"]);

    let cells: Vec<Vec<&str>> = rows.iter().map(|row| row.to_vec()).collect();
    let expected = model.predict_text_rows(&cells).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), rows.len(), "{stdout}");
    for (row_idx, line) in lines.iter().enumerate() {
        let json: serde_json::Value = serde_json::from_str(line).unwrap();
        let classes = expected.classes.as_ref().unwrap();
        assert_eq!(json["predicted_where"], classes[row_idx].as_str(), "{line}");
        for (class_idx, class) in ["inside", "outside"].iter().enumerate() {
            let found = json[format!("p_{class}")].as_f64().unwrap();
            let wanted = expected.outputs[(class_idx, row_idx)];
            assert_eq!(found.to_bits(), wanted.to_bits(), "{line}");
        }
    }
    let summary = mlp_ok(dir.path(), &["evaluate", "--model", "m.json", &data, "--json"]);
    let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
    assert_eq!(summary["samples"], 4);
}

/// Runs `mlp args…`, expecting exit 1 and returns stderr.
fn fails(dir: &Path, args: &[&str]) -> String {
    let output = mlp(dir, args);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    String::from_utf8(output.stderr).unwrap()
}

/// The OS's reason is in the library's message and the binary prints it once.
#[test]
fn an_unreadable_data_or_model_file_names_the_reason_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("folder")).unwrap();
    let data = write(dir.path(), "data.csv", "x,y\n1,2\n");
    let is_a_directory = "Is a directory (os error 21)";

    let stderr = fails(dir.path(), &["train", "folder", "--target", "y"]);
    assert_eq!(stderr, format!("error: folder: could not read the file: {is_a_directory}\n"));

    let stderr = fails(dir.path(), &["evaluate", "--model", "folder", &data]);
    assert_eq!(stderr, format!("error: folder: cannot read the model file: {is_a_directory}\n"));

    let stderr = fails(dir.path(), &["predict", "--model", "folder", &data]);
    assert_eq!(stderr.matches(is_a_directory).count(), 1, "{stderr}");
}
