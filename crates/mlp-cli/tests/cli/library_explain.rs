//! `mlp explain` is the library's `mlp_train::explain`: a library user who reads the same files
//! gets the same bytes in every format, and a saturated sigmoid under cross-entropy is
//! explained (and logged) with the fused ∂E/∂z, never inf or NaN.

use std::path::Path;

use mlp_train::data::{CsvOptions, Table};
use mlp_train::explain::{
    explain, prepare_sample, Block, ExplainError, ExplainFormat, SampleRequest, Step,
};
use mlp_train::model_file::Model;
use serde_json::Value;

use crate::util::{dataset, mlp_ok, sgd_from_init_args, train_penguins_median, write};

/// What a library user writes for `mlp explain --model MODEL DATA --sample N [--weight W]
/// [--learning-rate η]` in `format`, reading the files with the default CSV options.
fn library_explain(
    model: &Path,
    data: &str,
    request: SampleRequest,
    format: ExplainFormat,
) -> (String, Option<u64>) {
    let model = Model::load(model).unwrap();
    let table = Table::read(data, &CsvOptions::default()).unwrap();
    let prepared = prepare_sample(&model, &table, &request).unwrap();
    let derivation =
        explain(&model.network, &prepared.inputs, &prepared.targets, &prepared.options).unwrap();
    (derivation.render(format), prepared.line)
}

/// The penguins model (standardized inputs, categories, median-filled missing cells, class
/// names, a recorded learning rate): rows 1, 4 (every feature missing) and 9 (sex missing),
/// every parameter and one, with the model's η and a given one, in text, Markdown and JSON:
/// the library's bytes are the command's.
#[test]
fn the_library_reproduces_mlp_explain_byte_for_byte_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    train_penguins_median(dir.path(), "penguins.json");
    let model = dir.path().join("penguins.json");
    let data = dataset("penguins.csv");
    let cases: [(usize, Option<&str>, Option<&str>); 4] =
        [(1, None, None), (4, None, None), (9, Some("W3"), None), (9, Some("b2"), Some("0.25"))];
    for (sample, weight, learning_rate) in cases {
        for (format, name) in [
            (ExplainFormat::Text, "text"),
            (ExplainFormat::Markdown, "markdown"),
            (ExplainFormat::Json, "json"),
        ] {
            let sample_text = sample.to_string();
            let mut args = vec![
                "explain",
                "--model",
                "penguins.json",
                &data,
                "--sample",
                &sample_text,
                "--format",
                name,
            ];
            args.extend(weight.iter().flat_map(|weight| ["--weight", weight]));
            args.extend(learning_rate.iter().flat_map(|rate| ["--learning-rate", rate]));
            let command = mlp_ok(dir.path(), &args);

            let request = SampleRequest {
                sample,
                learning_rate: learning_rate.map(|rate| rate.parse().unwrap()),
                weight: weight.map(str::to_owned),
                data_name: data.clone(),
            };
            let (library, line) = library_explain(&model, &data, request, format);
            if format != ExplainFormat::Json {
                assert_eq!(command, library, "{args:?}");
                continue;
            }
            // The command adds its own fields before the derivation's.
            let mut command: Value = serde_json::from_str(&command).unwrap();
            let command = command.as_object_mut().unwrap();
            for (field, expected) in [
                ("command", Value::from("explain")),
                ("warnings", Value::Array(Vec::new())),
                ("model", Value::from("penguins.json")),
                ("data", Value::from(data.as_str())),
                ("sample", Value::from(sample)),
                ("line", Value::from(line)),
            ] {
                assert_eq!(command.shift_remove(field), Some(expected), "{field} of {args:?}");
            }
            let library: Value = serde_json::from_str(&library).unwrap();
            assert_eq!(&Value::Object(command.clone()), &library, "{args:?}");
        }
    }
    // What the command prepared is in the text: the filled-in note, the file's values, η.
    let (text, _) = library_explain(
        &model,
        &data,
        SampleRequest { sample: 4, data_name: "penguins.csv".to_owned(), ..Default::default() },
        ExplainFormat::Text,
    );
    assert!(text.contains("missing in the file and are filled in with the training rows' median"));
    assert!(text.contains(", standardized)"), "{text}");
    assert!(text.contains("η = 0.001 is the learning rate the model was trained with"), "{text}");
    assert!(text.contains("the model was trained with adam; the step shown is a plain"), "{text}");
}

/// A row that is not in the file, and a forward pass that overflows: typed errors for a library
/// user, the command's messages name the flag or the files.
#[test]
fn prepare_sample_errors_are_typed() {
    let model = Model::load(dataset("seed/model.json")).unwrap();
    let table = Table::read(dataset("seed/data.csv"), &CsvOptions::default()).unwrap();
    let request = SampleRequest { sample: 2, ..SampleRequest::default() };
    let error = prepare_sample(&model, &table, &request).unwrap_err();
    assert!(matches!(error, ExplainError::NoSuchSample { sample: 2, n_rows: 1 }), "{error:?}");
    assert_eq!(error.to_string(), "sample 2: the file has data rows 1 to 1");

    let request =
        SampleRequest { sample: 1, data_name: "data.csv".to_owned(), ..Default::default() };
    let prepared = prepare_sample(&model, &table, &request).unwrap();
    assert_eq!((prepared.inputs, prepared.targets), (vec![0.1, 0.2], vec![0.4, 0.6]));
    assert_eq!(prepared.options.sample_label, "sample 1 (line 2 of data.csv)");
    // A version 1 model records no learning rate: the tutorial's.
    assert_eq!(prepared.options.learning_rate, 0.5);
}

