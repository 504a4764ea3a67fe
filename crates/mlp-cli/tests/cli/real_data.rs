//! Issue #9's real-world CSVs, as a user meets them: the right task with no flag, stray words
//! and missing values as errors naming their lines, index columns, categorical features, `;`
//! files with decimal commas, `.gz` and standard input, unterminated quotes, and a saved
//! categorical model applied to a file with its columns reordered.
//!
//! Each test checks the exit status, the message (file, line and column where there is one) or
//! the warning's `kind`, and what was trained. Small files are generated here; the penguins-like
//! table, the pandas and R exports and the `;` file are in `tests/fixtures/`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::util::{dataset, mlp, mlp_fails, mlp_ok, write};

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name).display().to_string()
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text.trim()).unwrap_or_else(|err| panic!("{err}: {text}"))
}

/// Runs `mlp train data --target target extra… --json`, asserts success; returns the JSON
/// summary and stderr.
fn train_json(dir: &Path, data: &str, target: &str, extra: &[&str]) -> (serde_json::Value, String) {
    let args = [&["train", data, "--target", target, "--json"][..], extra].concat();
    let output = mlp(dir, &args);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "mlp {args:?} failed:\n{stderr}");
    (json(&String::from_utf8(output.stdout).unwrap()), stderr)
}

