//! mlp-train and mlp-data as an outside crate uses them: typed errors that `?` into any error
//! type, a model from a network made in code, predictions on rows without a CSV file,
//! preprocessors built from their parts, and the examples' own functions.
//!
//! Expected numbers: `tests/reference/library_train_api.py` (numpy).

use std::error::Error;
use std::path::Path;

use approx::assert_relative_eq;
use mlp_core::{Activation, Dense, Loss, Network};
use mlp_train::data::{
    ClassEncoding, CsvOptions, DataError, FillValue, ImputeStrategy, Imputer, Preprocessor,
    PreprocessorParts, Standardizer, Table, UnknownCategory,
};
use mlp_train::metrics::MetricsError;
use mlp_train::model_file::{Model, ModelError, ModelFileError};
use mlp_train::predict::{PredictError, ROWS_NAME};
use mlp_train::{evaluate, try_evaluate, Dataset};
use nalgebra::{dmatrix, dvector, DMatrix};

#[path = "../crates/mlp-train/examples/save_load.rs"]
mod save_load_example;

#[path = "../crates/mlp-train/examples/train_csv.rs"]
mod train_csv_example;

#[path = "../crates/mlp-train/examples/workbook.rs"]
mod workbook_example;

/// The errors of the API are `std::error::Error + Send + Sync + 'static`, so `?` takes them
/// into a boxed error (and into `anyhow::Error`, which asks the same).
type AnyError = Box<dyn Error + Send + Sync + 'static>;

