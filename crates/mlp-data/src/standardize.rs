//! Feature standardization: zero mean and unit variance, fitted on training data only.

use mlp_core::Scalar;
use nalgebra::DMatrix;
use serde::{Deserialize, Serialize};

use super::error::DataError;
use super::labeled::{FeatureColumn, FeatureValues, Features};

/// Per-feature mean and standard deviation: `x' = (x − mean) / std`.
///
/// Fitted like scikit-learn's `StandardScaler`: the population standard deviation (divisor n),
/// and a (numerically) constant feature gets `std = 1`, so it maps to 0. Saved with the model,
/// serialized as `{"mean": [..], "std": [..]}`; deserializing checks the same invariants as
/// [`Standardizer::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "StandardizerRepr", into = "StandardizerRepr")]
pub struct Standardizer {
    mean: Vec<f64>,
    std: Vec<f64>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StandardizerRepr {
    mean: Vec<f64>,
    std: Vec<f64>,
}

impl TryFrom<StandardizerRepr> for Standardizer {
    type Error = DataError;

    fn try_from(repr: StandardizerRepr) -> Result<Self, DataError> {
        Standardizer::new(repr.mean, repr.std)
    }
}

impl From<Standardizer> for StandardizerRepr {
    fn from(standardizer: Standardizer) -> Self {
        StandardizerRepr { mean: standardizer.mean, std: standardizer.std }
    }
}

impl Standardizer {
    /// Fits on `values`, (n_features × n_samples): for feature i,
    /// `mean_i = Σ_j x_ij / n` and `std_i = sqrt(Σ_j (x_ij − mean_i)² / n)`.
    ///
    /// A feature is constant, and gets `std = 1`, when its variance is within rounding of 0
    /// (scikit-learn's `_is_constant_feature`: `var ≤ n·ε·var + (n·mean·ε)²`). With no samples
    /// every feature gets mean 0 and std 1.
    pub fn fit(values: &DMatrix<f64>) -> Self {
        let n_samples = values.ncols();
        if n_samples == 0 {
            return Standardizer {
                mean: vec![0.0; values.nrows()],
                std: vec![1.0; values.nrows()],
            };
        }
        let n = n_samples as f64;
        let (mean, std) = values
            .row_iter()
            .map(|feature| {
                // Summed in units of a power of two near the largest |x|, so that squares and
                // sums of numbers up to f64::MAX stay finite; multiplying by a power of two is
                // exact, so the result is the same as unscaled wherever that does not overflow.
                let largest = feature.iter().fold(0.0_f64, |max, &x| max.max(x.abs()));
                let unit = power_of_two_unit(largest);
                let mean = feature.iter().map(|&x| x / unit).sum::<f64>() / n;
                let variance =
                    feature.iter().map(|&x| (x / unit - mean) * (x / unit - mean)).sum::<f64>() / n;
                unscaled_mean_and_std(unit, mean, variance, n)
            })
            .unzip();
        Standardizer { mean, std }
    }

