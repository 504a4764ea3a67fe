//! The one JSON schema of docs/json.md: every `--json` summary is one object whose first keys
//! are `command` and `warnings`; `predict --json` is JSON Lines keyed by the CSV's columns.

use crate::util::{dataset, mlp_ok, train_penguins_median};

/// The keys of the one JSON object `text` holds, in order.
fn keys(text: &str) -> Vec<String> {
    let value: serde_json::Value =
        serde_json::from_str(text.trim()).unwrap_or_else(|err| panic!("{err}: {text}"));
    let object = value.as_object().unwrap_or_else(|| panic!("not an object: {text}"));
    object.keys().cloned().collect()
}

#[test]
fn every_summary_starts_with_command_and_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    let seed_model = dataset("seed/model.json");
    let seed_data = dataset("seed/data.csv");
    let train = mlp_ok(
        dir.path(),
        &["train", &iris, "--target", "species", "--epochs", "3", "--save", "m.json", "--json"],
    );
    let summaries = [
        ("train", train),
        ("evaluate", mlp_ok(dir.path(), &["evaluate", "--model", "m.json", &iris, "--json"])),
        ("info", mlp_ok(dir.path(), &["info", "--model", "m.json", "--json"])),
        (
            "explain",
            mlp_ok(
                dir.path(),
                &["explain", "--model", &seed_model, &seed_data, "--format", "json"],
            ),
        ),
    ];
    for (command, text) in summaries {
        let keys = keys(&text);
        assert_eq!(keys[..2], ["command", "warnings"], "{command}: {text}");
        let value: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(value["command"], command);
        for warning in value["warnings"].as_array().unwrap() {
            let warning_keys: Vec<&String> = warning.as_object().unwrap().keys().collect();
            assert_eq!(warning_keys, ["kind", "message"], "{command}: {text}");
        }
    }
}

#[test]
fn predict_json_lines_keep_the_csv_column_order() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    mlp_ok(
        dir.path(),
        &["train", &iris, "--target", "species", "--epochs", "2", "--save", "m.json"],
    );
    let csv = mlp_ok(dir.path(), &["predict", "--model", "m.json", &iris]);
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let lines = mlp_ok(dir.path(), &["predict", "--model", "m.json", &iris, "--json"]);
    assert_eq!(lines.lines().count(), 150);
    for line in lines.lines() {
        assert_eq!(keys(line), header, "{line}");
    }
}

/// `--keep` columns in JSON Lines: numbers as numbers, a missing cell (`NA`) as `null`, text
/// as strings; a column kept twice is an error, since JSON keys are unique.
#[test]
fn predict_json_keeps_columns_with_missing_cells_as_null() {
    let dir = tempfile::tempdir().unwrap();
    let penguins = dataset("penguins.csv");
    train_penguins_median(dir.path(), "m.json");
    let lines = mlp_ok(
        dir.path(),
        &["predict", "--model", "m.json", &penguins, "--keep", "island,bill_length_mm", "--json"],
    );
    let rows: Vec<serde_json::Value> =
        lines.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    // Data row 1 is complete; data row 4 (line 5 of the file) has NA cells.
    assert_eq!(rows[0]["island"], "Torgersen");
    assert_eq!(rows[0]["bill_length_mm"], 39.1);
    assert_eq!(rows[3]["bill_length_mm"], serde_json::Value::Null);
    crate::util::mlp_fails(
        dir.path(),
        &["predict", "--model", "m.json", &penguins, "--keep", "island,island"],
        &["--keep names the column \"island\" twice"],
    );
}