/// The `kind`s of a JSON summary's warnings, in order: the data's notices come first; a run
/// this short may add warnings about training (`not-learning`, `negative-r2`) after them.
fn warning_kinds(summary: &serde_json::Value) -> Vec<String> {
    summary["warnings"]
        .as_array()
        .unwrap_or_else(|| panic!("no warnings list in {summary}"))
        .iter()
        .map(|warning| warning["kind"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts that the summary's warnings start with `kinds` (see [`warning_kinds`]).
fn assert_kinds(summary: &serde_json::Value, kinds: &[&str]) {
    let found = warning_kinds(summary);
    assert!(
        found.starts_with(&kinds.iter().map(|kind| kind.to_string()).collect::<Vec<_>>()),
        "{found:?} does not start with {kinds:?}"
    );
}

/// The samples trained and validated on.
fn n_samples(summary: &serde_json::Value) -> u64 {
    summary["train"]["samples"].as_u64().unwrap()
        + summary["validation"]["samples"].as_u64().unwrap_or(0)
}

/// A network `n_inputs`-100-`n_outputs` (the default hidden layer) has this many parameters:
/// the JSON's `parameters` tells how many inputs the preparation made.
fn parameters(n_inputs: u64, n_outputs: u64) -> u64 {
    (n_inputs + 1) * 100 + 101 * n_outputs
}

/// A regression table `x1,x2,y` of `n_rows` rows, `y = 3·x1 + x2`, with `edit(row, line)`
/// applied to each data line (row 0 is on line 2).
fn regression_csv(n_rows: usize, edit: impl Fn(usize, String) -> String) -> String {
    let mut text = String::from("x1,x2,y\n");
    for row in 0..n_rows {
        let x1 = (row * 37 % 101) as f64 / 101.0;
        let x2 = (row * 53 % 97) as f64 / 97.0;
        let line = format!("{x1:.4},{x2:.4},{:.4}", 3.0 * x1 + x2);
        text.push_str(&edit(row, line));
        text.push('\n');
    }
    text
}

/// A two-class table `x1,x2,y` of 40 rows (`yes` when x1 > x2), with `edit` as above.
fn labels_csv(edit: impl Fn(usize, String) -> String) -> String {
    let mut text = String::from("x1,x2,y\n");
    for row in 0..40 {
        let x1 = (row * 37 % 101) as f64 / 101.0;
        let x2 = (row * 53 % 97) as f64 / 97.0;
        let label = if x1 > x2 { "yes" } else { "no" };
        text.push_str(&edit(row, format!("{x1:.4},{x2:.4},{label}")));
        text.push('\n');
    }
    text
}

fn as_strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

fn replace_last_field(line: String, field: &str) -> String {
    let (start, _) = line.rsplit_once(',').unwrap();
    format!("{start},{field}")
}

#[test]
fn wine_class_codes_are_classes_and_diabetes_stays_a_regression() {
    let dir = tempfile::tempdir().unwrap();
    let wine = dataset("wine.csv");
    let (summary, stderr) = train_json(dir.path(), &wine, "class", &["--epochs", "1"]);
    assert_eq!(summary["task"], "classification", "{summary}");
    assert_kinds(&summary, &["classes-from-integers"]);
    let message = summary["warnings"][0]["message"].as_str().unwrap();
    assert!(message.contains("3 integer values") && message.contains("--task regression"));
    // The same notice on stderr, as a warning line.
    assert!(stderr.contains(&format!("warning: {message}\n")), "{stderr}");
    // 13 inputs, one output per class.
    assert_eq!(summary["parameters"], parameters(13, 3));
    assert!(summary["train"]["accuracy"].is_number(), "{summary}");

    // --task regression is the override the notice names.
    let (summary, _) =
        train_json(dir.path(), &wine, "class", &["--epochs", "1", "--task", "regression"]);
    assert_eq!(summary["task"], "regression");
    assert_eq!(summary["parameters"], parameters(13, 1));

    // 214 distinct counts in 442 rows: a regression, with no notice about classes.
    let diabetes = dataset("diabetes.csv");
    let (summary, _) = train_json(dir.path(), &diabetes, "progression", &["--epochs", "1"]);
    assert_eq!(summary["task"], "regression", "{summary}");
    assert!(!warning_kinds(&summary).contains(&"classes-from-integers".to_owned()));
    assert!(summary["train"]["r2"].is_number(), "{summary}");
}

#[test]
fn question_marks_in_a_numeric_target_are_errors_listing_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    // 60 rows, `?` on rows 9 and 30 (lines 11 and 32): 58 distinct numbers and a marker.
    let text = regression_csv(60, |row, line| match row {
        9 | 30 => replace_last_field(line, "?"),
        _ => line,
    });
    let data = write(dir.path(), "target_question.csv", &text);
    let stderr = mlp_fails(
        dir.path(),
        &["train", &data, "--target", "y", "--epochs", "1"],
        &[
            "target_question.csv: line 11, column 3 (y)",
            "missing value \"?\"",
            "y 2 (lines 11, 32)",
            "--missing drop",
        ],
    );
    assert!(!stderr.contains("class"), "{stderr}");
    // Dropped, the rest is a regression on 58 rows, never a 58-class classification.
    let (summary, _) = train_json(dir.path(), &data, "y", &["--epochs", "1", "--missing", "drop"]);
    assert_eq!(summary["task"], "regression", "{summary}");
    assert_eq!(n_samples(&summary), 58);
    assert_kinds(&summary, &["rows-dropped"]);
    assert_eq!(summary["parameters"], parameters(2, 1));

    // Words that are not missing-value markers: an error listing every line.
    let text = regression_csv(60, |row, line| match row {
        9 => replace_last_field(line, "abc"),
        30 => replace_last_field(line, "n/a?"),
        _ => line,
    });
    let data = write(dir.path(), "target_words.csv", &text);
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "y", "--epochs", "1"],
        &[
            "target_words.csv: line 11, column 3 (y): expected a number, found \"abc\"",
            "1 more such cell (line 32)",
        ],
    );
}

#[test]
fn a_stray_word_in_a_numeric_feature_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = regression_csv(60, |row, line| match row {
        6 => "0.5,oops,2.0".to_owned(),
        _ => line,
    });
    let data = write(dir.path(), "feature_word.csv", &text);
    let stderr = mlp_fails(
        dir.path(),
        &["train", &data, "--target", "y", "--epochs", "1"],
        &["feature_word.csv: line 8, column 2 (x2): expected a number, found \"oops\""],
    );
    assert!(!stderr.contains("more such"), "{stderr}");
    // A missing-value marker instead is a missing value, which the flags handle.
    let data = write(dir.path(), "feature_na.csv", &text.replace("oops", "NA"));
    let (summary, _) = train_json(dir.path(), &data, "y", &["--epochs", "1", "--missing", "mean"]);
    assert_kinds(&summary, &["values-imputed"]);
    assert_eq!(n_samples(&summary), 60);
}