    /// [`Standardizer::fit`] of the samples (columns) `samples` of `values`, in that order, bit
    /// for bit, without copying them out: each feature's sums run over the samples in the same
    /// order, a sample (a contiguous column) at a time.
    /// Values of any precision are widened to `f64`: the statistics are computed in `f64`.
    pub(crate) fn fit_samples<T: Scalar>(values: &DMatrix<T>, samples: &[usize]) -> Self {
        let n_features = values.nrows();
        if samples.is_empty() {
            return Standardizer { mean: vec![0.0; n_features], std: vec![1.0; n_features] };
        }
        let n = samples.len() as f64;
        // The value `Iterator::sum` starts from, so that the sums below are `fit`'s.
        let zero: f64 = std::iter::empty::<f64>().sum();
        let columns = || samples.iter().map(|&sample| values.column(sample));
        let mut largest = vec![0.0_f64; n_features];
        for column in columns() {
            for (max, &x) in largest.iter_mut().zip(column.iter()) {
                *max = max.max(x.to_f64_value().abs());
            }
        }
        let units: Vec<f64> = largest.iter().map(|&largest| power_of_two_unit(largest)).collect();
        let mut sums = vec![zero; n_features];
        for column in columns() {
            for ((sum, &x), &unit) in sums.iter_mut().zip(column.iter()).zip(&units) {
                *sum += x.to_f64_value() / unit;
            }
        }
        let means: Vec<f64> = sums.iter().map(|&sum| sum / n).collect();
        let mut squares = vec![zero; n_features];
        for column in columns() {
            for (((square, &x), &unit), &mean) in
                squares.iter_mut().zip(column.iter()).zip(&units).zip(&means)
            {
                let x = x.to_f64_value();
                *square += (x / unit - mean) * (x / unit - mean);
            }
        }
        let (mean, std) = (0..n_features)
            .map(|feature| {
                unscaled_mean_and_std(units[feature], means[feature], squares[feature] / n, n)
            })
            .unzip();
        Standardizer { mean, std }
    }

    /// A standardizer with these means and standard deviations (e.g. from a model file).
    ///
    /// Fails unless both have the same length, every mean is finite and every std is finite
    /// and at least `f64::MIN_POSITIVE` (a subnormal std turns every ordinary value into an
    /// overflow; a fitted one is never that small).
    pub fn new(mean: Vec<f64>, std: Vec<f64>) -> Result<Self, DataError> {
        if mean.len() != std.len() {
            return Err(DataError::InvalidStandardizer {
                reason: format!("{} means but {} standard deviations", mean.len(), std.len()),
            });
        }
        if let Some(feature_idx) = mean.iter().position(|m| !m.is_finite()) {
            return Err(DataError::InvalidStandardizer {
                reason: format!(
                    "mean {} of feature {} is not finite",
                    mean[feature_idx],
                    feature_idx + 1
                ),
            });
        }
        if let Some(feature_idx) =
            std.iter().position(|s| !(s.is_finite() && *s >= f64::MIN_POSITIVE))
        {
            return Err(DataError::InvalidStandardizer {
                reason: format!(
                    "standard deviation {:e} of feature {} is not finite and positive, or too \
                     small to divide by",
                    std[feature_idx],
                    feature_idx + 1
                ),
            });
        }
        Ok(Standardizer { mean, std })
    }

    /// Per-feature means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// Per-feature standard deviations (1 for a constant feature).
    pub fn std(&self) -> &[f64] {
        &self.std
    }

    /// Number of features.
    pub fn n_features(&self) -> usize {
        self.mean.len()
    }

    /// Standardizes `values`, (n_features × n_samples), in place: `x_ij ← (x_ij − mean_i) / std_i`
    /// (as `x / std − mean / std` where `x − mean` alone would overflow). A result too large
    /// for an f64 is ±∞: see [`Standardizer::first_overflow`].
    ///
    /// Fails, leaving `values` untouched, when it does not have [`Standardizer::n_features`] rows.
    pub fn apply(&self, values: &mut DMatrix<f64>) -> Result<(), DataError> {
        self.check_rows(values)?;
        // A sample (a contiguous column) at a time: the same arithmetic for every value.
        for mut sample in values.column_iter_mut() {
            for ((x, &mean), &std) in sample.iter_mut().zip(&self.mean).zip(&self.std) {
                let standardized = (*x - mean) / std;
                *x = if standardized.is_finite() { standardized } else { *x / std - mean / std };
            }
        }
        Ok(())
    }

    /// [`Standardizer::apply`] to values of precision `T`: each value widened to `f64`,
    /// standardized in `f64` exactly as `apply` does, and rounded back to `T` (for `f64`,
    /// `apply` bit for bit).
    pub(crate) fn apply_in<T: Scalar>(&self, values: &mut DMatrix<T>) -> Result<(), DataError> {
        self.check_rows(values)?;
        for mut sample in values.column_iter_mut() {
            for ((x, &mean), &std) in sample.iter_mut().zip(&self.mean).zip(&self.std) {
                let wide = x.to_f64_value();
                let standardized = (wide - mean) / std;
                let standardized =
                    if standardized.is_finite() { standardized } else { wide / std - mean / std };
                *x = T::from_f64_value(standardized);
            }
        }
        Ok(())
    }

