use std::path::Path;

use crate::util::{dataset, mlp_fails, mlp_ok, write};

fn train_fails(dir: &Path, data: &str, target: &str, needles: &[&str]) {
    mlp_fails(dir, &["train", data, "--target", target, "--epochs", "1"], needles);
}

#[test]
fn missing_or_unknown_target_column() {
    let dir = tempfile::tempdir().unwrap();
    let iris = dataset("iris.csv");
    train_fails(dir.path(), &iris, "colour", &["iris.csv", "no column named \"colour\""]);
    // --target is required: a usage error from clap, code 2.
    let output = crate::util::mlp(dir.path(), &["train", &iris]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn ragged_row_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "ragged.csv", "a,b,y\n1,2,3\n4,5\n");
    train_fails(dir.path(), &data, "y", &["ragged.csv: line 3", "expected 3 fields, found 2"]);
}

#[test]
fn non_numeric_empty_and_non_finite_cells_name_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "text.csv", "a,b,y\n1,2,3\n4,abc,6\n");
    train_fails(dir.path(), &data, "y", &["text.csv: line 3, column 2", "expected a number"]);
    let data = write(dir.path(), "empty_cell.csv", "a,b,y\n1,2,3\n4,,6\n");
    train_fails(dir.path(), &data, "y", &["empty_cell.csv: line 3, column 2"]);
    let data = write(dir.path(), "nan.csv", "a,b,y\n1,2,3\n4,NaN,6\n7,8,9\n");
    train_fails(dir.path(), &data, "y", &["nan.csv: line 3, column 2", "finite"]);
    let data = write(dir.path(), "inf.csv", "a,b,y\n1,2,3\n4,5,6\n7,inf,9\n");
    train_fails(dir.path(), &data, "y", &["inf.csv: line 4, column 2"]);
}

#[test]
fn empty_file_header_only_and_single_class() {
    let dir = tempfile::tempdir().unwrap();
    let data = write(dir.path(), "empty.csv", "");
    train_fails(dir.path(), &data, "y", &["empty.csv: the file is empty"]);
    let data = write(dir.path(), "header.csv", "a,y\n");
    train_fails(dir.path(), &data, "y", &["header.csv: no data rows"]);
    let data = write(dir.path(), "one_class.csv", "a,y\n1,cat\n2,cat\n");
    train_fails(dir.path(), &data, "y", &["one_class.csv", "at least two classes"]);
    let missing = dir.path().join("missing.csv").display().to_string();
    train_fails(dir.path(), &missing, "y", &["missing.csv: could not read the file"]);
}

#[test]
fn model_that_does_not_fit_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let model = dataset("seed/model.json");
    // The seed model reads x1 and x2 and predicts t1 and t2; iris has none of them.
    mlp_fails(
        dir.path(),
        &["evaluate", "--model", &model, &dataset("iris.csv")],
        &["iris.csv: no column named \"t1\""],
    );
    mlp_fails(
        dir.path(),
        &["predict", "--model", &model, &dataset("iris.csv")],
        &["iris.csv: no column named \"x1\""],
    );
    // With --init the model names its input columns: --features cannot change them.
    let data = write(dir.path(), "three.csv", "x1,x2,x3,t1,t2\n1,2,3,4,5\n");
    mlp_fails(
        dir.path(),
        &[
            "train",
            &data,
            "--target",
            "t1,t2",
            "--features",
            "x1,x2,x3",
            "--init",
            &model,
            "--validation",
            "0",
        ],
        &["model.json: the model reads the columns x1,x2; --features cannot change them"],
    );
}