#[test]
fn a_missing_target_is_never_a_class() {
    let dir = tempfile::tempdir().unwrap();
    // `NA` targets on rows 4 and 8 (lines 6 and 10).
    let text = labels_csv(|row, line| match row {
        4 | 8 => replace_last_field(line, "NA"),
        _ => line,
    });
    let data = write(dir.path(), "target_na.csv", &text);
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "y", "--epochs", "1"],
        &[
            "target_na.csv: line 6, column 3 (y): expected a class label, found a missing value \"NA\"",
            "y 2 (lines 6, 10)",
        ],
    );
    // --missing drop: dropped with a count; the model's classes are the two labels only.
    let (summary, stderr) = train_json(
        dir.path(),
        &data,
        "y",
        &["--epochs", "1", "--missing", "drop", "--save", "drop.json"],
    );
    assert_kinds(&summary, &["rows-dropped"]);
    assert!(stderr.contains("warning: dropped 2 of 40 rows with missing values"), "{stderr}");
    assert_eq!(n_samples(&summary), 38);
    assert_eq!(summary["parameters"], parameters(2, 2));
    let model = json(&std::fs::read_to_string(dir.path().join("drop.json")).unwrap());
    assert_eq!(model["outputs"]["classes"], serde_json::json!(["no", "yes"]));
    // An imputing policy fills features, never targets: the rows are dropped all the same.
    let (summary, stderr) =
        train_json(dir.path(), &data, "y", &["--epochs", "1", "--missing", "median"]);
    assert_kinds(&summary, &["missing-targets-dropped"]);
    assert!(stderr.contains("dropped 2 rows whose target column 3 (y) is missing"), "{stderr}");
    assert_eq!(n_samples(&summary), 38);
}

#[test]
fn index_columns_of_pandas_and_r_exports_are_excluded_unless_named() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["pandas_index.csv", "r_write_csv.csv"] {
        let data = fixture(name);
        let (summary, stderr) = train_json(dir.path(), &data, "y", &["--epochs", "1"]);
        assert_kinds(&summary, &["index-column-excluded"]);
        assert!(stderr.contains("warning: column 1 (no name) looks like a row index"), "{stderr}");
        // x1 and x2 only.
        assert_eq!(summary["parameters"], parameters(2, 2), "{name}");
        assert_eq!(n_samples(&summary), 40);
        // Named in --features (an empty name), the index column is used, without a warning.
        let (summary, _) =
            train_json(dir.path(), &data, "y", &["--epochs", "1", "--features", ",x1,x2"]);
        let kinds = warning_kinds(&summary);
        assert!(!kinds.contains(&"index-column-excluded".to_owned()), "{name}: {kinds:?}");
        assert_eq!(summary["parameters"], parameters(3, 2), "{name}");
    }
    // pandas' name for an unnamed column read back and written again.
    let text = std::fs::read_to_string(fixture("pandas_index.csv")).unwrap();
    let data = write(dir.path(), "unnamed.csv", &format!("Unnamed: 0{text}"));
    let (summary, stderr) = train_json(dir.path(), &data, "y", &["--epochs", "1"]);
    assert_kinds(&summary, &["index-column-excluded"]);
    assert!(stderr.contains("column 1 (Unnamed: 0) looks like a row index"), "{stderr}");
    assert_eq!(summary["parameters"], parameters(2, 2));
}

