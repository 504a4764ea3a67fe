//! From selected columns to [`Dataset`]s: class encoding, split, standardization, and the
//! [`Preprocessor`] that repeats them on other files.

use mlp_core::Scalar;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::classes::ClassEncoding;
use super::error::DataError;
use super::select::{ColumnSelection, Features, LabeledData, Targets, Task};
use super::split::{shuffle_split, stratified_split, Split, SplitOptions};
use super::standardize::Standardizer;
use super::table::Table;
use crate::Dataset;

/// Options of [`prepare_training`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrepareOptions {
    /// How to hold out validation samples. Default: none held out.
    pub split: SplitOptions,
    /// Standardize the features with a [`Standardizer`] fitted on the training samples.
    /// Default: `true`.
    pub standardize: bool,
}

impl Default for PrepareOptions {
    fn default() -> Self {
        PrepareOptions { split: SplitOptions::default(), standardize: true }
    }
}

/// The training file made ready for the trainer.
#[derive(Debug, Clone)]
pub struct Prepared<T: Scalar> {
    /// What was fitted; save it with the model.
    pub preprocessor: Preprocessor,
    /// Which samples (0-based, in file order) went where.
    pub split: Split,
    /// The training samples: inputs (n_inputs × n_train), targets (n_outputs × n_train).
    pub train: Dataset<T>,
    /// The validation samples, `None` when none were held out.
    pub validation: Option<Dataset<T>>,
}

/// Prepares a training file: encodes class labels (classes learned from the whole file),
/// splits off validation samples (stratified by class for labels, a plain shuffle otherwise),
/// fits the standardizer on the training samples only and applies it to both sets.
///
/// Every sample keeps its 1-based data-row number (row 1 is the first row after the header).
/// Targets are one-hot vectors (n_classes × n) for labels, the numbers as read otherwise.
pub fn prepare_training<T: Scalar>(
    data: &LabeledData,
    options: &PrepareOptions,
) -> Result<Prepared<T>, DataError> {
    let n_samples = data.n_samples();
    let (targets, target_names, class_encoding, split) = match data.targets() {
        Targets::Labels(labels) => {
            let encoding = ClassEncoding::fit(labels)?;
            let class_indices = encoding.indices(labels)?;
            let split = stratified_split(&class_indices, &options.split)?;
            let targets = encoding.one_hot_from_indices(&class_indices);
            (targets, vec![labels.column().name.clone()], Some(encoding), split)
        }
        Targets::Numeric(numeric) => {
            let split = shuffle_split(n_samples, &options.split)?;
            (numeric.values().clone(), numeric.names().to_vec(), None, split)
        }
    };
    let mut features = data.features().values().clone();
    let standardizer = if options.standardize {
        let standardizer = Standardizer::fit(&features.select_columns(&split.train));
        standardizer.apply(&mut features)?;
        Some(standardizer)
    } else {
        None
    };
    let all = Dataset::new(
        to_scalar(&features),
        to_scalar(&targets),
        data.features().sample_numbers().to_vec(),
    )?;
    let preprocessor = Preprocessor {
        feature_names: data.features().names().to_vec(),
        target_names,
        class_encoding,
        standardizer,
    };
    Ok(Prepared {
        preprocessor,
        train: all.select(&split.train),
        validation: (!split.validation.is_empty()).then(|| all.select(&split.validation)),
        split,
    })
}

/// Everything fitted on the training file that other files need to be read the same way:
/// feature and target column names, the class encoding (classification) and the standardizer.
///
/// Serializable, to be saved in the model file:
/// `{"feature_names": [..], "target_names": [..], "class_encoding": {..}, "standardizer": {..}}`
/// (the last two absent when unused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Preprocessor {
    feature_names: Vec<String>,
    target_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    class_encoding: Option<ClassEncoding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    standardizer: Option<Standardizer>,
}

impl Preprocessor {
    /// Feature column names, in input order.
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Target column names, in output order (one name for classification).
    pub fn target_names(&self) -> &[String] {
        &self.target_names
    }

    /// The class encoding, for classification.
    pub fn class_encoding(&self) -> Option<&ClassEncoding> {
        self.class_encoding.as_ref()
    }

    /// The standardizer, when features are standardized.
    pub fn standardizer(&self) -> Option<&Standardizer> {
        self.standardizer.as_ref()
    }

    /// [`Task::Classification`] or [`Task::Regression`].
    pub fn task(&self) -> Task {
        if self.class_encoding.is_some() {
            Task::Classification
        } else {
            Task::Regression
        }
    }

    /// Number of network inputs: the number of features.
    pub fn n_inputs(&self) -> usize {
        self.feature_names.len()
    }

    /// Number of network outputs: classes for classification, target columns for regression.
    pub fn n_outputs(&self) -> usize {
        self.class_encoding.as_ref().map_or(self.target_names.len(), ClassEncoding::n_classes)
    }

