//! Class labels to one-hot target vectors and back.

use std::collections::HashMap;

use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::error::DataError;
use super::labeled::Labels;

/// The classes of a classification task, in output order: output `k` of the network is the
/// score of `class_names()[k]`.
///
/// Learned from the training file by [`ClassEncoding::fit`] and saved with the model, so that
/// validation, test and prediction files are encoded the same way. Serialized as
/// `{"classes": ["setosa", "versicolor", "virginica"]}`; deserializing checks the same
/// invariants as [`ClassEncoding::from_class_names`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ClassEncodingRepr", into = "ClassEncodingRepr")]
pub struct ClassEncoding {
    classes: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct ClassEncodingRepr {
    classes: Vec<String>,
}

impl TryFrom<ClassEncodingRepr> for ClassEncoding {
    type Error = DataError;

    fn try_from(repr: ClassEncodingRepr) -> Result<Self, DataError> {
        ClassEncoding::from_class_names(repr.classes)
    }
}

impl From<ClassEncoding> for ClassEncodingRepr {
    fn from(encoding: ClassEncoding) -> Self {
        ClassEncodingRepr { classes: encoding.classes }
    }
}

impl ClassEncoding {
    /// The distinct labels of `labels`, sorted as scikit-learn's `LabelEncoder` sorts them:
    /// by numeric value when every label parses as a number (`"2"` before `"10"`), otherwise by
    /// text (byte order, which is Unicode code-point order).
    ///
    /// Missing labels (empty) are not a class. Fails when there is only one class.
    pub fn fit(labels: &Labels) -> Result<Self, DataError> {
        let mut classes: Vec<String> =
            labels.values().iter().filter(|label| !label.is_empty()).cloned().collect();
        classes.sort_unstable();
        classes.dedup();
        let numbers: Option<Vec<f64>> =
            classes.iter().map(|class| class.parse::<f64>().ok()).collect();
        if let Some(numbers) = numbers {
            let mut keyed: Vec<(f64, String)> = numbers.into_iter().zip(classes).collect();
            // Equal values written differently ("1", "1.0") stay apart, in text order.
            keyed.sort_by(|(a_value, a_text), (b_value, b_text)| {
                a_value.total_cmp(b_value).then_with(|| a_text.cmp(b_text))
            });
            classes = keyed.into_iter().map(|(_, class)| class).collect();
        }
        if classes.len() < 2 {
            return Err(DataError::SingleClass {
                path: labels.path().to_owned(),
                column: labels.column().clone(),
                class: classes.pop().unwrap_or_default(),
            });
        }
        Ok(ClassEncoding { classes })
    }

    /// An encoding with exactly these classes in this order (e.g. from a model file).
    ///
    /// Fails unless there are at least two classes, all distinct and non-empty.
    pub fn from_class_names(classes: Vec<String>) -> Result<Self, DataError> {
        if classes.len() < 2 {
            return Err(DataError::InvalidClassEncoding {
                reason: format!("needs at least two classes, found {}", classes.len()),
            });
        }
        if classes.iter().any(String::is_empty) {
            return Err(DataError::InvalidClassEncoding {
                reason: "a class name is empty".to_owned(),
            });
        }
        let mut sorted: Vec<&String> = classes.iter().collect();
        sorted.sort_unstable();
        if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(DataError::InvalidClassEncoding {
                reason: format!("class {:?} appears twice", pair[0]),
            });
        }
        Ok(ClassEncoding { classes })
    }

    /// The class names in output order.
    pub fn class_names(&self) -> &[String] {
        &self.classes
    }

    /// Number of classes: the number of network outputs.
    pub fn n_classes(&self) -> usize {
        self.classes.len()
    }

    /// The output index of `label`.
    pub fn class_index(&self, label: &str) -> Option<usize> {
        self.classes.iter().position(|class| class == label)
    }

    /// The class name of output `class_idx`.
    pub fn class_name(&self, class_idx: usize) -> Option<&str> {
        self.classes.get(class_idx).map(String::as_str)
    }

    /// The output index of every label, one per sample.
    ///
    /// Fails on a label that is not one of the classes, naming its file, line and column.
    pub fn indices(&self, labels: &Labels) -> Result<Vec<usize>, DataError> {
        let index_of: HashMap<&str, usize> = self
            .classes
            .iter()
            .enumerate()
            .map(|(class_idx, class)| (class.as_str(), class_idx))
            .collect();
        labels
            .values()
            .iter()
            .zip(labels.lines())
            .map(|(label, &line)| {
                index_of.get(label.as_str()).copied().ok_or_else(|| DataError::UnknownClass {
                    path: labels.path().to_owned(),
                    line,
                    column: labels.column().clone(),
                    label: label.clone(),
                    known: self.classes.clone(),
                })
            })
            .collect()
    }

    /// One-hot targets: entry (k, j) is 1 when sample j has class k, else 0.
    ///
    /// Shape: (n_classes × n_samples). Fails like [`ClassEncoding::indices`].
    pub fn one_hot(&self, labels: &Labels) -> Result<DMatrix<f64>, DataError> {
        Ok(self.one_hot_from_indices(&self.indices(labels)?))
    }