    /// The first value of `standardized` (feature, sample: 0-based) that is not finite, in
    /// sample order: where [`Standardizer::apply`] overflowed.
    pub fn first_overflow(standardized: &DMatrix<f64>) -> Option<(usize, usize)> {
        let index = standardized.iter().position(|value| !value.is_finite())?;
        Some((index % standardized.nrows(), index / standardized.nrows()))
    }
}

/// The error for an overflow [`Standardizer::first_overflow`] found at (`input_idx`,
/// `sample_idx`) of inputs encoded from `features`' rows `rows`, with inputs named
/// `input_names` (a numeric input is named as its column).
pub(crate) fn overflow_error(
    features: &Features,
    input_names: &[String],
    (input_idx, sample_idx): (usize, usize),
    rows: &[usize],
) -> DataError {
    let row = rows[sample_idx];
    let feature = features.columns().iter().find(|feature| {
        Some(&feature.column().name) == input_names.get(input_idx) && !feature.is_categorical()
    });
    match (feature, feature.map(FeatureColumn::values)) {
        (Some(feature), Some(FeatureValues::Numeric(values))) => DataError::StandardizeOverflow {
            path: features.path().to_owned(),
            line: features.lines()[row],
            column: feature.column().clone(),
            value: values[row],
        },
        _ => DataError::InvalidPreprocessor {
            reason: format!("input {} overflows when standardized", input_idx + 1),
        },
    }
}

/// The mean and standard deviation of a feature from its mean and variance in units of `unit`
/// (a power of two) over `n` samples: the std is 1 where the variance is rounding noise
/// (≤ n·ε·σ² + (n·μ·ε)²) or not finite, so that a constant feature is left as it is.
fn unscaled_mean_and_std(unit: f64, mean: f64, variance: f64, n: f64) -> (f64, f64) {
    let bound = n * f64::EPSILON * variance + (n * mean * f64::EPSILON).powi(2);
    let std = if variance <= bound || !variance.is_finite() { 1.0 } else { variance.sqrt() * unit };
    (mean * unit, std)
}

/// 1 for magnitudes whose squares cannot overflow (and for 0, NaN or ∞), otherwise the power
/// of two at or just below `largest`: dividing by it keeps every |x| below 2.
fn power_of_two_unit(largest: f64) -> f64 {
    if !(largest.is_finite() && largest > 1e150) {
        return 1.0;
    }
    // 2^k ≤ largest < 2^(k+1), from the exponent bits: k ≤ 1023, so 2^k is finite.
    let exponent = ((largest.to_bits() >> 52) & 0x7ff) as i32 - 1023;
    2.0_f64.powi(exponent)
}

impl Standardizer {
    /// Fails unless `values` has one row per feature.
    fn check_rows<T: Scalar>(&self, values: &DMatrix<T>) -> Result<(), DataError> {
        if values.nrows() != self.n_features() {
            return Err(DataError::FeatureCount {
                expected: self.n_features(),
                found: values.nrows(),
            });
        }
        Ok(())
    }