/// `penguins_small.csv`: 66 rows of `datasets/penguins.csv` (3 species, islands Biscoe, Dream
/// and Torgersen, sex female/male, 9 `NA` cells on 5 rows: line 5 has 5, lines 10–13 one each).
#[test]
fn penguins_like_table_one_hot_missing_values_and_categories() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("penguins_small.csv");
    let train = |extra: &[&str]| {
        let args = [&["train", &data, "--target", "species", "--epochs", "2"][..], extra].concat();
        args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>()
    };

    // The default: an error counting the missing cells per column and suggesting the flags.
    mlp_fails(
        dir.path(),
        &as_strs(&train(&[])),
        &[
            "penguins_small.csv: line 5, column 3 (bill_length_mm): expected a finite number, found a missing value \"NA\"",
            "bill_length_mm 1 (line 5)",
            "sex 5 (lines 5, 10, 11, 12, 13)",
            "--missing drop",
            "--missing mean|median|most-frequent",
            "--na-values",
        ],
    );

    // --missing drop: 5 rows dropped; island (3) and sex (2) one-hot beside 5 numbers.
    let (summary, stderr) = train_json(
        dir.path(),
        &data,
        "species",
        &["--epochs", "2", "--missing", "drop", "--save", "drop.json"],
    );
    assert_kinds(&summary, &["rows-dropped"]);
    assert!(stderr.contains("warning: dropped 5 of 66 rows with missing values"), "{stderr}");
    assert_eq!(n_samples(&summary), 61);
    assert_eq!(summary["parameters"], parameters(3 + 4 + 2 + 1, 3));

    // That model has no imputer: predicting on the rows with NA cells names them.
    mlp_fails(
        dir.path(),
        &["predict", "--model", "drop.json", &data],
        &[
            "penguins_small.csv: line 5, column 3 (bill_length_mm)",
            "sex 5 (lines 5, 10, 11, 12, 13)",
            "the model has no imputer (it was trained with --missing drop)",
        ],
    );

    // --missing median: every row kept, the imputer and the categories saved in the model.
    let (summary, stderr) = train_json(
        dir.path(),
        &data,
        "species",
        &["--epochs", "2", "--missing", "median", "--save", "median.json"],
    );
    assert_kinds(&summary, &["values-imputed"]);
    assert!(stderr.contains("filled 9 missing feature cells"), "{stderr}");
    assert_eq!(n_samples(&summary), 66);
    let model = json(&std::fs::read_to_string(dir.path().join("median.json")).unwrap());
    let inputs = &model["inputs"];
    assert_eq!(inputs["categories"]["island"], serde_json::json!(["Biscoe", "Dream", "Torgersen"]));
    assert_eq!(inputs["categories"]["sex"], serde_json::json!(["female", "male"]));
    assert_eq!(inputs["imputer"]["strategy"], "median", "{inputs}");
    let values = inputs["imputer"]["values"].as_array().unwrap();
    // One per input column: island, four measurements, sex, year.
    assert_eq!(values.len(), 7, "{inputs}");
    assert!(values[1].is_number() && values[5].is_string(), "{inputs}");
    assert_eq!(model["outputs"]["classes"], serde_json::json!(["Adelie", "Chinstrap", "Gentoo"]));
    // `mlp info` names the network's ten inputs, one per category.
    let info = json(&mlp_ok(dir.path(), &["info", "--model", "median.json", "--json"]));
    let names = [
        "island=Biscoe",
        "island=Dream",
        "island=Torgersen",
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "sex=female",
        "sex=male",
        "year",
    ];
    assert_eq!(info["inputs"]["names"], serde_json::json!(names), "{info}");
    let text = mlp_ok(dir.path(), &["info", "--model", "median.json"]);
    assert!(text.contains(&format!("{}\n", names.join(", "))), "{text}");
    // Evaluate applies the same preparation to the rows with NA cells.
    let evaluated =
        json(&mlp_ok(dir.path(), &["evaluate", "--model", "median.json", &data, "--json"]));
    assert_eq!(evaluated["samples"], 66, "{evaluated}");

    // Three islands, two allowed: the error suggests --drop.
    mlp_fails(
        dir.path(),
        &as_strs(&train(&["--missing", "drop", "--max-categories", "2"])),
        &[
            "penguins_small.csv: column 2 (island): 3 categories, more than the 2 allowed",
            "--drop \"island\"",
        ],
    );
    // --drop island: island's three inputs are gone.
    let (summary, _) = train_json(
        dir.path(),
        &data,
        "species",
        &["--epochs", "2", "--missing", "drop", "--max-categories", "2", "--drop", "island"],
    );
    assert_eq!(summary["parameters"], parameters(4 + 2 + 1, 3));
}