fn repository(path: &str) -> String {
    format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// The save_load example: the loaded network has the saved bits, a second save the same
/// bytes, and the predictions are numpy's (to 1e-15: numpy sums in another order).
#[test]
fn the_save_load_example_round_trips_and_predicts_numpys_numbers() {
    let _: fn() -> Result<(), Box<dyn Error>> = save_load_example::main;
    let seen = save_load_example::run().unwrap();
    assert!(seen.same_bits && seen.same_bytes, "{seen:?}");
    assert_eq!(seen.classes, ["inside", "inside"]);
    let expected =
        [[0.7407741951704894, 0.2592258048295106], [0.8850725769965443, 0.11492742300345572]];
    for (outputs, expected) in seen.outputs.iter().zip(expected) {
        for (&output, expected) in outputs.iter().zip(expected) {
            assert_relative_eq!(output, expected, max_relative = 1e-15);
        }
    }
    assert!(seen.json.contains("\"classes\": [\n      \"inside\",\n      \"outside\"\n    ]"));
}

/// The train_csv example on iris: every validation flower is classified right (30 of 30 with
/// its seeds, measured), and the metrics carry the class names.
#[test]
fn the_train_csv_example_learns_iris() {
    let _: fn() -> Result<(), Box<dyn Error>> = train_csv_example::main;
    let evaluation = train_csv_example::run(Path::new(&repository("datasets/iris.csv"))).unwrap();
    assert_eq!(evaluation.samples, 30);
    assert!(evaluation.accuracy.unwrap() >= 0.95, "{evaluation:?}");
    let classification = evaluation.classification.unwrap();
    assert_eq!(classification.classes, ["setosa", "versicolor", "virginica"]);
}

/// The workbook example: its workbook has the run's sheets, one history row per epoch, and as
/// many gradient rows as its guard counted.
#[test]
fn the_workbook_example_writes_the_runs_workbook() {
    use calamine::{open_workbook, Reader, Xlsx};
    let _: fn() -> Result<(), Box<dyn Error>> = workbook_example::main;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run.xlsx");
    let rows = workbook_example::run(Path::new(&repository("datasets/iris.csv")), &out).unwrap();
    let mut workbook: Xlsx<_> = open_workbook(&out).unwrap();
    let names = workbook.sheet_names();
    assert_eq!(names, ["charts", "run", "history", "layers", "grad norms", "gradients"]);
    assert_eq!(workbook.worksheet_range("history").unwrap().height(), 1 + 30);
    // 4-8-3: 67 parameters; every 10th of 240 steps, 16 samples a batch (8 in the last).
    assert!(rows > 0 && rows % 67 == 0, "{rows}");
    assert_eq!(workbook.worksheet_range("gradients").unwrap().height() as u64, 1 + rows);
    let run = workbook.worksheet_range("run").unwrap();
    assert_eq!(run.get_value((1, 0)), Some(&calamine::Data::String("network".into())));
}

/// A 1-input identity network: y = 2x + 1.
fn doubling() -> Network<f64> {
    let dense = Dense::new(dmatrix![2.0], Some(dvector![1.0]), Activation::Identity);
    Network::new(vec![dense], Loss::MeanSquared).unwrap()
}

/// A 2-3-2 softmax classifier with all weights 0.1.
fn classifier() -> Network<f64> {
    let hidden = Dense::new(DMatrix::from_element(3, 2, 0.1), None, Activation::Tanh);
    let output = Dense::new(DMatrix::from_element(2, 3, 0.1), None, Activation::Softmax);
    Network::new(vec![hidden, output], Loss::CrossEntropy).unwrap()
}

#[test]
fn model_new_fails_with_a_typed_error_that_question_marks_into_any_error() {
    fn build(network: Network<f64>, preprocessor: Preprocessor) -> Result<Model, AnyError> {
        Ok(Model::new(network, preprocessor)?)
    }
    let two_inputs = Preprocessor::identity(["a", "b"], ["y"]).unwrap();
    let err = Model::new(doubling(), two_inputs.clone()).unwrap_err();
    assert!(matches!(err, ModelError::Inputs { network: 1, preprocessor: 2 }), "{err:?}");
    assert_eq!(err.to_string(), "the network takes 1 inputs but the preprocessor makes 2");
    assert!(build(doubling(), two_inputs).is_err());

    let two_targets = Preprocessor::identity(["x"], ["y", "z"]).unwrap();
    let err = Model::new(doubling(), two_targets).unwrap_err();
    assert!(matches!(err, ModelError::Outputs { network: 1, preprocessor: 2 }), "{err:?}");

    let classes = ClassEncoding::from_class_names(vec!["a".into(), "b".into()]).unwrap();
    let parts = PreprocessorParts::new(["p", "q"], ["label", "other"]).with_class_encoding(classes);
    let err = Model::new(classifier(), Preprocessor::new(parts).unwrap()).unwrap_err();
    assert!(matches!(err, ModelError::ClassifierTargets { found: 2 }), "{err:?}");

    assert!(build(doubling(), Preprocessor::identity(["x"], ["y"]).unwrap()).is_ok());
}

/// `from_network`: numbered names, no preparation, and a file that loads back to the same
/// model; the `with_…` methods name it and make it a classifier, and refuse what does not fit.
#[test]
fn a_model_from_a_network_made_in_code_names_saves_and_loads() {
    let model = Model::from_network(classifier());
    assert_eq!(model.preprocessor.feature_names(), ["x1", "x2"]);
    assert_eq!(model.preprocessor.target_names(), ["y1", "y2"]);
    assert!(model.preprocessor.standardizer().is_none());
    assert!(model.preprocessor.class_encoding().is_none());
    assert_eq!(model.provenance, None);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.json");
    model.save(&path).unwrap();
    assert_eq!(Model::load(&path).unwrap(), model);

    let named = model
        .clone()
        .with_feature_names(["petal", "sepal"])
        .unwrap()
        .with_classes("kind", ["small", "large"])
        .unwrap();
    assert_eq!(named.preprocessor.feature_names(), ["petal", "sepal"]);
    assert_eq!(named.preprocessor.target_names(), ["kind"]);
    assert_eq!(named.preprocessor.class_encoding().unwrap().class_names(), ["small", "large"]);
    named.save(&path).unwrap();
    assert_eq!(Model::load(&path).unwrap(), named);

    let err = model.clone().with_feature_names(["only"]).unwrap_err();
    assert!(matches!(err, ModelError::FeatureNames { expected: 2, found: 1 }), "{err:?}");
    let err = model.clone().with_feature_names(["a", "a"]).unwrap_err();
    assert!(
        matches!(&err, ModelError::Preprocessor(data) if matches!(**data, DataError::InvalidPreprocessor { .. }))
    );
    let err = model.clone().with_target_names(["t"]).unwrap_err();
    assert!(matches!(err, ModelError::Outputs { network: 2, preprocessor: 1 }), "{err:?}");
    let err = model.with_classes("kind", ["one", "two", "three"]).unwrap_err();
    assert!(matches!(err, ModelError::Outputs { network: 2, preprocessor: 3 }), "{err:?}");
}

/// The preparation of `crates/mlp-train/src/model_file.rs`'s version-2 test model, built from
/// its parts: `island` one-hot over Biscoe and Dream, `mass` filled with 4050 when missing,
/// inputs standardized, the one output mapped back through a target scaler.
fn penguin_model() -> Model {
    let parts = PreprocessorParts::new(["island", "mass"], ["flipper"])
        .with_categories("island", ["Dream", "Biscoe"])
        .with_imputer(Imputer::new(
            ImputeStrategy::Median,
            vec![FillValue::Category("Dream".into()), FillValue::Number(4050.0)],
        ))
        .with_standardizer(
            Standardizer::new(vec![0.0, 0.0, 4200.5], vec![1.0, 1.0, 801.25]).unwrap(),
        )
        .with_target_scaler(Standardizer::new(vec![200.9], vec![14.06]).unwrap());
    let dense = Dense::new(dmatrix![0.5, -1.5, 0.1], Some(dvector![0.3]), Activation::Identity);
    let network = Network::new(vec![dense], Loss::MeanSquared).unwrap();
    Model::new(network, Preprocessor::new(parts).unwrap()).unwrap()
}

/// Rows of raw values go through the model's whole preparation: numpy's numbers, and the very
/// bits of the same rows read from a CSV file and forwarded as `mlp predict` does.
#[test]
fn predict_rows_prepares_raw_values_as_a_file_is_prepared() {
    let model = penguin_model();
    let rows = [vec!["Dream", "3800"], vec!["Biscoe", ""], vec!["Dream", "5e3"]];
    let predictions = model.predict_text_rows(&rows).unwrap();
    assert_eq!(predictions.classes, None);
    let expected = [183.32521934477379, 211.8839088923557, 185.43092917316693];
    for (&found, expected) in predictions.outputs.iter().zip(expected) {
        assert_relative_eq!(found, expected, max_relative = 1e-14);
    }

    let csv = "island,mass\nDream,3800\nBiscoe,NA\nDream,5e3\n";
    let table = Table::from_reader(csv.as_bytes(), "new.csv", &CsvOptions::default()).unwrap();
    let mut from_file =
        model.network.predict(&model.preprocessor.inputs::<f64>(&table).unwrap()).unwrap();
    model.preprocessor.unscale_outputs(&mut from_file).unwrap();
    let bits = |m: &DMatrix<f64>| m.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&predictions.outputs), bits(&from_file));

    // No rows, no outputs.
    let none = model.predict_text_rows::<&str>(&[]).unwrap();
    assert_eq!(none.outputs.shape(), (1, 0));
}