    /// Undoes [`Standardizer::apply`] in place: `x_ij ← x_ij · std_i + mean_i` (predictions in
    /// standardized units back to the original ones).
    ///
    /// Fails, leaving `values` untouched, when it does not have [`Standardizer::n_features`] rows.
    pub fn invert(&self, values: &mut DMatrix<f64>) -> Result<(), DataError> {
        self.check_rows(values)?;
        for (mut feature, (&mean, &std)) in
            values.row_iter_mut().zip(self.mean.iter().zip(&self.std))
        {
            feature.apply(|x| *x = *x * std + mean);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;

    use super::*;

    #[test]
    fn fit_samples_is_fit_of_the_selected_columns_bit_for_bit() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let special = [0.0, -0.0, 1e300, -1e300, 5.0, f64::MAX, 1e-310];
        for _ in 0..300 {
            let (n_features, n_samples) = (rng.random_range(0..5), rng.random_range(0..30));
            let values =
                DMatrix::from_fn(n_features, n_samples, |_, _| match rng.random_range(0..4) {
                    0 => special[rng.random_range(0..special.len())],
                    _ => rng.random_range(-10.0..10.0) * 10f64.powi(rng.random_range(-3..3)),
                });
            let samples: Vec<usize> =
                (0..n_samples).filter(|_| rng.random_range(0..3) > 0).collect();
            let expected = Standardizer::fit(&values.select_columns(&samples));
            let found = Standardizer::fit_samples(&values, &samples);
            let bits = |values: &[f64]| values.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(found.mean()), bits(expected.mean()), "{values} {samples:?}");
            assert_eq!(bits(found.std()), bits(expected.std()), "{values} {samples:?}");
        }
        // A feature of negative zeros has mean -0, as `fit` gives it.
        let zeros = DMatrix::from_element(1, 3, -0.0);
        assert_eq!(
            Standardizer::fit_samples(&zeros, &[0, 2]).mean()[0].to_bits(),
            Standardizer::fit(&zeros).mean()[0].to_bits()
        );
    }

    #[test]
    fn fit_and_apply_match_hand_computed_values() {
        // Feature 1: 1, 2, 3, 4: mean 2.5, population variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25.
        // Feature 2: 10, 10, 10, 30: mean 15, variance (25 + 25 + 25 + 225) / 4 = 75.
        #[rustfmt::skip]
        let mut values = DMatrix::from_row_slice(2, 4, &[
            1.0, 2.0, 3.0, 4.0,
            10.0, 10.0, 10.0, 30.0,
        ]);
        let standardizer = Standardizer::fit(&values);
        assert_relative_eq!(standardizer.mean()[0], 2.5);
        assert_relative_eq!(standardizer.mean()[1], 15.0);
        assert_relative_eq!(standardizer.std()[0], 1.25_f64.sqrt());
        assert_relative_eq!(standardizer.std()[1], 75.0_f64.sqrt());
        standardizer.apply(&mut values).unwrap();
        // scikit-learn: StandardScaler().fit_transform([[1], [2], [3], [4]]).ravel() gives
        // [-1.34164079, -0.4472136, 0.4472136, 1.34164079].
        let s = 1.25_f64.sqrt();
        let t = 75.0_f64.sqrt();
        #[rustfmt::skip]
        let expected = DMatrix::from_row_slice(2, 4, &[
            -1.5 / s, -0.5 / s, 0.5 / s, 1.5 / s,
            -5.0 / t, -5.0 / t, -5.0 / t, 15.0 / t,
        ]);
        assert_relative_eq!(values, expected, epsilon = 1e-12);
        assert_relative_eq!(values[(0, 0)], -1.341_640_786_499_873_8, epsilon = 1e-12);
    }

    #[test]
    fn constant_feature_gets_std_one_and_maps_to_zero() {
        // 0.1 is not exact in binary, so the computed variance is tiny but not zero.
        let mut values = DMatrix::from_row_slice(1, 3, &[0.1, 0.1, 0.1]);
        let standardizer = Standardizer::fit(&values);
        assert_eq!(standardizer.std(), [1.0]);
        standardizer.apply(&mut values).unwrap();
        assert_relative_eq!(values, DMatrix::zeros(1, 3), epsilon = 1e-15);
    }

