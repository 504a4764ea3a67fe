//! Missing values: what to do with them ([`MissingPolicy`]) and the [`Imputer`] that fills
//! features in with statistics of the training rows.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::error::DataError;
use super::labeled::{FeatureValues, Features};

/// What [`prepare_training_with`](super::prepare_training_with) does with missing cells
/// (`--missing`).
///
/// A row whose target is missing is never trained on: [`MissingPolicy::Error`] reports it with
/// the other missing cells; the other policies drop it, with a
/// [`DataNotice`](super::DataNotice) (targets are never imputed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingPolicy {
    /// A missing cell is an error that counts the missing cells per column, names their first
    /// lines and suggests the other policies.
    #[default]
    Error,
    /// Rows with a missing feature or target are dropped, with a notice giving the count. The
    /// preprocessor gets no imputer: files prepared with it later must have every feature.
    Drop,
    /// Missing features are filled in with this statistic of the training rows (after the
    /// split); categorical features always take their most frequent category. The imputer is
    /// saved in the preprocessor and applied to every file it prepares.
    Impute(ImputeStrategy),
}

/// The statistic an [`Imputer`] fills a numeric feature with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImputeStrategy {
    /// The mean of the column's training values.
    Mean,
    /// The median (the mean of the two middle values for an even count), as scikit-learn's
    /// `SimpleImputer(strategy="median")`.
    Median,
    /// The most frequent value; the smallest of equally frequent ones, as scikit-learn's
    /// `SimpleImputer(strategy="most_frequent")`.
    MostFrequent,
}

impl ImputeStrategy {
    /// The name the CLI and the model file use: `"mean"`, `"median"`, `"most-frequent"`.
    pub fn name(self) -> &'static str {
        match self {
            ImputeStrategy::Mean => "mean",
            ImputeStrategy::Median => "median",
            ImputeStrategy::MostFrequent => "most-frequent",
        }
    }
}

/// The value that fills a feature's missing cells: a number for a numeric feature, a category
/// for a categorical one. Serialized as a JSON number or string.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FillValue {
    /// For a numeric feature.
    Number(f64),
    /// For a categorical feature.
    Category(String),
}

/// One fill value per feature column, fitted on the training rows.
///
/// Serialized as `{"strategy": "median", "values": [44.45, "male"]}`, values in feature-column
/// order.
///
/// # Example
///
/// ```
/// use mlp_data::{FillValue, ImputeStrategy, Imputer};
///
/// let imputer = Imputer::new(
///     ImputeStrategy::Median,
///     vec![FillValue::Number(44.45), FillValue::Category("male".to_owned())],
/// );
/// assert_eq!(imputer.values()[0], FillValue::Number(44.45));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Imputer {
    strategy: ImputeStrategy,
    values: Vec<FillValue>,
}

impl Imputer {
    /// An imputer with these fill values, one per feature column in order (e.g. from a model
    /// file; [`Preprocessor::new`](super::Preprocessor::new) checks them against the features).
    pub fn new(strategy: ImputeStrategy, values: Vec<FillValue>) -> Self {
        Imputer { strategy, values }
    }

    /// The statistic numeric features were filled with.
    pub fn strategy(&self) -> ImputeStrategy {
        self.strategy
    }

    /// One fill value per feature column.
    pub fn values(&self) -> &[FillValue] {
        &self.values
    }