/// Issue #9's showcase, with its default settings.
#[test]
fn penguins_dataset_reaches_the_showcase_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let (summary, _) = train_json(
        dir.path(),
        &dataset("penguins.csv"),
        "species",
        &["--missing", "drop", "--quiet"],
    );
    assert_kinds(&summary, &["rows-dropped"]);
    assert_eq!(n_samples(&summary), 333);
    let accuracy = summary["validation"]["accuracy"].as_f64().unwrap();
    assert!(accuracy >= 0.97, "validation accuracy {accuracy}: {summary}");
}

#[test]
fn semicolons_and_decimal_commas() {
    let dir = tempfile::tempdir().unwrap();
    let data = fixture("semicolon_decimal_comma.csv");
    // The `;` is detected; --decimal-comma reads `2,38` as 2.38: two numeric inputs.
    let (summary, _) =
        train_json(dir.path(), &data, "species", &["--epochs", "1", "--decimal-comma"]);
    assert_eq!(summary["parameters"], parameters(2, 2), "{summary}");
    assert_eq!(n_samples(&summary), 40);
    // Without the flag: an error naming the cell and the flag (not 70-odd categories).
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "species", "--epochs", "1"],
        &[
            "semicolon_decimal_comma.csv: line 2, column 2 (length): \"2,38\" looks like a number with a decimal comma",
            "--decimal-comma",
        ],
    );
    // The same as the target, which would otherwise be read as class labels.
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "width", "--features", "species", "--epochs", "1"],
        &["line 2, column 3 (width): \"2,72\"", "--decimal-comma"],
    );
    let text = std::fs::read_to_string(&data).unwrap();
    let data = write(
        dir.path(),
        "numeric_target.csv",
        &text.replace("species;", "").replace("big;", "").replace("small;", ""),
    );
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "width", "--epochs", "1"],
        &["numeric_target.csv: line 2, column 1 (length): \"2,38\"", "--decimal-comma"],
    );

    // A `;` file read with --delimiter ',' (decimal points, so each line is one field): the
    // unknown column's error suggests the delimiter.
    let points =
        write(dir.path(), "points.csv", "species;length;width\nbig;7.5;1.2\nsmall;1.5;0.2\n");
    mlp_fails(
        dir.path(),
        &["train", &points, "--target", "specis", "--delimiter", ",", "--epochs", "1"],
        &["points.csv: no column named \"specis\"", "try --delimiter ';'"],
    );
    // Detected, a near-miss name suggests the name.
    mlp_fails(
        dir.path(),
        &["train", &points, "--target", "Species", "--epochs", "1"],
        &["no column named \"Species\" (did you mean \"species\"?)"],
    );
}

