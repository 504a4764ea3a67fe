//! Text renderings of the metrics: scikit-learn's `classification_report`, the confusion matrix
//! as a table with class names, and one line of regression metrics.

use std::fmt;

use super::{ClassScores, ClassificationMetrics, ConfusionMatrix, RegressionMetrics};

/// The heading of the first column of [`ConfusionMatrix::table`].
const CORNER: &str = "true \\ predicted";

impl ClassificationMetrics {
    /// scikit-learn's `classification_report(y_true, y_pred, target_names=classes,
    /// digits=2)`, character for character: precision, recall, F1 and support per class, then
    /// accuracy, the macro and the weighted averages.
    ///
    /// ```text
    ///               precision    recall  f1-score   support
    ///
    ///       Adelie       0.60      0.75      0.67         4
    ///    Chinstrap       0.50      0.75      0.60         4
    ///       Gentoo       0.00      0.00      0.00         3
    ///
    ///     accuracy                           0.55        11
    ///    macro avg       0.37      0.50      0.42        11
    /// weighted avg       0.40      0.55      0.46        11
    /// ```
    pub fn report(&self) -> String {
        self.report_with_digits(2)
    }

    /// [`ClassificationMetrics::report`] with `digits` decimals (scikit-learn's `digits`).
    pub fn report_with_digits(&self, digits: usize) -> String {
        let last_heading = "weighted avg";
        let name_width = self.classes.iter().map(|name| name.chars().count()).max().unwrap_or(0);
        let width = name_width.max(last_heading.len()).max(digits);
        let row = |heading: &str, scores: &ClassScores| {
            format!(
                "{heading:>width$}  {:>9.digits$} {:>9.digits$} {:>9.digits$} {:>9}\n",
                scores.precision, scores.recall, scores.f1, scores.support
            )
        };
        let mut text = format!(
            "{:>width$}  {:>9} {:>9} {:>9} {:>9}\n\n",
            "", "precision", "recall", "f1-score", "support"
        );
        for (name, scores) in self.classes.iter().zip(&self.per_class) {
            text += &row(name, scores);
        }
        text += &format!(
            "\n{:>width$}  {:>9} {:>9} {:>9.digits$} {:>9}\n",
            "accuracy", "", "", self.accuracy, self.macro_avg.support
        );
        text += &row("macro avg", &self.macro_avg);
        text += &row(last_heading, &self.weighted_avg);
        text
    }
}

impl ConfusionMatrix {
    /// The matrix as a table: one row per true class, one column per predicted class, headed
    /// by `class_names` (in class order; indices where a name is missing).
    ///
    /// ```text
    /// true \ predicted  Adelie  Chinstrap  Gentoo
    ///           Adelie       3          1       0
    ///        Chinstrap       1          3       0
    ///           Gentoo       1          2       0
    /// ```
    pub fn table(&self, class_names: &[String]) -> String {
        let names: Vec<String> = (0..self.n_classes())
            .map(|class| class_names.get(class).cloned().unwrap_or_else(|| class.to_string()))
            .collect();
        let first_width =
            names.iter().map(|name| name.chars().count()).max().unwrap_or(0).max(CORNER.len());
        let widths: Vec<usize> = (0..self.n_classes())
            .map(|column| {
                let widest_count = (0..self.n_classes())
                    .map(|row| self.count(row, column).to_string().len())
                    .max()
                    .unwrap_or(0);
                names[column].chars().count().max(widest_count)
            })
            .collect();
        let mut text = format!("{CORNER:>first_width$}");
        for (name, width) in names.iter().zip(&widths) {
            text += &format!("  {name:>width$}");
        }
        text.push('\n');
        for (true_class, name) in names.iter().enumerate() {
            text += &format!("{name:>first_width$}");
            for (count, width) in self.row(true_class).iter().zip(&widths) {
                text += &format!("  {count:>width$}");
            }
            text.push('\n');
        }
        text
    }
}

/// The table of [`ConfusionMatrix::table`] with the class indices as names.
impl fmt::Display for ConfusionMatrix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.table(&[]))
    }
}

/// The [`ClassificationMetrics::report`], the confusion matrix with class names and the log
/// loss, separated by blank lines.
impl fmt::Display for ClassificationMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n{}", self.report(), self.confusion.table(&self.classes))?;
        if let Some(log_loss) = self.log_loss {
            write!(f, "\nlog loss {log_loss:.6}\n")?;
        }
        Ok(())
    }
}