    /// Fits on the samples `train` (0-based) of `features`: per numeric column the strategy's
    /// statistic of its non-missing values, per categorical column its most frequent category
    /// (the smallest in byte order among equally frequent ones).
    ///
    /// Fails when a column has no value in the training rows.
    pub(crate) fn fit(
        features: &Features,
        train: &[usize],
        strategy: ImputeStrategy,
    ) -> Result<Imputer, DataError> {
        let mut values = Vec::with_capacity(features.columns().len());
        for column in features.columns() {
            let nothing = || DataError::NothingToImpute {
                path: features.path().to_owned(),
                column: column.column().clone(),
            };
            let value = match column.values() {
                FeatureValues::Numeric(cells) => {
                    let present: Vec<f64> =
                        train.iter().map(|&j| cells[j]).filter(|v| !v.is_nan()).collect();
                    FillValue::Number(statistic(&present, strategy).ok_or_else(nothing)?)
                }
                FeatureValues::Categorical { categories, codes } => {
                    let mut counts = vec![0_usize; categories.len()];
                    for code in train.iter().filter_map(|&j| codes[j]) {
                        counts[code as usize] += 1;
                    }
                    let best = (0..categories.len())
                        .filter(|&k| counts[k] > 0)
                        .max_by(|&a, &b| {
                            counts[a]
                                .cmp(&counts[b])
                                .then_with(|| categories[b].cmp(&categories[a]))
                        })
                        .ok_or_else(nothing)?;
                    FillValue::Category(categories[best].clone())
                }
            };
            values.push(value);
        }
        Ok(Imputer { strategy, values })
    }
}

/// The strategy's statistic of `values` (none NaN), or `None` when there are none.
fn statistic(values: &[f64], strategy: ImputeStrategy) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let n = values.len();
    match strategy {
        ImputeStrategy::Mean => Some(values.iter().sum::<f64>() / n as f64),
        ImputeStrategy::Median => {
            let mut sorted = values.to_vec();
            sorted.sort_by(f64::total_cmp);
            Some(if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 })
        }
        ImputeStrategy::MostFrequent => {
            let mut counts: HashMap<u64, (usize, f64)> = HashMap::new();
            for &value in values {
                // -0.0 and 0.0 count as one value.
                let value = value + 0.0;
                counts.entry(value.to_bits()).or_insert((0, value)).0 += 1;
            }
            counts
                .into_values()
                .max_by(|(a_count, a_value), (b_count, b_value)| {
                    a_count.cmp(b_count).then_with(|| b_value.total_cmp(a_value))
                })
                .map(|(_, value)| value)
        }
    }
}

#[cfg(test)]
#[path = "missing_tests.rs"]
mod missing_tests;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_match_scikit_learn_simple_imputer() {
        // SimpleImputer(strategy=...).fit([[1], [2], [2], [10]]).statistics_ gives
        // mean 3.75, median 2.0, most_frequent 2.0.
        let values = [1.0, 2.0, 2.0, 10.0];
        assert_eq!(statistic(&values, ImputeStrategy::Mean), Some(3.75));
        assert_eq!(statistic(&values, ImputeStrategy::Median), Some(2.0));
        assert_eq!(statistic(&values, ImputeStrategy::MostFrequent), Some(2.0));
        // Even count: the mean of the middle two; odd count: the middle one.
        assert_eq!(statistic(&[4.0, 1.0, 3.0, 2.0], ImputeStrategy::Median), Some(2.5));
        assert_eq!(statistic(&[5.0, 1.0, 3.0], ImputeStrategy::Median), Some(3.0));
        // Ties: the smallest value.
        assert_eq!(statistic(&[3.0, 1.0, 3.0, 1.0], ImputeStrategy::MostFrequent), Some(1.0));
        assert_eq!(statistic(&[], ImputeStrategy::Mean), None);
    }

    #[test]
    fn serialized_form() {
        let imputer = Imputer::new(
            ImputeStrategy::MostFrequent,
            vec![FillValue::Number(2.5), FillValue::Category("male".to_owned())],
        );
        let json = serde_json::to_string(&imputer).unwrap();
        assert_eq!(json, r#"{"strategy":"most-frequent","values":[2.5,"male"]}"#);
        assert_eq!(serde_json::from_str::<Imputer>(&json).unwrap(), imputer);
        assert!(serde_json::from_str::<Imputer>(r#"{"strategy":"mode","values":[]}"#).is_err());
    }
}