/// Renaming the features keeps a categorical column's categories under its new name, and the
/// model predicts the same bits.
#[test]
fn renamed_features_keep_their_categories_and_predictions() {
    let model = penguin_model();
    let renamed = model.clone().with_feature_names(["isle", "weight"]).unwrap();
    assert_eq!(renamed.preprocessor.input_names(), ["isle=Biscoe", "isle=Dream", "weight"]);
    let rows = [vec!["Dream", "3800"], vec!["Biscoe", ""]];
    let bits = |model: &Model| -> Vec<u64> {
        let outputs = model.predict_text_rows(&rows).unwrap().outputs;
        outputs.iter().map(|value| value.to_bits()).collect()
    };
    assert_eq!(bits(&renamed), bits(&model));
}

/// Numbers as numbers: NaN is a missing value (filled by the imputer), and the shortest text of
/// every f64 reads back to the same number, so numeric rows give the text rows' bits.
#[test]
fn predict_rows_on_numbers_gives_the_bits_of_their_text() {
    let model = Model::new(
        doubling(),
        Preprocessor::new(
            PreprocessorParts::new(["x"], ["y"])
                .with_imputer(Imputer::new(ImputeStrategy::Mean, vec![FillValue::Number(0.25)])),
        )
        .unwrap(),
    )
    .unwrap();
    let values = [0.1 + 0.2, f64::NAN, 1e-300, -123456.789e10];
    let rows: Vec<Vec<f64>> = values.iter().map(|&value| vec![value]).collect();
    let outputs = model.predict_rows(&rows).unwrap().outputs;
    let expected = [2.0 * (0.1 + 0.2) + 1.0, 1.5, 1.0, 2.0 * -123456.789e10 + 1.0];
    assert_eq!(outputs.iter().copied().collect::<Vec<_>>(), expected);
}

#[test]
fn predict_rows_errors_are_typed_and_name_the_row() {
    let model = penguin_model();
    let err = model.predict_text_rows(&[vec!["Dream", "1"], vec!["Dream"]]).unwrap_err();
    assert!(matches!(err, PredictError::RowLength { row: 2, expected: 2, found: 1 }), "{err:?}");
    assert_eq!(err.to_string(), "row 2 has 1 values but the model reads 2 feature columns");

    // An unknown category: the rows are named, line 3 is row 2.
    let err = model.predict_text_rows(&[vec!["Dream", "1"], vec!["Torgersen", "2"]]).unwrap_err();
    let PredictError::Data(data) = &err else { panic!("{err:?}") };
    assert_eq!(data.path(), Some(Path::new(ROWS_NAME)));
    assert_eq!(data.line(), Some(3));
    assert!(err.to_string().starts_with("<rows>: line 3, column"), "{err}");
    // With the policy that ignores them, the same row is all zeros in island's inputs.
    let mut ignoring = model.clone();
    ignoring.preprocessor = ignoring.preprocessor.with_unknown_category(UnknownCategory::Ignore);
    assert!(ignoring.predict_text_rows(&[vec!["Torgersen", "2"]]).is_ok());

    // A missing number without an imputer.
    let plain = Model::from_network(doubling());
    let err = plain.predict_rows(&[vec![f64::NAN]]).unwrap_err();
    let PredictError::Data(data) = &err else { panic!("{err:?}") };
    assert!(matches!(**data, DataError::MissingValues { .. }), "{err:?}");
}