#[test]
fn gzip_files_standard_input_and_unterminated_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let text = labels_csv(|_, line| line);
    // A `.gz` file, decompressed transparently.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    let gz = dir.path().join("labels.csv.gz");
    std::fs::write(&gz, encoder.finish().unwrap()).unwrap();
    let (summary, _) = train_json(dir.path(), &gz.display().to_string(), "y", &["--epochs", "1"]);
    assert_eq!(n_samples(&summary), 40);
    assert_eq!(summary["parameters"], parameters(2, 2));

    // `-`: the CSV on standard input; the saved model names it, without a hash (standard
    // input cannot be read a second time).
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(["train", "-", "--target", "y", "--epochs", "1", "--json", "--save", "stdin.json"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let summary = json(&String::from_utf8(output.stdout).unwrap());
    assert_eq!(n_samples(&summary), 40);
    let model = json(&std::fs::read_to_string(dir.path().join("stdin.json")).unwrap());
    assert_eq!(model["provenance"]["data"], serde_json::json!({"name": "<stdin>", "sha256": null}));

    // A quote opened on line 4 and never closed: an error naming line 4, not a class label.
    let data = write(dir.path(), "quote.csv", "a,b,y\n1,2,x\n3,4,z\n5,6,\"x\n7,8,z\n");
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "y", "--epochs", "1"],
        &["quote.csv: line 4: the quoted field that starts here is never closed"],
    );
}