#[test]
fn unreadable_or_malformed_model_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dataset("seed/data.csv");
    mlp_fails(
        dir.path(),
        &["evaluate", "--model", "nope.json", &data],
        &["nope.json: cannot read the model file"],
    );
    let bad = write(
        dir.path(),
        "bad.json",
        "{\n  \"format\": \"mlp-model\",\n  \"version\": 1\n  \"loss\": \"sse\"\n}\n",
    );
    mlp_fails(
        dir.path(),
        &["predict", "--model", &bad, &data],
        &["bad.json: line 4, column 3: malformed model file"],
    );
    let seed = std::fs::read_to_string(dataset("seed/model.json")).unwrap();
    let ragged = write(dir.path(), "ragged.json", &seed.replacen("[0.40, 0.35]", "[0.40]", 1));
    mlp_fails(
        dir.path(),
        &["evaluate", "--model", &ragged, &data],
        &["ragged.json: layer 1: weight row 2 has 1 numbers"],
    );
    let version = write(dir.path(), "v4.json", &seed.replace("\"version\": 1", "\"version\": 4"));
    mlp_fails(
        dir.path(),
        &["explain", "--model", &version, &data],
        &["v4.json: model file version 4 is not supported; this mlp reads versions 1 to 3"],
    );
}

#[test]
fn output_paths_that_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let xor = dataset("xor.csv");
    mlp_fails(
        dir.path(),
        &["train", &xor, "--target", "y", "--epochs", "1", "--save", "no/such/dir/model.json"],
        &["no/such/dir/model.json: cannot write the model file"],
    );
    mlp_fails(
        dir.path(),
        &["train", &xor, "--target", "y", "--epochs", "1", "--grad-log", "no/such/dir/g.csv"],
        &[
            "no/such/dir/g.csv: cannot write the gradient log",
            "directory no/such/dir does not exist",
        ],
    );
    mlp_ok(dir.path(), &["train", &xor, "--target", "y", "--epochs", "1", "--save", "m.json"]);
    mlp_fails(
        dir.path(),
        &["predict", "--model", "m.json", &xor, "--output", "no/such/dir/p.csv"],
        &["no/such/dir/p.csv: cannot write the predictions"],
    );
    // A failed run leaves an earlier model file whole.
    let before = std::fs::read_to_string(dir.path().join("m.json")).unwrap();
    let bad = write(dir.path(), "bad.csv", "x1,x2,y\n1,2\n");
    mlp_fails(
        dir.path(),
        &["train", &bad, "--target", "y", "--save", "m.json"],
        &["bad.csv: line 2"],
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("m.json")).unwrap(), before);
}

#[test]
fn divergence_names_epoch_and_step() {
    let dir = tempfile::tempdir().unwrap();
    mlp_fails(
        dir.path(),
        &[
            "train",
            &dataset("diabetes.csv"),
            "--target",
            "progression",
            "--no-standardize",
            "--optimizer",
            "sgd",
            "--learning-rate",
            "10",
            "--epochs",
            "50",
        ],
        &["training diverged at epoch", "step"],
    );
}

/// An output that names an input (by any spelling) or another output is refused before any
/// work, naming both, and every file is left as it was.
#[test]
fn outputs_never_replace_inputs_or_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let data =
        write(dir.path(), "data.csv", &std::fs::read_to_string(dataset("iris.csv")).unwrap());
    let before = std::fs::read(&data).unwrap();
    let train = ["train", "data.csv", "--target", "species", "--epochs", "1"];
    let with = |extra: &[&'static str]| {
        train.iter().copied().chain(extra.iter().copied()).collect::<Vec<_>>()
    };
    mlp_fails(
        dir.path(),
        &with(&["--save", "./data.csv"]),
        &["--save ./data.csv would replace the training data (data.csv)"],
    );
    mlp_fails(
        dir.path(),
        &with(&["--history", "log.csv", "--grad-log", "log.csv"]),
        &["--grad-log and --history both name log.csv"],
    );
    mlp_ok(dir.path(), &with(&["--save", "m.json"]));
    let model = std::fs::read(dir.path().join("m.json")).unwrap();
    mlp_fails(
        dir.path(),
        &with(&["--init", "m.json", "--save", "m.json"]),
        &["--save m.json would replace --init (m.json)"],
    );
    mlp_fails(
        dir.path(),
        &["predict", "--model", "m.json", "data.csv", "--output", "data.csv"],
        &["--output data.csv would replace the data (data.csv)"],
    );
    assert_eq!(std::fs::read(&data).unwrap(), before);
    assert_eq!(std::fs::read(dir.path().join("m.json")).unwrap(), model);
    assert!(!dir.path().join("log.csv").exists());
}