/// `evaluate` on a dataset of another shape is an error, not a panic.
#[test]
fn evaluate_on_a_dataset_of_another_shape_is_an_error() {
    let dataset = Dataset::numbered(DMatrix::zeros(2, 3), DMatrix::zeros(1, 3)).unwrap();
    let err = evaluate(&doubling(), &dataset, None).unwrap_err();
    assert_eq!(err, MetricsError::DatasetShape { what: "inputs", expected: 1, found: 2 });
    assert!(try_evaluate(&doubling(), &dataset, None).is_err());
    let fits = Dataset::numbered(dmatrix![1.0, 2.0], dmatrix![3.0, 5.0]).unwrap();
    // Predictions 3 and 5 are the targets: no error.
    assert_eq!(evaluate(&doubling(), &fits, None).unwrap().loss, 0.0);
}

/// The builder and `identity` give what the struct literal gives.
#[test]
fn preprocessor_constructors_agree_with_the_parts_literal() {
    let literal = PreprocessorParts {
        feature_names: vec!["a".into(), "b".into()],
        target_names: vec!["t".into()],
        unknown_category: UnknownCategory::Ignore,
        na_values: vec!["-".into()],
        ..PreprocessorParts::default()
    };
    let built = PreprocessorParts::new(["a", "b"], ["t"])
        .with_unknown_category(UnknownCategory::Ignore)
        .with_na_values(["-"]);
    assert_eq!(built, literal);
    assert_eq!(
        Preprocessor::identity(["a", "b"], ["t"]).unwrap(),
        Preprocessor::new(PreprocessorParts::new(["a", "b"], ["t"])).unwrap()
    );
    let err = Preprocessor::identity(Vec::<String>::new(), ["t"]).unwrap_err();
    assert!(matches!(err, DataError::InvalidPreprocessor { .. }), "{err:?}");
}

/// An I/O error's message names the OS's reason, once: it is not also the source, which a
/// chain printer (`anyhow`'s `{:#}`) would print a second time.
#[test]
fn io_errors_name_their_cause_once() {
    let dir = tempfile::tempdir().unwrap();
    let err = Table::read(dir.path(), &CsvOptions::default()).unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with(&format!("{}: could not read the file: ", dir.path().display())));
    assert!(message.contains("Is a directory"), "{message}");
    assert!(err.source().is_none());

    let err = Model::load(dir.path()).unwrap_err();
    assert!(matches!(err, ModelFileError::Read { .. }));
    assert!(err.to_string().ends_with("cannot read the model file: Is a directory (os error 21)"));
    assert!(err.source().is_none());

    let err = Model::from_network(doubling()).save(dir.path().join("no/model.json")).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

/// Every valid model file in the repository loads, and save → load → save keeps its bytes and
/// network bits: the tutorial's version 1 and the version 2 fuzz seeds.
#[test]
fn every_model_file_in_the_repository_loads_and_round_trips() {
    let files = [
        "datasets/seed/model.json",
        "fuzz/corpus/model_file/seed-tutorial.json",
        "fuzz/corpus/model_file/seed-diabetes-regression.json",
        "fuzz/corpus/model_file/seed-penguins-impute.json",
        "fuzz/corpus/model_file/seed-iris.json",
    ];
    let mut versions = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(repository(file)).unwrap();
        let header: serde_json::Value = serde_json::from_str(&text).unwrap();
        versions.push(header["version"].as_u64().unwrap());
        let model = Model::load(repository(file)).unwrap_or_else(|err| panic!("{file}: {err}"));
        let saved = model.to_json();
        let loaded = Model::from_file_contents(&saved, Path::new(file)).unwrap();
        assert_eq!(loaded.to_json(), saved, "{file}");
        let bits = |model: &Model| -> Vec<u64> {
            model.network.parameter_blocks().flatten().map(|value| value.to_bits()).collect()
        };
        assert_eq!(bits(&loaded), bits(&model), "{file}");
        assert_eq!(loaded, model, "{file}");
    }
    versions.sort_unstable();
    versions.dedup();
    assert_eq!(versions, [1, 2]);
}