    #[test]
    fn invert_undoes_apply() {
        let original = DMatrix::from_row_slice(2, 3, &[1.0, 5.0, 9.0, -2.0, 0.5, 40.0]);
        let standardizer = Standardizer::fit(&original);
        let mut values = original.clone();
        standardizer.apply(&mut values).unwrap();
        standardizer.invert(&mut values).unwrap();
        assert_relative_eq!(values, original, epsilon = 1e-12);
        let err = standardizer.invert(&mut DMatrix::zeros(1, 1)).unwrap_err();
        assert!(matches!(err, DataError::FeatureCount { expected: 2, found: 1 }), "{err:?}");
    }

    #[test]
    fn no_samples_gives_identity() {
        let standardizer = Standardizer::fit(&DMatrix::zeros(2, 0));
        assert_eq!(standardizer.mean(), [0.0, 0.0]);
        assert_eq!(standardizer.std(), [1.0, 1.0]);
    }

    #[test]
    fn wrong_feature_count_is_an_error() {
        let standardizer = Standardizer::fit(&DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 3.0, 4.0]));
        let mut values = DMatrix::from_row_slice(3, 1, &[1.0, 2.0, 3.0]);
        let err = standardizer.apply(&mut values).unwrap_err();
        assert!(matches!(err, DataError::FeatureCount { expected: 2, found: 3 }), "{err:?}");
        assert_eq!(values.as_slice(), [1.0, 2.0, 3.0]);
    }

    #[test]
    fn serde_round_trip_is_exact_and_validates() {
        let standardizer = Standardizer::fit(&DMatrix::from_row_slice(1, 3, &[0.1, 0.7, 1.3]));
        let json = serde_json::to_string(&standardizer).unwrap();
        assert_eq!(serde_json::from_str::<Standardizer>(&json).unwrap(), standardizer);
        assert!(serde_json::from_str::<Standardizer>(r#"{"mean":[0.0],"std":[0.0]}"#).is_err());
        assert!(serde_json::from_str::<Standardizer>(r#"{"mean":[0.0],"std":[-1.0]}"#).is_err());
        assert!(serde_json::from_str::<Standardizer>(r#"{"mean":[0.0,1.0],"std":[1.0]}"#).is_err());
    }

    /// Numbers whose squares (and sums) overflow f64 still get their mean and standard
    /// deviation: 1e200 and 3e200 have mean 2e200 and std 1e200; ±1.7e308 have mean 0 and std
    /// 1.7e308. Before, the variance overflowed to ∞ and the std fell back to 1.
    #[test]
    fn fit_does_not_overflow_on_huge_finite_values() {
        let standardizer =
            Standardizer::fit(&DMatrix::from_row_slice(2, 2, &[1e200, 3e200, -1.7e308, 1.7e308]));
        assert_eq!(standardizer.mean(), [2e200, 0.0]);
        assert_eq!(standardizer.std(), [1e200, 1.7e308]);
        let mut values = DMatrix::from_row_slice(2, 1, &[3e200, 1.7e308]);
        standardizer.apply(&mut values).unwrap();
        assert_eq!(values.as_slice(), [1.0, 1.0]);
        assert_eq!(Standardizer::first_overflow(&values), None);
    }

    /// Scaling by a power of two is exact: ordinary numbers fit as before, bit for bit.
    #[test]
    fn the_scaling_unit_is_a_power_of_two_and_only_for_huge_values() {
        assert_eq!(power_of_two_unit(1e150), 1.0);
        assert_eq!(power_of_two_unit(f64::INFINITY), 1.0);
        assert_eq!(power_of_two_unit(f64::MAX), 2.0_f64.powi(1023));
        let unit = power_of_two_unit(3e200);
        assert!(unit <= 3e200 && 3e200 < 2.0 * unit && unit.log2().fract() == 0.0);
    }

    /// The rounding bound `n·ε·var + (n·mean·ε)²` (ε = 2⁻⁵²), on its two edges, by hand:
    /// - 1e8 and 1e8 + 4·ulp(1e8) = 1e8 + 2⁻²⁴: mean 1e8 + 2⁻²⁵, var = (2⁻²⁵)² = 2⁻⁵⁰ ≈ 8.9e-16,
    ///   within (2 · 1e8 · ε)² ≈ 1.97e-15 of 0: constant, std 1 (with (n + mean)·ε, the bound
    ///   would be ≈ 4.9e-16 and the std 2⁻²⁵).
    /// - −1e-5 and 1e-5: mean 0, var = 1e-10, far above 2 · ε · 1e-10 ≈ 4.4e-26: std 1e-5
    ///   (with n·ε / var the bound would be ≈ 4.4e-6 and the std 1).
    #[test]
    fn the_constant_feature_bound_is_n_eps_var_plus_n_mean_eps_squared() {
        let near = 1e8 + 2.0_f64.powi(-24);
        let standardizer = Standardizer::fit(&DMatrix::from_row_slice(1, 2, &[1e8, near]));
        assert_eq!(standardizer.std(), [1.0]);
        assert_eq!(standardizer.mean(), [1e8 + 2.0_f64.powi(-25)]);
        let standardizer = Standardizer::fit(&DMatrix::from_row_slice(1, 2, &[-1e-5, 1e-5]));
        assert_eq!(standardizer.mean(), [0.0]);
        assert_relative_eq!(standardizer.std()[0], 1e-5, max_relative = 1e-15);
    }

    /// (feature, sample) of the first non-finite value in sample order: a (3 × 2) matrix in
    /// column-major order has (2, 0) at index 2, before the NaN at (0, 1), index 3.
    #[test]
    fn first_overflow_is_feature_and_sample() {
        let values = DMatrix::from_row_slice(3, 2, &[1.0, f64::NAN, 2.0, 3.0, f64::INFINITY, 4.0]);
        assert_eq!(Standardizer::first_overflow(&values), Some((2, 0)));
        assert_eq!(Standardizer::first_overflow(&DMatrix::from_element(3, 2, 1.0)), None);
    }

    /// The error names the numeric column an input comes from and its row's file line: input 2
    /// (`y`) of sample 0, which is row 1 (0-based, `rows` = [1, 0]): line 3 under the header,
    /// holding 4e300. Input 3 is the categorical column `c`: there is no number to show.
    #[test]
    fn an_overflow_is_blamed_on_the_numeric_column_and_line_of_its_input() {
        use crate::{ColumnSelection, CsvOptions, Table, Task};
        let text = "x,y,c,t\n1,2,a,0\n3,4e300,b,1\n";
        let table = Table::from_reader(text.as_bytes(), "f.csv", &CsvOptions::default()).unwrap();
        let data = table.select(&ColumnSelection::new(["t"]), Task::Regression).unwrap();
        let names = ["x", "y", "c"].map(String::from);
        let err = overflow_error(data.features(), &names, (1, 0), &[1, 0]);
        let DataError::StandardizeOverflow { path, line, column, value } = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            (path.to_str(), line, column.name.as_str(), value),
            (Some("f.csv"), 3, "y", 4e300)
        );
        let err = overflow_error(data.features(), &names, (2, 0), &[1, 0]);
        assert!(matches!(err, DataError::InvalidPreprocessor { .. }), "{err:?}");
    }

    /// Where even x / std − mean / std overflows, the value becomes ∞ and `first_overflow`
    /// finds it (feature, sample).
    #[test]
    fn an_unrepresentable_result_is_found() {
        let standardizer = Standardizer::new(vec![0.0, -1e300], vec![1.0, 0.5]).unwrap();
        let mut values = DMatrix::from_row_slice(2, 2, &[1.0, 2.0, 0.2, 1e308]);
        standardizer.apply(&mut values).unwrap();
        assert_eq!(Standardizer::first_overflow(&values), Some((1, 1)));
        // x − mean overflows but the quotient does not: computed the other way round.
        let standardizer = Standardizer::new(vec![-1e308], vec![4.0]).unwrap();
        let mut values = DMatrix::from_row_slice(1, 1, &[1e308]);
        standardizer.apply(&mut values).unwrap();
        assert_eq!(values[(0, 0)], 0.5e308);
    }
}