    /// The training file's columns, to select in another file.
    pub fn selection(&self) -> ColumnSelection {
        ColumnSelection::new(self.target_names.iter().cloned())
            .with_features(self.feature_names.iter().cloned())
    }

    /// All rows of another file (validation, test, `evaluate`) prepared as the training file
    /// was: the same columns, class encoding and standardizer. Labels the training file did not
    /// have are errors. Inputs (n_inputs × n), targets (n_outputs × n), one sample per data row,
    /// in file order, numbered from 1.
    pub fn dataset<T: Scalar>(&self, table: &Table) -> Result<Dataset<T>, DataError> {
        let data = table.select(&self.selection(), self.task())?;
        let targets = match (data.targets(), &self.class_encoding) {
            (Targets::Labels(labels), Some(encoding)) => encoding.one_hot(labels)?,
            (Targets::Numeric(numeric), _) => numeric.values().clone(),
            // `select` with Task::Regression never returns labels.
            (Targets::Labels(labels), None) => {
                return Err(DataError::InvalidClassEncoding {
                    reason: format!(
                        "column {} holds labels but the model has no classes",
                        labels.column()
                    ),
                })
            }
        };
        let inputs = self.standardized(data.features())?;
        Ok(Dataset::new(inputs, to_scalar(&targets), data.features().sample_numbers().to_vec())?)
    }

    /// The inputs of every row of a file to predict on, (n_inputs × n), standardized; column j
    /// is data row j + 1. Only the feature columns are read: target columns may be absent.
    pub fn inputs<T: Scalar>(&self, table: &Table) -> Result<DMatrix<T>, DataError> {
        self.standardized(&table.select_features(&self.feature_names)?)
    }

    fn standardized<T: Scalar>(&self, features: &Features) -> Result<DMatrix<T>, DataError> {
        let mut values = features.values().clone();
        if let Some(standardizer) = &self.standardizer {
            standardizer.apply(&mut values)?;
        }
        Ok(to_scalar(&values))
    }
}