/// `mae 0.123456  mse 0.123456  rmse 0.123456  r2 0.9876`, then one such line per output,
/// headed by its name, when there are several.
impl fmt::Display for RegressionMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let line = |mae: f64, mse: f64, rmse: f64, r2: Option<f64>| {
            let r2 = r2.map_or_else(|| "-".to_owned(), |r2| format!("{r2:.4}"));
            format!("mae {mae:.6}  mse {mse:.6}  rmse {rmse:.6}  r2 {r2}")
        };
        writeln!(f, "{}", line(self.mae, self.mse, self.rmse, self.r2))?;
        if self.per_output.len() > 1 {
            for errors in &self.per_output {
                let text = line(errors.mae, errors.mse, errors.rmse, errors.r2);
                writeln!(f, "  {}: {text}", errors.output)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::metrics::fixtures::{binary, three_class};
    use crate::metrics::{ClassificationMetrics, ConfusionMatrix, RegressionMetrics, ZeroDivision};

    fn metrics(n_classes: usize, names: &[&str]) -> ClassificationMetrics {
        let fixture = if n_classes == 2 { binary() } else { three_class() };
        let confusion = ConfusionMatrix::from_classes(
            n_classes,
            &fixture.true_classes,
            &fixture.predicted_classes,
        )
        .unwrap();
        let metrics = ClassificationMetrics::new(confusion, Some(0.5), ZeroDivision::Zero).unwrap();
        metrics.with_class_names(names.iter().map(|name| (*name).to_owned()).collect()).unwrap()
    }

    /// Printed by make_reference.py: scikit-learn 1.9.1 `classification_report(...,
    /// target_names=["Adelie", "Chinstrap", "Gentoo"], zero_division=0)` on three_class.csv.
    const THREE_CLASS_REPORT: &str = "              precision    recall  f1-score   support

      Adelie       0.60      0.75      0.67         4
   Chinstrap       0.50      0.75      0.60         4
      Gentoo       0.00      0.00      0.00         3

    accuracy                           0.55        11
   macro avg       0.37      0.50      0.42        11
weighted avg       0.40      0.55      0.46        11
";

    #[test]
    fn report_is_scikit_learns() {
        let metrics = metrics(3, &["Adelie", "Chinstrap", "Gentoo"]);
        assert_eq!(metrics.report(), THREE_CLASS_REPORT);
    }

    #[test]
    fn report_with_four_digits_and_a_fourth_class_is_scikit_learns() {
        // make_reference.py: `classification_report(..., labels=[0, 1, 2, 3], digits=4)`,
        // whose macro recall 0.375 is a rounding tie.
        let metrics = metrics(4, &["0", "1", "2", "3"]);
        assert_eq!(
            metrics.report_with_digits(4),
            "              precision    recall  f1-score   support

           0     0.6000    0.7500    0.6667         4
           1     0.5000    0.7500    0.6000         4
           2     0.0000    0.0000    0.0000         3
           3     0.0000    0.0000    0.0000         0

    accuracy                         0.5455        11
   macro avg     0.2750    0.3750    0.3167        11
weighted avg     0.4000    0.5455    0.4606        11
"
        );
        assert!(metrics
            .report()
            .contains("   macro avg       0.28      0.38      0.32        11\n"));
    }

    #[test]
    fn report_widens_for_long_names() {
        // make_reference.py: binary.csv with target_names=["no", "a rather long class name"].
        let metrics = metrics(2, &["no", "a rather long class name"]);
        assert_eq!(
            metrics.report(),
            "                          precision    recall  f1-score   support

                      no       0.75      0.60      0.67         5
a rather long class name       0.67      0.80      0.73         5

                accuracy                           0.70        10
               macro avg       0.71      0.70      0.70        10
            weighted avg       0.71      0.70      0.70        10
"
        );
    }

    #[test]
    fn display_adds_the_confusion_table_and_log_loss() {
        let metrics = metrics(3, &["Adelie", "Chinstrap", "Gentoo"]);
        let expected = format!(
            "{THREE_CLASS_REPORT}
true \\ predicted  Adelie  Chinstrap  Gentoo
          Adelie       3          1       0
       Chinstrap       1          3       0
          Gentoo       1          2       0

log loss 0.500000
"
        );
        assert_eq!(metrics.to_string(), expected);
    }

    #[test]
    fn confusion_display_uses_indices_and_widens_for_counts() {
        let mut true_classes = vec![0; 1234];
        true_classes.push(1);
        let mut predicted = vec![0; 1234];
        predicted.push(0);
        let confusion = ConfusionMatrix::from_classes(2, &true_classes, &predicted).unwrap();
        assert_eq!(
            confusion.to_string(),
            "true \\ predicted     0  1\n               0  1234  0\n               1     1  0\n"
        );
    }

    #[test]
    fn regression_display_is_one_line_per_output_after_the_averages() {
        let single = RegressionMetrics::from_slices(&[1.0, 2.0, 4.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(single.to_string(), "mae 0.333333  mse 0.333333  rmse 0.577350  r2 0.5000\n");
        let one_sample = RegressionMetrics::from_slices(&[1.0], &[3.0]).unwrap();
        assert_eq!(one_sample.to_string(), "mae 2.000000  mse 4.000000  rmse 2.000000  r2 -\n");
        let predictions = nalgebra::dmatrix![1.0, 2.0; 0.0, 0.0];
        let targets = nalgebra::dmatrix![1.0, 3.0; 0.0, 2.0];
        let two = RegressionMetrics::from_matrices(predictions.as_view(), targets.as_view())
            .unwrap()
            .with_output_names(vec!["a".into(), "b".into()])
            .unwrap();
        assert_eq!(
            two.to_string(),
            "mae 0.750000  mse 1.250000  rmse 1.060660  r2 -0.2500
  a: mae 0.500000  mse 0.500000  rmse 0.707107  r2 0.5000
  b: mae 1.000000  mse 2.000000  rmse 1.414214  r2 -1.0000
"
        );
    }
}