/// The saturated network of `tests/reference/saturated_cross_entropy.py` as a model file:
/// x → identity(1·x) → sigmoid(40·h, 40·h), binary cross-entropy.
const SATURATED_MODEL: &str = r#"{
  "format": "mlp-model",
  "version": 1,
  "loss": "cross-entropy",
  "layers": [
    { "activation": "identity", "weights": [[1.0]], "bias": null },
    { "activation": "sigmoid", "weights": [[40.0], [40.0]], "bias": null }
  ],
  "inputs": { "names": ["x"], "standardizer": null },
  "outputs": { "names": ["left", "right"], "classes": null }
}
"#;

/// PyTorch autograd (`tests/reference/saturated_cross_entropy.py`): o = (1, 1) for t = (0, 1),
/// ∂E/∂z = o − t = (1, 0), ∂E/∂W = (40, 1, 0), W+ = (−19, 39.5, 40) with η = 0.5. The split
/// ∂E/∂o would be (inf, NaN) and ∂o/∂z (0, 0): the command shows and logs neither.
#[test]
fn a_saturated_sigmoid_under_cross_entropy_is_explained_and_logged_without_inf_or_nan() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "saturated.json", SATURATED_MODEL);
    write(dir.path(), "data.csv", "x,left,right\n1,0,1\n");
    let explain = |format: &str| {
        mlp_ok(
            dir.path(),
            &["explain", "--model", "saturated.json", "data.csv", "--format", format],
        )
    };
    let text = explain("text");
    for expected in [
        "∂E/∂z2 = o1 − t1 = 1.00000000 − 0 = 1.00000000",
        "∂E/∂z3 = o2 − t2 = 1.00000000 − 1 = 0.00000000",
        "∂E/∂W2 = ∂E/∂z2 × ∂z2/∂W2 = 1.00000000 × 1.00000000 = 1.00000000",
        "W1+ = W1 − η·∂E/∂W1 = 1 − 0.5 × 40.00000000 = -19.00000000",
        "  W2         —            —           1.00000000  1.00000000   39.50000000\n",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    let markdown = explain("markdown");
    for text in [&text, &markdown] {
        assert!(!text.contains("inf") && !text.contains("NaN"), "{text}");
        assert!(!text.contains("∂E/∂o1") && !text.contains("{\\partial o_{1}}"), "{text}");
    }
    let json: Value = serde_json::from_str(&explain("json")).unwrap();
    let rows = &json["sections"].as_array().unwrap().last().unwrap()["blocks"][0]["rows"];
    // Output layer first, as backpropagation goes: W2, W3, then W1.
    let expected = [("W2", 1.0, 39.5), ("W3", 0.0, 40.0), ("W1", 40.0, -19.0)];
    for (k, (param, de_dw, updated)) in expected.into_iter().enumerate() {
        assert_eq!(rows[k]["param"], param, "{rows}");
        assert_eq!(rows[k]["dE_dw"], de_dw, "{rows}");
        assert_eq!(rows[k]["weight_new"], updated, "{rows}");
    }
    assert_eq!((&rows[0]["dE_da"], &rows[0]["da_dz"]), (&Value::Null, &Value::Null));
    assert_eq!((&rows[2]["dE_da"], &rows[2]["da_dz"]), (&Value::from(40.0), &Value::from(1.0)));

    // The same step, trained from the model file and logged.
    mlp_ok(
        dir.path(),
        &sgd_from_init_args(
            "data.csv",
            "left,right",
            "saturated.json",
            "cross-entropy",
            &["--epochs", "1", "--grad-log", "grads.csv"],
        ),
    );
    let log = std::fs::read_to_string(dir.path().join("grads.csv")).unwrap();
    let mut rows: Vec<&str> = log.lines().skip(1).collect();
    rows.sort_unstable();
    assert_eq!(
        rows,
        [
            "1,1,1,1,W1,1,1,1.0,40.0,1.0,40.0,1.0,40.0,-19.0",
            "1,1,1,2,W2,1,1,40.0,,,1.0,1.0,1.0,39.5",
            "1,1,1,2,W3,2,1,40.0,,,0.0,1.0,0.0,40.0",
        ],
        "{log}"
    );
}

/// The derivation is data: the steps of one parameter, found by what they are, not by text.
#[test]
fn a_library_user_finds_a_parameters_steps_by_their_kind() {
    let model = Model::load(dataset("seed/model.json")).unwrap();
    let table = Table::read(dataset("seed/data.csv"), &CsvOptions::default()).unwrap();
    let request = SampleRequest { sample: 1, ..SampleRequest::default() };
    let prepared = prepare_sample(&model, &table, &request).unwrap();
    let derivation =
        explain(&model.network, &prepared.inputs, &prepared.targets, &prepared.options).unwrap();
    let w5 = model.network.parameter_names().find("W5").unwrap();
    let value = |step: Step| {
        derivation.sections.iter().flat_map(|section| &section.blocks).find_map(|block| match block
        {
            Block::Formula(formula) if formula.step == step => formula.value,
            _ => None,
        })
    };
    // The tutorial (docs/tutorial.md): ∂E/∂W5 = 0.02592286, W5+ = 0.43703857.
    assert!((value(Step::ChainRule(w5)).unwrap() - 0.02592286).abs() < 5e-9);
    assert!((value(Step::Update(w5)).unwrap() - 0.43703857).abs() < 5e-9);
}