/// The penguins-like file rewritten with its columns in another order, an extra column and
/// (for predict) no target column.
fn reordered(source: &Path, keep_target: bool, unknown_island_on_row: Option<usize>) -> String {
    let mut reader = csv::Reader::from_path(source).unwrap();
    let header = reader.headers().unwrap().clone();
    let index = |name: &str| header.iter().position(|field| field == name).unwrap();
    let mut order = vec!["year", "sex", "body_mass_g", "extra", "flipper_length_mm"];
    order.extend(["bill_depth_mm", "bill_length_mm", "island"]);
    if keep_target {
        order.insert(2, "species");
    }
    let mut out = order.join(",");
    out.push('\n');
    for (row, record) in reader.records().enumerate() {
        let record = record.unwrap();
        let fields: Vec<&str> = order
            .iter()
            .map(|&name| match name {
                "extra" => "zzz",
                "island" if unknown_island_on_row == Some(row) => "Atlantis",
                _ => &record[index(name)],
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

#[test]
fn a_saved_categorical_model_reads_columns_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let source = PathBuf::from(fixture("penguins_small.csv"));
    let data = source.display().to_string();
    mlp_ok(
        dir.path(),
        &[
            "train",
            &data,
            "--target",
            "species",
            "--missing",
            "median",
            "--epochs",
            "5",
            "--save",
            "m.json",
        ],
    );
    let original = mlp_ok(dir.path(), &["predict", "--model", "m.json", &data]);
    assert_eq!(original.lines().count(), 67);
    assert!(original.starts_with("row,predicted_species,p_Adelie,p_Chinstrap,p_Gentoo\n"));

    let shuffled = write(dir.path(), "shuffled.csv", &reordered(&source, false, None));
    let predicted = mlp_ok(dir.path(), &["predict", "--model", "m.json", &shuffled]);
    assert_eq!(predicted, original);
    let with_target = write(dir.path(), "with_target.csv", &reordered(&source, true, None));
    let evaluate = |file: &str| {
        let summary = json(&mlp_ok(dir.path(), &["evaluate", "--model", "m.json", file, "--json"]));
        (summary["samples"].clone(), summary["loss"].clone(), summary["accuracy"].clone())
    };
    assert_eq!(evaluate(&with_target), evaluate(&data));

    // An island the training data never saw, on row 1 (line 3): an error by default.
    let unknown = write(dir.path(), "unknown.csv", &reordered(&source, false, Some(1)));
    mlp_fails(
        dir.path(),
        &["predict", "--model", "m.json", &unknown],
        &[
            "unknown.csv: line 3, column 8 (island): unknown category \"Atlantis\"",
            "\"Biscoe\", \"Dream\", \"Torgersen\"",
            "--unknown-category ignore",
        ],
    );
    // Set at training, `--unknown-category ignore` is saved in the model: the row is predicted.
    mlp_ok(
        dir.path(),
        &[
            "train",
            &data,
            "--target",
            "species",
            "--missing",
            "median",
            "--unknown-category",
            "ignore",
            "--epochs",
            "5",
            "--save",
            "ignore.json",
        ],
    );
    let predicted = mlp_ok(dir.path(), &["predict", "--model", "ignore.json", &unknown]);
    assert_eq!(predicted.lines().count(), 67);

    // The reordered file on standard input gives the same predictions again.
    let mut child = Command::new(env!("CARGO_BIN_EXE_mlp"))
        .args(["predict", "--model", "m.json", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let text = std::fs::read_to_string(&shuffled).unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(String::from_utf8(output.stdout).unwrap(), original);
}

/// What pandas writes with `sep=';', decimal=','` from a frame with NaN: an empty-named index
/// column, empty cells for NaN, decimal commas.
#[test]
fn pandas_semicolon_decimal_comma_export_with_nan() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(";length;width;species\n");
    for row in 0..40 {
        let length = (row * 37 % 101) as f64 / 10.0;
        let width = (row * 53 % 97) as f64 / 20.0;
        let species = if length + width > 7.0 { "big" } else { "small" };
        let length =
            if row == 3 { String::new() } else { format!("{length:.2}").replace('.', ",") };
        let width = format!("{width:.2}").replace('.', ",");
        text.push_str(&format!("{row};{length};{width};{species}\n"));
    }
    let data = write(dir.path(), "pandas_semicolon.csv", &text);
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "species", "--missing", "mean", "--epochs", "1"],
        &["pandas_semicolon.csv: line 2, column 2 (length): \"0,00\"", "--decimal-comma"],
    );
    let (summary, _) = train_json(
        dir.path(),
        &data,
        "species",
        &["--missing", "mean", "--decimal-comma", "--epochs", "1"],
    );
    assert_kinds(&summary, &["index-column-excluded", "values-imputed"]);
    assert_eq!(n_samples(&summary), 40);
    assert_eq!(summary["parameters"], parameters(2, 2));
}

/// pandas' `to_csv` of a frame with an unnamed two-level index writes two empty names: both
/// are index columns, excluded each with a warning (not a "name appears twice" error); naming
/// the empty column in `--features` is then ambiguous, and says so.
#[test]
fn pandas_multi_index_export() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from(",,x,y\n");
    for row in 0..40 {
        let x = row as f64 / 40.0;
        let label = if x > 0.5 { "hi" } else { "lo" };
        text.push_str(&format!("{},{row},{x},{label}\n", row % 4));
    }
    let data = write(dir.path(), "multi_index.csv", &text);
    let (summary, stderr) = train_json(dir.path(), &data, "y", &["--epochs", "1"]);
    assert_kinds(&summary, &["index-column-excluded", "index-column-excluded"]);
    assert!(stderr.contains("warning: column 2 (no name) looks like a row index"), "{stderr}");
    assert_eq!(summary["parameters"], parameters(1, 2));
    mlp_fails(
        dir.path(),
        &["train", &data, "--target", "y", "--features", ",x", "--epochs", "1"],
        &["multi_index.csv: line 1: column name \"\" appears twice in the header (columns 1 and 2)"],
    );
}

/// `--missing most-frequent` says what it filled the cells with in plain words.
#[test]
fn most_frequent_imputation_reads_as_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    // A categorical column `colour` before x1, x2, y, with an empty cell on every fifth row.
    let text: String = labels_csv(|_, line| line)
        .lines()
        .enumerate()
        .map(|(line_idx, line)| match line_idx {
            0 => format!("colour,{line}\n"),
            n if n % 5 == 1 => format!(",{line}\n"),
            n => format!("{},{line}\n", if n % 2 == 0 { "red" } else { "blue" }),
        })
        .collect();
    let data = write(dir.path(), "colour.csv", &text);
    let (summary, stderr) =
        train_json(dir.path(), &data, "y", &["--epochs", "1", "--missing", "most-frequent"]);
    assert_kinds(&summary, &["values-imputed"]);
    assert!(
        stderr.contains(
            "warning: filled 8 missing feature cells with the training rows' most frequent values\n"
        ),
        "{stderr}"
    );
    // colour (red, blue), x1, x2.
    assert_eq!(summary["parameters"], parameters(4, 2));
}