    /// One-hot targets from class indices; an index out of range gives a column of zeros.
    ///
    /// Shape: (n_classes × class_indices.len()).
    pub fn one_hot_from_indices(&self, class_indices: &[usize]) -> DMatrix<f64> {
        let mut targets = DMatrix::zeros(self.n_classes(), class_indices.len());
        for (sample_idx, &class_idx) in class_indices.iter().enumerate() {
            if class_idx < self.n_classes() {
                targets[(class_idx, sample_idx)] = 1.0;
            }
        }
        targets
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ColumnSelection, CsvOptions, Table, Targets, Task};

    fn labels(text: &str, task: Task) -> Labels {
        let table =
            Table::from_reader(text.as_bytes(), "train.csv", &CsvOptions::default()).unwrap();
        match table.select(&ColumnSelection::new(["y"]), task).unwrap().targets() {
            Targets::Labels(labels) => labels.clone(),
            Targets::Numeric(_) => panic!("expected labels"),
        }
    }

    #[test]
    fn numeric_labels_sort_by_value() {
        let labels = labels("x,y\n0,10\n0,2\n0,1\n0,2\n0,-3\n", Task::Classification);
        let encoding = ClassEncoding::fit(&labels).unwrap();
        assert_eq!(encoding.class_names(), ["-3", "1", "2", "10"]);
    }

    #[test]
    fn text_labels_sort_lexicographically() {
        let labels = labels("x,y\n0,virginica\n0,Setosa\n0,versicolor\n0,10\n0,2\n", Task::Auto);
        let encoding = ClassEncoding::fit(&labels).unwrap();
        // As numpy.unique sorts strings: by code point, so digits and capitals come first.
        assert_eq!(encoding.class_names(), ["10", "2", "Setosa", "versicolor", "virginica"]);
    }

    #[test]
    fn one_hot_values() {
        let labels = labels("x,y\n0,b\n0,a\n0,c\n0,a\n", Task::Auto);
        let encoding = ClassEncoding::fit(&labels).unwrap();
        assert_eq!(encoding.indices(&labels).unwrap(), [1, 0, 2, 0]);
        #[rustfmt::skip]
        let expected = DMatrix::from_row_slice(3, 4, &[
            0.0, 1.0, 0.0, 1.0,
            1.0, 0.0, 0.0, 0.0,
            0.0, 0.0, 1.0, 0.0,
        ]);
        assert_eq!(encoding.one_hot(&labels).unwrap(), expected);
        assert_eq!(encoding.class_index("c"), Some(2));
        assert_eq!(encoding.class_name(1), Some("b"));
        assert_eq!(encoding.class_name(3), None);
    }

    #[test]
    fn unknown_label_in_another_file_names_line_column_and_known_classes() {
        let encoding = ClassEncoding::fit(&labels("x,y\n0,a\n0,b\n", Task::Auto)).unwrap();
        let table =
            Table::from_reader(&b"y,x\na,0\nb,0\nc,0\n"[..], "test.csv", &CsvOptions::default())
                .unwrap();
        let Targets::Labels(test_labels) = table
            .select(&ColumnSelection::new(["y"]), Task::Classification)
            .unwrap()
            .targets()
            .clone()
        else {
            panic!("expected labels")
        };
        let err = encoding.one_hot(&test_labels).unwrap_err();
        assert!(
            matches!(&err, DataError::UnknownClass { line: 4, column, label, known, .. }
            if column.index == 1 && label == "c" && known == &["a", "b"]),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            r#"test.csv: line 4, column 1 (y): unknown class "c"; the training data's classes are "a", "b""#
        );
    }

    #[test]
    fn a_single_class_is_an_error() {
        let err = ClassEncoding::fit(&labels("x,y\n0,a\n1,a\n", Task::Auto)).unwrap_err();
        assert!(matches!(&err, DataError::SingleClass { class, .. } if class == "a"), "{err:?}");
        assert_eq!(
            err.to_string(),
            r#"train.csv: column 2 (y): classification needs at least two classes, found only "a""#
        );
    }

    #[test]
    fn serde_round_trip_keeps_order_and_validates() {
        let encoding =
            ClassEncoding::from_class_names(vec!["b".to_owned(), "a".to_owned()]).unwrap();
        let json = serde_json::to_string(&encoding).unwrap();
        assert_eq!(json, r#"{"classes":["b","a"]}"#);
        assert_eq!(serde_json::from_str::<ClassEncoding>(&json).unwrap(), encoding);
        assert!(serde_json::from_str::<ClassEncoding>(r#"{"classes":["a","a"]}"#).is_err());
        assert!(serde_json::from_str::<ClassEncoding>(r#"{"classes":["a"]}"#).is_err());
        assert!(serde_json::from_str::<ClassEncoding>(r#"{"classes":["a",""]}"#).is_err());
    }
}