fn to_scalar<T: Scalar>(values: &DMatrix<f64>) -> DMatrix<T> {
    values.map(nalgebra::convert::<f64, T>)
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;
    use crate::data::CsvOptions;

    fn table(text: &str, path: &str) -> Table {
        Table::from_reader(text.as_bytes(), path, &CsvOptions::default()).unwrap()
    }

    fn iris() -> Table {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/iris.csv");
        Table::read(path, &CsvOptions::default()).unwrap()
    }

    #[test]
    fn iris_loads_with_150_rows_and_3_classes() {
        let table = iris();
        assert_eq!(table.n_rows(), 150);
        let data = table.select(&ColumnSelection::new(["species"]), Task::Auto).unwrap();
        assert_eq!(
            data.features().names(),
            ["sepal_length", "sepal_width", "petal_length", "petal_width"]
        );
        let Targets::Labels(labels) = data.targets() else { panic!("expected labels") };
        let encoding = ClassEncoding::fit(labels).unwrap();
        assert_eq!(encoding.class_names(), ["setosa", "versicolor", "virginica"]);
        // First row of Fisher's data: 5.1, 3.5, 1.4, 0.2, setosa.
        assert_eq!(data.features().values().column(0).as_slice(), [5.1, 3.5, 1.4, 0.2]);
    }

    #[test]
    fn wine_and_diabetes_load() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets");
        let wine = Table::read(format!("{dir}/wine.csv"), &CsvOptions::default()).unwrap();
        let data = wine.select(&ColumnSelection::new(["class"]), Task::Classification).unwrap();
        assert_eq!(data.features().names().len(), 13);
        let Targets::Labels(labels) = data.targets() else { panic!("expected labels") };
        assert_eq!(ClassEncoding::fit(labels).unwrap().class_names(), ["1", "2", "3"]);

        let diabetes = Table::read(format!("{dir}/diabetes.csv"), &CsvOptions::default()).unwrap();
        let data = diabetes.select(&ColumnSelection::new(["progression"]), Task::Auto).unwrap();
        assert_eq!((data.features().values().nrows(), data.n_samples()), (10, 442));
        assert!(matches!(data.targets(), Targets::Numeric(_)));
    }

    #[test]
    fn iris_prepared_with_stratified_validation() {
        let data = iris().select(&ColumnSelection::new(["species"]), Task::Auto).unwrap();
        let options = PrepareOptions {
            split: SplitOptions { validation_fraction: 0.2, seed: 1 },
            standardize: true,
        };
        let prepared = prepare_training::<f32>(&data, &options).unwrap();
        assert_eq!(prepared.train.len(), 120);
        let validation = prepared.validation.as_ref().unwrap();
        assert_eq!(validation.len(), 30);
        assert_eq!((prepared.train.n_inputs(), prepared.train.n_outputs()), (4, 3));
        // 10 of each class are held out: the one-hot rows sum to 10.
        for class_idx in 0..3 {
            assert_eq!(validation.targets().row(class_idx).sum(), 10.0);
        }
        // Sample numbers are data-row numbers: index j is row j + 1.
        let expected: Vec<usize> = prepared.split.train.iter().map(|&j| j + 1).collect();
        assert_eq!(prepared.train.sample_numbers(), expected);
        // The training inputs are standardized: mean 0, population std 1 per feature.
        for feature in prepared.train.inputs().row_iter() {
            let n = feature.len() as f32;
            let mean = feature.sum() / n;
            let variance = feature.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / n;
            assert_relative_eq!(mean, 0.0, epsilon = 1e-5);
            assert_relative_eq!(variance, 1.0, epsilon = 1e-4);
        }
        assert_eq!(prepared.preprocessor.task(), Task::Classification);
        assert_eq!(prepared.preprocessor.n_outputs(), 3);
    }

    #[test]
    fn regression_keeps_numbers_and_row_numbers() {
        let data = table("x1,x2,t1,t2\n0.1,0.2,0.4,0.6\n", "seed.csv")
            .select(&ColumnSelection::new(["t1", "t2"]), Task::Auto)
            .unwrap();
        let options = PrepareOptions { standardize: false, ..PrepareOptions::default() };
        let prepared = prepare_training::<f64>(&data, &options).unwrap();
        assert_eq!(prepared.train.inputs().as_slice(), [0.1, 0.2]);
        assert_eq!(prepared.train.targets().as_slice(), [0.4, 0.6]);
        assert_eq!(prepared.train.sample_numbers(), [1]);
        assert!(prepared.validation.is_none());
        assert_eq!(prepared.preprocessor.task(), Task::Regression);
        assert_eq!(prepared.preprocessor.n_outputs(), 2);
    }

    #[test]
    fn preprocessor_prepares_another_file_the_same_way() {
        let train = table("x,y\n0,a\n2,b\n4,a\n", "train.csv")
            .select(&ColumnSelection::new(["y"]), Task::Auto)
            .unwrap();
        let prepared = prepare_training::<f64>(&train, &PrepareOptions::default()).unwrap();
        let preprocessor = prepared.preprocessor;
        // Mean 2, population std sqrt(8/3).
        let std = (8.0_f64 / 3.0).sqrt();
        // Another file with extra columns in another order.
        let test =
            preprocessor.dataset::<f64>(&table("y,z,x\nb,9,5\na,9,2\n", "test.csv")).unwrap();
        assert_relative_eq!(test.inputs().as_slice()[0], 3.0 / std, epsilon = 1e-12);
        assert_relative_eq!(test.inputs().as_slice()[1], 0.0, epsilon = 1e-12);
        assert_eq!(test.targets().as_slice(), [0.0, 1.0, 1.0, 0.0]);
        assert_eq!(test.sample_numbers(), [1, 2]);

        let err = preprocessor.dataset::<f64>(&table("x,y\n1,c\n", "test.csv")).unwrap_err();
        assert!(
            matches!(&err, DataError::UnknownClass { line: 2, label, .. } if label == "c"),
            "{err:?}"
        );

        // Prediction: no target column needed.
        let inputs = preprocessor.inputs::<f32>(&table("x\n2\n", "new.csv")).unwrap();
        assert_eq!(inputs.shape(), (1, 1));
        assert_relative_eq!(inputs[(0, 0)], 0.0);
    }

    #[test]
    fn preprocessor_serde_round_trip() {
        let train = table("x,y\n0,a\n2,b\n", "train.csv")
            .select(&ColumnSelection::new(["y"]), Task::Auto)
            .unwrap();
        let preprocessor =
            prepare_training::<f64>(&train, &PrepareOptions::default()).unwrap().preprocessor;
        let json = serde_json::to_string(&preprocessor).unwrap();
        assert_eq!(
            json,
            r#"{"feature_names":["x"],"target_names":["y"],"class_encoding":{"classes":["a","b"]},"standardizer":{"mean":[1.0],"std":[1.0]}}"#
        );
        assert_eq!(serde_json::from_str::<Preprocessor>(&json).unwrap(), preprocessor);
    }

    #[test]
    fn a_mismatched_model_file_is_an_error_not_a_panic() {
        let json = r#"{"feature_names":["x","z"],"target_names":["y"],"standardizer":{"mean":[1.0],"std":[1.0]}}"#;
        let preprocessor: Preprocessor = serde_json::from_str(json).unwrap();
        let err = preprocessor.inputs::<f64>(&table("x,z\n1,2\n", "new.csv")).unwrap_err();
        assert!(matches!(err, DataError::FeatureCount { expected: 1, found: 2 }), "{err:?}");
    }
}
